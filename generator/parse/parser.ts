/**
 * The schema reader: tokens to expressions, doc comments, includes and
 * pragmas. It follows QEMU's parser rule for rule, including which error
 * wins when a file has several: QEMU reads one token ahead, so does this.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { IToken } from 'chevrotain';
import { QapiError, QapiParseError, QapiSemError, SourceInfo, columnOf } from '../source/source-info.js';
import { QapiDoc, type DocSectionKind } from './doc.js';
import { Colon, Comma, Comment, False, LCurly, LSquare, RCurly, RSquare, Str, Stray, True, tokenize, type StringPayload } from './lexer.js';

/** A parsed value: QAPI's JSON subset. Objects are Maps to keep key order and odd keys intact. */
export type ExprValue = string | boolean | ExprValue[] | ExprDict;
export type ExprDict = Map<string, ExprValue>;

/** A top-level expression with where it came from and the doc comment before it. */
export interface QapiExpression {
  readonly expr: ExprDict;
  readonly info: SourceInfo;
  readonly doc: QapiDoc | null;
}

export interface ParseOptions {
  /** Doc-comment rule violations become warnings (for older QEMU schemas). */
  lenientDocs?: boolean;
  /** Receives warnings, already formatted as `FILE:LINE: warning: message`. */
  warn?: (message: string) => void;
}

export interface ParseResult {
  exprs: QapiExpression[];
  docs: QapiDoc[];
  /** Every file read, in the order first read, with its text (as normalized for parsing). */
  sourceFiles: SourceFile[];
}

export interface SourceFile {
  name: string;
  text: string;
}

/** Python's str.isspace(), which QEMU's regexes and rstrip() use. */
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const leadingSpace = new RegExp(`^[${PY_SPACE}]*`);
const trailingSpace = new RegExp(`[${PY_SPACE}]+$`);
const atNameColon = /^@([^:]*): */;
const taggedSection = /^(Returns|Errors|Since|Notes?|Examples?|TODO)(?!::): */;
/** A period, one space, more text: a sentence break with one space too few. */
const singleSpaceAfterPeriod = /(\S+)\. (?=\S)/g;
/** Directives whose content is literal text, not prose. */
const literalDirective = /^\s*\.\. (qmp-example|code-block|code|parsed-literal)::/;
const proseDirective = /^\s*\.\. [A-Za-z-]+::/;

export function pyRstrip(s: string): string {
  return s.replace(trailingSpace, '');
}

export function indentOf(s: string): number {
  return leadingSpace.exec(s)![0].length;
}

/** os.path.dirname: '' for a bare file name, unlike Node's '.'. */
export function pyDirname(p: string): string {
  const i = p.lastIndexOf('/') + 1;
  let head = p.slice(0, i);
  if (head && head !== '/'.repeat(head.length)) head = head.replace(/\/+$/, '');
  return head;
}

/** os.path.join of two parts, without normalizing. */
export function pyJoin(dir: string, name: string): string {
  if (name.startsWith('/') || dir === '') return name;
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EISDIR: 'Is a directory',
  EACCES: 'Permission denied',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
};

/** The errno text Python puts in OSError.strerror. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return STRERROR[code] ?? (err as Error).message;
}

/** Reads a schema file as Python does: UTF-8, universal newlines, a final newline added. */
export function readSchemaText(fname: string): string {
  const bytes = readFileSync(fname);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const e = new Error('invalid UTF-8') as NodeJS.ErrnoException;
    e.code = 'EILSEQ';
    throw e;
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = text.replace(/\r\n?/g, '\n');
  if (text === '' || !text.endsWith('\n')) text += '\n';
  return text;
}

export class SchemaParser {
  readonly exprs: QapiExpression[] = [];
  readonly docs: QapiDoc[] = [];
  private readonly src: string;
  private readonly tokens: IToken[];
  private idx = 0;
  private tok: IToken | null = null;
  private readonly lineInfos = new Map<number, SourceInfo>();
  private readonly fileInfo: SourceInfo;
  /** Indentation of the line that opened a literal block, while inside one. */
  private literalIndent: number | null = null;

