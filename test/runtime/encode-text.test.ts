/**
 * encodeText's fast path: when the strict check says the output walk would
 * give a value back as it is, the value is written as it is. Held to the
 * output walk then the exact writer, over every type of the
 * 10.2.2-backend-transfer schema, both `--int64` modes: the same JSON
 * (key order aside: a QMP object is unordered, and the fast path keeps the
 * sender's), or the same error.
 */
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { SchemaAlternateType, SchemaArrayType, SchemaEnumType, SchemaObjectType, type SchemaType } from '../../generator/model/entities.js';
import { loadSchema, type QapiSchema } from '../../generator/model/schema.js';
import { planSchema, isEmptyPlaceholder, type SchemaPlans } from '../../generator/plan/plans.js';
import { linkSchema } from '../../generator/validate/validate.js';
import { parseQmpJson, stringifyQmpJson, type JsonValue } from '../../templates/runtime/json.js';
import { OutputVisitor } from '../../templates/runtime/output-visitor.js';
import type { PlanSchema } from '../../templates/runtime/plans.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { ValueArbitraries, mutationArbitrary } from './arbitraries.js';

const SCHEMA_REL = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';

/** JSON with every object's keys sorted: equal for equal values, whatever the key order. */
function sorted(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(sorted);
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const k of Object.keys(x).sort()) out[k] = sorted((x as Record<string, unknown>)[k]);
    return out;
  }
  return x;
}

function outcome(f: () => string): string {
  try {
    return `ok ${stringifyQmpJson(sorted(parseQmpJson(f())) as JsonValue)}`;
  } catch (e) {
    return `error ${(e as Error).message} at ${String((e as { path?: string }).path)}`;
  }
}

describeFixture(SCHEMA_REL, 'encodeText: the fast path writes what the output walk would', () => {
  let schema: QapiSchema;
  let plans: SchemaPlans;
  let types: SchemaType[];

  beforeAll(() => {
    schema = loadSchema(sharedPath(SCHEMA_REL), { lenientDocs: true });
    plans = planSchema(schema);
    types = schema.definitions.filter(
      (d): d is SchemaType =>
        (d instanceof SchemaObjectType || d instanceof SchemaEnumType || d instanceof SchemaArrayType || d instanceof SchemaAlternateType) &&
        !isEmptyPlaceholder(d as SchemaType),
    );
  }, 900_000);

  for (const int64 of ['number', 'bigint'] as const) {
    it(`valid and invalid values, every type (--int64 ${int64})`, () => {
      const linked: PlanSchema = linkSchema(schema, int64);
      const arbs = new ValueArbitraries(types, { int64 });
      let fast = 0;
      let compared = 0;
      for (const t of types) {
        const name = plans.names.of(t);
        const walk = linked.visitFn(name);
        const reference = (x: unknown): string => {
          const c = new OutputVisitor({ int64 });
          return stringifyQmpJson(walk(c, null, x) as JsonValue);
        };
        const check = linked.checkFn(name);
        fc.assert(
          fc.property(fc.oneof(arbs.value(t), mutationArbitrary(t, { int64, strict: true }, arbs).map((m) => m.value)), (x) => {
            compared++;
            if (check(x, true)) fast++;
            expect(outcome(() => linked.encodeText(name, x)), `${t.name}`).toBe(outcome(() => reference(x)));
          }),
          { numRuns: 4 },
        );
      }
      console.log(`encodeText (--int64 ${int64}): ${types.length} types, ${compared} values, ${fast} on the fast path`);
      // The fast path is really taken, and not always.
      expect(fast).toBeGreaterThan(compared / 5);
      expect(fast).toBeLessThan(compared);
    }, 900_000);
  }
});
