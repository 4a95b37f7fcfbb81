/**
 * Exact QMP JSON reader and writer.
 *
 * `JSON.parse` rounds integers beyond 2^53 and `JSON.stringify` refuses
 * `bigint`, yet QMP replies carry `uint64` values up to 2^64-1. This module
 * reads integers outside the safe range as `bigint` and writes `bigint` back
 * as its exact digits, so a value survives read → write byte for byte.
 *
 * The reader follows QEMU's JSON parser (qobject/json-lexer.c,
 * json-parser.c, json-streamer.c), not only RFC 8259: single-quoted strings
 * and the `\'` escape are accepted, duplicate keys are an error, lone
 * surrogates and noncharacters are an error, `1e400` reads as Infinity (C's
 * strtod), a float literal such as `1.0` stays a float (see
 * {@link isJsonFloat}), and QEMU's per-message limits apply.
 *
 * Speed matters because every QMP message goes through here, so both
 * directions let the native code do the work and only check it:
 * - the reader runs `JSON.parse`, then walks the result for what it may have
 *   got wrong (a number beyond the safe range, -0, Infinity, too deep a
 *   nesting), counting the members; then it checks the text with native
 *   scans only (`indexOf`, and regular expressions that V8 answers without
 *   a loop on one-byte strings): as many `:` as members (else a duplicate
 *   key, or a `:` inside a string), no float literal with an integral value,
 *   no escape or character that QEMU refuses. Whatever is suspect is read
 *   again with the exact parser, which decides. (A JavaScript loop over every
 *   character costs ~20% of `JSON.parse`, so none runs on the fast path; the
 *   `:` count is one `indexOf` per member, ~7% of `JSON.parse` on a large
 *   reply, ~20% on a 1 KB one, where call overheads weigh more.)
 * - the writer walks the value, and if it holds no `bigint` and nothing
 *   invalid, lets `JSON.stringify` write it; otherwise it writes by hand
 *   around the bigints, still handing bigint-free subtrees to the native code.
 *
 * Every failure is a {@link QmpJsonError} that says where (offset,
 * line:column, JSON path).
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
 * QEMU's `MAX_NESTING` (json-streamer.c): arrays and objects may nest this
 * deep, no deeper. QEMU counts brackets and braces together, and so do we.
 */
export const MAX_NESTING = 1024;

/**
 * QEMU's `MAX_TOKEN_SIZE` (json-streamer.c): the bytes (UTF-8) of all the
 * tokens of one message together, whitespace between tokens not counted,
 * must stay below 64 MiB.
 */
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;

/** QEMU's `MAX_TOKEN_COUNT` (json-streamer.c): at most 2 Mi tokens in one message. */
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;

/**
 * The longest integer literal read as an exact integer, in digits. QMP's
 * widest integers have 20 (2^64-1); converting digits to a bigint takes
 * superlinear time (a million digits, ~0.1 s), so a longer literal is read
 * as QEMU reads every integer beyond 64 bits, with strtod: as a float (for
 * more than 309 digits, Infinity).
 */
export const MAX_INTEGER_DIGITS = 1000;

/** The reader's limits; each defaults to QEMU's. `Infinity` turns a limit off. */
export interface QmpJsonReadOptions {
  /** {@link MAX_TOKEN_SIZE}: the bytes of a message's tokens must stay below this. */
  readonly maxTokenSize?: number;
  /** {@link MAX_TOKEN_COUNT}: the most tokens in a message. */
  readonly maxTokenCount?: number;
  /** {@link MAX_NESTING}: the deepest nesting of arrays and objects. */
  readonly maxNesting?: number;
}

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
 * For each container the reader built, the members (keys, or indices of an
 * array) it read from a float literal with an integral value: `1.0`, `1e2`,
 * `-0.0`. A JavaScript number can't say whether it was written `1` or
 * `1.0`; QEMU's can (a QNum is an int64, a uint64 or a double), and its
 * input visitor refuses a double for an integer member. The decoders ask
 * {@link isJsonFloat}.
 */
const FLOAT_MEMBERS = new WeakMap<object, Set<JsonPathSegment>>();

/** Whether any float was ever marked: until then, the questions cost nothing. */
let floatsMarked = false;

