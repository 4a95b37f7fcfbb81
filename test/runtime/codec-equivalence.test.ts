/**
 * The specialized codecs (`decodeFoo`, `encodeFoo`, `cloneFoo` in the
 * generated `.codec.ts` files) against the generic visitor walk
 * (`visitFoo` with an InputVisitor, OutputVisitor or cloneVisitor), for
 * every type with a codec in the full 10.2.2-backend-transfer schema:
 * exactly the same results (same keys in the same order, same scalars,
 * bigint vs number, -0; for decode, which may return its input, keys in
 * any order) or exactly the same errors (same class, message and path),
 * on valid values, on values with one invalid change, on values scrambled
 * anywhere and on garbage, under every combination of strict or
 * lenient input, kept unknown enum values and branches, compat policies and
 * both int64 modes.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { SchemaAlternateType, SchemaArrayType, SchemaEnumType, SchemaObjectType, type SchemaType } from '../../generator/model/entities.js';
import { loadSchema, type QapiSchema } from '../../generator/model/schema.js';
import { EmitContext } from '../../generator/emit/types.js';
import { visitName } from '../../generator/emit/visit.js';
import { checkName, codecName, fastCloneName } from '../../generator/emit/codec.js';
import type * as rt from '../../templates/runtime/index.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { UNKNOWN_ENUM_VALUE, ValueArbitraries, deepCopy, garbageArbitrary, jsonValueArbitrary, mutationArbitrary, objectMembersOf, scrambleArbitrary, show } from './arbitraries.js';

const SCHEMA_REL = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';
/** fast-check runs per type and int64 mode. */
const RUNS = 10;

type Runtime = typeof rt;
type Fn = (...args: unknown[]) => unknown;

/**
 * A result or error, rendered so that any difference shows: key order, -0,
 * bigint, holes, prototypes. `anyOrder` sorts keys: a decoder may return
 * its input (the fast check), whose keys are in the sender's order.
 */
export function canon(x: unknown, anyOrder = false): string {
  switch (typeof x) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return Object.is(x, -0) ? '-0' : String(x);
    case 'bigint':
      return `${x}n`;
    case 'string':
      return JSON.stringify(x);
    case 'boolean':
      return String(x);
    case 'function':
      return 'function';
    case 'symbol':
      return 'symbol';
    default:
      break;
  }
  if (x === null) return 'null';
  if (Array.isArray(x)) {
    const parts: string[] = [];
    for (let i = 0; i < x.length; i++) parts.push(i in x ? canon(x[i], anyOrder) : '<hole>');
    return `[${parts.join(',')}]`;
  }
  const proto: unknown = Object.getPrototypeOf(x);
  const tag = proto === Object.prototype ? '' : proto === null ? '<null-proto>' : `<${(proto as { constructor?: { name?: string } }).constructor?.name ?? '?'}>`;
  const o = x as Record<string, unknown>;
  const keys = Object.keys(o);
  if (anyOrder) keys.sort();
  return `${tag}{${keys
    .map((k) => `${JSON.stringify(k)}:${canon(o[k], anyOrder)}`)
    .join(',')}}`;
}

function outcome(f: () => unknown, anyOrder = false): string {
  try {
    return `ok ${canon(f(), anyOrder)}`;
  } catch (e) {
    if (e instanceof Error) {
      const path = 'path' in e ? ` @${String((e as { path: unknown }).path)}` : '';
      return `error ${e.constructor.name}${path}: ${e.message}`;
    }
    return `thrown ${canon(e)}`;
  }
}

const COMPAT_IN: rt.CompatPolicy[] = [
  {},
  { unstableInput: 'reject', deprecatedInput: 'reject' },
  { deprecatedInput: 'reject' },
  { unstableInput: 'crash' },
  { deprecatedInput: 'crash', unstableInput: 'reject' },
];
const COMPAT_OUT: rt.CompatPolicy[] = [{}, { deprecatedOutput: 'hide' }, { unstableOutput: 'hide' }, { deprecatedOutput: 'hide', unstableOutput: 'hide' }];