  constructor(
    private readonly fname: string,
    private readonly included: Set<string>,
    inclInfo: SourceInfo | null,
    private readonly options: ParseOptions,
    private readonly sourceFiles: SourceFile[] = [],
  ) {
    this.lenientDocRule = options.lenientDocs
      ? (info: SourceInfo, msg: string): void => options.warn?.(`${info.fname}:${info.line}: warning: ${msg}`)
      : null;
    this.included.add(resolvePath(fname));
    this.fileInfo = SourceInfo.forFile(fname, inclInfo);
    this.lineInfos.set(1, this.fileInfo);
    this.src = readSchemaText(fname);
    this.sourceFiles.push({ name: fname, text: this.src });
    this.tokens = tokenize(this.src);
    this.parse();
  }

  /** Parses a whole schema, following includes. */
  static parseFile(fname: string, options: ParseOptions = {}): ParseResult {
    let parser: SchemaParser;
    const sourceFiles: SourceFile[] = [];
    try {
      parser = new SchemaParser(fname, new Set(), null, options, sourceFiles);
    } catch (err) {
      if (err instanceof QapiError) throw err;
      throw new QapiError(`can't read schema file '${fname}': ${strerror(err)}`);
    }
    return { exprs: parser.exprs, docs: parser.docs, sourceFiles };
  }

  // ---- positions -------------------------------------------------------

  private lineInfo(line: number): SourceInfo {
    let info = this.lineInfos.get(line);
    if (!info) {
      info = this.fileInfo.atLine(line);
      this.lineInfos.set(line, info);
    }
    return info;
  }

  /** Offset and line of the current token; at the end, the final newline. */
  private here(): { offset: number; line: number } {
    if (this.tok) return { offset: this.tok.startOffset, line: this.tok.startLine! };
    const offset = this.src.length - 1;
    let line = 1;
    for (let i = this.src.indexOf('\n'); i !== -1 && i < offset; i = this.src.indexOf('\n', i + 1)) line++;
    return { offset, line };
  }

  private get info(): SourceInfo {
    return this.lineInfo(this.here().line);
  }

  private parseError(msg: string, offset?: number): QapiParseError {
    const h = this.here();
    const pos = offset ?? h.offset;
    const lineStart = this.src.lastIndexOf('\n', h.offset - 1) + 1;
    return new QapiParseError(this.lineInfo(h.line), msg, columnOf(this.src, lineStart, pos));
  }

  // ---- lexer interface -------------------------------------------------

  /** Moves to the next token; plain comments are skipped unless inside a doc comment. */
  private accept(skipComment = true): void {
    for (;;) {
      const tok = this.tokens[this.idx++] ?? null;
      this.tok = tok;
      if (!tok) return;
      const type = tok.tokenType;
      if (type === Comment) {
        if (tok.image.charCodeAt(1) === 35) skipComment = false;
        if (!skipComment) return;
        continue;
      }
      if (type === Str) {
        const payload = tok.payload as StringPayload;
        if (payload.error !== null) throw this.parseError(payload.error);
      } else if (type === Stray) {
        throw this.parseError(`stray '${tok.image}'`);
      }
      return;
    }
  }

  private is(type: typeof Comment): boolean {
    return this.tok !== null && this.tok.tokenType === type;
  }

  private get stringValue(): string {
    return (this.tok!.payload as StringPayload).value;
  }

  // ---- expressions -----------------------------------------------------