function markFloat(container: object, key: JsonPathSegment): void {
  floatsMarked = true;
  let set = FLOAT_MEMBERS.get(container);
  if (set === undefined) {
    set = new Set();
    FLOAT_MEMBERS.set(container, set);
  }
  set.add(key);
}

/**
 * Whether member `key` of `container` (an object's key, an array's index)
 * was read from a float literal with an integral value, such as `1.0`,
 * `1e2` or `-0.0`: QEMU reads those as doubles, which an integer member
 * refuses. Other floats need no mark (`1.5` is no integer anyway). Only
 * containers made by {@link parseQmpJson} carry marks; a copy does not, and
 * a float at the top level of a text has no container to mark.
 */
export function isJsonFloat(container: object, key: JsonPathSegment): boolean {
  if (!floatsMarked) return false;
  const set = FLOAT_MEMBERS.get(container);
  return set !== undefined && set.has(key);
}

/** Whether `container` holds a member for which {@link isJsonFloat} says yes. */
export function holdsJsonFloat(container: unknown): boolean {
  return (
    floatsMarked &&
    typeof container === 'object' &&
    container !== null &&
    FLOAT_MEMBERS.has(container)
  );
}

/** The limits of one read. */
interface Limits {
  readonly maxTokenSize: number;
  readonly maxTokenCount: number;
  readonly maxNesting: number;
}

const QEMU_LIMITS: Limits = Object.freeze({
  maxTokenSize: MAX_TOKEN_SIZE,
  maxTokenCount: MAX_TOKEN_COUNT,
  maxNesting: MAX_NESTING,
});

function limitsOf(options: QmpJsonReadOptions | undefined): Limits {
  if (options === undefined) return QEMU_LIMITS;
  // Nesting can only be lowered: the exact parser recurses once per level.
  return {
    maxTokenSize: options.maxTokenSize ?? MAX_TOKEN_SIZE,
    maxTokenCount: options.maxTokenCount ?? MAX_TOKEN_COUNT,
    maxNesting: Math.min(options.maxNesting ?? MAX_NESTING, MAX_NESTING),
  };
}

/**
 * Reads QMP JSON text exactly, by QEMU's rules.
 *
 * - Integers (no fraction, no exponent) outside
 *   `Number.MIN_SAFE_INTEGER..Number.MAX_SAFE_INTEGER` become `bigint`
 *   (up to {@link MAX_INTEGER_DIGITS} digits); every other number is a
 *   `number`. The integer `-0` reads as `0` (as in QEMU); `-0.0` as `-0`.
 * - A float literal with an integral value (`1.0`, `1e2`, `-0.0`) is a
 *   `number` marked as a float ({@link isJsonFloat}): an integer member
 *   refuses it, as QEMU's does.
 * - A float that overflows (`1e400`) reads as ±Infinity, as C's strtod
 *   gives it to QEMU (the writer refuses to write it back).
 * - Strings may be single-quoted (`'a'`), and `\'` is an escape, as in
 *   QEMU. Lone surrogates (escaped or raw) and noncharacters (U+FDD0..U+FDEF,
 *   U+xxFFFE, U+xxFFFF) are errors, as in QEMU; `\u0000` is U+0000.
 * - A key twice in one object is an error (`JSON parse error, duplicate
 *   key`); keys such as `__proto__` become ordinary own properties.
 * - QEMU's limits, each an option: the tokens of a message are fewer than
 *   {@link MAX_TOKEN_SIZE} bytes and at most {@link MAX_TOKEN_COUNT}, and
 *   nest at most {@link MAX_NESTING} deep.
 *
 * Memory use is bounded by the text's length.
 *
 * @throws {QmpJsonError} on malformed text, with position and JSON path.
 */
export function parseQmpJson(text: string, options?: QmpJsonReadOptions): JsonValue {
  const limits = limitsOf(options);
  // Fast path: the native parser, then checks that spot anything the exact
  // parser would read differently (see the module comment).
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The exact parser reports the error with its position and path, in the
    // same words whichever path the text took.
    return new ExactReader(text, limits).parseDocument();
  }
  if (nativeReadHolds(text, value, limits)) return value as JsonValue;
  return new ExactReader(text, limits).parseDocument();
}

/**
 * Reads QMP JSON text with the exact parser only, never `JSON.parse`.
 * Same results and errors as {@link parseQmpJson}, only slower; it exists so
 * tests and diagnostics can compare the two paths.
 *
 * @throws {QmpJsonError} on malformed text.
 */
