/**
 * Exact QMP JSON reader and writer.
 *
 * `JSON.parse` rounds integers beyond 2^53 and `JSON.stringify` refuses
 * `bigint`, yet QMP replies carry `uint64` values up to 2^64-1. This module
 * reads integers outside the safe range as `bigint` and writes `bigint` back
 * as its exact digits, so a value survives read → write byte for byte.
 *
 * Speed matters because every QMP message goes through here, so both
 * directions let the native code do the work and only check it:
 * - the reader runs `JSON.parse`, then walks the result for what it may have
 *   got wrong (a number beyond the safe range, -0, Infinity, too deep a
 *   nesting); only then does it read the text again with its exact parser.
 *   (A pre-scan of the text was measured slower: a JavaScript loop over every
 *   character costs ~20% of `JSON.parse`, a `/\d{16}/` regex ~8%, the walk
 *   ~10%. The price is that a text holding a big integer is parsed twice.)
 * - the writer walks the value, and if it holds no `bigint` and nothing
 *   invalid, lets `JSON.stringify` write it; otherwise it writes by hand
 *   around the bigints, still handing bigint-free subtrees to the native code.
 *
 * Limits: nesting deeper than {@link MAX_NESTING} (arrays and objects
 * together) is an error, as in QEMU's JSON parser; so is an integer literal
 * longer than {@link MAX_INTEGER_DIGITS} (ours, against CPU exhaustion).
 * Every failure is a
 * {@link QmpJsonError} that says where (offset, line:column, JSON path).
 *
 * Depends on ECMAScript built-ins only (and the runtime's error base): this
 * file is copied into generated output.
 */

import { QapiError } from './errors.js';

/** A JSON value as this module reads and writes it: exact integers may be `bigint`. */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;

/** A JSON object. Keys keep their insertion order (JavaScript's own-key order). */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** One step of a JSON path: an object key or an array index. */
export type JsonPathSegment = string | number;

/**
 * QEMU's `MAX_NESTING`: arrays and objects may nest this deep, no deeper.
 * QEMU counts brackets and braces together, and so do we.
 */
export const MAX_NESTING = 1024;

/**
 * The longest integer literal read, in digits. QMP's widest integers have
 * 20 (2^64-1); the limit only stops hostile text from costing seconds of
 * CPU: converting digits to a bigint takes superlinear time (a million
 * digits, ~0.1 s). Longer literals are an error, as ±Infinity is for floats.
 */
export const MAX_INTEGER_DIGITS = 1000;

/** Keys printed as `a.b` in a path; anything else is printed as `["…"]`. */
const PLAIN_KEY = /^[A-Za-z_][\w-]*$/;

/**
 * Formats a JSON path the way QEMU prints member paths: `return[3].name`.
 * Keys that are not plain names are quoted: `return["a b"]`.
 */
