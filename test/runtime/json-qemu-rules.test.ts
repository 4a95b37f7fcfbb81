/**
 * The QMP reader against QEMU's JSON rules, one row per rule, on both reader
 * paths (the native fast path and the exact parser). The "QEMU" column says
 * what QEMU's lexer/parser/streamer do (qobject/json-lexer.c,
 * json-parser.c, json-streamer.c; vectors from tests/unit/check-qjson.c).
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_NESTING,
  MAX_TOKEN_COUNT,
  MAX_TOKEN_SIZE,
  decodeQmpUtf8,
  isJsonFloat,
  parseQmpJson,
  parseQmpJsonBytes,
  parseQmpJsonExact,
  QmpJsonError,
  type JsonValue,
  type QmpJsonReadOptions,
} from '../../templates/runtime/json.js';
import { expectSame } from '../helpers/same-value.js';

type Outcome = { value: JsonValue } | { error: string };

function outcome(f: () => JsonValue): Outcome {
  try {
    return { value: f() };
  } catch (e) {
    if (!(e instanceof QmpJsonError)) throw e;
    return { error: e.reason };
  }
}

/** Both paths, which must agree; the outcome. */
function read(text: string, options?: QmpJsonReadOptions): Outcome {
  const fast = outcome(() => parseQmpJson(text, options));
  const exact = outcome(() => parseQmpJsonExact(text, options));
  if ('error' in fast) expect(exact).toEqual(fast);
  else {
    expect('value' in exact).toBe(true);
    expectSame((exact as { value: JsonValue }).value, fast.value);
  }
  return fast;
}

interface Row {
  readonly rule: string;
  readonly text: string;
  /** What QEMU does: the value read, or the start of its error message. */
  readonly qemu: { value: JsonValue } | { error: string };
}

const rows: Row[] = [
  // Strings: QEMU's extensions (json-lexer.c: single quotes, \').
  { rule: 'single-quoted string', text: "{'a': 'b'}", qemu: { value: { a: 'b' } } },
  { rule: "\\' in a single-quoted string", text: "'it\\'s'", qemu: { value: "it's" } },
  { rule: "\\' in a double-quoted string", text: '"it\\\'s"', qemu: { value: "it's" } },
  { rule: 'unescaped " in a single-quoted string', text: "'double quote \"'", qemu: { value: 'double quote "' } },
  { rule: "unescaped ' in a double-quoted string", text: "\"the bee's knees\"", qemu: { value: "the bee's knees" } },
  { rule: 'unterminated single-quoted string', text: "'abc", qemu: { error: 'Unterminated string' } },
  // Duplicate keys (json-parser.c parse_pair).
  { rule: 'duplicate key', text: '{"a": 1, "a": 2}', qemu: { error: 'JSON parse error, duplicate key' } },
  { rule: 'duplicate key, nested', text: '{"r": [{"x": 1, "y": 2, "x": 1}]}', qemu: { error: 'JSON parse error, duplicate key' } },
  { rule: 'duplicate key, other quotes', text: `{"a": 1, 'a': 2}`, qemu: { error: 'JSON parse error, duplicate key' } },
  { rule: 'same key in two objects', text: '[{"a": 1}, {"a": 2}]', qemu: { value: [{ a: 1 }, { a: 2 }] } },
  // Unicode (json-parser.c parse_string; check-qjson.c escaped_string, utf8_string).
  { rule: 'escaped surrogate pair', text: '"\\uD834\\uDD1E"', qemu: { value: '\u{1D11E}' } },
  { rule: '\\u0000', text: '"\\u0000x"', qemu: { value: '\u0000x' } },
  { rule: 'unpaired leading surrogate', text: '"\\uD800"', qemu: { error: 'JSON parse error, \\uD800 is not a valid Unicode character' } },
  { rule: 'leading surrogate, then no trailing one', text: '"\\uD800\\uCAFE"', qemu: { error: 'JSON parse error, \\uD800 is not a valid Unicode character' } },
  { rule: 'leading surrogate, then a leading one', text: '"\\uD800\\uD801\\uDC02"', qemu: { error: 'JSON parse error, \\uD800 is not a valid Unicode character' } },
  { rule: 'unpaired trailing surrogate', text: '"\\uDC00"', qemu: { error: 'JSON parse error, \\uDC00 is not a valid Unicode character' } },
  { rule: 'backward surrogate pair', text: '"\\uDC00\\uD800"', qemu: { error: 'JSON parse error, \\uDC00 is not a valid Unicode character' } },
  { rule: 'noncharacter U+FDD0', text: '"\\uFDD0"', qemu: { error: 'JSON parse error, \\uFDD0 is not a valid Unicode character' } },
  { rule: 'noncharacter U+FDEF', text: '"\\uFDEF"', qemu: { error: 'JSON parse error, \\uFDEF is not a valid Unicode character' } },
  { rule: 'noncharacter U+FFFE', text: '"\\uFFFE"', qemu: { error: 'JSON parse error, \\uFFFE is not a valid Unicode character' } },
  { rule: 'noncharacter U+1FFFE', text: '"\\uD87F\\uDFFE"', qemu: { error: 'JSON parse error, \\uD87F\\uDFFE is not a valid Unicode character' } },
  { rule: 'noncharacter U+10FFFF', text: '"\\uDBFF\\uDFFF"', qemu: { error: 'JSON parse error, \\uDBFF\\uDFFF is not a valid Unicode character' } },
  { rule: 'last character U+10FFFD', text: '"\\uDBFF\\uDFFD"', qemu: { value: '\u{10FFFD}' } },
  { rule: 'U+FFFD, U+FFFC, U+D7FF, U+E000', text: '"\\uFFFD\\uFFFC\\uD7FF\\uE000"', qemu: { value: '\uFFFD\uFFFC\uD7FF\uE000' } },
  { rule: 'raw lone surrogate (invalid UTF-8)', text: '"\uD800"', qemu: { error: 'JSON parse error, invalid UTF-8 sequence in string' } },
  { rule: 'raw noncharacter U+FFFF', text: '"\uFFFF"', qemu: { error: 'JSON parse error, invalid UTF-8 sequence in string' } },
  { rule: 'raw noncharacter U+2FFFE', text: '"\u{2FFFE}"', qemu: { error: 'JSON parse error, invalid UTF-8 sequence in string' } },
  { rule: 'raw character U+1F600', text: '"\u{1F600}"', qemu: { value: '\u{1F600}' } },
  // Numbers (json-parser.c parse_literal: int64, else uint64, else strtod).
  { rule: '-0 is the integer 0', text: '-0', qemu: { value: 0 } },
  { rule: '-0.0 is a float', text: '-0.0', qemu: { value: -0 } },
  { rule: '1e400 overflows to Infinity (strtod)', text: '1e400', qemu: { value: Infinity } },
  { rule: '-1e400 overflows to -Infinity', text: '[-1e400]', qemu: { value: [-Infinity] } },
  { rule: '2^64-1 is exact', text: '18446744073709551615', qemu: { value: 18446744073709551615n } },
  { rule: '-2^63 is exact', text: '-9223372036854775808', qemu: { value: -9223372036854775808n } },
  // Limits (json-streamer.c).
  { rule: `nesting ${MAX_NESTING}`, text: '['.repeat(MAX_NESTING) + ']'.repeat(MAX_NESTING), qemu: { value: nested(MAX_NESTING) } },
  { rule: `nesting ${MAX_NESTING + 1}`, text: '['.repeat(MAX_NESTING + 1) + ']'.repeat(MAX_NESTING + 1), qemu: { error: 'JSON nesting depth limit exceeded' } },
  { rule: 'nesting counts braces and brackets together', text: '[{"a":'.repeat(512) + '[]' + '}]'.repeat(512), qemu: { error: 'JSON nesting depth limit exceeded' } },
];

