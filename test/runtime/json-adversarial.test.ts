/**
 * Hostile input to the QMP JSON reader and writer: every case ends cleanly
 * (a value or a QmpJsonError) within a time bound, on both reader paths, and
 * no prototype is touched.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  MAX_INTEGER_DIGITS,
  MAX_NESTING,
  parseQmpJson,
  parseQmpJsonExact,
  QmpJsonError,
  stringifyQmpJson,
  type JsonValue,
} from '../../templates/runtime/json.js';
import { expectSame } from '../helpers/same-value.js';

/** An unsafe integer: text holding it takes the exact parser even via parseQmpJson. */
const BIG = '18446744073709551615';

type Outcome = { value: JsonValue } | { error: string };

/**
 * Runs `f`; returns its value or its QmpJsonError's message. No wall-clock
 * bound (a loaded machine must not fail a test): a hang is caught by the
 * test's timeout.
 */
function outcome(f: () => JsonValue): Outcome {
  let result: Outcome;
  try {
    result = { value: f() };
  } catch (err) {
    if (!(err instanceof QmpJsonError)) throw err; // a RangeError, TypeError... fails the test
    result = { error: err.message };
  }
  return result;
}

/** Both reader paths; they must agree. */
function readBoth(text: string): Outcome {
  const fast = outcome(() => parseQmpJson(text));
  const exact = outcome(() => parseQmpJsonExact(text));
  if ('error' in fast) expect(exact).toEqual(fast);
  else expectSame('value' in exact ? exact.value : exact, fast.value);
  return fast;
}

function errorOf(o: Outcome): string {
  if (!('error' in o)) throw new Error('expected an error, got a value');
  return o.error;
}

function valueOf(o: Outcome): JsonValue {
  if (!('value' in o)) throw new Error(`expected a value, got: ${o.error}`);
  return o.value;
}

function expectNoPollution(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe['polluted']).toBeUndefined();
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
}

describe('prototype keys', () => {
  it.each(['', `,"big":${BIG}`])('__proto__ becomes an own data property (%s)', (extra) => {
    const result = valueOf(readBoth(`{"__proto__":{"polluted":1}${extra}}`)) as Record<string, JsonValue>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.keys(result)).toContain('__proto__');
    expect(Object.getOwnPropertyDescriptor(result, '__proto__')).toEqual({
      value: { polluted: 1 },
      writable: true,
      enumerable: true,
      configurable: true,
    });
    expect(result['polluted']).toBeUndefined();
    expectNoPollution();
  });

  it.each(['', `,"big":${BIG}`])('constructor and prototype are ordinary keys (%s)', (extra) => {
    const text = `{"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":2},"toString":3,"hasOwnProperty":"x","valueOf":null${extra}}`;
    const result = valueOf(readBoth(text)) as Record<string, JsonValue>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(result['constructor']).toEqual({ prototype: { polluted: 1 } });
    expect(result['toString']).toBe(3);
    expect(Object.keys(result).slice(0, 5)).toEqual([
      'constructor',
      'prototype',
      'toString',
      'hasOwnProperty',
      'valueOf',
    ]);
    expectNoPollution();
  });

  it('nested __proto__ keys and non-object values; a repeated __proto__ is a duplicate key', () => {
    const text = `{"a":[{"__proto__":null},{"__proto__":{"polluted":true}}],"n":${BIG}}`;
    const result = valueOf(readBoth(text)) as { a: Record<string, JsonValue>[] };
    for (const item of result.a) expect(Object.getPrototypeOf(item)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(result.a[1], '__proto__')?.value).toEqual({ polluted: true });
    expect(errorOf(readBoth('{"a":[{"__proto__":1,"__proto__":{"polluted":true}}]}'))).toBe(
      'JSON parse error, duplicate key at line 1, column 22 (offset 21) in a[0].__proto__',
    );
    expectNoPollution();
  });

  it('the writer writes __proto__ keys back as data', () => {
    for (const text of ['{"__proto__":{"polluted":1}}', `{"__proto__":{"polluted":1},"n":${BIG}}`]) {
      expect(stringifyQmpJson(parseQmpJson(text))).toBe(text);
    }
    expectNoPollution();
  });
});