const inputOptions = fc.record({
  strict: fc.boolean(),
  keepUnknownEnumValues: fc.boolean(),
  keepUnknownBranches: fc.boolean(),
  compat: fc.constantFrom(...COMPAT_IN),
});
const outputOptions = fc.record({
  keepUnknownEnumValues: fc.boolean(),
  keepUnknownBranches: fc.boolean(),
  compat: fc.constantFrom(...COMPAT_OUT),
});

describeFixture(SCHEMA_REL, 'specialized codecs behave exactly as the visitor walk', () => {
  let schema: QapiSchema;
  let types: SchemaType[];
  let dir: string;
  /** The generated code per --int64 mode (the fast checks differ; the walks don't). */
  const gen: Partial<Record<'number' | 'bigint', Record<string, unknown>>> = {};
  const runtimes: Partial<Record<'number' | 'bigint', Runtime>> = {};
  let g: Record<string, unknown>;
  let grt: Runtime;
  let ctx: EmitContext;

  beforeAll(async () => {
    const file = sharedPath(SCHEMA_REL);
    schema = loadSchema(file, { lenientDocs: true });
    // Every type with codecs: objects, arrays, alternates (enums and built-in scalars are visited inline).
    types = schema.definitions.filter(
      (d): d is SchemaType => (d instanceof SchemaObjectType || d instanceof SchemaArrayType || d instanceof SchemaAlternateType) && d.name !== 'q_empty',
    );
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, 'tmp', 'codec-eq-'));
    // The walks do not depend on --int64 (the visitors' options do), but the fast checks of decode do.
    for (const int64 of ['number', 'bigint'] as const) {
      await generate({ schema: file, out: join(dir, int64), lenientDocs: true, int64 });
      gen[int64] = (await import(join(dir, int64, 'index.ts'))) as Record<string, unknown>;
      runtimes[int64] = (await import(join(dir, int64, 'runtime', 'index.ts'))) as Runtime;
    }
    g = gen.number!;
    grt = runtimes.number!;
    ctx = new EmitContext(schema, { int64: 'number' });
  }, 300_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function fns(t: SchemaType, int64: 'number' | 'bigint' = 'number'): { visit: Fn; decode: Fn; encode: Fn; clone: Fn; check: Fn; fastClone: Fn } {
    const get = (name: string): Fn => {
      const f = gen[int64]![name];
      if (typeof f !== 'function') throw new Error(`generated code has no ${name} (${t.describe()})`);
      return f as Fn;
    };
    return {
      visit: get(visitName(ctx, t)),
      decode: get(codecName(ctx, 'decode', t)),
      encode: get(codecName(ctx, 'encode', t)),
      clone: get(codecName(ctx, 'clone', t)),
      check: get(checkName(ctx, t)),
      fastClone: get(fastCloneName(ctx, t)),
    };
  }

  interface Stats {
    compared: number;
    errors: number;
    keptUnknown: number;
  }

  /** Compares all three codecs with the walk on one input; returns what it saw. */
  function compareAll(
    t: SchemaType,
    f: ReturnType<typeof fns>,
    x: unknown,
    int64: 'number' | 'bigint',
    inOpts: Omit<rt.InputVisitorOptions, 'int64'>,
    outOpts: Omit<rt.OutputVisitorOptions, 'int64'>,
    stats: Stats,
  ): void {
    const what = (kind: string, opts: object): string => `${t.name} ${kind} (int64 ${int64}, ${show(opts)}) of ${show(x)}`;
    // Each generation has its own runtime (error classes included): use the one of the code under test.
    const grt = runtimes[int64]!;
    // decode
    const iv = new grt.InputVisitor({ ...inOpts, int64 });
    const dWalk = outcome(() => f.visit(iv, null, x), true);
    const dCodec = outcome(() => f.decode(new grt.InputVisitor({ ...inOpts, int64 }), x), true);
    expect(dCodec, what('decode', inOpts)).toBe(dWalk);
    // encode
    const ov = new grt.OutputVisitor({ ...outOpts, int64 });
    const eWalk = outcome(() => f.visit(ov, null, x));
    expect(outcome(() => f.encode(new grt.OutputVisitor({ ...outOpts, int64 }), x)), what('encode', outOpts)).toBe(eWalk);
    // clone
    const cWalk = outcome(() => f.visit(grt.cloneVisitor, null, x));
    expect(outcome(() => f.clone(x)), what('clone', {})).toBe(cWalk);
    stats.compared++;
    if (dWalk.startsWith('error') || eWalk.startsWith('error') || cWalk.startsWith('error')) stats.errors++;

    // What lenient input kept (unknown enum values and branches) goes back through encode and clone.
    const keep = { strict: false, keepUnknownEnumValues: true, keepUnknownBranches: true, compat: {} };
    let kept: unknown;
    try {
      kept = f.visit(new grt.InputVisitor({ ...keep, int64 }), null, x);
    } catch {
      return;
    }
    let strictOk = true;
    try {
      f.visit(new grt.InputVisitor({ strict: false, int64 }), null, x);
    } catch {
      strictOk = false;
    }
    if (!strictOk) stats.keptUnknown++;
    for (const o of [outOpts, { ...outOpts, keepUnknownEnumValues: true, keepUnknownBranches: true }]) {
      expect(outcome(() => f.encode(new grt.OutputVisitor({ ...o, int64 }), kept)), what('encode of kept', o)).toBe(
        outcome(() => f.visit(new grt.OutputVisitor({ ...o, int64 }), null, kept)),
      );
    }
    expect(outcome(() => f.clone(kept)), what('clone of kept', {})).toBe(outcome(() => f.visit(grt.cloneVisitor, null, kept)));
  }

  it('decode, encode and clone give the walk results and errors, for every type with codecs', () => {
    const stats: Stats = { compared: 0, errors: 0, keptUnknown: 0 };
    const counts = { struct: 0, union: 0, array: 0, alternate: 0 };
    for (const int64 of ['number', 'bigint'] as const) {
      const arbs = new ValueArbitraries(types, { int64 });
      for (const t of types) {
        if (int64 === 'number') counts[t.meta as keyof typeof counts]++;
        const f = fns(t, int64);
        const input = fc.oneof(
          { weight: 3, arbitrary: arbs.value(t) },
          { weight: 2, arbitrary: mutationArbitrary(t, { int64, strict: true, shallow: true }, arbs).map((m) => m.value) },
          { weight: 3, arbitrary: scrambleArbitrary(t, arbs, true) },
          { weight: 1, arbitrary: garbageArbitrary() },
        );
        fc.assert(
          fc.property(input, inputOptions, outputOptions, (x, io, oo) => compareAll(t, f, x, int64, io, oo, stats)),
          { numRuns: RUNS },
        );
      }
    }
    console.log(
      `codec equivalence: ${types.length} types (${Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}), ${stats.compared} inputs × 3 codecs, ${stats.errors} with errors, ${stats.keptUnknown} kept unknown values`,
    );
    expect(stats.compared).toBe(types.length * RUNS * 2);
    // Errors are compared, not only results.
    expect(stats.errors).toBeGreaterThan(stats.compared / 5);
    expect(stats.keptUnknown).toBeGreaterThan(0);
  }, 180_000);

  it('the fast check of decode is sound (yes only where the walk gives back an equal value) and says yes to valid values', () => {
    // decode returns its input when checkFoo says yes: that must be exactly when the walk would
    // succeed with an equal value. A check that said no to everything would be sound and useless,
    // so valid values (in their JSON form, as the reader gives them) must pass it too.
    const stats = { checked: 0, yes: 0, valid: 0, validYes: 0 };
    const misses: string[] = [];
    for (const int64 of ['number', 'bigint'] as const) {
      const arbs = new ValueArbitraries(types, { int64 });
      for (const t of types) {
        const f = fns(t, int64);
        const input = fc.oneof(
          { weight: 3, arbitrary: arbs.value(t).map((value) => ({ value, valid: true })) },
          { weight: 2, arbitrary: mutationArbitrary(t, { int64, strict: true, shallow: false }, arbs).map((m) => ({ value: m.value, valid: false })) },
          { weight: 2, arbitrary: scrambleArbitrary(t, arbs, true).map((value) => ({ value, valid: false })) },
          { weight: 1, arbitrary: garbageArbitrary().map((value) => ({ value, valid: false })) },
        );
        fc.assert(
          fc.property(input, fc.boolean(), ({ value: x, valid }, strict) => {
            stats.checked++;
            const yes = f.check(x, strict) as boolean;
            if (valid) {
              stats.valid++;
              if (yes) stats.validYes++;
              else if (misses.length < 5) misses.push(`${t.name} (int64 ${int64}): ${show(x)}`);
            }
            if (!yes) return;
            stats.yes++;
            const walked = outcome(() => f.visit(new runtimes[int64]!.InputVisitor({ strict, int64 }), null, x), true);
            expect(walked, `${t.name} check said yes (int64 ${int64}, strict ${strict}) to ${show(x)}`).toBe(`ok ${canon(x, true)}`);
          }),
          { numRuns: RUNS },
        );
      }
    }
    console.log(`fast check: ${stats.checked} inputs, ${stats.yes} said yes (each confirmed by the walk); valid values: ${stats.validYes}/${stats.valid} said yes`);
    if (misses.length) console.log(`valid values the fast check refused, e.g.\n${misses.join('\n')}`);
    expect(stats.validYes).toBe(stats.valid);
    expect(stats.yes).toBeGreaterThan(stats.valid / 2);
  }, 180_000);

  it('clone takes its fast path on valid values: the fast clone does not give up, and copies as the walk does', () => {
    // cloneFoo falls back to the walk whenever the fast clone gives up, so the equivalence
    // above would hold even if it always gave up: here it must not, on valid values.
    let n = 0;
    for (const int64 of ['number', 'bigint'] as const) {
      const arbs = new ValueArbitraries(types, { int64 });
      for (const t of types) {
        const f = fns(t, int64);
        for (const v of fc.sample(arbs.value(t), { numRuns: 3, seed: 11 })) {
          n++;
          expect(canon(f.fastClone(v)), `${t.name}: ${show(v)}`).toBe(canon(f.visit(runtimes[int64]!.cloneVisitor, null, v)));
        }
      }
    }
    expect(n).toBe(types.length * 3 * 2);
  }, 120_000);

  it('decode returns its input for a valid value under the default options, and never under a compat policy that checks', () => {
    const arbs = new ValueArbitraries(types, { int64: 'number' });
    for (const t of types) {
      const f = fns(t);
      for (const v of fc.sample(arbs.value(t), { numRuns: 2, seed: 5 })) {
        if (typeof v !== 'object' || v === null) continue;
        expect(f.decode(new grt.InputVisitor({ strict: true, int64: 'number' }), v), t.name).toBe(v);
        expect(f.decode(new grt.InputVisitor({ strict: false, int64: 'number' }), v), t.name).toBe(v);
        // Under a policy that checks, or a visitor whose int64 mode is not the generated one, the walk decides.
        for (const opts of [{ int64: 'number', compat: { unstableInput: 'reject' } }, { int64: 'bigint' }] as const) {
          let r: unknown;
          try {
            r = f.decode(new grt.InputVisitor({ strict: true, ...opts }), v);
          } catch {
            r = undefined;
          }
          expect(r, t.name).not.toBe(v);
        }
      }
    }
  });

  it('every member of every type: deleted, undefined, wrong, unknown enum value; unknown members added', () => {
    // Systematic rather than random, so that each member's own code in each codec is reached.
    const inCombos: Omit<rt.InputVisitorOptions, 'int64'>[] = [];
    for (const strict of [true, false])
      for (const keepUnknownEnumValues of [false, true])
        for (const keepUnknownBranches of [false, true]) for (const compat of COMPAT_IN) inCombos.push({ strict, keepUnknownEnumValues, keepUnknownBranches, compat });
    const outCombos: Omit<rt.OutputVisitorOptions, 'int64'>[] = [];
    for (const keepUnknownEnumValues of [false, true])
      for (const keepUnknownBranches of [false, true]) for (const compat of COMPAT_OUT) outCombos.push({ keepUnknownEnumValues, keepUnknownBranches, compat });
    const WRONG: unknown[] = [undefined, null, UNKNOWN_ENUM_VALUE, 1.5, -1, 2n ** 70n, {}, [null]];
    const EXTRA_KEYS = [UNKNOWN_ENUM_VALUE, '__proto__', 'constructor', 'toString'];
    const stats: Stats = { compared: 0, errors: 0, keptUnknown: 0 };
    let i = 0;
    for (const int64 of ['number', 'bigint'] as const) {
      const arbs = new ValueArbitraries(types, { int64 });
      for (const t of types) {
        const f = fns(t, int64);
        for (const v of fc.sample(arbs.value(t), { numRuns: 1, seed: int64 === 'number' ? 42 : 43 })) {
          const inputs: unknown[] = [];
          if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
            const o = v as Record<string, unknown>;
            const names = t instanceof SchemaObjectType ? objectMembersOf(t, o).map((m) => m.name) : Object.keys(o);
            for (const name of names) {
              const without = deepCopy(o);
              delete without[name];
              inputs.push(without);
              for (const w of WRONG) {
                const c = deepCopy(o);
                Object.defineProperty(c, name, { value: w, enumerable: true, writable: true, configurable: true });
                inputs.push(c);
              }
            }
            for (const k of EXTRA_KEYS) {
              const c = deepCopy(o);
              Object.defineProperty(c, k, { value: 1, enumerable: true, writable: true, configurable: true });
              inputs.push(c);
            }
          } else if (Array.isArray(v) && v.length > 0) {
            for (const w of WRONG) inputs.push([...deepCopy(v), w]);
          }
          inputs.push(v);
          for (const x of inputs) {
            i++;
            compareAll(t, f, x, int64, inCombos[i % inCombos.length]!, outCombos[(i * 7) % outCombos.length]!, stats);
          }
        }
      }
    }
    console.log(`codec equivalence, systematic: ${stats.compared} inputs × 3 codecs, ${stats.errors} with errors`);
    expect(stats.errors).toBeGreaterThan(stats.compared / 2);
  }, 180_000);

  it('members inherited rather than own (Object.create, a prototype carrying a member) are missing for the codecs as for the walk', () => {
    // The walk reads own members only (hasOwn). An object whose prototype carries a required member
    // must not get past a codec either: with a polluted Object.prototype, that would let
    // `Object.prototype[name] = …` stand in for a member the client never sent.
    const objects = types.filter((t): t is SchemaObjectType => t instanceof SchemaObjectType);
    const arbs = new ValueArbitraries(objects, { int64: 'number' });
    const stats: Stats = { compared: 0, errors: 0, keptUnknown: 0 };
    const mismatches: string[] = [];
    for (const t of objects) {
      const f = fns(t);
      const v = fc.sample(arbs.value(t), { numRuns: 1, seed: 7 })[0] as Record<string, unknown>;
      const required = objectMembersOf(t, v).filter((m) => !m.optional);
      const inputs: unknown[] = [Object.create(deepCopy(v))];
      if (required.length) {
        const own = deepCopy(v);
        const name = required[required.length - 1]!.name;
        const proto = { [name]: own[name] };
        delete own[name];
        inputs.push(Object.setPrototypeOf(own, proto));
      }
      for (const x of inputs) {
        try {
          compareAll(t, f, x, 'number', { strict: true }, {}, stats);
        } catch (e) {
          mismatches.push(`${t.name}: ${(e as Error).message.split('\n')[0]}`);
        }
      }
    }
    if (mismatches.length) console.log(`inherited members: ${mismatches.length} mismatches, e.g.\n${mismatches.slice(0, 5).join('\n')}`);
    expect(mismatches).toEqual([]);
    expect(stats.compared).toBeGreaterThan(objects.length);
  }, 120_000);

  it('unions with an unknown branch, kept by lenient input, take the same fallback in every codec', () => {
    const unions = types.filter((t): t is SchemaObjectType => t instanceof SchemaObjectType && t.branches !== null);
    const arbs = new ValueArbitraries(unions, { int64: 'number' });
    let kept = 0;
    for (const t of unions) {
      const f = fns(t);
      const tag = t.branches!.tagMember!.name;
      const withUnknownTag = (extraArb: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> =>
        fc.tuple(arbs.value(t), extraArb, fc.constantFrom(UNKNOWN_ENUM_VALUE, '__proto__', 'constructor')).map(([v, extra, key]) => {
          const o = deepCopy(v) as Record<string, unknown>;
          o[tag] = UNKNOWN_ENUM_VALUE;
          Object.defineProperty(o, key === UNKNOWN_ENUM_VALUE ? 'extra' : key, { value: extra, enumerable: true, writable: true, configurable: true });
          return o;
        });
      fc.assert(
        fc.property(withUnknownTag(garbageArbitrary()), inputOptions, outputOptions, fc.constantFrom('number' as const, 'bigint' as const), (x, io, oo, int64) => {
          const stats: Stats = { compared: 0, errors: 0, keptUnknown: 0 };
          compareAll(t, fns(t, int64), x, int64, io, oo, stats);
          kept += stats.keptUnknown;
        }),
        { numRuns: 6 },
      );
      // With both keep options, the tag survives and so do the other members.
      const v = fc.sample(withUnknownTag(jsonValueArbitrary()), { numRuns: 1, seed: 1 })[0]!;
      const opts = { strict: false, int64: 'number' as const, keepUnknownEnumValues: true, keepUnknownBranches: true };
      const decoded = f.decode(new grt.InputVisitor(opts), v) as Record<string, unknown>;
      expect(decoded[tag], t.name).toBe(UNKNOWN_ENUM_VALUE);
      expect(canon(decoded)).toBe(canon(f.visit(new grt.InputVisitor(opts), null, v)));
    }
    console.log(`unknown union branches: ${unions.length} unions, ${kept} values kept by lenient input and re-encoded`);
    expect(kept).toBeGreaterThan(unions.length);
  }, 120_000);

  it('enum-typed members are checked inline by the codecs, as the walk checks them', () => {
    // Enums have no codec of their own; make sure the test above reached enum members of structs.
    const withEnums = types.filter((t) => t instanceof SchemaObjectType && (t.members ?? []).some((m) => m.type instanceof SchemaEnumType));
    expect(withEnums.length).toBeGreaterThan(100);
    const arbs = new ValueArbitraries(withEnums, { int64: 'number' });
    for (const t of withEnums.slice(0, 60)) {
      const f = fns(t);
      fc.assert(
        fc.property(mutationArbitrary(t, { int64: 'number', strict: false }, arbs), inputOptions, (m, io) => {
          const iv = { ...io, int64: 'number' as const };
          expect(outcome(() => f.decode(new grt.InputVisitor(iv), m.value), true), `${t.name}: ${m.description}`).toBe(
            outcome(() => f.visit(new grt.InputVisitor(iv), null, m.value), true),
          );
        }),
        { numRuns: 5 },
      );
    }
  }, 60_000);
});
