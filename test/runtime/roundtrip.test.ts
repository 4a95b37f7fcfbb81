/**
 * Round trip over every type of the full 10.2.2-backend-transfer schema,
 * with random values built from the model (arbitraries.ts) and the code
 * `qapi-ts generate` writes for it:
 *
 * - a valid value survives output → exact QMP writer → exact QMP reader →
 *   strict input unchanged;
 * - its clone is deep-equal and shares no object with it;
 * - one invalid change anywhere is rejected by strict input with an error
 *   naming the right path, in QEMU's words;
 * - the same under `--int64 bigint` for the migration and block types;
 * - `qapi-ts validate`'s plan tables (built in memory, linked by the
 *   runtime) agree with the generated ones (printed as TypeScript, read
 *   back by the compiler).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { SchemaAlternateType, SchemaArrayType, SchemaBuiltinType, SchemaEnumType, SchemaObjectType, type SchemaType } from '../../generator/model/entities.js';
import { loadSchema, type QapiSchema } from '../../generator/model/schema.js';
import { planSchema, type SchemaPlans } from '../../generator/plan/plans.js';
import { linkSchema } from '../../generator/validate/validate.js';
import { visitorName } from '../../templates/runtime/plans.js';
import * as rt from '../../templates/runtime/index.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { type ArbOptions, ValueArbitraries, mutationArbitrary, show } from './arbitraries.js';

const SCHEMA_REL = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';
/** fast-check runs per type (the schema has ~1,500 types). */
const RUNS = 12;
const MUTATION_RUNS = 12;
/** Modules whose types are also round-tripped under `--int64 bigint`. */
const BIGINT_MODULES = /(^|\/)(migration|block|block-core|block-export)\.json$/;

type Runtime = typeof rt;
type Generated = Record<string, unknown> & { int64Mode: string };

interface Gen {
  g: Generated;
  rt: Runtime;
  plans: SchemaPlans;
  int64: 'number' | 'bigint';
}

/** Every type with a visit function of its own: objects, enums, arrays, alternates (not q_empty). */
function typesOf(schema: QapiSchema): SchemaType[] {
  return schema.definitions.filter(
    (d): d is SchemaType =>
      (d instanceof SchemaObjectType || d instanceof SchemaEnumType || d instanceof SchemaArrayType || d instanceof SchemaAlternateType) && d.name !== 'q_empty',
  );
}