export function parseQmpJsonExact(text: string, options?: QmpJsonReadOptions): JsonValue {
  return new ExactReader(text, limitsOf(options)).parseDocument();
}

/**
 * Reads a QMP message given as UTF-8 bytes: {@link decodeQmpUtf8}, then
 * {@link parseQmpJson}.
 *
 * @throws {QmpJsonError} on invalid UTF-8 or malformed text.
 */
export function parseQmpJsonBytes(bytes: Uint8Array, options?: QmpJsonReadOptions): JsonValue {
  return parseQmpJson(decodeQmpUtf8(bytes), options);
}

interface Utf8Decoder {
  decode(input: Uint8Array): string;
}
let fatalDecoder: Utf8Decoder | undefined;

/**
 * Decodes UTF-8 bytes as QEMU's JSON parser reads them: invalid UTF-8 is
 * an error, never silently U+FFFD (`Buffer#toString` and a default
 * TextDecoder replace it). QEMU reads modified UTF-8, so the overlong
 * `C0 80` is U+0000: it decodes to the text `\u0000`, which reads as
 * U+0000 inside a string and as an error outside one, as in QEMU. A byte
 * order mark is kept, so it is an error, as in QEMU.
 *
 * @throws {QmpJsonError} at the first invalid sequence.
 */
export function decodeQmpUtf8(bytes: Uint8Array): string {
  if (fatalDecoder === undefined) {
    const TD = (
      globalThis as unknown as {
        TextDecoder: new (
          label: string,
          options: { fatal: boolean; ignoreBOM: boolean },
        ) => Utf8Decoder;
      }
    ).TextDecoder;
    fatalDecoder = new TD('utf-8', { fatal: true, ignoreBOM: true });
  }
  try {
    return fatalDecoder.decode(bytes);
  } catch {
    return decodeModifiedUtf8(bytes);
  }
}

/** The slow decoder, for text the fatal decoder refused: `C0 80` or an error. */
function decodeModifiedUtf8(b: Uint8Array): string {
  let out = '';
  let i = 0;
  const n = b.length;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => k < n && b[k]! >= lo && b[k]! <= hi;
  while (i < n) {
    const c = b[i]!;
    let cp = -1;
    let len = 1;
    if (c < 0x80) cp = c;
    else if (c === 0xc0 && cont(i + 1, 0x80, 0x80)) {
      out += '\\u0000';
      i += 2;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf && cont(i + 1)) {
      cp = ((c & 0x1f) << 6) | (b[i + 1]! & 0x3f);
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      const lo = c === 0xe0 ? 0xa0 : 0x80;
      const hi = c === 0xed ? 0x9f : 0xbf;
      if (cont(i + 1, lo, hi) && cont(i + 2)) {
        cp = ((c & 0x0f) << 12) | ((b[i + 1]! & 0x3f) << 6) | (b[i + 2]! & 0x3f);
        len = 3;
      }
    } else if (c >= 0xf0 && c <= 0xf4) {
      const lo = c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xf4 ? 0x8f : 0xbf;
      if (cont(i + 1, lo, hi) && cont(i + 2) && cont(i + 3)) {
        cp =
          ((c & 0x07) << 18) |
          ((b[i + 1]! & 0x3f) << 12) |
          ((b[i + 2]! & 0x3f) << 6) |
          (b[i + 3]! & 0x3f);
        len = 4;
      }
    }
    if (cp < 0) {
      throw new QmpJsonError(
        `JSON parse error, invalid UTF-8 sequence (byte 0x${hex2(c)} at byte offset ${i})`,
        [],
        positionOf(out, out.length),
      );
    }
    out += String.fromCodePoint(cp);
    i += len;
  }
  return out;
}

/** Integral floats and unsafe numbers aside, whether `JSON.parse` read this number as the exact parser does. */
function isExactNumber(n: number): boolean {
  return n <= Number.MAX_SAFE_INTEGER && n >= Number.MIN_SAFE_INTEGER && (n !== 0 || 1 / n > 0);
}

/** Members counted by the last {@link isExactContainer} walk. */
let walkMembers = 0;
/** Whether that walk met a number inside an array (its literal is not checked by the `:` scan). */
let walkArrayNumbers = false;

