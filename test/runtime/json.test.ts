/**
 * The exact QMP JSON reader and writer (templates/runtime/json.ts): numbers,
 * strings, error positions and paths, the fast/exact path equivalence, and
 * exact round trips.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  formatJsonPath,
  parseQmpJson,
  parseQmpJsonExact,
  QmpJsonError,
  stringifyQmpJson,
  stringifyWithBigints,
  type JsonValue,
} from '../../templates/runtime/json.js';
import { expectSame } from '../helpers/same-value.js';

/** Both paths give the same value. */
function parseBoth(text: string): JsonValue {
  const fast = parseQmpJson(text);
  expectSame(parseQmpJsonExact(text), fast);
  return fast;
}

/** Both paths throw the same QmpJsonError; returns it. */
function errorBoth(text: string): QmpJsonError {
  const errors = [() => parseQmpJson(text), () => parseQmpJsonExact(text)].map((f) => {
    try {
      f();
    } catch (err) {
      return err;
    }
    throw new Error(`accepted: ${JSON.stringify(text)}`);
  });
  const [fast, exact] = errors;
  expect(fast).toBeInstanceOf(QmpJsonError);
  expect((fast as Error).message).toBe((exact as Error).message);
  return fast as QmpJsonError;
}

/** The writer's error for a value; the bigint-first writer (stringifyWithBigints) must throw the same. */
function writeError(value: unknown): QmpJsonError {
  let other: unknown = null;
  try {
    stringifyWithBigints(value as JsonValue);
  } catch (err) {
    other = err;
  }
  try {
    stringifyQmpJson(value as JsonValue);
  } catch (err) {
    expect(err).toBeInstanceOf(QmpJsonError);
    expect(other, 'stringifyWithBigints throws the same').toBeInstanceOf(QmpJsonError);
    expect((other as QmpJsonError).message).toBe((err as QmpJsonError).message);
    return err as QmpJsonError;
  }
  throw new Error('written without error');
}

