/**
 * The runtime visitors (templates/runtime/) on hand-written equivalents of
 * generated visit functions (fixture-types.ts): strict and lenient input
 * with QEMU's messages and paths, compat policy, integer ranges and the
 * int64 modes, output, clone, prototype safety, a user-written visitor.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CompatPolicyCrash,
  CompatPolicySyntaxError,
  type CompatPolicy,
  ForwardingVisitor,
  BIGINT_KINDS,
  INT_RANGES,
  InputVisitor,
  type IntKind,
  type Key,
  OutputVisitor,
  QapiPathError,
  QapiValueError,
  type VisitFn,
  type Visitor,
  checkCommandPolicy,
  cloneVisitor,
  formatCompatPolicy,
  formatPath,
  isEventVisible,
  parseCompatPolicy,
  parseQmpJson,
  stringifyQmpJson,
} from '../../templates/runtime/index.js';
import {
  INT_MEMBERS,
  visitA,
  visitAE,
  visitBig,
  visitCreds,
  visitDep,
  visitInts,
  visitL,
  visitN,
  visitS,
  visitSList,
  visitTop,
  visitU,
} from './fixture-types.js';

const strict = new InputVisitor({ strict: true, int64: 'number' });
const lenient = new InputVisitor({ strict: false, int64: 'number' });
const strictBig = new InputVisitor({ strict: true, int64: 'bigint' });
const output = new OutputVisitor();
const outputBig = new OutputVisitor({ int64: 'bigint' });

function thrown(f: () => unknown): QapiPathError {
  try {
    f();
  } catch (e) {
    if (e instanceof QapiPathError) return e;
    throw e;
  }
  throw new Error('expected a QapiPathError, nothing was thrown');
}

function decodeError(visit: VisitFn, value: unknown, v: Visitor = strict): { message: string; path: string } {
  const e = thrown(() => visit(v, null, value));
  return { message: e.message, path: e.path };
}

/** JSON text → exact JSON value, the way values reach the input visitor. */
const J = (text: string): unknown => parseQmpJson(text);

const S_OK = { a: 1, c: null };

// ---------------------------------------------------------------------------
// Strict input: one row per rule, QEMU's message, the path.
// ---------------------------------------------------------------------------

interface Row {
  rule: string;
  visit: VisitFn;
  json: string;
  message: string;
  path: string;
}