describe('deep nesting', () => {
  const DEPTH = 100_000;
  const arrays = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
  const objects = '{"a":'.repeat(DEPTH) + '1' + '}'.repeat(DEPTH);
  const limitMessage = `JSON nesting depth limit exceeded (${MAX_NESTING})`;

  it.each([
    ['arrays', arrays],
    ['arrays, exact path', '['.repeat(DEPTH) + BIG + ']'.repeat(DEPTH)],
    ['objects', objects],
    ['objects, exact path', '{"a":'.repeat(DEPTH) + BIG + '}'.repeat(DEPTH)],
    ['mixed', '[{"a":'.repeat(DEPTH / 2) + '1' + '}]'.repeat(DEPTH / 2)],
    ['unclosed arrays', '['.repeat(DEPTH)],
    ['unclosed objects', '{"a":'.repeat(DEPTH)],
    ['arrays inside a reply', `{"return":[1,${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}]}`],
  ])('100,000 levels of %s: a clean error', (_what, text) => {
    const message = errorOf(readBoth(text));
    expect(message).toContain(limitMessage);
  });

  it('names the position and the path of the level that is too deep', () => {
    const message = errorOf(readBoth(`{"return":[${'['.repeat(DEPTH)}]}`));
    expect(message).toMatch(
      /^JSON nesting depth limit exceeded \(1024\) at line 1, column 1034 \(offset 1033\) in return(\[0\]){1023}$/,
    );
  });

  it(`accepts exactly ${MAX_NESTING} levels on both paths, and refuses ${MAX_NESTING + 1}`, () => {
    const nest = (depth: number, inner: string): string => '['.repeat(depth) + inner + ']'.repeat(depth);
    for (const inner of ['', '1', BIG]) {
      let v = valueOf(readBoth(nest(MAX_NESTING, inner)));
      for (let d = 1; d < MAX_NESTING; d++) v = (v as JsonValue[])[0] as JsonValue;
      expect(v).toEqual(inner === '' ? [] : [inner === '1' ? 1 : BigInt(BIG)]);
      expect(errorOf(readBoth(nest(MAX_NESTING + 1, inner)))).toContain(limitMessage);
    }
    const objects1024 = '{"a":'.repeat(MAX_NESTING - 1) + '{}' + '}'.repeat(MAX_NESTING - 1);
    valueOf(readBoth(objects1024));
    expect(errorOf(readBoth('[' + objects1024 + ']'))).toContain(limitMessage);
  });

  it('the writer refuses values nested too deeply, and cycles, cleanly', () => {
    let deep: JsonValue = 1;
    for (let d = 0; d < DEPTH; d++) deep = [deep];
    const cyclic: Record<string, JsonValue> = { a: 1 };
    cyclic['self'] = cyclic;
    for (const value of [deep, { return: deep, n: 1n }, cyclic, [1n, cyclic]]) {
      expect(() => stringifyQmpJson(value)).toThrow(QmpJsonError);
      expect(() => stringifyQmpJson(value)).toThrow(/nesting depth limit exceeded \(1024\)/);
    }
  });

  it(`the writer writes exactly ${MAX_NESTING} levels`, () => {
    const nested = (depth: number): JsonValue => {
      let v: JsonValue = [];
      for (let d = 1; d < depth; d++) v = [v];
      return v;
    };
    const text = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
    expect(stringifyQmpJson(nested(MAX_NESTING))).toBe(text(MAX_NESTING));
    expect(stringifyQmpJson([1n, nested(MAX_NESTING - 1)])).toBe(`[1,${text(MAX_NESTING - 1)}]`);
    expect(() => stringifyQmpJson(nested(MAX_NESTING + 1))).toThrow(QmpJsonError);
    expect(() => stringifyQmpJson([1n, nested(MAX_NESTING)])).toThrow(QmpJsonError);
  });
});