describe('numbers', () => {
  const rows: [string, number | bigint][] = [
    ['0', 0],
    ['-0', 0], // QEMU reads the integer -0 as 0
    ['-0.0', -0],
    ['-0e0', -0],
    ['0.0', 0],
    ['1', 1],
    ['-1', -1],
    ['123456789012345', 123456789012345],
    ['1234567890123456', 1234567890123456],
    ['9007199254740991', 9007199254740991], // 2^53-1
    ['-9007199254740991', -9007199254740991],
    ['9007199254740992', 9007199254740992n], // 2^53
    ['-9007199254740992', -9007199254740992n],
    ['9007199254740993', 9007199254740993n], // 2^53+1: JSON.parse gives ...992
    ['-9007199254740993', -9007199254740993n],
    ['18446744073709551615', 18446744073709551615n], // 2^64-1
    ['18446744073709551616', 18446744073709551616n],
    ['-9223372036854775808', -9223372036854775808n], // -2^63
    ['9223372036854775807', 9223372036854775807n],
    ['123456789012345678901234567890123456789', 123456789012345678901234567890123456789n],
    ['9'.repeat(1000), BigInt('9'.repeat(1000))], // MAX_INTEGER_DIGITS
    ['1.5', 1.5],
    ['-1.5', -1.5],
    ['0.1', 0.1],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1e+3', 1000],
    ['1e-3', 0.001],
    ['2.5e-7', 2.5e-7],
    ['1e20', 1e20], // an exponent makes it a number, however big
    ['18446744073709551615.0', 18446744073709551615.0],
    ['18446744073709551615e0', 18446744073709551615],
    ['0.12345678901234567890123', 0.12345678901234568],
    ['1.7976931348623157e308', Number.MAX_VALUE],
    ['5e-324', Number.MIN_VALUE],
    ['1e-400', 0], // underflow is not an error (JSON.parse agrees)
    ['-1e-400', -0],
  ];
  it.each(rows)('%.40s', (text, expected) => {
    expectSame(parseBoth(text), expected);
    expectSame(parseBoth(`{"return":[${text}]}`), { return: [expected] });
    expectSame(parseBoth(` [ ${text} ] `), [expected]);
  });

  it('agrees with JSON.parse on every number it keeps as number', () => {
    for (const [text, expected] of rows) {
      if (typeof expected === 'number' && text !== '-0') expectSame(expected, JSON.parse(text));
    }
  });

  it.each([
    ['1e400', Infinity],
    ['-1e400', -Infinity],
    ['1E+400', Infinity],
    ['1' + '0'.repeat(400) + '.0', Infinity],
    ['9'.repeat(1001), Infinity], // beyond MAX_INTEGER_DIGITS: a float, as QEMU's strtod reads it
  ])('overflow %.30s reads as ±Infinity, as strtod gives it to QEMU', (text, expected) => {
    expectSame(parseBoth(text), expected);
    expectSame(parseBoth(`{"return":{"x":[1, ${text}]}}`), { return: { x: [1, expected] } });
    // ...which the writer refuses: JSON has no Infinity.
    expect(writeError(parseQmpJson(`[${text}]`)).message).toBe(`Cannot write ${String(expected)} as JSON in [0]`);
  });

  it('writes numbers as JSON.stringify does and bigints as digits', () => {
    expect(stringifyQmpJson([0, -0, 1.5, -2.5e-7, 1e21, 1e20, 123, 2 ** 60])).toBe(
      JSON.stringify([0, -0, 1.5, -2.5e-7, 1e21, 1e20, 123, 2 ** 60]),
    );
    expect(stringifyQmpJson([18446744073709551615n, -9223372036854775808n, 0n, -1n, 1.5])).toBe(
      '[18446744073709551615,-9223372036854775808,0,-1,1.5]',
    );
  });

  it.each([
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
  ])('refuses to write %s, naming the path', (n, name) => {
    expect(writeError(n).message).toBe(`Cannot write ${name} as JSON`);
    expect(writeError({ return: [1, { size: n }] }).message).toBe(`Cannot write ${name} as JSON in return[1].size`);
    // ...also next to a bigint, where the exact writer runs.
    expect(writeError({ a: 1n, return: [1, { size: n }] }).message).toBe(
      `Cannot write ${name} as JSON in return[1].size`,
    );
  });
});

describe('exact round trips', () => {
  it.each([
    '{"return":{"size":18446744073709551615}}',
    '{"return":{"offset":-9223372036854775808}}',
    '{"return":[9007199254740991,9007199254740992,-9007199254740993,18446744073709551615]}',
    '{"event":"X","data":{"n":18446744073709551615,"s":"\\u0001\\n"},"timestamp":{"seconds":1,"microseconds":2}}',
    '[1.5,-0.5,1e+21,"a\\"b\\\\c\\u0001",{"__proto__":[]}]',
  ])('%s survives parse → stringify byte for byte', (text) => {
    expect(stringifyQmpJson(parseQmpJson(text))).toBe(text);
    expect(stringifyQmpJson(parseQmpJsonExact(text))).toBe(text);
  });

  it.each([
    ['[-0,-0.0,-0e0,0.0,1.50,1E2,18446744073709551615e0]', '[0,0,0,0,1.5,100,18446744073709552000]'],
    [' { "a" : [ 1 , 2 ] ,\n "b" : 18446744073709551615 } ', '{"a":[1,2],"b":18446744073709551615}'],
  ])('%s is written back as %s', (text, written) => {
    expect(stringifyQmpJson(parseQmpJson(text))).toBe(written);
  });

  it('reads 18446744073709551615 as a bigint inside a reply', () => {
    const value = parseQmpJson('{"return":{"size":18446744073709551615}}');
    expectSame(value, { return: { size: 18446744073709551615n } });
  });
});