const STRICT_ROWS: Row[] = [
  // missing required member
  { rule: 'missing', visit: visitS, json: '{"c": 1}', message: "Parameter 'a' is missing", path: 'a' },
  { rule: 'missing', visit: visitTop, json: '{"outer": {}}', message: "Parameter 'outer.inner' is missing", path: 'outer.inner' },
  { rule: 'missing', visit: visitL, json: '{"items": [{"a": 1, "c": 0}, {"c": 0}]}', message: "Parameter 'items[1].a' is missing", path: 'items[1].a' },
  { rule: 'missing', visit: visitU, json: '{}', message: "Parameter 'kind' is missing", path: 'kind' },
  { rule: 'missing', visit: visitU, json: '{"kind": "p", "c": 1}', message: "Parameter 'a' is missing", path: 'a' },
  { rule: 'missing', visit: visitSList, json: '[{"a": 1, "c": 0}, {"a": 2}]', message: "Parameter '[1].c' is missing", path: '[1].c' },
  // unknown member
  { rule: 'unexpected', visit: visitS, json: '{"a": 1, "c": 0, "z": 1, "y": 2}', message: "Parameter 'z' is unexpected", path: 'z' },
  { rule: 'unexpected', visit: visitS, json: '{"zz": 1, "a": 1, "c": 0, "yy": 2}', message: "Parameter 'zz' is unexpected", path: 'zz' },
  { rule: 'unexpected', visit: visitL, json: '{"items": [{"a": 1, "c": 0, "d": 1}]}', message: "Parameter 'items[0].d' is unexpected", path: 'items[0].d' },
  { rule: 'unexpected', visit: visitTop, json: '{"outer": {"inner": 1, "x": 2}}', message: "Parameter 'outer.x' is unexpected", path: 'outer.x' },
  { rule: 'unexpected', visit: visitU, json: '{"kind": "q", "a": 1}', message: "Parameter 'a' is unexpected", path: 'a' },
  { rule: 'unexpected', visit: visitS, json: '{"a": 1, "c": 0, "__proto__": {"x": 1}}', message: "Parameter '__proto__' is unexpected", path: '__proto__' },
  { rule: 'unexpected', visit: visitS, json: '{"a": 1, "c": 0, "constructor": 1}', message: "Parameter 'constructor' is unexpected", path: 'constructor' },
  // wrong JSON type
  { rule: 'type', visit: visitS, json: '{"a": "1", "c": 0}', message: "Invalid parameter type for 'a', expected: integer", path: 'a' },
  { rule: 'type', visit: visitS, json: '{"a": 1.5, "c": 0}', message: "Invalid parameter type for 'a', expected: integer", path: 'a' },
  { rule: 'type', visit: visitS, json: '[]', message: "Invalid parameter type for 'null', expected: object", path: 'null' },
  { rule: 'type', visit: visitS, json: 'null', message: "Invalid parameter type for 'null', expected: object", path: 'null' },
  { rule: 'type', visit: visitL, json: '{"items": {}}', message: "Invalid parameter type for 'items', expected: array", path: 'items' },
  { rule: 'type', visit: visitL, json: '{"items": [1]}', message: "Invalid parameter type for 'items[0]', expected: object", path: 'items[0]' },
  { rule: 'type', visit: visitTop, json: '{"outer": {"inner": "x"}}', message: "Invalid parameter type for 'outer.inner', expected: integer", path: 'outer.inner' },
  { rule: 'type', visit: visitTop, json: '{"outer": {"inner": 1}, "tags": ["a", 2]}', message: "Invalid parameter type for 'tags[1]', expected: string", path: 'tags[1]' },
  { rule: 'type', visit: visitS, json: '{"a": 1, "c": 0, "b": [1]}', message: "Invalid parameter type for 'b[0]', expected: string", path: 'b[0]' },
  { rule: 'type', visit: visitInts, json: '{"i":0,"i8":0,"i16":0,"i32":0,"i64":0,"u8":0,"u16":0,"u32":0,"u64":0,"sz":0,"num":"1","flag":true,"nil":null}', message: "Invalid parameter type for 'num', expected: number", path: 'num' },
  { rule: 'type', visit: visitInts, json: '{"i":0,"i8":0,"i16":0,"i32":0,"i64":0,"u8":0,"u16":0,"u32":0,"u64":0,"sz":0,"num":1,"flag":1,"nil":null}', message: "Invalid parameter type for 'flag', expected: boolean", path: 'flag' },
  { rule: 'type', visit: visitInts, json: '{"i":0,"i8":0,"i16":0,"i32":0,"i64":0,"u8":0,"u16":0,"u32":0,"u64":0,"sz":0,"num":1,"flag":true,"nil":0}', message: "Invalid parameter type for 'nil', expected: null", path: 'nil' },
  { rule: 'type', visit: visitU, json: '{"kind": 1}', message: "Invalid parameter type for 'kind', expected: string", path: 'kind' },
  // integer out of range
  // QEMU's narrow range error names the bare member (qapi-visit-core.c: name ? name : "null"), the path stays
  { rule: 'range', visit: visitTop, json: '{"outer": {"inner": 128}}', message: "Parameter 'inner' expects int8_t", path: 'outer.inner' },
  // a negative uint64 or size wraps (QEMU casts an int64): only below int64 is it out of range
  { rule: 'range', visit: visitBig, json: '{"u64": -9223372036854775809}', message: "Parameter 'u64' expects uint64", path: 'u64' },
  { rule: 'range', visit: visitBig, json: '{"u64": 18446744073709551616}', message: "Parameter 'u64' expects uint64", path: 'u64' },
  { rule: 'range', visit: visitBig, json: '{"u64": 0, "i64": 9223372036854775808}', message: "Invalid parameter type for 'i64', expected: integer", path: 'i64' },
  { rule: 'range', visit: visitBig, json: '{"u64": 0, "sz": 18446744073709551616}', message: "Parameter 'sz' expects uint64", path: 'sz' },
  { rule: 'range', visit: visitN, json: '{"type": "w", "u": {"kind": "p", "a": 300, "c": 0}}', message: "Parameter 'a' expects int8_t", path: 'u.a' },
  // enum
  { rule: 'enum', visit: visitS, json: '{"a": 1, "c": 0, "b": ["x", "w"]}', message: "Parameter 'b[1]' does not accept value 'w'", path: 'b[1]' },
  { rule: 'enum', visit: visitS, json: '{"a": 1, "c": 0, "b": ["constructor"]}', message: "Parameter 'b[0]' does not accept value 'constructor'", path: 'b[0]' },
  // union with a bad tag
  { rule: 'union tag', visit: visitU, json: '{"kind": "r"}', message: "Parameter 'kind' does not accept value 'r'", path: 'kind' },
  { rule: 'union tag', visit: visitN, json: '{"type": "w", "u": {"kind": "q"}, "more": [{"kind": "q"}, {"kind": "x"}]}', message: "Parameter 'more[1].kind' does not accept value 'x'", path: 'more[1].kind' },
  // alternate
  { rule: 'alternate', visit: visitA, json: 'true', message: "Invalid parameter type for 'null', expected: A", path: 'null' },
  { rule: 'alternate', visit: visitA, json: '[1]', message: "Invalid parameter type for 'null', expected: A", path: 'null' },
  { rule: 'alternate', visit: visitBig, json: '{"u64": 0, "alt": null}', message: "Invalid parameter type for 'alt', expected: AE", path: 'alt' },
  { rule: 'alternate', visit: visitBig, json: '{"u64": 0, "alt": "bogus"}', message: "Parameter 'alt' does not accept value 'bogus'", path: 'alt' },
  { rule: 'alternate', visit: visitBig, json: '{"u64": 0, "alt": 1.5}', message: "Invalid parameter type for 'alt', expected: integer", path: 'alt' },
  { rule: 'alternate', visit: visitA, json: '{"a": 1}', message: "Parameter 'c' is missing", path: 'c' },
  // exactness (int64 number mode)
  { rule: 'inexact', visit: visitBig, json: '{"u64": 18446744073709551615}', message: "Parameter 'u64' value 18446744073709551615 cannot be represented exactly as a number (generate with --int64 bigint)", path: 'u64' },
];