/** Every object and array reachable from `x` (not inside primitives). */
function objectsOf(x: unknown, into = new Set<object>()): Set<object> {
  if (typeof x === 'object' && x !== null && !into.has(x)) {
    into.add(x);
    for (const v of Object.values(x)) objectsOf(v, into);
  }
  return into;
}

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describeFixture(SCHEMA_REL, 'round trip over every type of the 10.2.2-backend-transfer schema', () => {
  let schema: QapiSchema;
  let types: SchemaType[];
  let dir: string;
  let num: Gen;
  let big: Gen;

  beforeAll(async () => {
    const file = sharedPath(SCHEMA_REL);
    schema = loadSchema(file, { lenientDocs: true });
    types = typesOf(schema);
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, 'tmp', 'roundtrip-'));
    const load = async (int64: 'number' | 'bigint'): Promise<Gen> => {
      const out = join(dir, int64);
      await generate({ schema: file, out, lenientDocs: true, int64 });
      const g = { ...(await import(join(out, 'index.ts'))), ...(await import(join(out, 'schema.ts'))) } as Generated;
      const grt = (await import(join(out, 'runtime', 'index.ts'))) as Runtime;
      return { g, rt: grt, plans: planSchema(schema), int64 };
    };
    num = await load('number');
    big = await load('bigint');
  }, 900_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A named type's exported visitFoo; a list type's walk, which is not exported, from the linked schema. */
  function visitFn(gen: Gen, t: SchemaType): rt.VisitFn {
    const tsName = gen.plans.names.of(t);
    if (t instanceof SchemaArrayType) return (gen.g['qapiSchema'] as rt.PlanSchema).visitFn(tsName);
    const name = visitorName(tsName);
    const fn = gen.g[name];
    if (typeof fn !== 'function') throw new Error(`generated code has no ${name} for ${t.describe()}`);
    return fn as rt.VisitFn;
  }

  /** valid value → encode → write → read → strict decode equals it; clone equals it and shares nothing. */
  function roundTrip(gen: Gen, subset: SchemaType[]): number {
    const opts: ArbOptions = { int64: gen.int64 };
    const arbs = new ValueArbitraries(subset, opts);
    const input = new gen.rt.InputVisitor({ strict: true, int64: gen.int64 });
    const output = new gen.rt.OutputVisitor({ int64: gen.int64 });
    let values = 0;
    for (const t of subset) {
      const visit = visitFn(gen, t);
      fc.assert(
        fc.property(arbs.value(t), (v) => {
          values++;
          const json = visit(output, null, v);
          const text = gen.rt.stringifyQmpJson(json as rt.JsonValue);
          const back = visit(input, null, gen.rt.parseQmpJson(text));
          expect(back, `${t.name}: ${text}`).toEqual(v);

          const copy = gen.rt.cloneValue(visit, v);
          expect(copy, `${t.name} clone`).toEqual(v);
          const source = objectsOf(v);
          for (const o of objectsOf(copy)) expect(source.has(o), `${t.name}: clone shares ${show(o)}`).toBe(false);
        }),
        { numRuns: RUNS },
      );
    }
    return values;
  }

  it('covers every object, enum, array and alternate type', () => {
    const counts = { struct: 0, union: 0, enum: 0, array: 0, alternate: 0 };
    for (const t of types) counts[t.meta as keyof typeof counts]++;
    console.log(`round trip: ${types.length} types (${Object.entries(counts).map(([k, n]) => `${n} ${k}`).join(', ')})`);
    expect(counts.struct).toBeGreaterThan(300);
    expect(counts.union).toBeGreaterThan(10);
    expect(counts.alternate).toBeGreaterThanOrEqual(5);
    expect(counts.enum).toBeGreaterThan(100);
    expect(counts.array).toBeGreaterThan(100);
    // Every named one has a generated visit function (list types have none of their own).
    for (const t of types) if (!(t instanceof SchemaArrayType)) expect(typeof num.g[visitorName(num.plans.names.of(t))], t.name).toBe('function');
  });

  it('the arbitraries reach deep, varied values: recursion, optional members both ways, every union branch', () => {
    const arbs = new ValueArbitraries(types, { int64: 'number' });
    const depth = (x: unknown): number =>
      typeof x === 'object' && x !== null ? 1 + Math.max(0, ...Object.values(x).map(depth)) : 0;
    // Recursive block types nest (BlockdevOptions → BlockdevRef → BlockdevOptions …) yet end.
    const bo = schema.lookupType('BlockdevOptions')!;
    const samples = fc.sample(arbs.value(bo), { numRuns: 200, seed: 3 });
    expect(Math.max(...samples.map(depth))).toBeGreaterThanOrEqual(4);
    // Every branch of a union is generated, implicit empty ones included.
    const union = bo as SchemaObjectType;
    const tags = new Set(samples.map((s) => (s as Record<string, unknown>)[union.branches!.tagMember!.name]));
    expect(tags.size).toBeGreaterThan(union.branches!.variants.length / 2);
    // Optional members are sometimes present, sometimes absent.
    const mp = schema.lookupType('MigrationParameters') as SchemaObjectType;
    const sizes = new Set(fc.sample(arbs.value(mp), { numRuns: 30, seed: 5 }).map((s) => Object.keys(s as object).length));
    expect(sizes.size).toBeGreaterThan(3);
  });

  it('random valid values survive output → strict input unchanged, and clone deeply (--int64 number)', () => {
    const n = roundTrip(num, types);
    console.log(`round trip (--int64 number): ${types.length} types, ${n} values`);
    expect(n).toBeGreaterThanOrEqual(types.length);
  }, 900_000);

  it('the same under --int64 bigint for the migration and block types', () => {
    const subset = types.filter((t) => t.module !== null && BIGINT_MODULES.test(t.module.name));
    expect(big.g.int64Mode).toBe('bigint');
    expect(subset.length).toBeGreaterThan(200);
    // 64-bit integers really are bigints here.
    const mp = schema.lookupType('MigrationParameters') as SchemaObjectType;
    expect(mp.members!.some((m) => m.type instanceof SchemaBuiltinType && m.type.name === 'uint64')).toBe(true);
    const n = roundTrip(big, subset);
    console.log(`round trip (--int64 bigint): ${subset.length} types, ${n} values`);
  }, 900_000);

  it('one invalid change anywhere is rejected by strict input, naming the path in QEMU words', () => {
    const kinds = new Map<string, number>();
    for (const gen of [num, big]) {
      const subset = gen === num ? types : types.filter((t) => t.module !== null && BIGINT_MODULES.test(t.module.name));
      const opts: ArbOptions = { int64: gen.int64 };
      const arbs = new ValueArbitraries(subset, opts);
      const input = new gen.rt.InputVisitor({ strict: true, int64: gen.int64 });
      for (const t of subset) {
        const visit = visitFn(gen, t);
        fc.assert(
          fc.property(mutationArbitrary(t, { ...opts, strict: true }, arbs), (m) => {
            const e = thrownBy(() => visit(input, null, m.value));
            const what = `${t.name} (--int64 ${gen.int64}): ${m.description}`;
            expect(e, what).toBeInstanceOf(gen.rt.QapiValueError);
            const err = e as rt.QapiValueError;
            expect({ path: err.path, message: err.message, code: err.code }, what).toEqual({ path: m.path, message: m.message, code: m.kind === 'alternate' ? 'alternate' : m.kind });
            kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
          }),
          { numRuns: t instanceof SchemaEnumType ? 3 : MUTATION_RUNS },
        );
      }
    }
    console.log(`mutations rejected: ${[...kinds].map(([k, n]) => `${n} ${k}`).join(', ')}`);
    for (const k of ['missing', 'unexpected', 'type', 'range', 'inexact', 'enum', 'alternate']) expect(kinds.get(k) ?? 0, k).toBeGreaterThan(0);
  }, 900_000);

  it("qapi-ts validate's plan tables agree with the generated code", () => {
    const linked = linkSchema(schema, 'number');
    // A sample: every 7th type, plus the recursive block types.
    const sample = types.filter((t, i) => i % 7 === 0 || /^Blockdev(Options|Ref)/.test(t.name));
    const arbs = new ValueArbitraries(sample, { int64: 'number' });
    const input = new rt.InputVisitor({ strict: true, int64: 'number' });
    const ginput = new num.rt.InputVisitor({ strict: true, int64: 'number' });
    const output = new rt.OutputVisitor();
    const outcome = (f: () => unknown): string => {
      try {
        return `ok ${rt.stringifyQmpJson(f() as rt.JsonValue)}`;
      } catch (e) {
        return `error ${(e as Error).message}`;
      }
    };
    let compared = 0;
    for (const t of sample) {
      const model = linked.visitFn(num.plans.names.of(t));
      const generated = visitFn(num, t);
      fc.assert(
        fc.property(fc.oneof(arbs.value(t), mutationArbitrary(t, { int64: 'number', strict: true }, arbs).map((m) => m.value)), (x) => {
          compared++;
          expect(outcome(() => model(input, null, x)), t.name).toBe(outcome(() => generated(ginput, null, x)));
          expect(outcome(() => model(output, null, x)), t.name).toBe(outcome(() => generated(output, null, x)));
        }),
        { numRuns: 6 },
      );
    }
    console.log(`validate's tables vs generated: ${sample.length} types, ${compared} values`);
    expect(sample.length).toBeGreaterThan(150);
  }, 900_000);
});