describe('strings', () => {
  const rows: [string, string][] = [
    ['""', ''],
    ['"abc"', 'abc'],
    ['"\\"\\\\\\/\\b\\f\\n\\r\\t"', '"\\/\b\f\n\r\t'],
    ['"\\u0000\\u001f\\u0041\\u00e9\\u20AC"', '\u0000\u001fAé€'],
    ['"é€😀"', 'é€😀'],
    ['"\\ud83d\\ude00"', '😀'], // an escaped surrogate pair is one character
    ["'abc'", 'abc'], // QEMU's single-quoted strings
    ["'a\"b'", 'a"b'],
    ["'it\\'s'", "it's"], // QEMU's \' escape
    ['"it\\\'s"', "it's"],
    ['"\\uFFFD\\uFFFC\\uD7FF\\uE000"', '\ufffd\ufffc\ud7ff\ue000'], // around what QEMU refuses
    ['"\\uDBFF\\uDFFD"', '\udbff\udffd'], // U+10FFFD, the last character
    ['"\u007f\u0080\u2028\u2029"', '\u007f\u0080\u2028\u2029'],
    ['"tab\\tin\\nside"', 'tab\tin\nside'],
  ];
  it.each(rows)('%s', (text, expected) => {
    expectSame(parseBoth(text), expected);
    expectSame(parseBoth(`{${text}:[${text}]}`), { [expected]: [expected] });
  });

  it('writes strings as JSON.stringify does, lone surrogates escaped', () => {
    for (const [, s] of rows) {
      expect(stringifyQmpJson(s)).toBe(JSON.stringify(s));
      expect(stringifyQmpJson({ [s]: [s, 1n] })).toBe(`{${JSON.stringify(s)}:[${JSON.stringify(s)},1]}`);
    }
    expect(stringifyQmpJson('\ud800')).toBe('"\\ud800"');
    expect(stringifyQmpJson(['\udc00x', 1n])).toBe('["\\udc00x",1]');
    // ...which QEMU's reader, and so ours, refuses.
    expect(() => parseQmpJson(stringifyQmpJson('\ud800'))).toThrow('JSON parse error, \\ud800 is not a valid Unicode character');
  });
});