describe('strict input: QEMU messages and paths', () => {
  it.each(STRICT_ROWS)('$rule: $json → $message', (row) => {
    const e = thrown(() => row.visit(strict, null, J(row.json)));
    expect(e).toBeInstanceOf(QapiValueError);
    expect(e.message).toBe(row.message);
    expect(e.path).toBe(row.path);
  });

  it('covers every rule of the issue', () => {
    const rules = new Set(STRICT_ROWS.map((r) => r.rule));
    for (const r of ['missing', 'unexpected', 'type', 'range', 'enum', 'union tag', 'alternate', 'inexact']) expect(rules).toContain(r);
  });

  it('accepts valid values into fresh objects, absent optionals absent', () => {
    const src = J('{"kind": "p", "a": -128, "c": {"x": [1, 2]}, "b": ["x", "y"], "common": "c"}') as Record<string, unknown>;
    const r = visitU(strict, null, src) as Record<string, unknown>;
    expect(r).toStrictEqual({ kind: 'p', common: 'c', a: -128, b: ['x', 'y'], c: { x: [1, 2] } });
    expect(Object.keys(r)).toEqual(['kind', 'common', 'a', 'b', 'c']);
    expect(r).not.toBe(src);
    expect(r.c).not.toBe(src.c);
    expect(r.b).not.toBe(src.b);
    const s = visitS(strict, null, { a: 0, c: 1 }) as object;
    expect('b' in s).toBe(false);
    expect(Object.getPrototypeOf(s)).toBe(Object.prototype);
  });

  it('alternates: enum vs int, string vs int vs object', () => {
    expect(visitAE(strict, null, 'auto')).toBe('auto');
    expect(visitAE(strict, null, 7)).toBe(7);
    expect(visitA(strict, null, 'hi')).toBe('hi');
    expect(visitA(strict, null, -3)).toBe(-3);
    expect(visitA(strict, null, { a: 1, c: 'z' })).toStrictEqual({ a: 1, c: 'z' });
  });

  it('reports a missing member before an unexpected one (QEMU checks the struct last)', () => {
    expect(decodeError(visitS, { z: 1, c: 0 }).message).toBe("Parameter 'a' is missing");
  });

  it('error objects: message on demand, path as keys, stack names the class', () => {
    const e = thrown(() => visitL(strict, null, J('{"items": [{"a": 1, "c": 0}, {"a": 1, "c": 0, "b": ["q"]}]}')));
    expect(Object.prototype.hasOwnProperty.call(e, 'message')).toBe(false);
    expect(e.keys).toEqual(['items', 1, 'b', 0]);
    expect(e.path).toBe('items[1].b[0]');
    expect(e.code).toBe('enum');
    expect(e.template).toBe("Parameter '%s' does not accept value 'q'");
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('QapiValueError');
    expect(String(e)).toBe("QapiValueError: Parameter 'items[1].b[0]' does not accept value 'q'");
    expect(e.stack?.split('\n')[0]).toBe("QapiValueError: Parameter 'items[1].b[0]' does not accept value 'q'");
    expect(formatPath([])).toBe('null');
    expect(formatPath(['a', 'b', 2, 'c'])).toBe('a.b[2].c');
    expect(formatPath([0, 'x'])).toBe('[0].x');
  });

  it('a user value that looks like a template is not rescanned', () => {
    expect(decodeError(visitS, { a: 1, c: 0, b: ['%s'] }).message).toBe("Parameter 'b[0]' does not accept value '%s'");
  });

  it('rejects values that are not JSON inside any', () => {
    expect(decodeError(visitS, { a: 1, c: { x: [1, undefined] } })).toEqual({ message: "Parameter 'c.x[1]' is not a JSON value (undefined)", path: 'c.x[1]' });
    expect(decodeError(visitS, { a: 1, c: { d: new Date(0) } }).path).toBe('c.d');
    expect(decodeError(visitS, { a: 1, c: [Number.NaN] }).path).toBe('c[0]');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(thrown(() => visitS(strict, null, { a: 1, c: cyclic })).code).toBe('depth');
  });

  it('rejects undefined and non-JSON scalars in members', () => {
    expect(decodeError(visitS, { a: undefined, c: 0 }).message).toBe("Invalid parameter type for 'a', expected: integer");
    expect(decodeError(visitS, { a: Number.POSITIVE_INFINITY, c: 0 }).message).toBe("Invalid parameter type for 'a', expected: integer");
  });
});

// ---------------------------------------------------------------------------
// Lenient input
// ---------------------------------------------------------------------------

describe('lenient input', () => {
  it('keeps unknown members as they were read, at every depth (not checked, not copied)', () => {
    const src = J('{"type": "w", "new": 1, "u": {"kind": "p", "a": 1, "c": 2, "zz": {"deep": 1}}}') as Record<string, any>;
    const r = visitN(lenient, null, src) as Record<string, any>;
    expect(r).toStrictEqual({ type: 'w', new: 1, u: { kind: 'p', a: 1, c: 2, zz: { deep: 1 } } });
    expect(r.u).not.toBe(src.u);
    expect(r.u.zz).toBe(src.u.zz);
    // Not checked: anything goes where the schema says nothing.
    const odd = { kind: 'p', a: 1, c: 2, zz: undefined, fn: Math.max };
    expect(visitU(lenient, null, odd)).toStrictEqual({ kind: 'p', a: 1, c: 2, zz: undefined, fn: Math.max });
  });

  it('still checks types, ranges, enums and required members', () => {
    expect(decodeError(visitS, { a: 200, c: 0 }, lenient).message).toBe("Parameter 'a' expects int8_t");
    expect(decodeError(visitS, { c: 0, zz: 1 }, lenient).message).toBe("Parameter 'a' is missing");
    expect(decodeError(visitS, { a: 1, c: 0, b: ['z'] }, lenient).message).toBe("Parameter 'b[0]' does not accept value 'z'");
    expect(decodeError(visitU, { kind: 'r' }, lenient).message).toBe("Parameter 'kind' does not accept value 'r'");
  });

  it('keepUnknownEnumValues keeps the string', () => {
    const v = new InputVisitor({ strict: false, int64: 'number', keepUnknownEnumValues: true });
    expect(visitS(v, null, { a: 1, c: 0, b: ['x', 'new-value'] })).toStrictEqual({ a: 1, c: 0, b: ['x', 'new-value'] });
    expect(visitAE(v, null, 'turbo')).toBe('turbo');
  });

  it('keepUnknownBranches keeps the rest of a union with an unknown tag, as JSON copies', () => {
    const v = new InputVisitor({ strict: false, int64: 'number', keepUnknownEnumValues: true, keepUnknownBranches: true });
    const src = J('{"kind": "r", "common": "c", "extra": {"x": [1]}, "__proto__": {"polluted": true}}') as Record<string, unknown>;
    const r = visitU(v, null, src) as Record<string, unknown>;
    expect(Object.keys(r)).toEqual(['kind', 'common', 'extra', '__proto__']);
    expect(r.kind).toBe('r');
    expect(r.extra).toStrictEqual({ x: [1] });
    expect(r.extra).not.toBe(src.extra);
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Known branches still checked; their unknown members kept as they are.
    expect(visitU(v, null, { kind: 'p', a: 1, c: 0, zz: 1 })).toStrictEqual({ kind: 'p', a: 1, c: 0, zz: 1 });
    expect(decodeError(visitU, { kind: 'p', a: 'x', c: 0 }, v).message).toBe("Invalid parameter type for 'a', expected: integer");
    // Also works under strict (unknown members of a kept branch are the branch's).
    const sv = new InputVisitor({ strict: true, int64: 'number', keepUnknownEnumValues: true, keepUnknownBranches: true });
    expect(visitU(sv, null, { kind: 'r', x: 1 })).toStrictEqual({ kind: 'r', x: 1 });
    // The round trip through output and clone keeps them.
    const ov = new OutputVisitor({ keepUnknownEnumValues: true, keepUnknownBranches: true });
    expect(visitU(ov, null, r)).toStrictEqual(r);
    expect(visitU(cloneVisitor, null, r)).toStrictEqual(r);
    expect(thrown(() => visitU(output, null, r)).message).toBe("Parameter 'kind' does not accept value 'r'");
  });

  it('keepUnknownBranches without keepUnknownEnumValues still fails at the tag', () => {
    const v = new InputVisitor({ strict: false, int64: 'number', keepUnknownBranches: true });
    expect(decodeError(visitU, { kind: 'r' }, v).message).toBe("Parameter 'kind' does not accept value 'r'");
  });
});