function nested(depth: number): JsonValue {
  let v: JsonValue = [];
  for (let d = 1; d < depth; d++) v = [v];
  return v;
}

describe("the reader follows QEMU's JSON rules", () => {
  it.each(rows)('$rule: $text', ({ text, qemu }) => {
    const got = read(text);
    if ('value' in qemu) {
      expect(got).toHaveProperty('value');
      expectSame((got as { value: JsonValue }).value, qemu.value);
    } else {
      expect(got).toHaveProperty('error');
      expect((got as { error: string }).error.startsWith(qemu.error)).toBe(true);
    }
  });
});

describe('floats are not integers (QEMU: a QNum double)', () => {
  it.each(['1.0', '1e0', '-0.0', '1E2', '1.5e1', '100.000', '1e+20'])('%s is a number marked as a float', (lit) => {
    for (const parse of [parseQmpJson, parseQmpJsonExact]) {
      const v = parse(`{"a": ${lit}, "b": [${lit}, 1], "c": 1}`) as { a: number; b: number[]; c: number };
      expectSame(v.a, Number(lit));
      expect(isJsonFloat(v, 'a')).toBe(true);
      expect(isJsonFloat(v.b, 0)).toBe(true);
      expect(isJsonFloat(v.b, 1)).toBe(false);
      expect(isJsonFloat(v, 'c')).toBe(false);
    }
  });

  it('integers and non-integral floats carry no mark', () => {
    const v = parseQmpJson('{"a": 1, "b": -0, "c": 1.5, "d": [2, 2.5]}') as Record<string, JsonValue>;
    for (const k of ['a', 'b', 'c']) expect(isJsonFloat(v, k)).toBe(false);
    expect(isJsonFloat(v['d'] as object, 0)).toBe(false);
    expect(isJsonFloat(v['d'] as object, 1)).toBe(false);
  });
});