export function formatJsonPath(path: readonly JsonPathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (!PLAIN_KEY.test(seg)) out += `[${JSON.stringify(seg)}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** Where a reader error happened in the text. */
export interface JsonTextPosition {
  /** 0-based UTF-16 offset into the text. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, in UTF-16 code units. */
  readonly column: number;
}

/**
 * The error thrown by {@link parseQmpJson} and {@link stringifyQmpJson}.
 * The message names the position (reader only) and the JSON path, when known.
 */
export class QmpJsonError extends QapiError {
  override readonly name = 'QmpJsonError';
  /** Where in the text (reader errors only). */
  readonly position: JsonTextPosition | undefined;
  /** Path of the value being read or written, e.g. `['return', 3, 'name']`. */
  readonly path: readonly JsonPathSegment[];
  /** The message without position and path. */
  readonly reason: string;

  constructor(reason: string, path: readonly JsonPathSegment[], position?: JsonTextPosition) {
    super(QmpJsonError.compose(reason, path, position));
    this.reason = reason;
    this.path = path;
    this.position = position;
  }

  private static compose(
    reason: string,
    path: readonly JsonPathSegment[],
    position?: JsonTextPosition,
  ): string {
    let msg = reason;
    if (position !== undefined)
      msg += ` at line ${position.line}, column ${position.column} (offset ${position.offset})`;
    if (path.length > 0) msg += ` in ${formatJsonPath(path)}`;
    return msg;
  }
}

// ---------------------------------------------------------------------------
// Reader
// ---------------------------------------------------------------------------

/**
 * Reads QMP JSON text (RFC 8259) exactly.
 *
 * - Integers (no fraction, no exponent) outside
 *   `Number.MIN_SAFE_INTEGER..Number.MAX_SAFE_INTEGER` become `bigint`; every
 *   other number is a `number`. The integer `-0` reads as `0` (as in QEMU);
 *   `-0.0` reads as `-0`.
 * - A number that overflows to ±Infinity (`1e400`) is an error: it could not
 *   be written back.
 * - Nesting deeper than {@link MAX_NESTING} is an error.
 * - Keys such as `__proto__` become ordinary own properties; the last of
 *   duplicate keys wins (both as `JSON.parse` does).
 * - Escaped lone surrogates (`"\ud800"`) are accepted, as `JSON.parse` does;
 *   {@link stringifyQmpJson} writes them back escaped.
 *
 * Memory use is bounded by the text's length only, so callers reading from
 * an untrusted peer should cap the message size (QEMU caps tokens at 64 MiB).
 *
 * @throws {QmpJsonError} on malformed text, with position and JSON path.
 */
export function parseQmpJson(text: string): JsonValue {
  // Fast path: the native parser, then a walk over its result that spots
  // anything the exact parser would read differently (see the module comment).
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The exact parser reports the error with its position and path, in the
    // same words whichever path the text took.
    return parseQmpJsonExact(text);
  }
  if (typeof value === 'object' && value !== null) {
    if (isExactContainer(value, 1)) return value as JsonValue;
  } else if (typeof value !== 'number' || isExactNumber(value)) {
    return value as JsonValue;
  }
  return parseQmpJsonExact(text);
}

/**
 * Reads QMP JSON text with the exact parser only, never `JSON.parse`.
 * Same results and errors as {@link parseQmpJson}, only slower; it exists so
 * tests and diagnostics can compare the two paths.
 *
 * @throws {QmpJsonError} on malformed text.
 */
export function parseQmpJsonExact(text: string): JsonValue {
  return new ExactReader(text).parseDocument();
}

/**
 * Whether `JSON.parse` read this number as the exact parser would. It did
 * unless the number is:
 * - beyond the safe range: maybe a rounded big integer (the literal rounds to
 *   at least 2^53, so no unsafe integer hides below);
 * - ±Infinity: an overflow such as `1e400`, an error;
 * - `-0`: the integer `-0` reads as 0, while `-0.0` stays -0.
 * A false "no" only costs the exact parse (e.g. for `1e300`).
 */
function isExactNumber(n: number): boolean {
  return n <= Number.MAX_SAFE_INTEGER && n >= Number.MIN_SAFE_INTEGER && (n !== 0 || 1 / n > 0);
}

/**
 * Whether a container from `JSON.parse` (at nesting `depth`, 1 for the top)
 * and everything in it is what the exact parser would give: no number that
 * fails {@link isExactNumber}, no nesting beyond {@link MAX_NESTING}.
 * Recursion stops at that limit, so deep input cannot overflow the stack.
 */
function isExactContainer(container: object, depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const item: unknown = container[i];
      if (typeof item === 'object') {
        if (item !== null && !isExactContainer(item, depth + 1)) return false;
      } else if (typeof item === 'number' && !isExactNumber(item)) {
        return false;
      }
    }
    return true;
  }
  const record = container as Record<string, unknown>;
  for (const key in record) {
    const member = record[key];
    if (typeof member === 'object') {
      if (member !== null && !isExactContainer(member, depth + 1)) return false;
    } else if (typeof member === 'number' && !isExactNumber(member)) {
      return false;
    }
  }
  return true;
}

/** The characters JSON lets through as `\x` escapes (besides `\u`). */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/**
 * A recursive-descent JSON parser that keeps big integers exact. Recursion is
 * bounded by {@link MAX_NESTING}, so it cannot overflow the stack.
 */
class ExactReader {
  private readonly text: string;
  private pos = 0;
  private depth = 0;
  /** `path[d]` is the key or index being read inside the container at depth `d + 1`. */
  private readonly path: JsonPathSegment[] = [];

  constructor(text: string) {
    this.text = text;
  }

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length)
      this.fail(`Unexpected ${this.describeHere()} after the JSON value`);
    return value;
  }

  private parseValue(): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.parseObject();
      case 0x5b: // [
        return this.parseArray();
      case 0x22: // "
        return this.parseString();
      case 0x74: // t
        return this.parseLiteral('true', true);
      case 0x66: // f
        return this.parseLiteral('false', false);
      case 0x6e: // n
        return this.parseLiteral('null', null);
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.parseNumber();
        return this.fail(`Unexpected ${this.describeHere()}, expected a JSON value`);
    }
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) this.fail(`JSON nesting depth limit exceeded (${MAX_NESTING})`);
    this.pos++;
    this.skipWhitespace();
  }

  private parseArray(): JsonValue[] {
    this.enter();
    const slot = this.depth - 1;
    const out: JsonValue[] = [];
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (let index = 0; ; index++) {
      this.path[slot] = index;
      out.push(this.parseValue());
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x5d) break;
      if (c !== 0x2c)
        this.failBack(`Unexpected ${this.describeAt(this.pos - 1)}, expected ',' or ']'`);
      this.skipWhitespace();
    }
    this.depth--;
    return out;
  }

  private parseObject(): JsonObject {
    this.enter();
    const slot = this.depth - 1;
    const out: JsonObject = {};
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      // Until its key is read, an error belongs to the object, not to a member.
      this.depth--;
      if (this.text.charCodeAt(this.pos) !== 0x22)
        this.fail(`Unexpected ${this.describeHere()}, expected a string key`);
      const key = this.parseString();
      this.depth++;
      this.path[slot] = key;
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a)
        this.fail(`Unexpected ${this.describeHere()}, expected ':'`);
      this.pos++;
      this.skipWhitespace();
      const value = this.parseValue();
      if (key === '__proto__') {
        // Plain assignment would call the Object.prototype.__proto__ setter
        // and change the prototype; JSON.parse defines an own property.
        Object.defineProperty(out, key, {
          value,
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else {
        out[key] = value;
      }
      this.skipWhitespace();
      const c = this.text.charCodeAt(this.pos);
      this.pos++;
      if (c === 0x7d) break;
      if (c !== 0x2c)
        this.failBack(`Unexpected ${this.describeAt(this.pos - 1)}, expected ',' or '}'`);
      this.skipWhitespace();
    }
    this.depth--;
    return out;
  }

  private parseLiteral<T extends boolean | null>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos))
      this.fail(`Unexpected ${this.describeHere()}, expected a JSON value`);
    this.pos += word.length;
    return value;
  }

  private parseNumber(): number | bigint {
    const text = this.text;
    const start = this.pos;
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    const digitsStart = i;
    const first = text.charCodeAt(i);
    if (first === 0x30) i++;
    else if (first >= 0x31 && first <= 0x39) i = this.skipDigits(i + 1);
    else this.failAt(i, `Unexpected ${this.describeAt(i)} in a number, expected a digit`);
    let integer = true;
    if (text.charCodeAt(i) === 0x2e) {
      integer = false;
      i = this.requireDigits(i + 1, 'after the decimal point');
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      i++;
      const sign = text.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      i = this.requireDigits(i, 'in the exponent');
    }
    this.pos = i;
    const literal = text.slice(start, i);
    const value = Number(literal);
    if (integer) {
      // Integers up to 15 digits are always safe. Beyond, Number() rounds an
      // unsafe value to one outside the safe range, so the test is exact.
      if (value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER)
        return value === 0 ? 0 : value;
      if (i - digitsStart > MAX_INTEGER_DIGITS) {
        this.failAt(
          start,
          `Integer ${abbreviate(literal)} is too long (more than ${MAX_INTEGER_DIGITS} digits)`,
        );
      }
      return BigInt(literal);
    }
    if (!Number.isFinite(value))
      this.failAt(start, `Number ${abbreviate(literal)} is out of range`);
    return value;
  }

  private skipDigits(from: number): number {
    let i = from;
    for (let c = this.text.charCodeAt(i); c >= 0x30 && c <= 0x39; c = this.text.charCodeAt(++i));
    return i;
  }

  private requireDigits(from: number, where: string): number {
    const end = this.skipDigits(from);
    if (end === from)
      this.failAt(from, `Unexpected ${this.describeAt(from)} ${where}, expected a digit`);
    return end;
  }

  private parseString(): string {
    const text = this.text;
    const n = text.length;
    let i = this.pos + 1;
    let start = i;
    let out = '';
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return out + text.slice(start, i);
      }
      if (c === 0x5c) {
        out += text.slice(start, i);
        const [decoded, next] = this.parseEscape(i);
        out += decoded;
        i = next;
        start = i;
      } else if (c < 0x20) {
        this.failAt(i, `Control character U+${hex4(c)} in a string must be escaped`);
      } else {
        i++;
      }
    }
    return this.failAt(this.pos, 'Unterminated string');
  }

  /** Decodes the escape at `i` (a backslash); returns the text and the next offset. */
  private parseEscape(i: number): [string, number] {
    const ch = this.text.charAt(i + 1);
    if (ch === 'u') {
      let code = 0;
      for (let k = i + 2; k < i + 6; k++) {
        const digit = hexValue(this.text.charCodeAt(k));
        if (digit < 0)
          this.failAt(k, `Unexpected ${this.describeAt(k)} in a \\u escape, expected a hex digit`);
        code = code * 16 + digit;
      }
      // Lone surrogates are kept, as JSON.parse keeps them.
      return [String.fromCharCode(code), i + 6];
    }
    const simple = SIMPLE_ESCAPES[ch];
    if (simple === undefined)
      this.failAt(
        i,
        `Invalid escape ${ch === '' ? 'at end of input' : JSON.stringify('\\' + ch)} in a string`,
      );
    return [simple, i + 2];
  }

  private skipWhitespace(): void {
    const text = this.text;
    let i = this.pos;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else break;
    }
    this.pos = i;
  }

  private describeHere(): string {
    return this.describeAt(this.pos);
  }

  private describeAt(offset: number): string {
    if (offset >= this.text.length) return 'end of input';
    const c = this.text.charCodeAt(offset);
    return c >= 0x20 && c < 0x7f
      ? `character '${this.text.charAt(offset)}'`
      : `character U+${hex4(c)}`;
  }

  private fail(reason: string): never {
    return this.failAt(this.pos, reason);
  }

  /** Fails at the character just consumed (the separator that was wrong). */
  private failBack(reason: string): never {
    return this.failAt(this.pos - 1, reason);
  }

  private failAt(offset: number, reason: string): never {
    throw new QmpJsonError(reason, this.path.slice(0, this.depth), positionOf(this.text, offset));
  }
}

/** A literal short enough for an error message. */
function abbreviate(literal: string): string {
  return literal.length <= 40 ? literal : `${literal.slice(0, 20)}…(${literal.length} characters)`;
}

/** Line and column of `offset`; only computed for errors. */
function positionOf(text: string, offset: number): JsonTextPosition {
  const at = Math.min(offset, text.length);
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < at; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return { offset: at, line, column: at - lineStart + 1 };
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const lower = c | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

function hex4(c: number): string {
  return c.toString(16).toUpperCase().padStart(4, '0');
}

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

/**
 * Writes a JSON value as compact JSON text, exactly.
 *
 * The output is what `JSON.stringify(value)` gives for plain JSON data:
 * no spaces, keys in insertion order, strings escaped the same way (lone
 * surrogates as `\uXXXX`, so they read back unchanged). Differences:
 * - a `bigint` is written as its exact digits;
 * - `NaN` and ±Infinity are errors (JSON cannot hold them; `JSON.stringify`
 *   would write `null`);
 * - anything else outside {@link JsonValue} is an error: functions, symbols,
 *   `undefined` as an array element or as the value itself, objects other
 *   than arrays and plain objects (a `Date`, a `Map`, a class instance);
 * - nesting deeper than {@link MAX_NESTING} (or a cycle) is an error.
 *
 * An object member whose value is `undefined` is left out, as
 * `JSON.stringify` does, so optional members may be present-but-undefined.
 *
 * A `number` that is an integer beyond the safe range, such as `2 ** 60`, is
 * written as `JSON.stringify` writes it (digits, below 1e21), so it reads back
 * as a `bigint` of the value of those digits: keep 64-bit values in `bigint`.
 *
 * @throws {QmpJsonError} naming the path of the offending value.
 */
export function stringifyQmpJson(value: JsonValue): string {
  // A walk that only answers yes/no is cheap next to JSON.stringify (~10%);
  // when it says no, the exact writer finds and reports what is wrong, or
  // writes the bigints by hand.
  if (isNativeWritable(value, 0)) return JSON.stringify(value);
  return new ExactWriter().write(value);
}

/**
 * Whether `JSON.stringify(value)` gives exactly the text {@link stringifyQmpJson}
 * must write: the value is plain JSON (see there), has no bigint and no
 * non-finite number, and nests no deeper than {@link MAX_NESTING} below
 * `depth`. Recursion stops at that limit, so a cycle cannot overflow the stack.
 */
function isNativeWritable(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return value - value === 0; // false for NaN and ±Infinity
    case 'object':
      return value === null || isNativeWritableContainer(value, depth + 1);
    default:
      return false;
  }
}

/** {@link isNativeWritable} for a container at nesting `depth` (1 for the top). */
function isNativeWritableContainer(container: object, depth: number): boolean {
  if (depth > MAX_NESTING) return false;
  // The common cases are tested inline: a call per scalar costs ~2x here.
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const item: unknown = container[i];
      if (typeof item === 'string' || typeof item === 'boolean') continue;
      if (typeof item === 'object' && item !== null) {
        if (!isNativeWritableContainer(item, depth + 1)) return false;
      } else if (!isNativeWritable(item, depth)) {
        return false; // undefined, a function, a symbol, a bigint, NaN, ±Infinity
      }
    }
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(container);
  if (proto !== Object.prototype && proto !== null) return false;
  const record = container as Record<string, unknown>;
  for (const key in record) {
    const member = record[key];
    if (typeof member === 'string' || typeof member === 'boolean' || member === undefined) continue;
    if (typeof member === 'object' && member !== null) {
      if (!isNativeWritableContainer(member, depth + 1)) return false;
    } else if (!isNativeWritable(member, depth)) {
      return false;
    }
  }
  return true;
}

/** What a value outside {@link JsonValue} is called in error messages. */
function describeInvalid(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value); // NaN, Infinity, -Infinity
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  const proto: unknown = Object.getPrototypeOf(value);
  const ctor =
    typeof proto === 'object' && proto !== null
      ? (proto as { constructor?: unknown }).constructor
      : undefined;
  const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'unknown';
  return `an object of class ${name}`;
}

/** Whether `value` is an array or a plain object (prototype Object.prototype or null). */
function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Writes JSON text by hand where the native writer cannot: around bigints,
 * and up to the first invalid value, which it reports with its path.
 * Everything else is still handed to `JSON.stringify`, in the largest pieces
 * possible (whole subtrees, runs of array items).
 */
class ExactWriter {
  private out = '';
  private depth = 0;
  /** `path[d]` is the key or index being written at depth `d + 1`. */
  private readonly path: JsonPathSegment[] = [];

  write(value: unknown): string {
    this.writeValue(value);
    return this.out;
  }

  private writeValue(value: unknown): void {
    switch (typeof value) {
      case 'string':
        this.out += JSON.stringify(value);
        return;
      case 'boolean':
        this.out += value ? 'true' : 'false';
        return;
      case 'number':
        if (value - value !== 0) this.failInvalid(value);
        this.out += JSON.stringify(value); // -0 as 0, exponents as JSON.stringify writes them
        return;
      case 'bigint':
        this.out += value.toString();
        return;
      case 'object':
        if (value === null) this.out += 'null';
        else if (isNativeWritableContainer(value, this.depth + 1))
          this.out += JSON.stringify(value);
        else if (Array.isArray(value)) this.writeArray(value);
        else this.writeObject(value);
        return;
      default:
        this.failInvalid(value);
    }
  }

  private writeArray(array: readonly unknown[]): void {
    this.enter();
    const slot = this.depth - 1;
    this.out += '[';
    for (let i = 0; i < array.length;) {
      if (i > 0) this.out += ',';
      // A run of items without bigints goes to the native writer in one call:
      // a reply's big list usually holds a bigint in a few items only.
      let end = i;
      while (end < array.length && isNativeWritable(array[end], this.depth)) end++;
      if (end > i) {
        this.out += JSON.stringify(array.slice(i, end)).slice(1, -1);
        i = end;
        continue;
      }
      const item = array[i];
      this.path[slot] = i;
      if (item === undefined) this.failInvalid(item);
      this.writeValue(item);
      i++;
    }
    this.out += ']';
    this.depth--;
  }

  private writeObject(object: object): void {
    if (!isPlainObject(object)) this.failInvalid(object);
    this.enter();
    const slot = this.depth - 1;
    const record = object as Record<string, unknown>;
    this.out += '{';
    let first = true;
    for (const key in record) {
      // for-in also visits inherited enumerable keys; JSON.stringify does not.
      if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
      const member = record[key];
      if (member === undefined) continue;
      this.path[slot] = key;
      this.out += first ? JSON.stringify(key) + ':' : ',' + JSON.stringify(key) + ':';
      first = false;
      this.writeValue(member);
    }
    this.out += '}';
    this.depth--;
  }

  private enter(): void {
    if (++this.depth > MAX_NESTING) {
      this.fail(
        `JSON nesting depth limit exceeded (${MAX_NESTING}); is the value cyclic?`,
        this.depth - 1,
      );
    }
  }

  private failInvalid(value: unknown): never {
    return this.fail(`Cannot write ${describeInvalid(value)} as JSON`, this.depth);
  }

  private fail(reason: string, pathLength: number): never {
    throw new QmpJsonError(reason, this.path.slice(0, pathLength));
  }
}