// ---------------------------------------------------------------------------
// Compat policy
// ---------------------------------------------------------------------------

describe('compat policy', () => {
  const input = (compat: CompatPolicy, strictMode = true) => new InputVisitor({ strict: strictMode, int64: 'number', compat });

  it('parses and formats the -compat text', () => {
    expect(parseCompatPolicy('unstable-input=reject,deprecated-output=hide')).toStrictEqual({ unstableInput: 'reject', deprecatedOutput: 'hide' });
    expect(parseCompatPolicy('')).toStrictEqual({});
    expect(parseCompatPolicy('deprecated-input=crash,deprecated-input=accept')).toStrictEqual({ deprecatedInput: 'accept' });
    expect(formatCompatPolicy(parseCompatPolicy('unstable-output=hide,deprecated-input=reject'))).toBe('deprecated-input=reject,unstable-output=hide');
    expect(() => parseCompatPolicy('unstable-inputs=reject')).toThrow(CompatPolicySyntaxError);
    expect(() => parseCompatPolicy('unstable-inputs=reject')).toThrow(/unknown key 'unstable-inputs'/);
    expect(() => parseCompatPolicy('deprecated-output=reject')).toThrow(/deprecated-output does not accept 'reject' \(expected accept, hide\)/);
    expect(() => parseCompatPolicy('unstable-input')).toThrow(/unstable-input needs a value/);
    expect(() => parseCompatPolicy('__proto__=x')).toThrow(/unknown key '__proto__'/);
  });

  it('members: accept, reject (QEMU message, path), crash', () => {
    const value = { a: 1, c: 0, b: ['x'] };
    expect(visitS(input({}), null, value)).toStrictEqual(value);
    expect(visitS(input({ unstableInput: 'accept', deprecatedInput: 'reject' }), null, value)).toStrictEqual(value);
    // Absent: no check.
    expect(visitS(input({ unstableInput: 'reject' }), null, { a: 1, c: 0 })).toStrictEqual({ a: 1, c: 0 });
    const e = thrown(() => visitS(input({ unstableInput: 'reject' }), null, value));
    expect(e).toBeInstanceOf(QapiValueError);
    expect(e.message).toBe('Unstable parameter b disabled by policy');
    expect(e.code).toBe('policy');
    expect(thrown(() => visitL(input({ unstableInput: 'reject' }, false), null, { items: [value] })).message).toBe(
      'Unstable parameter items[0].b disabled by policy',
    );
    const d = thrown(() => visitDep(input({ deprecatedInput: 'reject' }), null, { old: 1, new: 2 }));
    expect(d.message).toBe('Deprecated parameter old disabled by policy');
    const c = thrown(() => visitS(input({ unstableInput: 'crash' }), null, value));
    expect(c).toBeInstanceOf(CompatPolicyCrash);
    expect(c).not.toBeInstanceOf(QapiValueError);
    expect(c.path).toBe('b');
    // The policy check comes before the type check, as in QEMU.
    expect(thrown(() => visitDep(input({ deprecatedInput: 'reject' }), null, { old: 'x', new: 2 })).code).toBe('policy');
  });

  it('enum values: checked when the value is used', () => {
    const ok = { a: 1, c: 0, b: ['x'] };
    const dep = { a: 1, c: 0, b: ['x', 'y'] };
    expect(visitS(input({ deprecatedInput: 'reject' }), null, ok)).toStrictEqual(ok);
    const e = thrown(() => visitS(input({ deprecatedInput: 'reject' }), null, dep));
    expect(e.message).toBe('Deprecated value y disabled by policy');
    expect(e.path).toBe('b[1]');
    expect(thrown(() => visitS(input({ deprecatedInput: 'crash' }), null, dep))).toBeInstanceOf(CompatPolicyCrash);
    expect(visitS(input({ deprecatedInput: 'accept', unstableInput: 'reject' }, false), null, { a: 1, c: 0 })).toStrictEqual({ a: 1, c: 0 });
  });

  it('deprecated is checked before unstable', () => {
    const both: VisitFn = (v, key, value) => {
      const s = v.startStruct(key, value, 'T');
      v.member(s, 'm', { deprecated: true, unstable: true }, (vv, k, x) => vv.int(k, x, 'int'));
      v.checkStruct(s);
      return v.endStruct(s);
    };
    expect(thrown(() => both(input({ deprecatedInput: 'reject', unstableInput: 'crash' }), null, { m: 1 })).message).toBe(
      'Deprecated parameter m disabled by policy',
    );
    expect(thrown(() => both(input({ unstableInput: 'reject' }), null, { m: 1 })).message).toBe('Unstable parameter m disabled by policy');
  });

  it('output: hide leaves out members with the feature', () => {
    const value = { a: 1, b: ['x'], c: 0 };
    expect(visitS(new OutputVisitor({ compat: { unstableOutput: 'hide' } }), null, value)).toStrictEqual({ a: 1, c: 0 });
    expect(visitS(new OutputVisitor({ compat: { deprecatedOutput: 'hide' } }), null, value)).toStrictEqual(value);
    expect(visitDep(new OutputVisitor({ compat: { deprecatedOutput: 'hide' } }), null, { old: 1, new: 2 })).toStrictEqual({ new: 2 });
    expect(visitDep(new OutputVisitor({ compat: { unstableOutput: 'hide' } }), null, { old: 1, new: 2 })).toStrictEqual({ old: 1, new: 2 });
    // Input policies don't apply to output, nor output policies to input.
    expect(visitS(new OutputVisitor({ compat: { unstableInput: 'reject' } }), null, value)).toStrictEqual(value);
    expect(visitS(input({ unstableOutput: 'hide' }), null, value)).toStrictEqual(value);
  });

  it('commands and events', () => {
    expect(checkCommandPolicy('x-cmd', { unstable: true }, {})).toBeUndefined();
    expect(checkCommandPolicy('x-cmd', { unstable: true }, { unstableInput: 'reject' })).toBe('Unstable command x-cmd disabled by policy');
    expect(checkCommandPolicy('old-cmd', { deprecated: true }, { unstableInput: 'reject' })).toBeUndefined();
    expect(() => checkCommandPolicy('old-cmd', { deprecated: true }, { deprecatedInput: 'crash' })).toThrow(CompatPolicyCrash);
    expect(isEventVisible({ deprecated: true }, { deprecatedOutput: 'hide' })).toBe(false);
    expect(isEventVisible({ deprecated: true }, { unstableOutput: 'hide' })).toBe(true);
  });
});