describe('a 50 MB string', () => {
  const SIZE = 50 * 1024 * 1024;
  const plain = 'x'.repeat(SIZE);

  it('is read and written back on the fast path', () => {
    const text = `{"return":"${plain}"}`;
    const value = valueOf(outcome(() => parseQmpJson(text))) as { return: string };
    expect(value.return.length).toBe(SIZE);
    expect(stringifyQmpJson(value) === text).toBe(true);
  }, 900_000);

  it('is read and written back on the exact path, with escapes', () => {
    const chunk = 'abc\\n\\u00e9\\"\\ud83d\\ude00' + 'y'.repeat(1000);
    const decoded = 'abc\n\u00e9"\u{1f600}' + 'y'.repeat(1000);
    const repeat = Math.ceil(SIZE / chunk.length);
    const body = chunk.repeat(repeat);
    const text = `{"return":"${body}","n":${BIG}}`;
    const value = valueOf(outcome(() => parseQmpJson(text))) as { return: string; n: bigint };
    expect(value.n).toBe(BigInt(BIG));
    expect(value.return === decoded.repeat(repeat)).toBe(true);
    const written = stringifyQmpJson(value);
    // JSON.stringify's escapes: é and the emoji stay raw, the rest as in the input.
    expect(written === text.replaceAll('\\u00e9', '\u00e9').replaceAll('\\ud83d\\ude00', '\u{1f600}')).toBe(true);
  }, 900_000);

  it('unterminated, it is a clean error', () => {
    expect(errorOf(readBoth(`{"return":"${plain}`))).toBe(
      'Unterminated string at line 1, column 11 (offset 10) in return',
    );
  }, 900_000);
});

describe('numbers', () => {
  it.each([
    ['1e400', Infinity],
    ['{"return":{"size":1e400}}', { return: { size: Infinity } }],
    ['[-1E+400]', [-Infinity]],
    ['[1e99999999999999999999]', [Infinity]],
    [`[${'9'.repeat(400)}.5]`, [Infinity]],
  ])('%.30s reads as ±Infinity, as strtod gives it to QEMU', (text, expected) => {
    expectSame(valueOf(readBoth(text)), expected);
  });

  it(`integers up to ${MAX_INTEGER_DIGITS} digits are read exactly, longer ones as floats (as QEMU's strtod)`, () => {
    const digits = '7'.repeat(MAX_INTEGER_DIGITS);
    expect(valueOf(readBoth(`{"n":[${digits},-${digits}]}`))).toEqual({ n: [BigInt(digits), -BigInt(digits)] });
    expectSame(valueOf(readBoth(`{"n":[1,-${digits}7]}`)), { n: [1, -Infinity] });
  });

  it('a 50 MB number is read in bounded time, as a float', () => {
    const digits = '1'.repeat(50 * 1024 * 1024);
    expectSame(valueOf(readBoth(`[${digits}]`)), [Infinity]);
    expectSame(valueOf(readBoth(`[${digits}.5]`)), [Infinity]);
  }, 900_000);

  it('5 MB of the longest integers is read quickly', () => {
    const digits = '8'.repeat(MAX_INTEGER_DIGITS);
    const count = 5000;
    const value = valueOf(readBoth(`[${Array(count).fill(digits).join(',')}]`)) as bigint[];
    expect(value.length).toBe(count);
    expect(value[count - 1]).toBe(BigInt(digits));
  }, 900_000);

  it('-0 reads as 0 (as QEMU), -0.0 as -0, on both paths', () => {
    expectSame(valueOf(readBoth('-0')), 0);
    expectSame(valueOf(readBoth('{"a":-0,"b":[-0]}')), { a: 0, b: [0] });
    expectSame(valueOf(readBoth('[-0.0,-0e5,-0E-1]')), [-0, -0, -0]);
    expectSame(valueOf(readBoth(`[-0,-0.0,${BIG}]`)), [0, -0, BigInt(BIG)]);
    expect(stringifyQmpJson([-0, 0])).toBe('[0,0]');
  });
});