describe('errors carry position and path', () => {
  const rows: [string, string][] = [
    ['', 'Unexpected end of input, expected a JSON value at line 1, column 1 (offset 0)'],
    ['   ', 'Unexpected end of input, expected a JSON value at line 1, column 4 (offset 3)'],
    ['x', "Unexpected character 'x', expected a JSON value at line 1, column 1 (offset 0)"],
    ['{} x', "Unexpected character 'x' after the JSON value at line 1, column 4 (offset 3)"],
    ['{}{}', "Unexpected character '{' after the JSON value at line 1, column 3 (offset 2)"],
    ['01', "Unexpected character '1' after the JSON value at line 1, column 2 (offset 1)"],
    ['-', 'Unexpected end of input in a number, expected a digit at line 1, column 2 (offset 1)'],
    ['-a', "Unexpected character 'a' in a number, expected a digit at line 1, column 2 (offset 1)"],
    ['1.', 'Unexpected end of input after the decimal point, expected a digit at line 1, column 3 (offset 2)'],
    ['.5', "Unexpected character '.', expected a JSON value at line 1, column 1 (offset 0)"],
    ['1e', 'Unexpected end of input in the exponent, expected a digit at line 1, column 3 (offset 2)'],
    ['1e+', 'Unexpected end of input in the exponent, expected a digit at line 1, column 4 (offset 3)'],
    ['+1', "Unexpected character '+', expected a JSON value at line 1, column 1 (offset 0)"],
    ['NaN', "Unexpected character 'N', expected a JSON value at line 1, column 1 (offset 0)"],
    ['Infinity', "Unexpected character 'I', expected a JSON value at line 1, column 1 (offset 0)"],
    ['nul', "Unexpected character 'n', expected a JSON value at line 1, column 1 (offset 0)"],
    ['True', "Unexpected character 'T', expected a JSON value at line 1, column 1 (offset 0)"],
    ['"abc', 'Unterminated string at line 1, column 1 (offset 0)'],
    ['"abc\\"', 'Unterminated string at line 1, column 1 (offset 0)'],
    ['"a\nb"', 'Control character U+000A in a string must be escaped at line 1, column 3 (offset 2)'],
    ['"a\u0000b"', 'Control character U+0000 in a string must be escaped at line 1, column 3 (offset 2)'],
    ['"\\x"', 'Invalid escape "\\\\x" in a string at line 1, column 2 (offset 1)'],
    ['"\\', 'Invalid escape at end of input in a string at line 1, column 2 (offset 1)'],
    ['"\\u12G4"', "Unexpected character 'G' in a \\u escape, expected a hex digit at line 1, column 6 (offset 5)"],
    ['"\\u12"', "Unexpected character '\"' in a \\u escape, expected a hex digit at line 1, column 6 (offset 5)"],
    ["'a", 'Unterminated string at line 1, column 1 (offset 0)'],
    ['{"a":1,"a":2}', 'JSON parse error, duplicate key at line 1, column 8 (offset 7) in a'],
    ['"\\ud800"', 'JSON parse error, \\ud800 is not a valid Unicode character at line 1, column 2 (offset 1)'],
    ['"\ud800"', 'JSON parse error, invalid UTF-8 sequence in string at line 1, column 2 (offset 1)'],
    ['[1 2]', "Unexpected character '2', expected ',' or ']' at line 1, column 4 (offset 3) in [0]"],
    ['[1,]', "Unexpected character ']', expected a JSON value at line 1, column 4 (offset 3) in [1]"],
    ['[1', "Unexpected end of input, expected ',' or ']' at line 1, column 3 (offset 2) in [0]"],
    ['[', 'Unexpected end of input, expected a JSON value at line 1, column 2 (offset 1) in [0]'],
    ['{', 'Unexpected end of input, expected a string key at line 1, column 2 (offset 1)'],
    ['{"a":1,}', "Unexpected character '}', expected a string key at line 1, column 8 (offset 7)"],
    ['{"a" 1}', "Unexpected character '1', expected ':' at line 1, column 6 (offset 5) in a"],
    ['{a:1}', "Unexpected character 'a', expected a string key at line 1, column 2 (offset 1)"],
    ['{"a":1 "b":2}', "Unexpected character '\"', expected ',' or '}' at line 1, column 8 (offset 7) in a"],
    [
      '{"return":[{"name":"x"},{"name":tru}]}',
      "Unexpected character 't', expected a JSON value at line 1, column 33 (offset 32) in return[1].name",
    ],
    [
      '{"return":{"a b":[0, "x\u0001"]}}',
      'Control character U+0001 in a string must be escaped at line 1, column 24 (offset 23) in return["a b"][1]',
    ],
    [
      '{\n  "return": {\n    "size": x\n  }\n}',
      "Unexpected character 'x', expected a JSON value at line 3, column 13 (offset 28) in return.size",
    ],
    ['\r\n[\t1,\r\n 2,\n 3 x]', "Unexpected character 'x', expected ',' or ']' at line 4, column 4 (offset 15) in [2]"],
    ['[1]\u00a0', 'Unexpected character U+00A0 after the JSON value at line 1, column 4 (offset 3)'],
    ['\ufeff[1]', 'Unexpected character U+FEFF, expected a JSON value at line 1, column 1 (offset 0)'],
  ];
  it.each(rows)('%j', (text, message) => {
    const err = errorBoth(text);
    expect(err.message).toBe(message);
    expect(err.name).toBe('QmpJsonError');
    expect(err.position?.offset).toBeTypeOf('number');
  });

  it('exposes the path and position as data', () => {
    const err = errorBoth('{"return":[{"name":"x"},{"name":tru}]}');
    expect(err.path).toEqual(['return', 1, 'name']);
    expect(err.position).toEqual({ offset: 32, line: 1, column: 33 });
    expect(err.reason).toBe("Unexpected character 't', expected a JSON value");
    expect(err).toBeInstanceOf(Error);
  });

  it('formats paths as QEMU does', () => {
    expect(formatJsonPath([])).toBe('');
    expect(formatJsonPath(['return', 3, 'name'])).toBe('return[3].name');
    expect(formatJsonPath(['backend-transfer', 0])).toBe('backend-transfer[0]');
    expect(formatJsonPath([0, 'a.b', '', 'x_1'])).toBe('[0]["a.b"][""].x_1');
  });
});

