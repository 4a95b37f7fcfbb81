/**
 * Source positions and the errors that carry them.
 *
 * Error text follows QEMU's front end byte for byte: `FILE:LINE: msg`,
 * preceded by "In file included from" lines and an "In struct 'X':" context
 * line once the definition being checked is known.
 */

/** Pragmas are shared by a file and everything it includes, as in QEMU. */
export class SchemaPragma {
  docRequired = false;
  commandNameExceptions: string[] = [];
  commandReturnsExceptions: string[] = [];
  documentationExceptions: string[] = [];
  memberNameExceptions: string[] = [];
}

/** Where something was written: file, line, the include chain and the definition around it. */
export class SourceInfo {
  defnMeta: string | null = null;
  defnName: string | null = null;
  constructor(
    readonly fname: string,
    readonly line: number,
    readonly parent: SourceInfo | null,
    readonly pragma: SchemaPragma,
  ) {}

  static forFile(fname: string, parent: SourceInfo | null): SourceInfo {
    return new SourceInfo(fname, 1, parent, parent ? parent.pragma : new SchemaPragma());
  }

  atLine(line: number): SourceInfo {
    return new SourceInfo(this.fname, line, this.parent, this.pragma);
  }

  setDefn(meta: string, name: string): void {
    this.defnMeta = meta;
    this.defnName = name;
  }

  loc(): string {
    return `${this.fname}:${this.line}`;
  }

  inDefn(): string {
    return this.defnName !== null ? `${this.fname}: In ${this.defnMeta} '${this.defnName}':\n` : '';
  }

  includePath(): string {
    let ret = '';
    for (let p = this.parent; p; p = p.parent) ret = `In file included from ${p.loc()}:\n` + ret;
    return ret;
  }

  toString(): string {
    return this.includePath() + this.inDefn() + this.loc();
  }
}

/** Any error the front end reports to the user (never a crash). */
export class QapiError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QapiError';
  }
  /** The text QEMU prints for this error. */
  format(): string {
    return this.message;
  }
}

/** An error at a source position; `col` is set for errors found while reading text. */
export class QapiSourceError extends QapiError {
  constructor(
    readonly info: SourceInfo,
    readonly msg: string,
    readonly col: number | null = null,
  ) {
    super(`${info.toString()}${col !== null ? `:${col}` : ''}: ${msg}`);
  }
}

/** A semantic error (QEMU's QAPISemError). */
export class QapiSemError extends QapiSourceError {}

/** A syntax error with a column (QEMU's QAPIParseError). */
export class QapiParseError extends QapiSourceError {}

/** QEMU counts columns from 1 and expands tabs its own way. */
export function columnOf(src: string, lineStart: number, pos: number): number {
  let col = 1;
  for (let i = lineStart; i < pos; i++) {
    if (src.charCodeAt(i) === 9) col = ((col + 7) % 8) + 1;
    else col += 1;
  }
  return col;
}