/**
 * Whether the result of `JSON.parse(text)` is what the exact parser would
 * give. It is unless: a number is beyond the safe range (maybe a rounded big
 * integer, or an overflow), a number is -0 (the integer `-0` reads as 0), the
 * nesting is too deep, a key came twice, an integral number was written as a
 * float literal (it must be marked), a string holds what QEMU refuses, or the
 * text might exceed the token limits. Every test is sound, not complete: a
 * false "no" only costs the exact parse.
 */
function nativeReadHolds(text: string, value: unknown, limits: Limits): boolean {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: below this, no size limit is near.
  if (text.length * 3 + 1 > limits.maxTokenSize) return false;
  if (typeof value === 'object' && value !== null) {
    // An enumerable key on Object.prototype would be counted as a member.
    for (const _ in EMPTY) return false;
    walkMembers = 0;
    walkArrayNumbers = false;
    if (!isExactContainer(value, 1, limits.maxNesting)) return false;
    // As many `:` as members: no duplicate key (fewer members), no `:` in a string.
    if (scanColons(text) !== walkMembers) return false;
    if (walkArrayNumbers && FLOAT_LITERAL.test(text)) return false;
    if (text.length > limits.maxTokenCount && countTokens(value) > limits.maxTokenCount)
      return false;
  } else if (typeof value === 'number' && !isExactNumber(value)) {
    return false;
  }
  if (text.indexOf('\\u') !== -1 && hasRefusedEscape(text)) return false;
  return !REFUSED_CHARACTER.test(text);
}

const EMPTY = {};

/** A digit before `.`, `e` or `E`: maybe a float literal (or such text inside a string). */
const FLOAT_LITERAL = /[0-9][.eE]/;

/**
 * Surrogates (paired or lone: a pair may be a noncharacter) and the BMP's
 * noncharacters. V8 answers this without scanning a one-byte string.
 */
const REFUSED_CHARACTER = /[\uD800-\uDFFF\uFDD0-\uFDEF\uFFFE\uFFFF]/;

/**
 * Counts the `:` of the text; -1 when one is followed by a float literal
 * with an integral value (a member that must be marked). Only `indexOf`
 * touches most of the text.
 */
function scanColons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(':'); i !== -1; i = text.indexOf(':', i + 1)) {
    n++;
    let j = i + 1;
    let c = text.charCodeAt(j);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++j);
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) continue;
    let k = j + 1;
    let float = false;
    for (c = text.charCodeAt(k); ; c = text.charCodeAt(++k)) {
      if (c >= 0x30 && c <= 0x39) continue;
      if (c === 0x2e || c === 0x65 || c === 0x45) float = true;
      else if (c !== 0x2b && c !== 0x2d) break;
    }
    if (float && Number.isInteger(Number(text.slice(j, k)))) return -1;
  }
  return n;
}

/** Whether some `\u` escape may be one QEMU refuses: a surrogate, U+FDD0..U+FDEF, U+FFFE, U+FFFF. */
function hasRefusedEscape(text: string): boolean {
  for (let i = text.indexOf('\\u'); i !== -1; i = text.indexOf('\\u', i + 2)) {
    const a = text.charCodeAt(i + 2) | 0x20;
    const b = text.charCodeAt(i + 3) | 0x20;
    if (a === 0x64 && ((b >= 0x38 && b <= 0x39) || (b >= 0x61 && b <= 0x66))) return true; // d8..df
    if (a === 0x66) {
      const c = text.charCodeAt(i + 4) | 0x20;
      if (b === 0x64 && (c === 0x64 || c === 0x65)) return true; // fdd, fde
      if (b === 0x66 && c === 0x66) return true; // fff
    }
  }
  return false;
}

/**
 * Whether a container from `JSON.parse` (at nesting `depth`, 1 for the top)
 * and everything in it is what the exact parser would give, as far as the
 * values tell (see {@link nativeReadHolds}); counts the members. Recursion
 * stops at the nesting limit, so deep input cannot overflow the stack.
 */