describe("QEMU's limits, as options", () => {
  it('are on by default, with the values of json-streamer.c', () => {
    expect(MAX_NESTING).toBe(1 << 10);
    expect(MAX_TOKEN_SIZE).toBe(64 * 1024 * 1024);
    expect(MAX_TOKEN_COUNT).toBe(2 * 1024 * 1024);
  });

  it('token count: at most maxTokenCount tokens', () => {
    // [1,2,3,4] is 9 tokens.
    expect(read('[1,2,3,4]', { maxTokenCount: 9 })).toEqual({ value: [1, 2, 3, 4] });
    expect(read('[1,2,3,4]', { maxTokenCount: 8 })).toEqual({ error: 'JSON token count limit exceeded (8 tokens)' });
    // { "a" : [ 1 , 2 ] } is 9.
    expect(read('{"a": [1, 2]}', { maxTokenCount: 9 })).toEqual({ value: { a: [1, 2] } });
    expect(read('{"a": [1, 2]}', { maxTokenCount: 8 })).toHaveProperty('error');
  });

  it('token count: the default, 2 Mi tokens', () => {
    const k = MAX_TOKEN_COUNT / 2 - 2;
    const exactly = '[' + '0,'.repeat(k) + '[]]'; // 2 brackets, k numbers, k commas, [ and ]: 2^21 tokens
    const over = '[' + '0,'.repeat(k + 1) + '0]'; // 2 + (k + 2) + (k + 1) = 2^21 + 1
    expect((parseQmpJson(exactly) as number[]).length).toBe(k + 1);
    expect((parseQmpJsonExact(exactly) as number[]).length).toBe(k + 1);
    expect(() => parseQmpJson(over)).toThrow(/^JSON token count limit exceeded/);
    expect(() => parseQmpJsonExact(over)).toThrow(/^JSON token count limit exceeded/);
  }, 900_000);

  it('token size: the bytes of the tokens (UTF-8, whitespace not counted) stay below maxTokenSize', () => {
    expect(read('["aaaa"]', { maxTokenSize: 9 })).toEqual({ value: ['aaaa'] });
    expect(read('["aaaa"]', { maxTokenSize: 8 })).toEqual({ error: 'JSON token size limit exceeded (8 bytes)' });
    expect(read('[  "aaaa"  ]', { maxTokenSize: 9 })).toEqual({ value: ['aaaa'] });
    // [ "é" ] is 1 + 4 + 1 bytes: é is 2 in UTF-8.
    expect(read('["é"]', { maxTokenSize: 7 })).toEqual({ value: ['é'] });
    expect(read('["é"]', { maxTokenSize: 6 })).toHaveProperty('error');
  });

  it('nesting can be lowered, not raised', () => {
    expect(read('[[[]]]', { maxNesting: 3 })).toEqual({ value: [[[]]] });
    expect(read('[[[]]]', { maxNesting: 2 })).toEqual({ error: 'JSON nesting depth limit exceeded (2)' });
    expect(read('['.repeat(1025) + ']'.repeat(1025), { maxNesting: 5000 })).toHaveProperty('error');
  });

  it('Infinity turns a limit off', () => {
    expect(read('[1,2,3,4]', { maxTokenCount: Infinity, maxTokenSize: Infinity })).toEqual({ value: [1, 2, 3, 4] });
  });
});

describe('UTF-8 bytes: invalid sequences are errors, never U+FFFD', () => {
  const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);
  const q = 0x22;
  it.each([
    ['5 bytes U+200000', [q, 0xf8, 0x88, 0x80, 0x80, 0x80, q]],
    ['beyond U+10FFFF', [q, 0xf4, 0x90, 0x80, 0x80, q]],
    ['UTF-8 of a surrogate', [q, 0xed, 0xa0, 0x80, q]],
    ['lone continuation byte', [q, 0x80, q]],
    ['truncated sequence', [q, 0xe2, 0x82, q]],
    ['overlong /', [q, 0xc0, 0xaf, q]],
    ['0xFF', [q, 0xff, q]],
  ])('%s', (_name, b) => {
    expect(() => decodeQmpUtf8(bytes(...b))).toThrow(/^JSON parse error, invalid UTF-8 sequence/);
    expect(() => parseQmpJsonBytes(bytes(...b))).toThrow(QmpJsonError);
  });

  it('reads valid UTF-8, and modified UTF-8 C0 80 as U+0000 in a string (as QEMU)', () => {
    expect(parseQmpJsonBytes(new TextEncoder().encode('{"a": "é€😀"}'))).toEqual({ a: 'é€😀' });
    expect(parseQmpJsonBytes(bytes(q, 0x61, 0xc0, 0x80, 0x62, q))).toBe('a\u0000b');
    expect(() => parseQmpJsonBytes(bytes(0x5b, 0xc0, 0x80, 0x5d))).toThrow(QmpJsonError);
    expect(() => parseQmpJsonBytes(new TextEncoder().encode('"\uFFFE"'))).toThrow(/invalid UTF-8 sequence in string/);
  });
});