  private parse(): void {
    let curDoc: QapiDoc | null = null;
    this.accept();
    while (this.tok) {
      const info = this.info;
      if (this.is(Comment)) {
        this.rejectExprDoc(curDoc);
        curDoc = this.getDoc();
        this.docs.push(curDoc);
        continue;
      }
      const expr = this.getExpr();
      if (!(expr instanceof Map)) throw new QapiSemError(info, 'top-level expression must be an object');
      if (expr.has('include')) {
        this.rejectExprDoc(curDoc);
        if (expr.size !== 1) throw new QapiSemError(info, "invalid 'include' directive");
        const include = expr.get('include');
        if (typeof include !== 'string') throw new QapiSemError(info, "value of 'include' must be a string");
        const inclFname = pyJoin(pyDirname(this.fname), include);
        this.exprs.push({ expr: new Map([['include', inclFname]]), info, doc: null });
        const sub = this.include(include, info, inclFname);
        if (sub) {
          this.exprs.push(...sub.exprs);
          this.docs.push(...sub.docs);
        }
      } else if (expr.has('pragma')) {
        this.rejectExprDoc(curDoc);
        if (expr.size !== 1) throw new QapiSemError(info, "invalid 'pragma' directive");
        const pragma = expr.get('pragma');
        if (!(pragma instanceof Map)) throw new QapiSemError(info, "value of 'pragma' must be an object");
        for (const [name, value] of pragma) this.pragma(name, value, info);
      } else {
        if (curDoc && !curDoc.symbol) throw new QapiSemError(curDoc.info, 'definition documentation required');
        this.exprs.push({ expr, info, doc: curDoc });
      }
      curDoc = null;
    }
    this.rejectExprDoc(curDoc);
  }

  private rejectExprDoc(doc: QapiDoc | null): void {
    if (doc && doc.symbol) {
      throw new QapiSemError(doc.info, `documentation for '${doc.symbol}' is not followed by the definition`);
    }
  }

  private include(include: string, info: SourceInfo, inclFname: string): SchemaParser | null {
    const inclAbs = resolvePath(inclFname);
    for (let inf: SourceInfo | null = info; inf; inf = inf.parent) {
      if (inclAbs === resolvePath(inf.fname)) throw new QapiSemError(info, `inclusion loop for ${include}`);
    }
    if (this.included.has(inclAbs)) return null;
    try {
      return new SchemaParser(inclFname, this.included, info, this.options, this.sourceFiles);
    } catch (err) {
      if (err instanceof QapiError) throw err;
      throw new QapiSemError(info, `can't read include file '${inclFname}': ${strerror(err)}`);
    }
  }