function isExactContainer(container: object, depth: number, maxNesting: number): boolean {
  if (depth > maxNesting) return false;
  if (Array.isArray(container)) {
    for (let i = 0; i < container.length; i++) {
      const item: unknown = container[i];
      if (typeof item === 'object') {
        if (item !== null && !isExactContainer(item, depth + 1, maxNesting)) return false;
      } else if (typeof item === 'number') {
        if (!isExactNumber(item)) return false;
        walkArrayNumbers = true;
      }
    }
    return true;
  }
  const record = container as Record<string, unknown>;
  let n = 0;
  for (const key in record) {
    n++;
    const member = record[key];
    if (typeof member === 'object') {
      if (member !== null && !isExactContainer(member, depth + 1, maxNesting)) return false;
    } else if (typeof member === 'number' && !isExactNumber(member)) {
      return false;
    }
  }
  walkMembers += n;
  return true;
}

/** The tokens QEMU's lexer makes of the text of a value `JSON.parse` read (without duplicate keys). */
function countTokens(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  let n: number;
  if (Array.isArray(value)) {
    n = value.length === 0 ? 2 : value.length + 1; // brackets and commas
    for (const item of value) n += countTokens(item);
  } else {
    const keys = Object.keys(value);
    n = keys.length === 0 ? 2 : 3 * keys.length + 1; // braces, commas, keys and colons
    for (const k of keys) n += countTokens((value as Record<string, unknown>)[k]);
  }
  return n;
}

/** The characters JSON lets through as `\x` escapes (besides `\u`), and QEMU's `\'`. */
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "'": "'",
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

/** Whether code point `cp` is one QEMU refuses in a string: a surrogate, a noncharacter. */
function isRefusedCodePoint(cp: number): boolean {
  return (
    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe
  );
}

/** The UTF-8 length of `text[start..end)`. */
function utf8Length(text: string, start: number, end: number): number {
  let n = end - start;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c <= 0xdbff ? 0 : 2; // a pair: 4 bytes for 2 units
  }
  return n;
}

/**
 * A recursive-descent JSON parser that keeps big integers exact, following
 * QEMU's lexer and parser. Recursion is bounded by the nesting limit, so it
 * cannot overflow the stack.
 */
class ExactReader {
  private readonly text: string;
  private pos = 0;
  private depth = 0;
  /** `path[d]` is the key or index being read inside the container at depth `d + 1`. */
  private readonly path: JsonPathSegment[] = [];
  private readonly limits: Limits;
  /** Whether the token bytes can reach the size limit, so they must be counted. */
  private readonly countBytes: boolean;
  private tokens = 0;
  private bytes = 0;
  /** Whether the value just read was a float literal with an integral value. */
  private float = false;

  constructor(text: string, limits: Limits) {
    this.text = text;
    this.limits = limits;
    this.countBytes = text.length * 3 + 1 > limits.maxTokenSize;
  }

