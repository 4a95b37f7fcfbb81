/**
 * Introspection data against QEMU's own generator (the oracle): for each of
 * the 12 real entry points, and a synthetic schema with nested conditions
 * at every level, buildIntrospection's tree equals the one read back from
 * the qapi-introspect.c QEMU 10.2.2's generator makes, value for value, in
 * order, key order included, with the same conditions (as C text, and
 * parsed back). Where the C preprocessor is installed, the conditions are
 * also evaluated both ways: evaluateIntrospection against `cpp -D…` of the
 * C file.
 *
 * QEMU 10.2.2's generator rejects the 7.2.0 and 10.0.13 schemas for their
 * doc comments alone (line length, sentence spacing, old 'Note:' sections,
 * undocumented members: see test/frontend/real-schemas.test.ts); the
 * oracle's driver relaxes those rules for them, as qapi-ts's
 * --lenient-docs does. Doc comments have no bearing on introspection, and
 * everything else is compared in full.
 *
 * The oracle runs (one Python process per schema and mode) start together
 * in beforeAll, two at a time, and each test waits for its own.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildIntrospection } from '../../generator/emit/introspect.js';
import { loadSchema, type QapiSchema } from '../../generator/model/schema.js';
import {
  evaluateIntrospection,
  introspectionSymbols,
  type Annotated,
  type AnnotatedValue,
  type IfCondition,
  type IntrospectionTree,
} from '../../templates/runtime/introspect.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { TempSchemaDir } from '../helpers/schema.js';
import { conditionToC, cShape, mapConditions, oraclePool, parsedConditions, parseQlit, type OracleRun } from './qlit.js';
import { SYNTHETIC_FILES } from './synthetic-schema.js';

const VERSIONS = ['10.2.2', '10.2.2-backend-transfer', '10.0.13', '7.2.0'];
const ENTRIES = ['qapi/qapi-schema.json', 'qga/qapi-schema.json', 'storage-daemon/qapi/qapi-schema.json'];
const GENERATOR = 'qemu-generator/scripts/qapi-gen.py';

interface Case {
  name: string;
  schema: string;
  lenientDocs: boolean;
  unmask: boolean;
}

const realCases: Case[] = VERSIONS.flatMap((v) =>
  ENTRIES.map((e) => ({ name: `qemu/${v}/${e}`, schema: sharedPath(`qemu/${v}/${e}`), lenientDocs: !v.startsWith('10.2'), unmask: false })),
);
// Unmasked names (qapi-gen.py -u) on one real schema.
realCases.push({ ...realCases[1]!, name: `${realCases[1]!.name} (unmasked)`, unmask: true });

/** The first place two JSON-like values differ (key order included), or null. */
function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  const show = (v: unknown): string => {
    const s = JSON.stringify(v);
    return s === undefined ? 'undefined' : s.length > 300 ? `${s.slice(0, 300)}…` : s;
  };
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) {
    return `${path}: qapi-ts ${show(a)}, QEMU ${show(b)}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const name = (a[i] as { value?: { name?: unknown } } | null)?.value?.name;
      const d = firstDifference(a[i], b[i], `${path}[${i}]${typeof name === 'string' ? `(${name})` : ''}`);
      if (d !== null) return d;
    }
    return a.length === b.length ? null : `${path}: qapi-ts has ${a.length} items, QEMU ${b.length}; next: ${show(a[b.length] ?? b[a.length])}`;
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.join('\0') !== kb.join('\0')) return `${path}: qapi-ts keys ${show(ka)}, QEMU keys ${show(kb)}`;
  for (const k of ka) {
    const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (d !== null) return d;
  }
  return null;
}

/** How many list items carry a condition. */
function countConditions(tree: readonly Annotated<AnnotatedValue>[]): number {
  let n = 0;
  const walk = (v: AnnotatedValue): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const item of v as readonly Annotated<AnnotatedValue>[]) {
        if (item.if !== undefined) n++;
        walk(item.value);
      }
    } else for (const x of Object.values(v)) walk(x);
  };
  walk(tree as AnnotatedValue);
  return n;
}

const cpp = spawnSync('cpp', ['--version'], { encoding: 'utf8' }).status === 0 ? 'cpp' : null;

/** QEMU's data for a build defining exactly `symbols`: the C file through the C preprocessor, read back. */
function preprocessed(c: string, symbols: readonly string[]): unknown {
  const source = c.replace(/^#include .*$/gm, '');
  const out = execFileSync(cpp!, ['-P', '-undef', '-nostdinc', ...symbols.map((s) => `-D${s}`), '-'], { input: source, encoding: 'utf8', maxBuffer: 64 << 20 });
  return evaluateIntrospection(parseQlit(out), new Set());
}

/** Checks the tree against the oracle's C text: the values and order exactly, and the conditions in both forms. */
function compareWithOracle(mine: IntrospectionTree, c: string): void {
  const theirs = parseQlit(c);
  expect(theirs.length).toBeGreaterThan(0);
  // Conditions as QEMU prints them.
  expect(firstDifference(mapConditions<IfCondition, string>(mine, conditionToC), theirs)).toBeNull();
  // Conditions parsed back from the C text.
  expect(firstDifference(mapConditions<IfCondition, IfCondition>(mine, cShape), parsedConditions(theirs))).toBeNull();
}

describeFixture(
  [GENERATOR, ...realCases.map((c) => c.name.replace(/ \(unmasked\)$/, ''))],
  "introspection data equals QEMU's qapi-introspect.c",
  () => {
    const synthetic = new TempSchemaDir();
    synthetic.write(SYNTHETIC_FILES);
    const syntheticCases: Case[] = [
      { name: 'synthetic schema', schema: synthetic.path('synthetic.json'), lenientDocs: false, unmask: false },
      { name: 'synthetic schema (unmasked)', schema: synthetic.path('synthetic.json'), lenientDocs: false, unmask: true },
    ];
    const cases = [...syntheticCases, ...realCases];
    const oracle = new Map<Case, Promise<string>>();
    const schemas = new Map<string, QapiSchema>();
    const schemaOf = (c: Case): QapiSchema => {
      let s = schemas.get(c.schema);
      if (!s) {
        s = loadSchema(c.schema, { lenientDocs: c.lenientDocs, warn: () => {} });
        schemas.set(c.schema, s);
      }
      return s;
    };
    // The driver against qapi-gen.py itself, on the guest agent (the cheapest): the same C text but the first line.
    const qga = realCases[1]!;
    let viaQapiGen: Promise<string> | null = null;
    beforeAll(() => {
      const runs: OracleRun[] = cases.map((c) => ({ schema: c.schema, unmask: c.unmask, lenientDocs: c.lenientDocs }));
      oraclePool([...runs, { schema: qga.schema, qapiGen: true }]).forEach((p, i) => (i < cases.length ? oracle.set(cases[i]!, p) : (viaQapiGen = p)));
    });
    afterAll(() => synthetic.cleanup());

    for (const c of cases) {
      it(`${c.name}: the same SchemaInfo list, in order, with the same conditions`, async () => {
        const mine = buildIntrospection(schemaOf(c), { unmask: c.unmask });
        compareWithOracle(mine, await oracle.get(c)!);
        if (!c.unmask) {
          // Masked: every type name is a number, numbered in order of first use.
          const typeNames = mine.map((t) => t.value).filter((v) => !['command', 'event', 'builtin', 'array'].includes(v['meta-type'] as string));
          expect(typeNames.map((v) => v['name'])).toEqual(typeNames.map((_, i) => String(i)));
        }
      }, 900_000);
    }

    it(`the oracle's driver makes what qapi-gen.py makes (${qga.name})`, async () => {
      const [driver, whole] = await Promise.all([oracle.get(qga)!, viaQapiGen!]);
      const body = (c: string): string => c.slice(c.indexOf('\n'));
      expect(whole.split('\n', 1)[0]).toBe('/* AUTOMATICALLY GENERATED by qapi-gen.py DO NOT MODIFY */');
      expect(body(driver)).toBe(body(whole));
    }, 900_000);

    it('the synthetic schema has a condition at every level QEMU keeps one', () => {
      const tree = buildIntrospection(schemaOf(syntheticCases[0]!));
      const conditioned = new Set<string>();
      const walk = (v: AnnotatedValue, where: string): void => {
        if (v === null || typeof v !== 'object') return;
        if (Array.isArray(v)) {
          for (const item of v as readonly Annotated<AnnotatedValue>[]) {
            if (item.if !== undefined) conditioned.add(where);
            walk(item.value, where);
          }
        } else for (const [k, x] of Object.entries(v)) walk(x, `${(v as Record<string, AnnotatedValue>)['meta-type'] ?? where}.${k}`);
      };
      for (const t of tree) {
        if (t.if !== undefined) conditioned.add(`entity ${t.value['meta-type'] as string}`);
        walk(t.value, '');
      }
      expect([...conditioned].sort()).toEqual(
        [
          'alternate.features',
          'alternate.members',
          'command.features',
          'entity alternate',
          'entity array',
          'entity command',
          'entity enum',
          'entity event',
          'entity object',
          'enum.members',
          'enum.values',
          'enum.members.features',
          'object.members',
          'object.members.features',
          'object.variants',
          'enum.features',
        ].sort(),
      );
      expect(countConditions(tree)).toBeGreaterThan(30);
    });

    it('the comparison notices a changed condition, value, key order or item', async () => {
      const c = await oracle.get(syntheticCases[0]!)!;
      const mine = buildIntrospection(schemaOf(syntheticCases[0]!));
      compareWithOracle(mine, c);
      const at = mine.findIndex((t) => t.if !== undefined);
      const edits: ((t: Annotated<Record<string, AnnotatedValue>>[]) => void)[] = [
        (t) => (t[at] = { value: t[at]!.value }),
        (t) => (t[at] = { ...t[at]!, if: { not: t[at]!.if! } }),
        (t) => (t[at] = { ...t[at]!, if: { any: [t[at]!.if!, 'EXTRA'] } }),
        (t) => (t[at] = { ...t[at]!, value: { ...t[at]!.value, name: 'other' } }),
        (t) => (t[at] = { ...t[at]!, value: Object.fromEntries(Object.entries(t[at]!.value).reverse()) }),
        (t) => t.splice(at, 1),
        (t) => t.reverse(),
      ];
      for (const edit of edits) {
        const copy = mine.map((x) => ({ ...x })) as Annotated<Record<string, AnnotatedValue>>[];
        edit(copy);
        expect(() => compareWithOracle(copy, c), String(edit)).toThrow();
      }
    });

    describe.skipIf(cpp === null)('conditions evaluated: evaluateIntrospection equals the C preprocessor on the C file (skipped without cpp)', () => {
      const syntheticSets: string[][] = [
        [],
        ['CONFIG_A', 'CONFIG_B', 'CONFIG_C', 'CONFIG_D', 'CONFIG_F', 'CONFIG_NUM', 'CONFIG_S', 'CONFIG_U', 'CONFIG_UNSTABLE', 'CONFIG_STR', 'CONFIG_ONE', 'HAVE_GREEN', 'P', 'Q', 'A', 'B', 'C', 'X', 'Y'],
        ['CONFIG_A', 'CONFIG_Y', 'NO_BLUE', 'CONFIG_NOALT', 'C', 'P', 'CONFIG_FA'],
        ['CONFIG_D', 'CONFIG_C', 'CONFIG_Y', 'CONFIG_Z', 'A', 'B', 'Q', 'Y'],
      ];
      it('synthetic schema: every symbol set listed, and 40 random ones', async () => {
        const c = await oracle.get(syntheticCases[0]!)!;
        const tree = buildIntrospection(schemaOf(syntheticCases[0]!));
        const symbols = introspectionSymbols(tree);
        expect(symbols).toContain('CONFIG_NOALT');
        // A fixed pseudo-random sequence: the same sets on every run.
        let seed = 12345;
        const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const sets = [...syntheticSets, ...Array.from({ length: 40 }, () => symbols.filter(() => random() < 0.5))];
        for (const set of sets) {
          expect(firstDifference(evaluateIntrospection(tree, new Set(set)), preprocessed(c, set)), `symbols: ${set.join(' ')}`).toBeNull();
        }
      }, 900_000);

      const builds: { name: string; case: Case; symbols: string[] }[] = [
        {
          name: 'QEMU 10.2.2 QMP, an x86_64 Linux build',
          case: realCases[0]!,
          symbols: ['CONFIG_LINUX', 'CONFIG_POSIX', 'TARGET_I386', 'CONFIG_KVM', 'CONFIG_VNC', 'CONFIG_SPICE', 'CONFIG_TPM', 'CONFIG_REPLICATION', 'HAVE_HOST_BLOCK_DEVICE', 'CONFIG_SLIRP'],
        },
        { name: 'QEMU 10.2.2 guest agent, a Windows build', case: realCases[1]!, symbols: ['CONFIG_WIN32'] },
        { name: 'QEMU 7.2.0 QMP, nothing defined', case: realCases.find((c) => c.name === 'qemu/7.2.0/qapi/qapi-schema.json')!, symbols: [] },
      ];
      for (const b of builds) {
        it(b.name, async () => {
          const c = await oracle.get(b.case)!;
          const tree = buildIntrospection(schemaOf(b.case));
          const served = evaluateIntrospection(tree, new Set(b.symbols));
          expect(served.length).toBeLessThan(tree.length);
          expect(firstDifference(served, preprocessed(c, b.symbols))).toBeNull();
        }, 900_000);
      }
    });
  },
);