  private pragma(name: string, value: ExprValue, info: SourceInfo): void {
    const listOfStrings = (): string[] => {
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
        throw new QapiSemError(info, `pragma ${name} must be a list of strings`);
      }
      return value as string[];
    };
    const pragma = info.pragma;
    switch (name) {
      case 'doc-required':
        if (typeof value !== 'boolean') throw new QapiSemError(info, "pragma 'doc-required' must be boolean");
        pragma.docRequired = value;
        break;
      case 'command-name-exceptions':
        pragma.commandNameExceptions = listOfStrings();
        break;
      case 'command-returns-exceptions':
        pragma.commandReturnsExceptions = listOfStrings();
        break;
      case 'documentation-exceptions':
        pragma.documentationExceptions = listOfStrings();
        break;
      case 'member-name-exceptions':
        pragma.memberNameExceptions = listOfStrings();
        break;
      default:
        throw new QapiSemError(info, `unknown pragma '${name}'`);
    }
  }

  private getMembers(): ExprDict {
    const expr: ExprDict = new Map();
    if (this.is(RCurly)) {
      this.accept();
      return expr;
    }
    if (!this.is(Str)) throw this.parseError("expected string or '}'");
    for (;;) {
      const key = this.stringValue;
      this.accept();
      if (!this.is(Colon)) throw this.parseError("expected ':'");
      this.accept();
      if (expr.has(key)) throw this.parseError(`duplicate key '${key}'`);
      expr.set(key, this.getExpr());
      if (this.is(RCurly)) {
        this.accept();
        return expr;
      }
      if (!this.is(Comma)) throw this.parseError("expected ',' or '}'");
      this.accept();
      if (!this.is(Str)) throw this.parseError('expected string');
    }
  }

  private getValues(): ExprValue[] {
    const expr: ExprValue[] = [];
    if (this.is(RSquare)) {
      this.accept();
      return expr;
    }
    if (!(this.is(LCurly) || this.is(LSquare) || this.is(Str) || this.is(True) || this.is(False))) {
      throw this.parseError("expected '{', '[', ']', string, or boolean");
    }
    for (;;) {
      expr.push(this.getExpr());
      if (this.is(RSquare)) {
        this.accept();
        return expr;
      }
      if (!this.is(Comma)) throw this.parseError("expected ',' or ']'");
      this.accept();
    }
  }

  private getExpr(): ExprValue {
    let expr: ExprValue;
    if (this.is(LCurly)) {
      this.accept();
      expr = this.getMembers();
    } else if (this.is(LSquare)) {
      this.accept();
      expr = this.getValues();
    } else if (this.is(Str)) {
      expr = this.stringValue;
      this.accept();
    } else if (this.is(True) || this.is(False)) {
      expr = this.is(True);
      this.accept();
    } else {
      throw this.parseError("expected '{', '[', string, or boolean");
    }
    return expr;
  }

  // ---- doc comments ----------------------------------------------------

  /** Under --lenient-docs, how doc sections report a broken rule. */
  private readonly lenientDocRule: ((info: SourceInfo, msg: string) => void) | null;

  /** A violated doc-comment rule: QEMU's error, or a warning under --lenient-docs. */
  private docRule(msg: string, offset?: number): void {
    const err = this.parseError(msg, offset);
    if (!this.options.lenientDocs) throw err;
    this.options.warn?.(`${err.info.fname}:${err.info.line}: warning: ${msg.split('\n')[0]}`);
  }

  /** The text of the current doc line, or null at the closing `##`. */
  private getDocLine(): string | null {
    if (!this.is(Comment)) throw this.parseError("documentation comment must end with '##'");
    const val = this.tok!.image;
    if (val.startsWith('##')) {
      if (val !== '##') throw this.parseError("junk after '##' at end of documentation comment");
      return null;
    }
    if (val === '#') return '';
    if (val[1] !== ' ') throw this.parseError('missing space after #');
    const line = pyRstrip(val.slice(2));
    this.checkDocStyle(line);
    return line;
  }

  /**
   * QEMU 10.2's style rules for prose: lines of at most 70 characters and
   * two spaces between sentences. Literal blocks (`::`, `.. qmp-example::`)
   * are exempt, and so is a line that could not be wrapped anyway.
   */
  private checkDocStyle(line: string): void {
    const indent = indentOf(line);
    if (this.literalIndent !== null) {
      if (indent > this.literalIndent) return;
      this.literalIndent = null;
    }
    if ((line.endsWith('::') && !proseDirective.test(line)) || literalDirective.test(line)) {
      this.literalIndent = indent;
    }
    const start = this.tok!.startOffset;
    if (line.length + 2 > 70 && line.trim().includes(' ')) {
      this.docRule('documentation line longer than 70 characters');
    }
    singleSpaceAfterPeriod.lastIndex = 0;
    for (let m = singleSpaceAfterPeriod.exec(line); m; m = singleSpaceAfterPeriod.exec(line)) {
      const word = m[1]!;
      // Abbreviations (e.g., i.e., a.k.a.), ellipses and list enumerators are not sentence ends.
      if (/^\(?([A-Za-z]\.)+[A-Za-z]$/.test(word) || /\.\.$/.test(word) || /^(\(?[0-9]+|\.+|\(?[A-Za-z])$/.test(word)) {
        singleSpaceAfterPeriod.lastIndex = m.index + word.length + 1;
        continue;
      }
      this.docRule(
        'Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.',
        start + 2 + m.index + word.length + 1,
      );
      break;
    }
  }

  private getDocIndented(doc: QapiDoc): string | null {
    this.accept(false);
    let line = this.getDocLine();
    while (line === '') {
      doc.appendLine(line);
      this.accept(false);
      line = this.getDocLine();
    }
    if (line === null) return line;
    const indent = indentOf(line);
    if (!indent) return line;
    doc.appendLine(line);
    let prevLineBlank = false;
    for (;;) {
      this.accept(false);
      line = this.getDocLine();
      if (line === null) return line;
      if (atNameColon.test(line)) return line;
      const curIndent = indentOf(line);
      if (line !== '' && curIndent < indent) {
        if (prevLineBlank) return line;
        this.docRule(`unexpected de-indent (expected at least ${indent} spaces)`);
      }
      doc.appendLine(line);
      prevLineBlank = line === '';
    }
  }

  private getDocParagraph(doc: QapiDoc): string | null {
    for (;;) {
      this.accept(false);
      const line = this.getDocLine();
      if (line === null || line === '') return line;
      doc.appendLine(line);
    }
  }

  private getDoc(): QapiDoc {
    if (this.tok!.image !== '##') throw this.parseError("junk after '##' at start of documentation comment");
    this.literalIndent = null;
    const info = this.info;
    this.accept(false);
    let line = this.getDocLine();
    let doc: QapiDoc;
    if (line !== null && line.startsWith('@')) {
      if (!line.endsWith(':')) throw this.parseError("line should end with ':'");
      const symbol = line.slice(1, -1);
      if (!symbol) throw this.parseError("name required after '@'");
      doc = new QapiDoc(info, symbol, this.lenientDocRule);
      this.accept(false);
      line = this.getDocLine();
      let noMoreArgs = false;
      while (line !== null) {
        while (line === '') {
          this.accept(false);
          line = this.getDocLine();
        }
        if (line === null) break;
        let match: RegExpExecArray | null;
        if (line === 'Features:') {
          if (doc.features.size) throw this.parseError("duplicated 'Features:' line");
          this.accept(false);
          line = this.getDocLine();
          while (line === '') {
            this.accept(false);
            line = this.getDocLine();
          }
          while (line !== null && (match = atNameColon.exec(line))) {
            doc.newFeature(this.info, match[1]!);
            const text = line.slice(match[0].length);
            if (text) doc.appendLine(text);
            line = this.getDocIndented(doc);
          }
          if (!doc.features.size) throw this.parseError('feature descriptions expected');
          noMoreArgs = true;
        } else if ((match = atNameColon.exec(line))) {
          if (noMoreArgs) throw this.parseError(`description of '@${match[1]}:' follows a section`);
          while (line !== null && (match = atNameColon.exec(line))) {
            doc.newArgument(this.info, match[1]!);
            const text = line.slice(match[0].length);
            if (text) doc.appendLine(text);
            line = this.getDocIndented(doc);
          }
          noMoreArgs = true;
        } else if ((match = taggedSection.exec(line))) {
          const tag = match[1]!;
          if (tag.startsWith('Note') || tag.startsWith('Example')) {
            this.docRule(
              tag.startsWith('Note')
                ? `The '${tag}' section is no longer supported. Please use rST's '.. note::' or '.. admonition:: notes' directives, or another suitable admonition instead.`
                : `The '${tag}' section is no longer supported. Please use the '.. qmp-example::' directive, or other suitable markup instead.`,
            );
            // Lenient: keep the old section as plain text, heading included.
            doc.newTaggedSection(this.info, 'Plain');
            doc.appendLine(line);
          } else {
            const kind: DocSectionKind = tag === 'TODO' ? 'Todo' : (tag as DocSectionKind);
            doc.newTaggedSection(this.info, kind);
            const text = line.slice(match[0].length);
            if (text) doc.appendLine(text);
          }
          line = this.getDocIndented(doc);
          noMoreArgs = true;
        } else if (line.startsWith('=')) {
          throw this.parseError("unexpected '=' markup in definition documentation");
        } else {
          doc.ensureUntaggedSection(this.info);
          doc.appendLine(line);
          line = this.getDocParagraph(doc);
        }
      }
    } else {
      doc = new QapiDoc(info, null, this.lenientDocRule);
      doc.ensureUntaggedSection(this.info);
      let first = true;
      while (line !== null) {
        const match = atNameColon.exec(line);
        if (match) throw this.parseError(`'@${match[1]}:' not allowed in free-form documentation`);
        // An old-style '= Heading' must open its block; an rST underline ('====') may follow a title.
        if (line.startsWith('=') && !/^=+$/.test(line) && !first) {
          this.docRule("'=' heading must come first in a comment block");
        }
        doc.appendLine(line);
        this.accept(false);
        line = this.getDocLine();
        first = false;
      }
    }
    this.accept();
    doc.end();
    return doc;
  }
}