// ---------------------------------------------------------------------------
// Integers
// ---------------------------------------------------------------------------

const INT_KINDS = Object.keys(INT_RANGES) as IntKind[];
const visitIntKind = (kind: IntKind): VisitFn => (v, k, x) => v.int(k, x, kind);
// The kinds held as bigint under --int64 bigint: every 64-bit one (QAPI's `int` is C's int64_t).
const WIDE = new Set<IntKind>(['int', 'int64', 'uint64', 'size']);
const SAFE = (b: bigint) => b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER);
/** How the exact reader delivers an integer: a number when safe, else a bigint. */
const asJson = (b: bigint): number | bigint => (SAFE(b) ? Number(b) : b);

const UNSIGNED = new Set<IntKind>(['uint8', 'uint16', 'uint32', 'uint64', 'size']);
/**
 * What QEMU's input visitor makes of the integer `b` for `kind` (written
 * from qapi-visit-core.c and qobject-input-visitor.c): signed kinds go
 * through type_int64 ("expected: integer" beyond int64, full name), unsigned
 * ones through type_uint64 (a negative int64 is cast: -1 is 2^64-1; "expects
 * uint64" beyond, full name, for size too); then the 8/16/32-bit range, which
 * names the bare member (`name ? name : "null"`).
 */
function qemuInput(kind: IntKind, b: bigint, name: string | null, path: string): { value: bigint } | { error: string } {
  const r = INT_RANGES[kind];
  let w = b;
  if (UNSIGNED.has(kind)) {
    if (b < -(2n ** 63n) || b > 2n ** 64n - 1n) return { error: `Parameter '${path}' expects uint64` };
    if (b < 0n) w = b + 2n ** 64n;
  } else if (b < -(2n ** 63n) || b > 2n ** 63n - 1n) {
    return { error: `Invalid parameter type for '${path}', expected: integer` };
  }
  if (w < r.min || w > r.max) return { error: `Parameter '${name ?? 'null'}' expects ${r.typeName}` };
  return { value: w };
}

/** QEMU's error for a value that is no integer (a float, a string, a bool…). */
function qemuNotInteger(kind: IntKind, path: string): string {
  return UNSIGNED.has(kind) ? `Parameter '${path}' expects uint64` : `Invalid parameter type for '${path}', expected: integer`;
}

