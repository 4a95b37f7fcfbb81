/**
 * The runtime's evaluateIntrospection, evaluateCondition and
 * introspectionSymbols (templates/runtime/introspect.ts): conditions
 * all/any/not, nested member, enum value, branch and feature conditions,
 * and properties over random conditions and trees, one of them against
 * the C form of the condition (as QEMU's `#if` would read it).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as fc from 'fast-check';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import {
  evaluateCondition,
  evaluateIntrospection,
  introspectionSymbols,
  IntrospectionError,
  specializeIntrospection,
  type Annotated,
  type AnnotatedObject,
  type AnnotatedValue,
  type IfCondition,
  type IntrospectionTree,
} from '../../templates/runtime/introspect.js';
import { QapiError } from '../../templates/runtime/errors.js';
import { PRETTIER_OPTIONS } from '../../generator/write/prettier-config.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { conditionFromC, conditionToC, cShape } from './qlit.js';

const SEED = 20_260_510;

describe('evaluateCondition', () => {
  const on = new Set(['A', 'B']);
  it.each<[IfCondition, boolean]>([
    ['A', true],
    ['C', false],
    [{ all: ['A', 'B'] }, true],
    [{ all: ['A', 'C'] }, false],
    [{ any: ['C', 'B'] }, true],
    [{ any: ['C', 'D'] }, false],
    [{ not: 'C' }, true],
    [{ not: 'A' }, false],
    [{ all: [] }, true],
    [{ any: [] }, false],
    [{ all: ['A', { any: ['C', { not: 'D' }] }] }, true],
    [{ not: { any: ['C', { all: ['A', { not: 'B' }] }] } }, true],
    [{ any: [{ all: ['A', 'C'] }, { not: { all: ['B'] } }] }, false],
  ])('%j with A and B defined is %s', (cond, expected) => {
    expect(evaluateCondition(cond, on)).toBe(expected);
    expect(evaluateCondition(cond, (name) => name === 'A' || name === 'B')).toBe(expected);
  });

  it('asks the predicate only for the names it needs', () => {
    const asked: string[] = [];
    evaluateCondition({ all: ['X', 'Y'] }, (n) => (asked.push(n), false));
    expect(asked).toEqual(['X']);
  });

  it.each<[string, unknown]>([
    ['a number', 1],
    ['null', null],
    ['an empty object', {}],
    ['two operators', { all: ['A'], any: ['B'] }],
    ['an unknown operator', { some: ['A'] }],
    ['all over a non-list', { all: 'A' }],
    ['a bad operand', { not: { any: [3] } }],
  ])('rejects %s with IntrospectionError (a QapiError)', (_what, cond) => {
    expect(() => evaluateCondition(cond as IfCondition, new Set())).toThrow(IntrospectionError);
    expect(() => evaluateCondition(cond as IfCondition, new Set())).toThrow(QapiError);
  });
});

/** A tree with conditions at every level: entity, member, enum value (members and values), branch, alternative, feature. */
const TREE: IntrospectionTree = [
  { value: { 'arg-type': '0', 'meta-type': 'command', name: 'always', 'ret-type': '1' } },
  {
    value: { 'arg-type': '0', features: [{ value: 'unstable', if: 'CONFIG_UNSTABLE' }], 'meta-type': 'command', name: 'kvm-only', 'ret-type': '0' },
    if: { all: ['CONFIG_KVM', { not: 'CONFIG_TCG' }] },
  },
  { value: { 'arg-type': '2', 'meta-type': 'event', name: 'EV' }, if: { any: ['CONFIG_LINUX', 'CONFIG_WIN32'] } },
  { value: { members: [], 'meta-type': 'object', name: '0' } },
  {
    value: {
      members: [
        { value: { name: 'a', type: 'str' } },
        { value: { default: null, name: 'b', type: 'int' }, if: 'CONFIG_B' },
        { value: { features: [{ value: 'deprecated', if: { not: 'CONFIG_NEW' } }], name: 'c', type: '3' } },
      ],
      'meta-type': 'object',
      name: '1',
      tag: 'a',
      variants: [
        { value: { case: 'x', type: '0' } },
        { value: { case: 'y', type: '0' }, if: 'CONFIG_Y' },
      ],
    },
  },
  {
    value: {
      members: [
        { value: { name: 'red' } },
        { value: { features: [{ value: 'deprecated' }, { value: 'unstable', if: 'CONFIG_U' }], name: 'green' }, if: 'CONFIG_GREEN' },
      ],
      'meta-type': 'enum',
      name: '3',
      values: [{ value: 'red' }, { value: 'green', if: 'CONFIG_GREEN' }],
    },
  },
  { value: { members: [{ value: { type: 'str' } }, { value: { type: '0' }, if: { not: { any: ['P', 'Q'] } } }], 'meta-type': 'alternate', name: '2' } },
  { value: { 'json-type': 'string', 'meta-type': 'builtin', name: 'str' } },
];