describe('writer', () => {
  it('writes compact JSON with keys in insertion order', () => {
    const value = { b: 1, a: [true, false, null, 'x'], c: {}, d: [], 2: 'two', 1: 'one' };
    expect(stringifyQmpJson(value)).toBe(JSON.stringify(value));
    expect(stringifyQmpJson({ ...value, big: 1n })).toBe(JSON.stringify(value).slice(0, -1) + ',"big":1}');
  });

  it('leaves out undefined members, as JSON.stringify does', () => {
    const value = { a: undefined, b: 1, c: undefined } as unknown as JsonValue;
    expect(stringifyQmpJson(value)).toBe('{"b":1}');
    expect(stringifyQmpJson({ ...(value as object), n: 1n } as JsonValue)).toBe('{"b":1,"n":1}');
  });

  it('writes objects without a prototype', () => {
    const value = Object.assign(Object.create(null) as object, { a: 1 }) as JsonValue;
    expect(stringifyQmpJson(value)).toBe('{"a":1}');
    expect(stringifyQmpJson([value, 1n])).toBe('[{"a":1},1]');
  });

  it('writes an own __proto__ member as data, next to bigints a number holds and ones it does not', () => {
    const value = JSON.parse('{"__proto__": {"a": 1}, "n": 0, "m": [0]}') as Record<string, unknown>;
    value['n'] = 5n;
    (value['m'] as unknown[])[0] = -(2n ** 53n) + 1n;
    expect(stringifyQmpJson(value as JsonValue)).toBe('{"__proto__":{"a":1},"n":5,"m":[-9007199254740991]}');
    expect(stringifyWithBigints(value as JsonValue)).toBe('{"__proto__":{"a":1},"n":5,"m":[-9007199254740991]}');
    value['n'] = 2n ** 64n - 1n;
    expect(stringifyQmpJson(value as JsonValue)).toBe('{"__proto__":{"a":1},"n":18446744073709551615,"m":[-9007199254740991]}');
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  });

  it('writes only own members when Object.prototype has an enumerable key', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['polluted'] = 1n;
    try {
      expect(stringifyWithBigints({ a: 1n, b: [2n, { c: 3n }] })).toBe('{"a":1,"b":[2,{"c":3}]}');
      expect(stringifyQmpJson({ a: 2n ** 64n })).toBe('{"a":18446744073709551616}');
    } finally {
      delete proto['polluted'];
    }
  });

  class Point {
    x = 1;
  }
  it.each([
    [[undefined], 'Cannot write undefined as JSON in [0]'],
    [undefined, 'Cannot write undefined as JSON'],
    [{ a: [1, 2, () => 1] }, 'Cannot write a function as JSON in a[2]'],
    [{ a: { f: () => 1 } }, 'Cannot write a function as JSON in a.f'],
    [{ s: Symbol('x') }, 'Cannot write a symbol as JSON in s'],
    [{ d: new Date(0) }, 'Cannot write an object of class Date as JSON in d'],
    [{ m: new Map() }, 'Cannot write an object of class Map as JSON in m'],
    [{ return: [new Point()] }, 'Cannot write an object of class Point as JSON in return[0]'],
    // eslint-disable-next-line no-sparse-arrays
    [[1, , 3], 'Cannot write undefined as JSON in [1]'],
  ])('refuses %s', (value, message) => {
    expect(writeError(value).message).toBe(message);
  });

  it('matches a reference writer on random values with bigints', () => {
    const ref = (v: JsonValue): string =>
      JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `@@BIG${x}@@` : x)).replace(
        /"@@BIG(-?\d+)@@"/g,
        '$1',
      );
    fc.assert(
      fc.property(qmpValue, (v) => {
        expect(stringifyQmpJson(v)).toBe(ref(v));
        expect(stringifyWithBigints(v)).toBe(ref(v));
      }),
      { numRuns: 300 },
    );
  });

  it('matches JSON.stringify on random values without bigints', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(stringifyQmpJson(v as JsonValue)).toBe(JSON.stringify(v));
        expect(stringifyWithBigints(v as JsonValue)).toBe(JSON.stringify(v));
      }),
      { numRuns: 300 },
    );
  });
});