describe('lone surrogates and noncharacters: refused, as QEMU refuses them', () => {
  it.each([
    ['"\\ud800"', 'JSON parse error, \\ud800 is not a valid Unicode character at line 1, column 2 (offset 1)'],
    ['"\\udfff"', 'JSON parse error, \\udfff is not a valid Unicode character at line 1, column 2 (offset 1)'],
    ['"\\udc00\\ud800"', 'JSON parse error, \\udc00 is not a valid Unicode character at line 1, column 2 (offset 1)'],
    ['"\\ud800\\u0041"', 'JSON parse error, \\ud800 is not a valid Unicode character at line 1, column 2 (offset 1)'],
    ['"\ud800"', 'JSON parse error, invalid UTF-8 sequence in string at line 1, column 2 (offset 1)'],
    ['"a\ufdd0"', 'JSON parse error, invalid UTF-8 sequence in string at line 1, column 3 (offset 2)'],
    ['"\u{10ffff}"', 'JSON parse error, invalid UTF-8 sequence in string at line 1, column 2 (offset 1)'],
  ])('%s', (text, message) => {
    expect(errorOf(readBoth(text))).toBe(message);
    expect(errorOf(readBoth(`{"a":[${text},${BIG}]}`))).toMatch(/^JSON parse error, .* in a\[0\]$/);
  });
});

describe('duplicate keys: refused, as QEMU refuses them', () => {
  it.each(['', `,"n":${BIG}`])('on both paths (%s)', (extra) => {
    expect(errorOf(readBoth(`{"a":1,"b":2,"a":{"x":3}${extra}}`))).toBe(
      'JSON parse error, duplicate key at line 1, column 14 (offset 13) in a',
    );
    expect(errorOf(readBoth(`{"x":{"a":1,"a":${BIG}}${extra}}`))).toMatch(/^JSON parse error, duplicate key .* in x\.a$/);
    // A ':' inside a string does not hide a duplicate from the fast path's count.
    expect(errorOf(readBoth(`{"a":"x:y","b":1,"b":2${extra}}`))).toMatch(/^JSON parse error, duplicate key/);
    expectSame(valueOf(readBoth(`{"a":"x:y","b":1${extra}}`)), extra === '' ? { a: 'x:y', b: 1 } : { a: 'x:y', b: 1, n: BigInt(BIG) });
  });
});

describe('fuzz', () => {
  /** Cuts, duplicates and swaps characters of valid QMP text. */
  const mutated = fc
    .tuple(
      fc.constantFrom(
        `{"return":{"size":${BIG},"name":"a\\u00e9\\ud83d\\ude00",'sq':'\\'',"list":[1,-0,2.5e3,1.0,true,false,null,{}]}}`,
        '{"event":"X","data":{"__proto__":{"x":1}},"timestamp":{"seconds":1,"microseconds":-1}}',
        '[[[[{"a":[1e400]}]]]]',
      ),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.nat(),
          fc.constantFrom('"', '\\', '[', '{', ']', '}', ',', ':', '-', '0', '9', 'e', ' ', '\u0001', ''),
        ),
        {
          maxLength: 4,
        },
      ),
    )
    .map(([text, edits]) => {
      let t = text;
      for (const [at, len, insert] of edits) {
        const i = at % (t.length + 1);
        t = t.slice(0, i) + insert + t.slice(i + (len % 3));
      }
      return t;
    });

  it('mutated and random text: a value or a QmpJsonError, the same on both paths', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          mutated,
          fc.string({ maxLength: 30 }),
          fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', ':', ',', '1', '-', 'e', '.', '\\', 'u', ' ') }),
        ),
        (text) => {
          readBoth(text);
        },
      ),
      { numRuns: 3000 },
    );
    expectNoPollution();
  });
});