describe('integers', () => {
  it.each(INT_KINDS)('%s: every boundary, both modes, input and output', (kind) => {
    const r = INT_RANGES[kind];
    const visit = visitIntKind(kind);
    for (const b of [r.min, r.min + 1n, 0n, r.max - 1n, r.max]) {
      const x = asJson(b);
      // bigint mode: the wide kinds become bigint, all values exact.
      if (WIDE.has(kind) || SAFE(b)) {
        expect(visit(strictBig, null, x)).toBe(WIDE.has(kind) ? b : Number(b));
        expect(visit(outputBig, null, WIDE.has(kind) ? b : Number(b))).toBe(WIDE.has(kind) ? b : Number(b));
      } else {
        expect(thrown(() => visit(strictBig, null, x)).message).toBe(
          `Parameter 'null' value ${b} cannot be represented exactly as a number (generate with --int64 bigint)`,
        );
      }
      // number mode: exact numbers, or the inexact error.
      if (SAFE(b)) {
        expect(visit(strict, null, x)).toBe(Number(b));
        expect(visit(output, null, Number(b))).toBe(Number(b));
      } else {
        expect(thrown(() => visit(strict, null, x)).message).toBe(
          `Parameter 'null' value ${b} cannot be represented exactly as a number (generate with --int64 bigint)`,
        );
      }
    }
    for (const b of [r.min - 1n, r.max + 1n, r.min - 2n ** 70n, r.max + 2n ** 70n, -1n, -(2n ** 63n), -(2n ** 63n) - 1n]) {
      const q = qemuInput(kind, b, null, 'null');
      for (const [v, big] of [[strict, false], [strictBig, true]] as const) {
        if ('error' in q) expect(thrown(() => visit(v, null, asJson(b))).message).toBe(q.error);
        else if (big && WIDE.has(kind)) expect(visit(v, null, asJson(b))).toBe(q.value); // a negative uint64 wraps, as in QEMU
        else if (SAFE(q.value)) expect(visit(v, null, asJson(b))).toBe(Number(q.value));
        else expect(thrown(() => visit(v, null, asJson(b))).code).toBe('inexact');
      }
      if (b < r.min || b > r.max)
        for (const v of [output, outputBig]) expect(thrown(() => visit(v, null, b)).message).toBe(`Parameter 'null' expects ${r.typeName}`);
    }
    for (const bad of [1.5, '1', true, null, Number.NaN, Number.POSITIVE_INFINITY, {}, []]) {
      expect(thrown(() => visit(strict, null, bad)).message).toBe(qemuNotInteger(kind, 'null'));
      expect(thrown(() => visit(output, null, bad)).message).toBe("Invalid parameter type for 'null', expected: integer");
    }
  });

  it('--int64 bigint holds every 64-bit kind as bigint, int included', () => {
    expect(new Set(BIGINT_KINDS)).toEqual(WIDE);
  });

  it('type names are QEMU’s', () => {
    expect(INT_KINDS.map((k) => INT_RANGES[k].typeName)).toEqual([
      'int64', 'int8_t', 'int16_t', 'int32_t', 'int64', 'uint8_t', 'uint16_t', 'uint32_t', 'uint64', 'size',
    ]);
  });

  it('property: accepted iff in range; the value is exact', () => {
    fc.assert(
      fc.property(fc.constantFrom(...INT_KINDS), fc.bigInt({ min: -(2n ** 66n), max: 2n ** 66n }), fc.boolean(), (kind, b, bigMode) => {
        const v = bigMode ? strictBig : strict;
        const q = qemuInput(kind, b, 'm', 'null'); // no container adds the key to the path
        let result: unknown;
        let error: QapiPathError | undefined;
        try {
          result = visitIntKind(kind)(v, 'm', asJson(b));
        } catch (e) {
          if (!(e instanceof QapiPathError)) throw e;
          error = e;
        }
        if ('error' in q) return error?.code === 'range' && error.message === q.error;
        if (bigMode && WIDE.has(kind)) return result === q.value;
        if (SAFE(q.value)) return result === Number(q.value);
        return error?.code === 'inexact';
      }),
      { numRuns: 3000 },
    );
  });

  it('small ranges are also tested around every boundary with numbers', () => {
    fc.assert(
      fc.property(fc.constantFrom<IntKind>('int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32'), fc.integer({ min: -3, max: 3 }), fc.boolean(), (kind, d, atMax) => {
        const r = INT_RANGES[kind];
        const x = (atMax ? r.maxNumber : r.minNumber) + d;
        const ok = x >= r.minNumber && x <= r.maxNumber;
        for (const v of [strict, output]) {
          if (ok) expect(visitIntKind(kind)(v, null, x)).toBe(x);
          else expect(thrown(() => visitIntKind(kind)(v, null, x)).code).toBe('range');
        }
      }),
    );
  });

  it('-0 becomes 0; number accepts integers and bigints', () => {
    expect(Object.is(visitIntKind('int8')(strict, null, -0), 0)).toBe(true);
    expect(visitInts(strict, null, { i: 0, i8: 0, i16: 0, i32: 0, i64: 0, u8: 0, u16: 0, u32: 0, u64: 0, sz: 0, num: 2n ** 64n, flag: false, nil: null })).toMatchObject({ num: 2 ** 64 });
    expect(thrown(() => visitInts(output, null, { i: 0, i8: 0, i16: 0, i32: 0, i64: 0, u8: 0, u16: 0, u32: 0, u64: 0, sz: 0, num: 1n, flag: false, nil: null })).message).toBe(
      "Invalid parameter type for 'num', expected: number",
    );
  });

  it('an unsafe number (JSON.parse rounded it) is never taken silently', () => {
    const rounded = JSON.parse('{"u64": 18446744073709551615}') as unknown;
    expect(thrown(() => visitBig(strict, null, rounded)).message).toBe("Parameter 'u64' expects uint64"); // rounded up to 2^64
    const big = JSON.parse('{"u64": 9007199254740993}') as unknown; // becomes 9007199254740992
    expect(thrown(() => visitBig(strict, null, big)).message).toBe(
      "Parameter 'u64' value 9007199254740992 cannot be represented exactly as a number (generate with --int64 bigint)",
    );
    expect(thrown(() => visitBig(strictBig, null, big)).message).toBe(
      "Parameter 'u64' value 9007199254740992 is beyond 2^53 as a number and may have been rounded (read JSON with parseQmpJson)",
    );
    expect(thrown(() => visitBig(output, null, { u64: 2 ** 60 })).code).toBe('inexact');
  });

  it('18446744073709551615 in a uint64: exact round trip under bigint, clear error under number', () => {
    const text = '{"u64":18446744073709551615,"i64":-9223372036854775808,"sz":9007199254740993,"alt":9223372036854775807}';
    const decoded = visitBig(strictBig, null, parseQmpJson(text));
    expect(decoded).toStrictEqual({ u64: 18446744073709551615n, i64: -9223372036854775808n, sz: 9007199254740993n, alt: 9223372036854775807n });
    expect(stringifyQmpJson(visitBig(outputBig, null, decoded) as never)).toBe(text);
    expect(visitBig(cloneVisitor, null, decoded)).toStrictEqual(decoded);
    const e = thrown(() => visitBig(strict, null, parseQmpJson(text)));
    expect(e.path).toBe('u64');
    expect(e.message).toBe(
      "Parameter 'u64' value 18446744073709551615 cannot be represented exactly as a number (generate with --int64 bigint)",
    );
    expect(thrown(() => visitBig(strict, null, parseQmpJson('{"u64": 1, "alt": 9223372036854775807}'))).path).toBe('alt');
  });
});

// ---------------------------------------------------------------------------
// Output
// ---------------------------------------------------------------------------