/** Any UTF-16 code unit (lone surrogates included: the strings filter out what QEMU refuses), weighted towards ASCII and escapes. */
const codeUnit = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('"', '\\', '/', '\n', '\t', '\u0000', '\u001f', '\u2028') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('😀', 'é', '\ud800', '\udfff', '\ufdd0', '\uffff') },
);
/** Whether QEMU's reader takes the string: no lone surrogate, no noncharacter. */
function qemuReadable(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  }
  return true;
}
const jsonString = fc.string({ unit: codeUnit, maxLength: 12 }).filter(qemuReadable);
const bigIntegers = fc.oneof(
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.constantFrom(2n ** 53n, -(2n ** 53n), 2n ** 53n + 1n, 2n ** 64n - 1n, -(2n ** 63n), 2n ** 63n - 1n, 10n ** 30n),
);
/** A JsonValue as the reader produces it: no -0 from integers, bigints only outside the safe range. */
const qmpValue: fc.Arbitrary<JsonValue> = fc.letrec<{ value: JsonValue }>((tie) => ({
  value: fc.oneof(
    { maxDepth: 4, depthIdentifier: 'json' },
    fc.constant(null),
    fc.boolean(),
    fc.integer({ min: -1_000_000, max: 1_000_000 }),
    fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0.5, -1.25e-7, 3e200, -0.0),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    bigIntegers.map((b): JsonValue =>
      b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER) ? b : Number(b),
    ),
    jsonString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(jsonString, fc.constantFrom('__proto__', 'constructor', 'return', '0', '1')), tie('value'), {
      maxKeys: 5,
    }),
  ),
})).value;

/**
 * What a value reads back as after writing: integers beyond the safe range
 * (an integral double below 1e21 is written as the digits of its shortest
 * decimal form, not of its exact value) come back as bigint,
 * -0 comes back as 0.
 */
function normalized(v: JsonValue): JsonValue {
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return 0; // written as 0
    return Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 1e21 ? BigInt(String(v)) : v;
  }
  if (Array.isArray(v)) return v.map(normalized);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: normalized(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}

/** Indented JSON text, bigints as digits. */
function pretty(v: JsonValue): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `@@BIG${x}@@` : x), 2).replace(
    /"@@BIG(-?\d+)@@"/g,
    '$1',
  );
}

describe('properties', () => {
  it('fast path and exact parser agree on random JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(qmpValue, fc.jsonValue() as fc.Arbitrary<JsonValue>), fc.boolean(), (v, spaced) => {
        const text = spaced ? pretty(v) : stringifyQmpJson(v);
        expectSame(parseQmpJson(text), parseQmpJsonExact(text));
      }),
      { numRuns: 1000 },
    );
  });

  it('the exact parser agrees with JSON.parse where JSON.parse is exact', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v);
        // JSON.parse of the digits of an integral double beyond 2^53 is exact too.
        expectSame(parseQmpJsonExact(text), normalized(JSON.parse(text) as JsonValue));
      }),
      { numRuns: 500 },
    );
  });

  it('round trip: stringify → parse gives the value back, bigints included', () => {
    fc.assert(
      fc.property(qmpValue, (v) => {
        const text = stringifyQmpJson(v);
        expectSame(parseQmpJson(text), normalized(v));
        expect(stringifyQmpJson(parseQmpJson(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