describe('evaluateIntrospection', () => {
  it('with nothing defined: only unconditional items and those under a true `not`', () => {
    expect(evaluateIntrospection(TREE, new Set())).toEqual([
      { 'arg-type': '0', 'meta-type': 'command', name: 'always', 'ret-type': '1' },
      { members: [], 'meta-type': 'object', name: '0' },
      {
        members: [
          { name: 'a', type: 'str' },
          { features: ['deprecated'], name: 'c', type: '3' },
        ],
        'meta-type': 'object',
        name: '1',
        tag: 'a',
        variants: [{ case: 'x', type: '0' }],
      },
      { members: [{ name: 'red' }], 'meta-type': 'enum', name: '3', values: ['red'] },
      { members: [{ type: 'str' }, { type: '0' }], 'meta-type': 'alternate', name: '2' },
      { 'json-type': 'string', 'meta-type': 'builtin', name: 'str' },
    ]);
  });

  it('with symbols defined: entities, members, branches, enum values, alternatives and features come and go', () => {
    const served = evaluateIntrospection(TREE, new Set(['CONFIG_KVM', 'CONFIG_WIN32', 'CONFIG_B', 'CONFIG_NEW', 'CONFIG_Y', 'CONFIG_GREEN', 'CONFIG_U', 'Q']));
    expect(served.map((s) => s.name)).toEqual(['always', 'kvm-only', 'EV', '0', '1', '3', '2', 'str']);
    expect(served[1]).toEqual({ 'arg-type': '0', features: [], 'meta-type': 'command', name: 'kvm-only', 'ret-type': '0' });
    expect(served[4]).toMatchObject({
      members: [{ name: 'a', type: 'str' }, { default: null, name: 'b', type: 'int' }, { features: [], name: 'c', type: '3' }],
      variants: [
        { case: 'x', type: '0' },
        { case: 'y', type: '0' },
      ],
    });
    expect(served[5]).toEqual({
      members: [{ name: 'red' }, { features: ['deprecated', 'unstable'], name: 'green' }],
      'meta-type': 'enum',
      name: '3',
      values: ['red', 'green'],
    });
    expect(served[6]).toEqual({ members: [{ type: 'str' }], 'meta-type': 'alternate', name: '2' });
  });

  it('keeps key order, takes a predicate as well as a set, and leaves the tree alone', () => {
    const frozen = deepFreeze(structuredClone(TREE) as IntrospectionTree);
    const bySet = evaluateIntrospection(frozen, new Set(['CONFIG_KVM']));
    const byFn = evaluateIntrospection(frozen, (n) => n === 'CONFIG_KVM');
    expect(JSON.stringify(byFn)).toBe(JSON.stringify(bySet));
    expect(Object.keys(bySet[1]!)).toEqual(['arg-type', 'features', 'meta-type', 'name', 'ret-type']);
    expect(frozen).toEqual(TREE);
    // The result shares nothing with the tree.
    (bySet[0] as { name: string }).name = 'changed';
    expect(evaluateIntrospection(frozen, new Set())[0]!.name).toBe('always');
  });

  it('specializeIntrospection keeps the tree shape, without conditions', () => {
    const fixed = specializeIntrospection(TREE, new Set(['CONFIG_KVM', 'CONFIG_UNSTABLE']));
    expect(fixed.map((t) => t.value['name'])).toEqual(['always', 'kvm-only', '0', '1', '3', '2', 'str']);
    expect(fixed[1]).toEqual({ value: { 'arg-type': '0', features: [{ value: 'unstable' }], 'meta-type': 'command', name: 'kvm-only', 'ret-type': '0' } });
  });

  it('introspectionSymbols lists every symbol, sorted, once', () => {
    expect(introspectionSymbols(TREE)).toEqual(['CONFIG_B', 'CONFIG_GREEN', 'CONFIG_KVM', 'CONFIG_LINUX', 'CONFIG_NEW', 'CONFIG_TCG', 'CONFIG_U', 'CONFIG_UNSTABLE', 'CONFIG_WIN32', 'CONFIG_Y', 'P', 'Q']);
    expect(introspectionSymbols([])).toEqual([]);
  });
});

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

// ---- properties ----------------------------------------------------------------------

const SYMBOLS = ['A', 'B', 'C', 'D', 'E'];
const symbol = fc.constantFrom(...SYMBOLS);

const condition: fc.Arbitrary<IfCondition> = fc.letrec<{ cond: IfCondition }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    symbol,
    fc.record({ all: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('cond'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('cond') }),
  ),
})).cond;