describe('output', () => {
  it('checks types as strictly as input, with paths', () => {
    expect(thrown(() => visitL(output, null, { items: [{ a: 1, c: 0 }, { a: 'x', c: 0 }] })).message).toBe(
      "Invalid parameter type for 'items[1].a', expected: integer",
    );
    expect(thrown(() => visitL(output, null, { items: [{ a: 1 }] })).message).toBe("Parameter 'items[0].c' is missing");
    expect(thrown(() => visitS(output, null, { a: 1, c: 0, b: ['w'] })).message).toBe("Parameter 'b[0]' does not accept value 'w'");
    expect(thrown(() => visitA(output, null, true)).message).toBe("Invalid parameter type for 'null', expected: A");
    expect(thrown(() => visitS(output, null, { a: 1, c: () => 1 })).message).toBe("Parameter 'c' is not a JSON value (function)");
    expect(thrown(() => visitU(output, null, { kind: 'p', a: 1, c: 1, common: 5 })).path).toBe('common');
  });

  it('leaves out extra members and undefined optionals; fresh objects', () => {
    const src = { a: 1, b: undefined, c: { deep: [1] }, extra: 'x' };
    const r = visitS(output, null, src) as Record<string, unknown>;
    expect(r).toStrictEqual({ a: 1, c: { deep: [1] } });
    expect(r.c).not.toBe(src.c);
  });

  it('accepts class instances (own properties) as structs', () => {
    class Mid {
      inner = 5;
    }
    expect(visitTop(output, null, { outer: new Mid() })).toStrictEqual({ outer: { inner: 5 } });
  });
});

// ---------------------------------------------------------------------------
// Round trip and clone (property tests)
// ---------------------------------------------------------------------------

const arbInt8 = fc.integer({ min: -128, max: 127 });
const arbSFields = fc.record(
  { a: arbInt8, b: fc.array(fc.constantFrom('x', 'y'), { maxLength: 3 }), c: fc.jsonValue({ maxDepth: 3 }) },
  { requiredKeys: ['a', 'c'] },
);
const arbS = arbSFields.map((s) => ({ a: s.a, ...(s.b !== undefined ? { b: s.b } : {}), c: s.c }));
const arbU = fc.oneof(
  fc.tuple(fc.option(fc.string(), { nil: undefined }), arbS).map(([common, s]) => ({ kind: 'p', ...(common !== undefined ? { common } : {}), ...s })),
  fc.option(fc.string(), { nil: undefined }).map((common) => ({ kind: 'q', ...(common !== undefined ? { common } : {}) })),
);
const arbN = fc.oneof(
  fc.tuple(arbU, fc.option(fc.array(arbU, { maxLength: 3 }), { nil: undefined })).map(([u, more]) => ({ type: 'w', u, ...(more !== undefined ? { more } : {}) })),
  fc.constant({ type: 'z' }),
);
const arbL = fc.tuple(fc.array(arbS, { maxLength: 4 }), fc.option(fc.string(), { nil: undefined })).map(([items, name]) => ({ items, ...(name !== undefined ? { name } : {}) }));
const arbA = fc.oneof(fc.string(), fc.maxSafeInteger(), arbS);
const arbBig = fc
  .record({ u64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), i64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), sz: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), alt: fc.oneof(fc.constantFrom('auto', 'off'), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })) }, { requiredKeys: ['u64'] })
  .map((r) => ({ ...r }));

const CASES: [string, VisitFn, fc.Arbitrary<unknown>][] = [
  ['S', visitS, arbS],
  ['U', visitU, arbU],
  ['N (nested union)', visitN, arbN],
  ['L (list of structs)', visitL, arbL],
  ['A (alternate)', visitA, arbA],
];

/** Every object (arrays included) reachable from a value. */
function objectsOf(x: unknown, into = new Set<object>()): Set<object> {
  if (typeof x === 'object' && x !== null && !into.has(x)) {
    into.add(x);
    for (const v of Object.values(x)) objectsOf(v, into);
  }
  return into;
}