  parseDocument(): JsonValue {
    this.skipWhitespace();
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos < this.text.length)
      this.fail(`Unexpected ${this.describeHere()} after the JSON value`);
    return value;
  }

  /** QEMU's streamer counts every token, in this order: size, count (then nesting, in enter). */
  private token(start: number, end: number): void {
    if (this.countBytes) {
      this.bytes += utf8Length(this.text, start, end);
      if (this.bytes + 1 > this.limits.maxTokenSize)
        this.failAt(start, `JSON token size limit exceeded (${this.limits.maxTokenSize} bytes)`);
    }
    if (++this.tokens > this.limits.maxTokenCount)
      this.failAt(start, `JSON token count limit exceeded (${this.limits.maxTokenCount} tokens)`);
  }

  private parseValue(): JsonValue {
    const c = this.text.charCodeAt(this.pos);
    switch (c) {
      case 0x7b: // {
        return this.parseObject();
      case 0x5b: // [
        return this.parseArray();
      case 0x22: // "
      case 0x27: // '
        return this.parseString(c);
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
    this.token(this.pos, this.pos + 1);
    if (++this.depth > this.limits.maxNesting)
      this.fail(`JSON nesting depth limit exceeded (${this.limits.maxNesting})`);
    this.pos++;
    this.skipWhitespace();
  }

  /** A one-character token (`,` `:` `]` `}`) at `pos`, consumed. */
  private punctuation(): number {
    const pos = this.pos;
    const c = this.text.charCodeAt(pos);
    if (c === 0x2c || c === 0x3a || c === 0x5d || c === 0x7d) this.token(pos, pos + 1);
    this.pos = pos + 1;
    return c;
  }

  private parseArray(): JsonValue[] {
    this.enter();
    const slot = this.depth - 1;
    const out: JsonValue[] = [];
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.punctuation();
      this.depth--;
      return out;
    }
    for (let index = 0; ; index++) {
      this.path[slot] = index;
      out.push(this.parseValue());
      if (this.float) {
        this.float = false;
        markFloat(out, index);
      }
      this.skipWhitespace();
      const c = this.punctuation();
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
      this.punctuation();
      this.depth--;
      return out;
    }
    for (;;) {
      // Until its key is read, an error belongs to the object, not to a member.
      this.depth--;
      const q = this.text.charCodeAt(this.pos);
      if (q !== 0x22 && q !== 0x27)
        this.fail(`Unexpected ${this.describeHere()}, expected a string key`);
      const keyStart = this.pos;
      const key = this.parseString(q);
      this.depth++;
      this.path[slot] = key;
      this.skipWhitespace();
      if (this.text.charCodeAt(this.pos) !== 0x3a)
        this.fail(`Unexpected ${this.describeHere()}, expected ':'`);
      this.punctuation();
      this.skipWhitespace();
      const value = this.parseValue();
      // QEMU checks after the value is read: an error in it comes first.
      if (Object.prototype.hasOwnProperty.call(out, key))
        this.failAt(keyStart, 'JSON parse error, duplicate key');
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
      if (this.float) {
        this.float = false;
        markFloat(out, key);
      }
      this.skipWhitespace();
      const c = this.punctuation();
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
    this.token(this.pos, this.pos + word.length);
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
    this.token(start, i);
    this.pos = i;
    const literal = text.slice(start, i);
    const value = Number(literal);
    if (integer) {
      // Integers up to 15 digits are always safe. Beyond, Number() rounds an
      // unsafe value to one outside the safe range, so the test is exact.
      if (value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER)
        return value === 0 ? 0 : value;
      // Too long to convert cheaply: a float, as QEMU reads any integer beyond 64 bits.
      if (i - digitsStart > MAX_INTEGER_DIGITS) return value;
      return BigInt(literal);
    }
    // A float; ±Infinity on overflow, as strtod gives it to QEMU.
    if (Number.isInteger(value)) this.float = true;
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

  /** A string delimited by `quote` (`"`, or QEMU's `'`). */
  private parseString(quote: number): string {
    const text = this.text;
    const n = text.length;
    const open = this.pos;
    let i = open + 1;
    let start = i;
    let out = '';
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === quote) {
        this.token(open, i + 1);
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
      } else if (c >= 0xd800) {
        i = this.checkRawCharacter(i, c);
      } else {
        i++;
      }
    }
    return this.failAt(open, 'Unterminated string');
  }

  /**
   * A raw character from U+D800 up at `i`; returns the offset after it.
   * QEMU reads UTF-8, where a lone surrogate is an invalid sequence and a
   * noncharacter is refused alike.
   */
  private checkRawCharacter(i: number, c: number): number {
    let cp = c;
    let next = i + 1;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = this.text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        next = i + 2;
      }
    }
    if (isRefusedCodePoint(cp))
      this.failAt(i, 'JSON parse error, invalid UTF-8 sequence in string');
    return next;
  }

  /** Decodes the escape at `i` (a backslash); returns the text and the next offset. */
  private parseEscape(i: number): [string, number] {
    const ch = this.text.charAt(i + 1);
    if (ch === 'u') {
      let cp = this.hex4At(i + 2);
      let end = i + 6;
      // A leading surrogate takes a trailing one in the next escape, as in QEMU.
      if (cp >= 0xd800 && cp <= 0xdbff && this.text.startsWith('\\u', end)) {
        const trailing = this.hex4At(end + 2);
        if (trailing >= 0xdc00 && trailing <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (trailing - 0xdc00);
          end += 6;
        }
      }
      if (isRefusedCodePoint(cp)) {
        this.failAt(
          i,
          `JSON parse error, ${this.text.slice(i, end)} is not a valid Unicode character`,
        );
      }
      return [String.fromCodePoint(cp), end];
    }
    const simple = SIMPLE_ESCAPES[ch];
    if (simple === undefined)
      this.failAt(
        i,
        `Invalid escape ${ch === '' ? 'at end of input' : JSON.stringify('\\' + ch)} in a string`,
      );
    return [simple, i + 2];
  }

  /** The four hex digits at `from`. */
  private hex4At(from: number): number {
    let code = 0;
    for (let k = from; k < from + 4; k++) {
      const digit = hexValue(this.text.charCodeAt(k));
      if (digit < 0)
        this.failAt(k, `Unexpected ${this.describeAt(k)} in a \\u escape, expected a hex digit`);
      code = code * 16 + digit;
    }
    return code;
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

function hex2(c: number): string {
  return c.toString(16).toUpperCase().padStart(2, '0');
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
  return stringifyWithBigints(value);
}

/** Whether a for-in over a plain object meets its own keys only: Object.prototype has no enumerable key. */
function prototypeAddsNoKey(): boolean {
  for (const _ in EMPTY) return false;
  return true;
}

/**
 * {@link stringifyQmpJson} for a value that likely holds bigints (what
 * `--int64 bigint` decodes to): the narrowing copy at once, without the
 * native check that stops at the first bigint. Bigints that a number holds
 * exactly become numbers in a copy, which JSON.stringify writes fastest, in
 * the same digits; anything else goes to the exact writer.
 */
export function stringifyWithBigints(value: JsonValue): string {
  // narrowed reads keys with for-in, which also meets enumerable keys added to Object.prototype.
  if (!prototypeAddsNoKey()) return new ExactWriter().write(value);
  const narrow = narrowed(value, 0);
  if (narrow !== NOT_NARROWED) return JSON.stringify(narrow);
  return new ExactWriter().write(value);
}

/** What {@link narrowed} gives for a value the native writer cannot write. */
const NOT_NARROWED: unique symbol = Symbol('not narrowed');

/** A bigint as a number when the number holds it exactly (a safe integer), else NOT_NARROWED. */
function narrowBigint(v: bigint): number | typeof NOT_NARROWED {
  // Rounding is monotonic and 2^53 is a number: no bigint past the safe range rounds into it.
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : NOT_NARROWED;
}

/**
 * `value` with every bigint of the safe range as a number, containers copied
 * only where one is below them; {@link NOT_NARROWED} where `JSON.stringify`
 * would not write what {@link stringifyQmpJson} must (a wider bigint, or
 * anything {@link isNativeWritable} refuses), for the exact writer to write
 * or report. A copied object holds what `JSON.stringify` reads of the
 * original: its own enumerable keys, in their order. Scalars in containers
 * are tested inline, as in isNativeWritableContainer. Only for a pristine
 * Object.prototype (prototypeAddsNoKey).
 */
function narrowed(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return value - value === 0 ? value : NOT_NARROWED;
    case 'bigint':
      return narrowBigint(value);
    case 'object':
      if (value === null) return null;
      break;
    default:
      return NOT_NARROWED;
  }
  if (depth + 1 > MAX_NESTING) return NOT_NARROWED;
  if (Array.isArray(value)) {
    let out: unknown[] | null = null;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      let n: unknown;
      if (typeof item === 'string' || typeof item === 'boolean') n = item;
      else if (typeof item === 'bigint') n = narrowBigint(item);
      else n = narrowed(item, depth + 1); // undefined (a hole too) is refused there
      if (n === NOT_NARROWED) return NOT_NARROWED;
      if (out === null && n !== item) out = value.slice(0, i);
      if (out !== null) out.push(n);
    }
    return out ?? value;
  }
  if (!isPlainObject(value)) return NOT_NARROWED;
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  // Own enumerable keys in their order, as JSON.stringify reads them (the caller made sure
  // Object.prototype adds none); for-in allocates nothing.
  for (const key in record) {
    const member = record[key];
    let n: unknown;
    switch (typeof member) {
      case 'string':
      case 'boolean':
      case 'undefined':
        continue;
      case 'bigint':
        n = narrowBigint(member);
        break;
      default:
        n = narrowed(member, depth + 1);
        if (n === member) continue;
    }
    if (n === NOT_NARROWED) return NOT_NARROWED;
    // A spread copies the object's layout whole (and `__proto__` as its own data, so the
    // store below writes that, not the prototype); JSON.stringify writes such a copy fastest.
    (out ??= { ...record })[key] = n;
  }
  return out ?? value;
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
