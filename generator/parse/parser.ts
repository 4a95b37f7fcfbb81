/**
 * The schema reader: tokens to expressions, doc comments, includes and
 * pragmas. It follows QEMU's parser rule for rule, including which error
 * wins when a file has several: QEMU reads one token ahead, so does this.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { IToken, TokenType } from 'chevrotain';
import { QapiError, QapiParseError, QapiSemError, SourceInfo } from '../source/source-info.js';
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
/**
 * QEMU's sentence rule, as Python's re reads it: a `.`, `!` or `?`, one
 * space, then a capital, digit or `(`; except `e.g.` after a word boundary
 * (Unicode, like Python's `\b`) and a single-digit enumerator opening the
 * line (`^ *\d\.`). Only a match of the third alternative is an error.
 */
const singleSpace = /(?:(?<![\p{L}\p{N}_])e\.g\.|^ *\p{Nd}\.|([.!?])) [A-Z0-9(]/gu;
/** What singleSpace's third alternative needs: a quick test that most lines fail. */
const sentenceEnd = /[.!?] [A-Z0-9(]/;
/** A line that opens a literal block: a bare `::`, or `.. qmp-example::`. */
const literalStart = /^(?:\.\. +qmp-example)? *::$/;
/** A long line QEMU lets pass: a lone URL, which cannot be wrapped. */
const urlLine = /^ *(?:https?|ftp):\/\/[^ ]*$/;

/** Length in code points, as Python's len() counts a str. */
function pyLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff || i + 1 >= s.length) n++;
    else {
      const d = s.charCodeAt(i + 1);
      n++;
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/**
 * QEMU's column: 1 plus the code points from the line start to the position,
 * tabs advancing to the next multiple of 8 (plus 1), as QAPIParseError does.
 * `count` code points are taken from `lineStart` (or up to UTF-16 offset `end`).
 */
function pyColumn(src: string, lineStart: number, end: number, count = Infinity): number {
  let col = 1;
  let taken = 0;
  for (let i = lineStart; i < end && taken < count; i++, taken++) {
    const c = src.charCodeAt(i);
    if (c === 9) col = ((col + 7) % 8) + 1;
    else col += 1;
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = src.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return col;
}

export function pyRstrip(s: string): string {
  // Most lines end in a printable ASCII character: nothing to strip.
  const last = s.charCodeAt(s.length - 1);
  if (last > 32 && last < 127) return s;
  return s.replace(trailingSpace, '');
}

export function indentOf(s: string): number {
  let i = 0;
  while (s.charCodeAt(i) === 32) i++;
  // Spaces up to the end or up to printable ASCII: the common case, without the regex.
  const next = s.charCodeAt(i);
  if (i === s.length || (next > 32 && next < 127)) return i;
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
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const e = new Error('invalid UTF-8') as NodeJS.ErrnoException;
    e.code = 'EILSEQ';
    throw e;
  }
  // A byte-order mark is kept, as Python's 'utf-8' codec keeps it: QEMU then calls it a stray character.
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
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
  /** Inside a literal block (after `::` or `.. qmp-example::`), where the style rules do not apply. */
  private literalMode = false;
  /** Indentation of the literal block's first non-blank line; 0 until one is seen. */
  private literalModeIndent = 0;

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
    return this.lineInfo(this.tok ? this.tok.startLine! : this.here().line);
  }

  /**
   * A syntax error at the current token, or `cpCount` code points past the
   * start of its line (QEMU's position hack for the sentence rule).
   */
  private parseError(msg: string, cpCount?: number): QapiParseError {
    const h = this.here();
    const lineStart = this.src.lastIndexOf('\n', h.offset - 1) + 1;
    const col = cpCount === undefined ? pyColumn(this.src, lineStart, h.offset) : pyColumn(this.src, lineStart, this.src.length, cpCount);
    return new QapiParseError(this.lineInfo(h.line), msg, col);
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

  /** The current token's type; null at the end. */
  private get type(): TokenType | null {
    return this.tok === null ? null : this.tok.tokenType;
  }

  private getMembers(): ExprDict {
    const expr: ExprDict = new Map();
    if (this.type === RCurly) {
      this.accept();
      return expr;
    }
    if (this.type !== Str) throw this.parseError("expected string or '}'");
    for (;;) {
      const key = this.stringValue;
      this.accept();
      if (this.type !== Colon) throw this.parseError("expected ':'");
      this.accept();
      if (expr.has(key)) throw this.parseError(`duplicate key '${key}'`);
      expr.set(key, this.getExpr());
      const type = this.type;
      if (type === RCurly) {
        this.accept();
        return expr;
      }
      if (type !== Comma) throw this.parseError("expected ',' or '}'");
      this.accept();
      if (this.type !== Str) throw this.parseError('expected string');
    }
  }

  private getValues(): ExprValue[] {
    const expr: ExprValue[] = [];
    const first = this.type;
    if (first === RSquare) {
      this.accept();
      return expr;
    }
    if (!(first === LCurly || first === LSquare || first === Str || first === True || first === False)) {
      throw this.parseError("expected '{', '[', ']', string, or boolean");
    }
    for (;;) {
      expr.push(this.getExpr());
      const type = this.type;
      if (type === RSquare) {
        this.accept();
        return expr;
      }
      if (type !== Comma) throw this.parseError("expected ',' or ']'");
      this.accept();
    }
  }

  private getExpr(): ExprValue {
    const type = this.type;
    if (type === LCurly) {
      this.accept();
      return this.getMembers();
    }
    if (type === LSquare) {
      this.accept();
      return this.getValues();
    }
    if (type === Str) {
      const value = this.stringValue;
      this.accept();
      return value;
    }
    if (type === True || type === False) {
      this.accept();
      return type === True;
    }
    throw this.parseError("expected '{', '[', string, or boolean");
  }

  // ---- doc comments ----------------------------------------------------

  /** Under --lenient-docs, how doc sections report a broken rule. */
  private readonly lenientDocRule: ((info: SourceInfo, msg: string) => void) | null;

  /** A violated doc-comment rule: QEMU's error, or a warning under --lenient-docs. */
  private docRule(msg: string, cpCount?: number): void {
    const err = this.parseError(msg, cpCount);
    if (!this.options.lenientDocs) throw err;
    this.options.warn?.(`${err.info.fname}:${err.info.line}: warning: ${msg.split('\n')[0]}`);
  }

  /** The text of the current doc line, or null at the closing `##`. */
  private getDocLine(): string | null {
    if (!this.is(Comment)) throw this.parseError("documentation comment must end with '##'");
    const val = this.tok!.image;
    if (val.startsWith('##')) {
      if (val !== '##') throw this.parseError("junk after '##' at end of documentation comment");
      this.literalMode = false;
      return null;
    }
    if (val === '#') return '';
    if (val[1] !== ' ') throw this.parseError('missing space after #');
    const line = pyRstrip(val.slice(2));
    if (line.endsWith('::') && literalStart.test(line)) {
      this.literalMode = true;
      this.literalModeIndent = 0;
    } else if (this.literalMode && line) {
      const indent = indentOf(line);
      if (this.literalModeIndent === 0) this.literalModeIndent = indent;
      // A literal block ends at the first line indented less than its first line.
      else if (indent < this.literalModeIndent) this.literalMode = false;
    }
    if (!this.literalMode) this.checkDocStyle(line);
    return line;
  }

  /**
   * QEMU 10.2's style rules for prose: lines of at most 70 characters
   * (counted as Python counts, in code points, with the `# `), unless the
   * line is a lone URL; and two spaces between sentences.
   */
  private checkDocStyle(line: string): void {
    // A line is at least as long in UTF-16 units as in code points.
    if (line.length + 2 > 70 && pyLen(line) + 2 > 70 && !urlLine.test(line)) {
      this.docRule('documentation line longer than 70 characters');
    }
    // Only the third alternative of singleSpace is an error, and it can match only where this does.
    if (!sentenceEnd.test(line)) return;
    singleSpace.lastIndex = 0;
    for (let m = singleSpace.exec(line); m; m = singleSpace.exec(line)) {
      if (m[1] === undefined) continue;
      // QEMU points just past the punctuation, counting from the start of the
      // source line as if the comment's '#' were in column 1.
      this.docRule(
        'Use two spaces between sentences\nIf this not the end of a sentence, please report a bug.',
        2 + pyLen(line.slice(0, m.index)) + 1,
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
      if (line.charCodeAt(0) === 64 && atNameColon.test(line)) return line; // '@'
      const curIndent = indentOf(line);
      if (line !== '' && curIndent < indent) {
        if (prevLineBlank) return line;
        this.docRule(`unexpected de-indent (expected at least ${indent} spaces)`);
      }
      doc.appendLine(line);
      // As in QEMU 10.2: set after every line, not only blank ones, so only
      // the line right after the first one of the block can be a de-indent.
      prevLineBlank = true;
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
        } else {
          doc.ensureUntaggedSection(this.info);
          doc.appendLine(line);
          line = this.getDocParagraph(doc);
        }
      }
    } else {
      doc = new QapiDoc(info, null, this.lenientDocRule);
      doc.ensureUntaggedSection(this.info);
      while (line !== null) {
        const match = atNameColon.exec(line);
        if (match) throw this.parseError(`'@${match[1]}:' not allowed in free-form documentation`);
        doc.appendLine(line);
        this.accept(false);
        line = this.getDocLine();
      }
    }
    this.accept();
    doc.end();
    return doc;
  }
}