describe('round trip and clone', () => {
  it.each(CASES)('%s: output(strict input(x)) equals x, key order included; input(output(y)) equals y', (_name, visit, arb) => {
    fc.assert(
      fc.property(arb, (x) => {
        const typed = visit(strict, null, x);
        const back = visit(output, null, typed);
        expect(back).toStrictEqual(x);
        expect(stringifyQmpJson(back as never)).toBe(stringifyQmpJson(x as never));
        // Through text: -0 and integers beyond 2^53 inside `any` change form (0, bigint), not text.
        const reread = visit(strict, null, parseQmpJson(stringifyQmpJson(back as never)));
        expect(stringifyQmpJson(reread as never)).toBe(stringifyQmpJson(typed as never));
      }),
      { numRuns: 200 },
    );
  });

  it('bigint mode round trip through text is exact', () => {
    fc.assert(
      fc.property(arbBig, (x) => {
        const text = stringifyQmpJson(x as never);
        const typed = visitBig(strictBig, null, parseQmpJson(text));
        expect(typed).toStrictEqual(x);
        expect(stringifyQmpJson(visitBig(outputBig, null, typed) as never)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it.each(CASES)('%s: clone is deep-equal and shares no object', (_name, visit, arb) => {
    fc.assert(
      fc.property(arb, (x) => {
        const typed = visit(strict, null, x);
        const copy = visit(cloneVisitor, null, typed);
        expect(copy).toStrictEqual(typed);
        const mine = objectsOf(typed);
        for (const o of objectsOf(copy)) expect(mine.has(o)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('clone checks only what it needs to walk', () => {
    expect(visitS(cloneVisitor, null, { a: 'not an int', c: 1n })).toStrictEqual({ a: 'not an int', c: 1n });
    expect(thrown(() => visitL(cloneVisitor, null, { items: {} })).message).toBe("Invalid parameter type for 'items', expected: array");
  });

  it('random invalid mutations are rejected with the right path', () => {
    const arbBadL = fc.tuple(arbL.filter((l) => l.items.length > 0), fc.nat(), fc.constantFrom('delete a', 'add zz', 'a to string', 'a out of range', 'b bad'));
    fc.assert(
      fc.property(arbBadL, ([l, n, how]) => {
        const i = n % l.items.length;
        const item: Record<string, unknown> = { ...l.items[i]! };
        const expected = {
          'delete a': [`Parameter 'items[${i}].a' is missing`, () => delete item.a],
          'add zz': [`Parameter 'items[${i}].zz' is unexpected`, () => (item.zz = 1)],
          'a to string': [`Invalid parameter type for 'items[${i}].a', expected: integer`, () => (item.a = '1')],
          'a out of range': ["Parameter 'a' expects int8_t", () => (item.a = 128)],
          'b bad': [`Parameter 'items[${i}].b[0]' does not accept value 'q'`, () => (item.b = ['q'])],
        } as const;
        const [message, mutate] = expected[how];
        mutate();
        const items = l.items.slice();
        items[i] = item as never;
        // Only the mutated element is bad; earlier ones are valid.
        expect(thrown(() => visitL(strict, null, { ...l, items })).message).toBe(message);
      }),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------
// Prototype safety
// ---------------------------------------------------------------------------

describe('prototype safety', () => {
  const text = '{"a": 1, "c": {"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}, "list": [{"__proto__": null}]}}';

  it('__proto__ and constructor keys in any values are own data, everywhere', () => {
    for (const v of [strict, lenient]) {
      const r = visitS(v, null, parseQmpJson(text)) as { c: Record<string, unknown> };
      expect(Object.getPrototypeOf(r.c)).toBe(Object.prototype);
      expect(Object.keys(r.c)).toEqual(['__proto__', 'constructor', 'list']);
      expect(Object.getOwnPropertyDescriptor(r.c, '__proto__')?.value).toStrictEqual(JSON.parse('{"__proto__": {"polluted": 1}}')['__proto__']);
      for (const copy of [visitS(output, null, r), visitS(cloneVisitor, null, r)] as { c: Record<string, unknown> }[]) {
        expect(Object.getPrototypeOf(copy.c)).toBe(Object.prototype);
        expect(Object.keys(copy.c)).toEqual(['__proto__', 'constructor', 'list']);
        expect(stringifyQmpJson(copy as never)).toBe(stringifyQmpJson(parseQmpJson(text)));
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('unknown members named __proto__ / constructor are kept as own data (lenient) or rejected (strict), never followed', () => {
    const src = parseQmpJson('{"__proto__": {"a": 5}, "constructor": 1, "c": 0, "a": 2}');
    const r = visitS(lenient, null, src) as Record<string, unknown>;
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(Object.keys(r)).toEqual(['a', 'c', '__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(r, '__proto__')!.value).toStrictEqual(J('{"a": 5}'));
    expect(r.constructor).toBe(1);
    expect(({} as Record<string, unknown>).a).toBeUndefined();
    expect(decodeError(visitS, src).message).toBe("Parameter '__proto__' is unexpected");
    // A missing member is not found on the prototype.
    expect(decodeError(visitS, parseQmpJson('{"__proto__": {"a": 5, "c": 1}}'), lenient).message).toBe("Parameter 'a' is missing");
  });

  it('an enum value named like an Object.prototype member is unknown, not a crash', () => {
    expect(decodeError(visitS, { a: 1, c: 0, b: ['toString'] }, new InputVisitor({ strict: true, int64: 'number', compat: { deprecatedInput: 'reject' } })).message).toBe(
      "Parameter 'b[0]' does not accept value 'toString'",
    );
  });
});

// ---------------------------------------------------------------------------
// A user-written visitor
// ---------------------------------------------------------------------------

class RedactingVisitor extends ForwardingVisitor {
  override str(key: Key, value: unknown): unknown {
    const s = super.str(key, value);
    return key === 'password' ? '<redacted>' : s;
  }
}

describe('ForwardingVisitor', () => {
  const creds = { user: 'root', password: 'hunter2', nested: [{ user: 'a', password: 'b' }, { user: 'c', password: 'd', nested: [] }] };

  it('a redacting encoder: str members named password, at every depth', () => {
    const r = visitCreds(new RedactingVisitor(output), null, creds);
    expect(r).toStrictEqual({
      user: 'root',
      password: '<redacted>',
      nested: [{ user: 'a', password: '<redacted>' }, { user: 'c', password: '<redacted>', nested: [] }],
    });
    expect(creds.password).toBe('hunter2');
  });

  it('also over input and clone, and errors keep their paths', () => {
    expect(visitCreds(new RedactingVisitor(strict), null, creds)).toMatchObject({ password: '<redacted>', nested: [{ password: '<redacted>' }, {}] });
    expect(visitCreds(new RedactingVisitor(cloneVisitor), null, creds)).toMatchObject({ user: 'root', password: '<redacted>' });
    expect(thrown(() => visitCreds(new RedactingVisitor(strict), null, { user: 'u', password: 'p', nested: [{ user: 'x', password: 1 }] })).message).toBe(
      "Invalid parameter type for 'nested[0].password', expected: string",
    );
  });

  it('alternates reach the overrides too', () => {
    class Doubler extends ForwardingVisitor {
      override int(key: Key, value: unknown, kind: IntKind): unknown {
        return (super.int(key, value, kind) as number) * 2;
      }
    }
    expect(visitA(new Doubler(strict), null, 21)).toBe(42);
    expect(visitA(new Doubler(strict), null, { a: 2, c: 0 })).toStrictEqual({ a: 4, c: 0 });
  });

  it('the built-in visitors can be subclassed directly', () => {
    class Upper extends OutputVisitor {
      override str(key: Key, value: unknown): unknown {
        return (super.str(key, value) as string).toUpperCase();
      }
    }
    expect(visitCreds(new Upper(), null, { user: 'u', password: 'p' })).toStrictEqual({ user: 'U', password: 'P' });
  });
});

// Keep the imported helpers referenced for the type checker.
void INT_MEMBERS;