const enabledSet = fc.subarray(SYMBOLS).map((s) => new Set(s));

/** The C form evaluated as a JavaScript expression (same precedence for `!`, `&&`, `||`), `defined(X)` replaced by its truth. */
function evaluateC(text: string, on: ReadonlySet<string>): boolean {
  const js = text.replace(/defined\(([A-Z]+)\)/g, (_m, name: string) => String(on.has(name)));
  if (!/^[truefals!&|() ]*$/.test(js)) throw new Error(`unexpected C text ${text}`);
  return new Function(`return ${js};`)() as boolean;
}

/** A random annotated tree in the shape of SchemaInfo: list items with optional conditions, nested lists of members and features. */
const annotated = <T>(value: fc.Arbitrary<T>): fc.Arbitrary<Annotated<T>> =>
  fc.tuple(value, fc.option(condition, { nil: undefined })).map(([v, c]) => (c === undefined ? { value: v } : { value: v, if: c }));
const features = fc.array(annotated(fc.constantFrom<AnnotatedValue>('deprecated', 'unstable', 'feat')), { maxLength: 3 });
const member = fc.record({ name: fc.constantFrom('a', 'b', 'c'), type: fc.constantFrom('0', 'str', '[int]'), features });
const info = fc.record({
  name: fc.constantFrom('x', 'y', '0', '1'),
  'meta-type': fc.constantFrom('object', 'command'),
  members: fc.array(annotated(member as fc.Arbitrary<AnnotatedValue>), { maxLength: 4 }),
  features,
});
const tree: fc.Arbitrary<IntrospectionTree> = fc.array(annotated(info as fc.Arbitrary<AnnotatedObject>), { maxLength: 6 });

/** The reference: every item, with `keep` saying whether its condition holds. */
function reference(v: AnnotatedValue, keep: (c: IfCondition | undefined) => boolean): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return (v as readonly Annotated<AnnotatedValue>[]).filter((i) => keep(i.if)).map((i) => reference(i.value, keep));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reference(x, keep)]));
}

describe('properties', () => {
  it('a condition is true exactly when its C form (as QEMU prints it) is', () => {
    fc.assert(
      fc.property(condition, enabledSet, (c, on) => {
        expect(evaluateCondition(c, on)).toBe(evaluateC(conditionToC(c), on));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('the C form reads back as the same condition, up to one-operand groups, and evaluates the same', () => {
    fc.assert(
      fc.property(condition, enabledSet, (c, on) => {
        const back = conditionFromC(conditionToC(c));
        expect(back).toEqual(cShape(c));
        expect(conditionToC(back)).toBe(conditionToC(c));
        expect(evaluateCondition(back, on)).toBe(evaluateCondition(c, on));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });

  it('evaluateIntrospection keeps exactly the items whose condition holds, at every level, in order', () => {
    fc.assert(
      fc.property(tree, enabledSet, (t, on) => {
        const expected = reference(t as unknown as AnnotatedValue, (c) => c === undefined || evaluateCondition(c, on));
        expect(JSON.stringify(evaluateIntrospection(t, on))).toBe(JSON.stringify(expected));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('without `not`, defining more symbols never takes an item away', () => {
    fc.assert(
      fc.property(tree, enabledSet, enabledSet, (t, s1, s2) => {
        fc.pre(!JSON.stringify(t).includes('"not"'));
        const small = evaluateIntrospection(t, s1);
        const big = evaluateIntrospection(t, new Set([...s1, ...s2]));
        const count = (x: unknown): number => JSON.stringify(x).length;
        expect(count(big)).toBeGreaterThanOrEqual(count(small));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('specializeIntrospection fixes the symbols: no conditions left, and the same list as evaluating the tree', () => {
    fc.assert(
      fc.property(tree, enabledSet, enabledSet, (t, on, later) => {
        const fixed = specializeIntrospection(t, on);
        expect(introspectionSymbols(fixed)).toEqual([]);
        expect(evaluateIntrospection(fixed, later)).toEqual(evaluateIntrospection(t, on));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('`() => true` is the set of every symbol the tree mentions', () => {
    fc.assert(
      fc.property(tree, (t) => {
        expect(evaluateIntrospection(t, () => true)).toEqual(evaluateIntrospection(t, new Set(introspectionSymbols(t))));
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

it('templates/runtime/introspect.ts is prettier-clean under the pinned options (it is copied into generated output)', async () => {
  const text = readFileSync(join(REPO_ROOT, 'templates', 'runtime', 'introspect.ts'), 'utf8');
  expect(await prettier.format(text, { ...PRETTIER_OPTIONS })).toBe(text);
});
