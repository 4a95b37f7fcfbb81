/**
 * The fast walks against the generic walk, two ways, over every type of the
 * full 10.2.2-backend-transfer schema:
 *
 * (a) the interpreter's fast closures (`PlanSchema.decodeFn`, `encodeFn`,
 *     `cloneFn`, templates/runtime/plans.ts) give exactly the results and
 *     errors of its generic walk (`PlanSchema.visitFn` with the same stock
 *     InputVisitor, OutputVisitor or cloneVisitor);
 * (b) the generated `--codecs` output (`decodeFoo`, `encodeFoo`,
 *     `cloneFoo` in `X.codec.ts`, which the generated index.ts hands to
 *     linkPlans) gives exactly the interpreter's results and errors,
 *     including whether decode gave back its input (the fast check said
 *     yes) and whether encode may have made a bigint.
 *
 * Exactly: same keys (in the same order, but where a fast path may keep
 * the sender's: see compareAll), same scalars, bigint vs number, -0, same
 * prototypes; errors of the same class, message and path. Inputs: valid values, values
 * with one invalid change, values scrambled anywhere, garbage; every member
 * deleted, undefined, wrong; members inherited instead of own; unions with
 * unknown branches; under strict and lenient input, kept unknown enum
 * values and branches, input and output compat policies, both `--int64`
 * modes. A small schema of its own adds members named as Object.prototype's
 * properties (`constructor`, `toString`, …), which QEMU's schema lacks.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { emitCodecs, hasCodec } from '../../generator/emit/codec.js';
import { fileText, generateFiles } from '../../generator/emit/generate.js';
import { tableOf } from '../../generator/emit/plan-table.js';
import { SchemaObjectType, type SchemaType } from '../../generator/model/entities.js';
import { loadSchema } from '../../generator/model/schema.js';
import { planSchema, type TypePlan } from '../../generator/plan/plans.js';
import * as sourceRuntime from '../../templates/runtime/index.js';
import type * as rt from '../../templates/runtime/index.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { UNKNOWN_ENUM_VALUE, ValueArbitraries, deepCopy, garbageArbitrary, jsonValueArbitrary, mutationArbitrary, objectMembersOf, scrambleArbitrary, show } from './arbitraries.js';

const SCHEMA_REL = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';
const MODES = ['number', 'bigint'] as const;
type Mode = (typeof MODES)[number];
type Runtime = typeof rt;

// ---------------------------------------------------------------------------
// Outcomes, rendered so that any difference shows.
// ---------------------------------------------------------------------------

/**
 * A result, rendered: key order, -0, bigint, holes, prototypes. `anyOrder`
 * sorts keys: the fast decode may return its input, whose keys are in the
 * sender's order, where the walk builds them in the type's.
 */
function canon(x: unknown, anyOrder = false): string {
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
  return `${tag}{${keys.map((k) => `${JSON.stringify(k)}:${canon(o[k], anyOrder)}`).join(',')}}`;
}

type Result = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

/** Runs a walk; its errors are compared by class, message and path, so they capture no stack (most of the time otherwise). */
function run(f: () => unknown): Result {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof Error) {
      const path = 'path' in e ? ` @${String((e as { path: unknown }).path)}` : '';
      return { ok: false, error: `error ${e.constructor.name}${path}: ${e.message}` };
    }
    // A codec's private signal (FALLBACK, GIVE_UP) that got out would show here.
    return { ok: false, error: `thrown ${typeof e === 'symbol' ? e.toString() : canon(e)}` };
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A result or error as text; `anyOrder` where a decode may have given back its input. */
function render(r: Result, anyOrder = false): string {
  return r.ok ? `ok ${canon(r.value, anyOrder)}` : r.error;
}

// ---------------------------------------------------------------------------
// Options.
// ---------------------------------------------------------------------------

type InOpts = Omit<rt.InputVisitorOptions, 'int64'>;
type OutOpts = Omit<rt.OutputVisitorOptions, 'int64'>;

const COMPAT_IN: rt.CompatPolicy[] = [
  {},
  { unstableInput: 'reject', deprecatedInput: 'reject' },
  { deprecatedInput: 'reject' },
  { unstableInput: 'crash' },
  { deprecatedInput: 'crash', unstableInput: 'reject' },
];
const COMPAT_OUT: rt.CompatPolicy[] = [{}, { deprecatedOutput: 'hide' }, { unstableOutput: 'hide' }, { deprecatedOutput: 'hide', unstableOutput: 'hide' }];

const inputOptions: fc.Arbitrary<InOpts> = fc.record({
  strict: fc.boolean(),
  keepUnknownEnumValues: fc.boolean(),
  keepUnknownBranches: fc.boolean(),
  compat: fc.constantFrom(...COMPAT_IN),
});
const outputOptions: fc.Arbitrary<OutOpts> = fc.record({
  keepUnknownEnumValues: fc.boolean(),
  keepUnknownBranches: fc.boolean(),
  compat: fc.constantFrom(...COMPAT_OUT),
});

const IN_COMBOS: InOpts[] = [];
for (const strict of [true, false])
  for (const keepUnknownEnumValues of [false, true])
    for (const keepUnknownBranches of [false, true]) for (const compat of COMPAT_IN) IN_COMBOS.push({ strict, keepUnknownEnumValues, keepUnknownBranches, compat });
const OUT_COMBOS: OutOpts[] = [];
for (const keepUnknownEnumValues of [false, true])
  for (const keepUnknownBranches of [false, true]) for (const compat of COMPAT_OUT) OUT_COMBOS.push({ keepUnknownEnumValues, keepUnknownBranches, compat });

// ---------------------------------------------------------------------------
// The three implementations of each walk.
// ---------------------------------------------------------------------------

/** One linked schema with the runtime it runs on. */
interface Side {
  readonly rt: Runtime;
  readonly schema: rt.PlanSchema;
}

/** A type under test: its plan, its model (for the arbitraries), whether it has generated codecs. */
interface Subject {
  readonly plan: TypePlan;
  readonly type: SchemaType;
  readonly name: string;
  readonly codec: boolean;
  /** Whether its values can hold a 64-bit integer (`int64`, `uint64`, `size`): only then do the int64 modes walk it differently. */
  readonly wide: boolean;
}

/** A schema, linked twice per int64 mode: the interpreter alone (source runtime), and the generated output with its codecs. */
interface World {
  readonly subjects: readonly Subject[];
  /** The interpreter over templates/runtime, linked from the plan tables as `validate` links them. */
  readonly src: Record<Mode, Side>;
  /** The generated output (its own copy of the runtime), its qapiSchema linked with the codecs. */
  readonly gen: Record<Mode, Side & { readonly codecs: { readonly [name: string]: rt.CodecEntry } }>;
  /** Valid values of every type, per int64 mode (memoized arbitraries, shared by the tests). */
  readonly arbs: Record<Mode, ValueArbitraries>;
}

/**
 * Node's own loader (require of an ES module, synchronous since Node
 * 20.19): the generated output is loaded as the JavaScript tsc makes of
 * it, not through vitest's transform, which would take most of the time.
 */
const nativeRequire = createRequire(import.meta.url);

/**
 * Generates `schemaFile` with `--codecs` into `dir`, once per int64 mode,
 * compiles it with tsc (no type check: the type-check tests do that) and
 * loads it. The files are written as emitted, unformatted: the write
 * stage's prettier pass changes layout only, and would take most of the
 * time.
 */
async function loadWorld(schemaFile: string, dir: string): Promise<World> {
  const schema = loadSchema(schemaFile, { lenientDocs: true });
  const plans = planSchema(schema);
  const wide = new Map<string, boolean>();
  const reachesWide = (name: string): boolean => {
    const known = wide.get(name);
    if (known !== undefined) return known;
    wide.set(name, false); // a type that contains itself adds nothing the first visit doesn't find
    const p = plans.types.get(name)!;
    const parts =
      p.kind === 'list' ? [p.element] : p.kind === 'object' ? [...p.members.map((m) => m.type), ...(p.union?.branches ?? []).flatMap((b) => (b.type === null ? [] : [b.type]))] : p.kind === 'alternate' ? p.alternatives.map((a) => a.type) : [];
    const r = (p.kind === 'int' && p.wide) || parts.some(reachesWide);
    wide.set(name, r);
    return r;
  };
  const subjects: Subject[] = [...plans.types.values()].map((plan) => {
    const type = schema.lookupType(plan.qapiName);
    if (type === null) throw new Error(`no model type for ${plan.qapiName}`);
    return { plan, type, name: plan.tsName, codec: hasCodec(plan), wide: reachesWide(plan.tsName) };
  });
  const tables = plans.modules.map((m) => tableOf(m));
  // Only the codec files and index.ts differ between the modes as JavaScript: the types files'
  // values (plan tables, visit functions, enum objects) and the runtime do not depend on --int64.
  const perMode = (path: string): boolean => path.endsWith('.codec.ts') || path === 'index.ts' || path === 'schema.ts';
  const shared: string[] = [];
  for (const mode of MODES) {
    for (const f of generateFiles(schema, { int64: mode, codecs: true }, join(REPO_ROOT, 'templates', 'runtime'))) {
      const ts = f.path.endsWith('.ts');
      if (mode !== 'number' && ts && !perMode(f.path)) {
        shared.push(f.path);
        continue;
      }
      // The text as the write stage puts it together, before prettier.
      const text = await fileText(f);
      // package.json ("type": "module") goes beside the sources, for tsc, and beside the JavaScript, for Node.
      for (const tree of ts ? ['ts'] : ['ts', 'js']) {
        const file = join(dir, tree, mode, f.path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, text);
      }
    }
  }
  const tsconfig = join(dir, 'tsconfig.json');
  const compilerOptions = { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', noCheck: true, rootDir: 'ts', outDir: 'js', types: [] };
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions, include: ['ts/**/*.ts'] }));
  try {
    execFileSync(join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ['-p', tsconfig], { encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`tsc failed on the generated output: ${(e.stdout ?? '') + (e.stderr ?? '') || e.message}`);
  }
  const js = (mode: Mode, path: string): string => join(dir, 'js', mode, path.replace(/\.ts$/, '.js'));
  for (const path of shared) {
    mkdirSync(dirname(js('bigint', path)), { recursive: true });
    copyFileSync(js('number', path), js('bigint', path));
  }
  const src = {} as Record<Mode, Side>;
  const gen = {} as World['gen'];
  for (const mode of MODES) {
    src[mode] = { rt: sourceRuntime, schema: sourceRuntime.linkPlans(tables.map((t) => sourceRuntime.definePlans(t)), { int64: mode }) };
    const load = (path: string): unknown => nativeRequire(js(mode, path));
    const index = load('schema.ts') as { qapiSchema: rt.PlanSchema };
    const runtime = load('runtime/index.ts') as Runtime;
    const codecs: { [name: string]: rt.CodecEntry } = {};
    for (const c of emitCodecs(plans, mode)) {
      const m = load(c.path) as Record<string, { readonly [name: string]: rt.CodecEntry }>;
      Object.assign(codecs, m[c.mapName]);
    }
    gen[mode] = { rt: runtime, schema: index.qapiSchema, codecs };
  }
  const arbs = { number: new ValueArbitraries(subjects.map((s) => s.type), { int64: 'number' }), bigint: new ValueArbitraries(subjects.map((s) => s.type), { int64: 'bigint' }) };
  return { subjects, src, gen, arbs };
}

interface Stats {
  compared: number;
  errors: number;
  keptUnknown: number;
  /** Inputs the fast decode gave back as they were (its check said yes). */
  same: number;
}

function newStats(): Stats {
  return { compared: 0, errors: 0, keptUnknown: 0, same: 0 };
}

/**
 * Whether two results are exactly the same value (see canon), without
 * rendering them: most of the comparisons agree, and rendering both sides
 * of each would take most of the time.
 */
function equal(a: unknown, b: unknown, anyOrder: boolean): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if ((i in a) !== (i in b) || !equal(a[i], b[i], anyOrder)) return false;
    }
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  if (anyOrder) {
    ka.sort();
    kb.sort();
  }
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k !== kb[i] || !equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], anyOrder)) return false;
  }
  return true;
}

/** An outcome as compared: the result or error, and whether it is the input itself (decode's fast path). */
interface Outcome {
  readonly r: Result;
  readonly same: boolean;
  /** A codec's decode under `--int64 bigint` whose result has the sender's key order: a widening copy (spread). */
  readonly sendersOrder?: boolean;
}

/** Whether `a` has `b`'s keys in `b`'s order, in every object the two share a place in. */
function sendersKeyOrder(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.every((v, i) => sendersKeyOrder(v, (b as unknown[])[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sendersKeyOrder((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function sameOutcome(a: Outcome, b: Outcome, anyOrder: boolean): boolean {
  if (a.r.ok !== b.r.ok) return false;
  return a.r.ok ? equal(a.r.value, (b.r as { value: unknown }).value, anyOrder) : a.r.error === (b.r as { error: string }).error;
}

function showOutcome(o: Outcome, anyOrder: boolean): string {
  return `${render(o.r, anyOrder)}${o.same ? ' (the input itself)' : ''}`;
}

/** Whether a value holds a bigint anywhere. */
function holdsBigint(v: unknown): boolean {
  if (typeof v === 'bigint') return true;
  if (typeof v !== 'object' || v === null) return false;
  return (Array.isArray(v) ? v : Object.values(v)).some(holdsBigint);
}

/**
 * Decode, encode and clone of `x` as `s`, three ways: the generic walk, the
 * interpreter's fast closures (held to the walk) and, for types with
 * codecs, the generated codecs (held to the fast closures, and to the
 * walk). The interpreter's fast paths may keep the sender's key order (a
 * decode that gives back its input, copies; key order of a QMP object
 * carries no meaning): its results are compared with key order left out,
 * everything else exact. The generated codecs write the walk's order,
 * compared exactly, except where a decode gives back its input or
 * (`--int64 bigint`) its widening copy: those keep the input's order. An encode
 * that made a bigint must say it may have (`mayHoldBigint`, which
 * encodeText relies on).
 */
function compareAll(w: World, s: Subject, x: unknown, mode: Mode, inOpts: InOpts, outOpts: OutOpts, stats: Stats): void {
  const S = w.src[mode];
  const G = w.gen[mode];
  const name = s.name;
  const fail = (kind: string, opts: object): string => `${name} ${kind} (int64 ${mode}, ${show(opts)}) of ${show(x)}`;
  // Messages are made only for a difference.
  const same = (actual: Outcome, expected: Outcome, orderless: boolean, kind: string, opts: object): void => {
    if (!sameOutcome(actual, expected, orderless)) expect(showOutcome(actual, orderless), fail(kind, opts)).toBe(showOutcome(expected, orderless));
  };
  /** The three outcomes of one operation: fast = walk and generated = fast, key order aside; generated = walk, key order too. */
  const three = (walk: Outcome, fast: Outcome, gen: (() => Outcome) | null, kind: string, opts: object): void => {
    same(fast, walk, true, `${kind} (interpreter)`, opts);
    if (gen === null) return;
    const g = gen();
    same(g, fast, true, `${kind} (generated)`, opts);
    same(g, walk, g.same || g.sendersOrder === true, `${kind} (generated, against the walk)`, opts);
  };
  const input = (side: Side, o: InOpts): rt.InputVisitor => new side.rt.InputVisitor({ ...o, int64: mode });
  const outcome = (f: () => unknown, of: unknown = undefined): Outcome => {
    const r = run(f);
    return { r, same: r.ok && typeof of === 'object' && of !== null && r.value === of };
  };
  const encode = (side: Side, o: OutOpts, f: (c: rt.OutputVisitor) => unknown, kind: string): Outcome => {
    const c = new side.rt.OutputVisitor({ ...o, int64: mode });
    const r = run(() => f(c));
    // (Not with keepUnknownBranches: the members of an unknown branch are copied as JSON without the flag; encodeText never keeps them.)
    if (r.ok && !c.mayHoldBigint && o.keepUnknownBranches !== true && holdsBigint(r.value)) expect.fail(`${fail(kind, o)}: made a bigint, but mayHoldBigint is false`);
    return { r, same: false };
  };

  // decode
  const dWalk = outcome(() => S.schema.visitFn(name)(input(S, inOpts), null, x));
  const dFast = outcome(() => S.schema.decodeFn(name)(input(S, inOpts), x), x);
  // A decode under --int64 bigint that widens numbers copies its input by spreading it: the sender's key order.
  const dGen = (): Outcome => {
    const o = outcome(() => G.schema.decodeFn(name)(input(G, inOpts), x), x);
    return mode === 'bigint' && o.r.ok ? { ...o, sendersOrder: sendersKeyOrder(o.r.value, x) } : o;
  };
  three(dWalk, dFast, s.codec ? dGen : null, 'decode', inOpts);
  if (dFast.same) stats.same++;
  // encode
  const eWalk = encode(S, outOpts, (c) => S.schema.visitFn(name)(c, null, x), 'encode (walk)');
  const eFast = encode(S, outOpts, (c) => S.schema.encodeFn(name)(c, x), 'encode (interpreter)');
  three(eWalk, eFast, s.codec ? () => encode(G, outOpts, (c) => G.schema.encodeFn(name)(c, x), 'encode (generated)') : null, 'encode', outOpts);
  // encodeText with codecs (the codec's check picks the fast path): what the output walk then the writer give.
  if (s.codec) {
    const text = (f: () => string): Outcome => outcome(() => S.rt.parseQmpJson(f()));
    const walkText = (): string => S.rt.stringifyQmpJson(S.schema.visitFn(name)(new S.rt.OutputVisitor({ int64: mode }), null, x) as rt.JsonValue);
    same(text(() => G.schema.encodeText(name, x)), text(walkText), true, 'encodeText (generated)', {});
  }
  // clone
  const cWalk = outcome(() => S.schema.visitFn(name)(S.rt.cloneVisitor, null, x));
  const cFast = outcome(() => S.schema.cloneFn(name)(x));
  three(cWalk, cFast, s.codec ? () => outcome(() => G.schema.cloneFn(name)(x)) : null, 'clone', {});
  stats.compared++;
  if (!dWalk.r.ok || !eWalk.r.ok || !cWalk.r.ok) stats.errors++;

  // What lenient input kept (unknown enum values and branches) goes back through encode and clone.
  const keep = S.schema.visitFn(name);
  const kept = run(() => keep(input(S, { strict: false, keepUnknownEnumValues: true, keepUnknownBranches: true }), null, x));
  if (!kept.ok) return;
  if (!run(() => keep(input(S, { strict: false }), null, x)).ok) stats.keptUnknown++;
  const k = kept.value;
  for (const o of [outOpts, { ...outOpts, keepUnknownEnumValues: true, keepUnknownBranches: true }]) {
    const walk = encode(S, o, (c) => S.schema.visitFn(name)(c, null, k), 'encode of kept (walk)');
    const fast = encode(S, o, (c) => S.schema.encodeFn(name)(c, k), 'encode of kept (interpreter)');
    three(walk, fast, s.codec ? () => encode(G, o, (c) => G.schema.encodeFn(name)(c, k), 'encode of kept (generated)') : null, 'encode of kept', o);
  }
  const cWalkKept = outcome(() => S.schema.visitFn(name)(S.rt.cloneVisitor, null, k));
  three(cWalkKept, outcome(() => S.schema.cloneFn(name)(k)), s.codec ? () => outcome(() => G.schema.cloneFn(name)(k)) : null, 'clone of kept', {});
}

/** Valid values, one invalid change, scrambled values and garbage: what each type is tried on. */
function inputsOf(s: Subject, arbs: ValueArbitraries, mode: Mode, shallow: boolean): fc.Arbitrary<unknown> {
  const parts: fc.WeightedArbitrary<unknown>[] = [
    { weight: 3, arbitrary: arbs.value(s.type) },
    { weight: 3, arbitrary: scrambleArbitrary(s.type, arbs, shallow) },
    { weight: 1, arbitrary: garbageArbitrary() },
  ];
  // A lone `any` has nowhere to go wrong.
  if (!(s.plan.kind === 'scalar' && s.plan.scalar === 'any')) {
    parts.push({ weight: 2, arbitrary: mutationArbitrary(s.type, { int64: mode, strict: true, shallow }, arbs).map((m) => m.value) });
  }
  return fc.oneof(...parts);
}

/**
 * Whether a plain object in `v` has an own member named `constructor`. The
 * fast paths take an object for plain by reading `x.constructor` first (the
 * cheap filter), so such a value always takes the walk: right, only not
 * fast. Only the small schema below has such members.
 */
function ownConstructorSomewhere(v: unknown): boolean {
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(ownConstructorSomewhere);
  return Object.prototype.hasOwnProperty.call(v, 'constructor') || Object.values(v).some(ownConstructorSomewhere);
}

/** Each member deleted, set to undefined or to something wrong; unknown members added; wrong list elements. */
function systematicInputs(s: Subject, v: unknown): unknown[] {
  const WRONG: unknown[] = [undefined, null, UNKNOWN_ENUM_VALUE, 1.5, -1, -0, 2n ** 70n, {}, [null]];
  const EXTRA_KEYS = [UNKNOWN_ENUM_VALUE, '__proto__', 'constructor', 'toString'];
  const define = (o: object, k: string, value: unknown): void => {
    Object.defineProperty(o, k, { value, enumerable: true, writable: true, configurable: true });
  };
  const inputs: unknown[] = [];
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const o = v as Record<string, unknown>;
    const names = s.type instanceof SchemaObjectType ? objectMembersOf(s.type, o).map((m) => m.name) : Object.keys(o);
    for (const name of names) {
      const without = deepCopy(o);
      delete without[name];
      inputs.push(without);
      for (const x of WRONG) {
        const c = deepCopy(o);
        define(c, name, x);
        inputs.push(c);
      }
    }
    for (const k of EXTRA_KEYS) {
      const c = deepCopy(o);
      define(c, k, 1);
      inputs.push(c);
    }
  } else if (Array.isArray(v) && v.length > 0) {
    for (const x of WRONG) inputs.push([...deepCopy(v), x]);
  }
  inputs.push(v);
  return inputs;
}

/** How much of each test a world gets. */
interface Budget {
  /** fast-check runs per type with codecs and int64 mode. */
  readonly runs: number;
  /** Runs per enum or built-in scalar (no codecs: only the interpreter's closures differ from the walk). */
  readonly runsInline: number;
  /** At least this many types, and this share of the inputs with errors. */
  readonly minTypes: number;
  readonly minErrorShare: number;
}

/** The tests of one world: each holds the interpreter's fast closures to the walk (a), and the generated codecs to them (b). */
function equivalenceTests(getWorld: () => World, budget: Budget): void {
  const runsOf = (s: Subject): number => (s.codec ? budget.runs : budget.runsInline);
  it('decode, encode and clone: interpreter = walk, generated = interpreter, for every type (random inputs)', () => {
    const w = getWorld();
    expect(w.subjects.length).toBeGreaterThanOrEqual(budget.minTypes);
    const stats = newStats();
    const counts: Record<string, number> = {};
    for (const mode of MODES) {
      const arbs = w.arbs[mode];
      for (const s of w.subjects) {
        if (mode === 'number') counts[s.plan.kind] = (counts[s.plan.kind] ?? 0) + 1;
        fc.assert(
          fc.property(inputsOf(s, arbs, mode, true), inputOptions, outputOptions, (x, io, oo) => compareAll(w, s, x, mode, io, oo, stats)),
          { numRuns: runsOf(s) },
        );
      }
    }
    console.log(
      `codec equivalence: ${w.subjects.length} types (${Object.entries(counts)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ')}), ${stats.compared} inputs × 3 walks × 3 implementations, ${stats.errors} with errors, ${stats.same} decoded as they were, ${stats.keptUnknown} kept unknown values`,
    );
    // Errors are compared, not only results; the fast path is taken, not only the walk.
    expect(stats.errors).toBeGreaterThan(stats.compared * budget.minErrorShare);
    expect(stats.same).toBeGreaterThan(stats.compared / 25);
    expect(stats.keptUnknown).toBeGreaterThan(0);
  }, 900_000);

  it('every member of every type: deleted, undefined, wrong; unknown members added (systematic)', () => {
    // Systematic rather than random, so that each member's own code in each walk is reached: every
    // type under --int64 number, and again under bigint where that changes anything.
    const w = getWorld();
    const stats = newStats();
    let i = 0;
    for (const mode of MODES) {
      const arbs = w.arbs[mode];
      for (const s of w.subjects) {
        if (!s.codec || (mode === 'bigint' && !s.wide)) continue;
        for (const v of fc.sample(arbs.value(s.type), { numRuns: 1, seed: mode === 'number' ? 42 : 43 })) {
          for (const x of systematicInputs(s, v)) {
            i++;
            compareAll(w, s, x, mode, IN_COMBOS[i % IN_COMBOS.length]!, OUT_COMBOS[(i * 7) % OUT_COMBOS.length]!, stats);
          }
        }
      }
    }
    console.log(`codec equivalence, systematic: ${stats.compared} inputs × 3 walks × 3 implementations, ${stats.errors} with errors`);
    expect(stats.errors).toBeGreaterThan(stats.compared / 2);
  }, 900_000);

  it('the fast checks are sound (yes only where the walk gives back an equal value) and say yes to valid values: interpreter and generated', () => {
    // decode returns its input when the check says yes: that must be only where the walk would
    // succeed with an equal value. A check that said no to everything would be sound and useless,
    // so valid values (in their JSON form, as the reader gives them) must pass it too. The generated
    // check shows in whether the generated decode gives back its input.
    const w = getWorld();
    const stats = { checked: 0, yes: 0, valid: 0, validYes: 0, generatedYes: 0, generatedValid: 0, generatedValidYes: 0 };
    const misses: string[] = [];
    for (const mode of MODES) {
      const S = w.src[mode];
      const G = w.gen[mode];
      const arbs = w.arbs[mode];
      for (const s of w.subjects) {
        const parts: fc.WeightedArbitrary<{ value: unknown; valid: boolean }>[] = [
          { weight: 3, arbitrary: arbs.value(s.type).map((value) => ({ value, valid: true })) },
          { weight: 2, arbitrary: scrambleArbitrary(s.type, arbs, false).map((value) => ({ value, valid: false })) },
          { weight: 1, arbitrary: garbageArbitrary().map((value) => ({ value, valid: false })) },
        ];
        if (!(s.plan.kind === 'scalar' && s.plan.scalar === 'any')) {
          parts.push({ weight: 2, arbitrary: mutationArbitrary(s.type, { int64: mode, strict: true, shallow: false }, arbs).map((m) => ({ value: m.value, valid: false })) });
        }
        const check = S.schema.checkFn(s.name);
        const decodeGenerated = G.schema.decodeFn(s.name);
        fc.assert(
          fc.property(fc.oneof(...parts), fc.boolean(), ({ value: x, valid }, strict) => {
            stats.checked++;
            const expectValid = valid && !ownConstructorSomewhere(x);
            const walked = (): string => render(run(() => S.schema.visitFn(s.name)(new S.rt.InputVisitor({ strict, int64: mode }), null, x)), true);
            const yes = check(x, strict);
            if (expectValid) {
              stats.valid++;
              if (yes) stats.validYes++;
              else if (misses.length < 5) misses.push(`${s.name} (int64 ${mode}): ${show(x)}`);
            }
            if (yes) {
              stats.yes++;
              // In bigint mode a check also says yes to numbers for wide integers, which the walk
              // makes bigints: decode then gives a widened copy, and it must be what the walk gives.
              const given = mode === 'bigint' ? render(run(() => S.schema.decode(s.name, x, { strict })), true) : `ok ${canon(x, true)}`;
              expect(walked(), `${s.name} check said yes (int64 ${mode}, strict ${strict}) to ${show(x)}`).toBe(given);
            }
            if (!s.codec || typeof x !== 'object' || x === null) return;
            const r = run(() => decodeGenerated(new G.rt.InputVisitor({ strict, int64: mode }), x));
            const generatedYes = r.ok && r.value === x;
            if (expectValid) {
              stats.generatedValid++;
              if (generatedYes) stats.generatedValidYes++;
              else if (misses.length < 5) misses.push(`${s.name} (int64 ${mode}, generated): ${show(x)}`);
            }
            if (generatedYes) {
              stats.generatedYes++;
              expect(walked(), `${s.name} generated decode gave back (int64 ${mode}, strict ${strict}) ${show(x)}`).toBe(`ok ${canon(x, true)}`);
            }
          }),
          { numRuns: runsOf(s) },
        );
      }
    }
    console.log(
      `fast checks: ${stats.checked} inputs; interpreter said yes to ${stats.yes}, generated to ${stats.generatedYes} (each confirmed by the walk); ` +
        `valid values said yes to: interpreter ${stats.validYes}/${stats.valid}, generated ${stats.generatedValidYes}/${stats.generatedValid}`,
    );
    if (misses.length) console.log(`valid values a fast check refused, e.g.\n${misses.join('\n')}`);
    expect(stats.validYes).toBe(stats.valid);
    expect(stats.generatedValidYes).toBe(stats.generatedValid);
    expect(stats.yes).toBeGreaterThan(stats.valid / 2);
    expect(stats.generatedValid).toBeGreaterThan(0);
  }, 900_000);

  it('decode returns its input for a valid value under the default options, and never under a compat policy that checks or the other int64 mode', () => {
    const w = getWorld();
    for (const mode of MODES) {
      const arbs = w.arbs[mode];
      for (const side of [w.src[mode], w.gen[mode]]) {
        for (const s of w.subjects) {
          if (!s.codec) continue;
          const decode = side.schema.decodeFn(s.name);
          for (const v of fc.sample(arbs.value(s.type), { numRuns: 2, seed: 5 })) {
            if (typeof v !== 'object' || v === null || ownConstructorSomewhere(v)) continue;
            expect(decode(new side.rt.InputVisitor({ strict: true, int64: mode }), v), s.name).toBe(v);
            expect(decode(new side.rt.InputVisitor({ strict: false, int64: mode }), v), s.name).toBe(v);
            const other: Mode = mode === 'number' ? 'bigint' : 'number';
            for (const opts of [{ int64: mode, compat: { unstableInput: 'reject' } }, { int64: other }] as const) {
              const r = run(() => decode(new side.rt.InputVisitor({ strict: true, ...opts }), v));
              expect(r.ok && r.value === v, s.name).toBe(false);
            }
          }
        }
      }
    }
  }, 900_000);

  it('clone takes its fast path on valid values: the walk is never asked', () => {
    // cloneFoo falls back to the walk whenever the fast clone gives up, so the equivalence above
    // would hold even if it always gave up: here it must not, on valid values.
    const w = getWorld();
    const METHODS = ['startStruct', 'list', 'alternate', 'int', 'number', 'str', 'bool', 'null', 'any', 'enumValue'] as const;
    let n = 0;
    for (const mode of MODES) {
      const arbs = w.arbs[mode];
      for (const side of [w.src[mode], w.gen[mode]]) {
        const spies = METHODS.map((m) => vi.spyOn(side.rt.cloneVisitor, m));
        try {
          for (const s of w.subjects) {
            const clone = side.schema.cloneFn(s.name);
            for (const v of fc.sample(arbs.value(s.type), { numRuns: 2, seed: 11 })) {
              n++;
              if (ownConstructorSomewhere(v)) continue;
              clone(v);
              const asked = spies.filter((spy) => spy.mock.calls.length > 0);
              expect(asked.length, `${s.name} (int64 ${mode}) fell back to the walk on ${show(v)}`).toBe(0);
            }
          }
        } finally {
          for (const spy of spies) spy.mockRestore();
        }
      }
    }
    expect(n).toBe(getWorld().subjects.length * 2 * 2 * 2);
  }, 900_000);

  it('--int64 bigint: a valid value as JSON gives it (numbers for wide integers) decodes on the fast path, its widening copy: the walk is never asked', () => {
    // The walk would give the same result, so the equivalence above holds even if the fast path
    // always said no to numbers: here it must not, in the interpreter and in the codecs.
    const w = getWorld();
    const mode: Mode = 'bigint';
    const UNSAFE = Symbol('unsafe');
    let widened = 0;
    const asJson = (v: unknown): unknown => {
      if (typeof v === 'bigint') {
        widened++;
        return Number.isSafeInteger(Number(v)) ? Number(v) : UNSAFE;
      }
      if (Array.isArray(v)) return v.map(asJson);
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asJson(x)]));
      return v;
    };
    const holdsUnsafe = (v: unknown): boolean => v === UNSAFE || (typeof v === 'object' && v !== null && Object.values(v).some(holdsUnsafe));
    const METHODS = ['member', 'list', 'alternate', 'int', 'number', 'str', 'bool', 'null', 'any', 'enumValue'] as const;
    for (const side of [w.src[mode], w.gen[mode]]) {
      const before = widened;
      const spies = METHODS.map((m) => vi.spyOn(side.rt.InputVisitor.prototype, m));
      try {
        for (const s of w.subjects) {
          if (!s.codec) continue;
          const decode = side.schema.decodeFn(s.name);
          for (const v of fc.sample(w.arbs[mode].value(s.type), { numRuns: 3, seed: 17 })) {
            if (ownConstructorSomewhere(v)) continue;
            const json = asJson(v);
            if (holdsUnsafe(json)) continue;
            for (const strict of [true, false]) decode(new side.rt.InputVisitor({ strict, int64: mode }), json);
            const asked = spies.filter((spy) => spy.mock.calls.length > 0);
            expect(asked.length, `${s.name} fell back to the walk on ${show(json)}`).toBe(0);
          }
        }
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
      expect(widened - before, 'values with wide integers').toBeGreaterThan(0);
    }
  }, 900_000);

  it('members inherited rather than own (Object.create, a prototype carrying a member) are missing for every walk', () => {
    // The walk reads own members only (hasOwn). An object whose prototype carries a required member
    // must not get past a fast path either: with a polluted Object.prototype, that would let
    // `Object.prototype[name] = …` stand in for a member the client never sent.
    const w = getWorld();
    const objects = w.subjects.filter((s) => s.type instanceof SchemaObjectType);
    const stats = newStats();
    for (const mode of MODES) {
      const arbs = w.arbs[mode];
      for (const s of objects) {
        const v = fc.sample(arbs.value(s.type), { numRuns: 1, seed: 7 })[0] as Record<string, unknown>;
        const required = objectMembersOf(s.type as SchemaObjectType, v).filter((m) => !m.optional);
        const inputs: unknown[] = [Object.create(deepCopy(v))];
        if (required.length) {
          const own = deepCopy(v);
          const name = required[required.length - 1]!.name;
          const proto = { [name]: own[name] };
          delete own[name];
          inputs.push(Object.setPrototypeOf(own, proto));
        }
        for (const x of inputs) compareAll(w, s, x, mode, IN_COMBOS[stats.compared % IN_COMBOS.length]!, OUT_COMBOS[stats.compared % OUT_COMBOS.length]!, stats);
      }
    }
    expect(stats.compared).toBeGreaterThan(objects.length * 2);
  }, 900_000);

  it('unions with an unknown branch, kept by lenient input, take the same fallback in every walk', () => {
    const w = getWorld();
    const unions = w.subjects.filter((s) => s.plan.kind === 'object' && s.plan.union !== null);
    let kept = 0;
    for (const mode of MODES) {
      const arbs = w.arbs[mode];
      for (const s of unions) {
        const tag = (s.plan as Extract<TypePlan, { kind: 'object' }>).union!.tag;
        const withUnknownTag = (extra: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> =>
          fc.tuple(arbs.value(s.type), extra, fc.constantFrom(UNKNOWN_ENUM_VALUE, '__proto__', 'constructor')).map(([v, x, key]) => {
            const o = deepCopy(v) as Record<string, unknown>;
            Object.defineProperty(o, tag, { value: UNKNOWN_ENUM_VALUE, enumerable: true, writable: true, configurable: true });
            Object.defineProperty(o, key === UNKNOWN_ENUM_VALUE || key === tag ? 'extra' : key, { value: x, enumerable: true, writable: true, configurable: true });
            return o;
          });
        fc.assert(
          fc.property(withUnknownTag(garbageArbitrary()), inputOptions, outputOptions, (x, io, oo) => {
            const stats = newStats();
            compareAll(w, s, x, mode, io, oo, stats);
            kept += stats.keptUnknown;
          }),
          { numRuns: 3 },
        );
        // With both keep options, the tag survives and so do the other members.
        const v = fc.sample(withUnknownTag(jsonValueArbitrary()), { numRuns: 1, seed: 1 })[0]!;
        const opts = { strict: false, int64: mode, keepUnknownEnumValues: true, keepUnknownBranches: true };
        for (const side of [w.src[mode], w.gen[mode]]) {
          const decoded = side.schema.decodeFn(s.name)(new side.rt.InputVisitor(opts), v) as Record<string, unknown>;
          expect(decoded[tag], s.name).toBe(UNKNOWN_ENUM_VALUE);
          expect(canon(decoded, true)).toBe(canon(side.schema.visitFn(s.name)(new side.rt.InputVisitor(opts), null, v), true));
        }
      }
    }
    console.log(`unknown union branches: ${unions.length} unions, ${kept} values kept by lenient input and re-encoded`);
    expect(kept).toBeGreaterThan(unions.length);
  }, 900_000);

  it('the generated index links every codec: decodeFn, encodeFn and cloneFn are the generated functions', () => {
    const w = getWorld();
    for (const mode of MODES) {
      const G = w.gen[mode];
      const withCodecs = w.subjects.filter((s) => s.codec).map((s) => s.name);
      expect(Object.keys(G.codecs).sort()).toEqual([...withCodecs].sort());
      for (const name of withCodecs) {
        const c = G.codecs[name]!;
        expect(G.schema.decodeFn(name), name).toBe(c.decode);
        expect(G.schema.encodeFn(name), name).toBe(c.encode);
        expect(G.schema.cloneFn(name), name).toBe(c.clone);
      }
    }
  });
}

// ---------------------------------------------------------------------------
// QEMU 10.2.2-backend-transfer.
// ---------------------------------------------------------------------------

describeFixture(SCHEMA_REL, 'fast walks (interpreter and --codecs) behave exactly as the generic walk: QEMU 10.2.2-backend-transfer', () => {
  let dir = '';
  let world: World | null = null;
  beforeAll(async () => {
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, 'tmp', 'codec-eq-'));
    const t0 = Date.now();
    world = await loadWorld(sharedPath(SCHEMA_REL), dir);
    console.log(`--codecs output generated (both int64 modes), compiled and loaded in ${Date.now() - t0} ms`);
  }, 900_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  equivalenceTests(() => world!, { runs: 10, runsInline: 3, minTypes: 1000, minErrorShare: 0.2 });

  it('enum-typed members are checked inline by every fast decode, as the walk checks them', () => {
    // Enums have no codec of their own: make sure enum members of structs get every kind of change.
    const w = world!;
    const withEnums = w.subjects.filter((s) => s.plan.kind === 'object' && s.plan.members.some((m) => w.subjects.find((t) => t.name === m.type)?.plan.kind === 'enum'));
    expect(withEnums.length).toBeGreaterThan(100);
    const arbs = w.arbs.number;
    const S = w.src.number;
    const G = w.gen.number;
    for (const s of withEnums.slice(0, 60)) {
      fc.assert(
        fc.property(mutationArbitrary(s.type, { int64: 'number', strict: false }, arbs), inputOptions, (m, io) => {
          const iv = { ...io, int64: 'number' as const };
          const walk = render(run(() => S.schema.visitFn(s.name)(new S.rt.InputVisitor(iv), null, m.value)), true);
          expect(render(run(() => S.schema.decodeFn(s.name)(new S.rt.InputVisitor(iv), m.value)), true), `${s.name}: ${m.description}`).toBe(walk);
          expect(render(run(() => G.schema.decodeFn(s.name)(new G.rt.InputVisitor(iv), m.value)), true), `${s.name}: ${m.description}`).toBe(walk);
        }),
        { numRuns: 5 },
      );
    }
  }, 900_000);
});

// ---------------------------------------------------------------------------
// Members named as Object.prototype's properties (no QEMU schema has them).
// ---------------------------------------------------------------------------

const PROTO_SCHEMA = `
{ 'pragma': { 'member-name-exceptions': [ 'ProtoNames', 'ProtoUnion', 'ProtoInner', 'ProtoLeaf', 'ProtoTagged', 'Many' ] } }
{ 'enum': 'ProtoKind', 'data': [ 'constructor', 'plain', { 'name': 'old', 'features': [ 'deprecated' ] }, { 'name': 'new', 'features': [ 'unstable' ] } ] }
{ 'enum': 'Many', 'data': [ 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'valueOf', { 'name': 'toString', 'features': [ 'deprecated' ] } ] }
{ 'struct': 'ProtoNames',
  'data': { 'constructor': 'str', '*toString': 'int8', 'valueOf': 'ProtoKind', '*hasOwnProperty': [ 'ProtoNames' ],
            'plain': 'uint64', '*isPrototypeOf': { 'type': 'Many', 'features': [ 'unstable' ] },
            '*propertyIsEnumerable': { 'type': 'any', 'features': [ 'deprecated' ] } } }
{ 'struct': 'ProtoBranch', 'data': { 'flag': 'bool', '*size': 'size', '*alt': 'ProtoAlt' } }
{ 'struct': 'ProtoLeaf', 'data': { 'isPrototypeOf': 'int16', '*propertyIsEnumerable': [ 'str' ] } }
{ 'struct': 'ProtoBase', 'base': 'ProtoNames', 'data': { '*int64': 'int64', 'tail': 'number' } }
{ 'union': 'ProtoUnion', 'base': { 'toLocaleString': 'ProtoKind', '*extra': 'str' }, 'discriminator': 'toLocaleString',
  'data': { 'constructor': 'ProtoBranch', 'plain': 'ProtoBase', 'new': 'ProtoInner' } }
{ 'union': 'ProtoInner', 'base': { 'kind': 'Many', '*note': 'null' }, 'discriminator': 'kind',
  'data': { 'valueOf': 'ProtoBranch', 'a0': 'ProtoBase', 'toString': 'ProtoLeaf' } }
{ 'union': 'ProtoTagged', 'base': { 'constructor': 'ProtoKind' }, 'discriminator': 'constructor',
  'data': { 'plain': 'ProtoBranch', 'new': 'ProtoLeaf' } }
{ 'alternate': 'ProtoAlt', 'data': { 'n': 'ProtoNames', 'k': 'Many', 'l': [ 'int' ], 'i': 'int32', 'b': 'bool' } }
{ 'command': 'proto-command', 'data': { 'value': 'ProtoUnion', '*constructor': [ 'ProtoAlt' ], '*tagged': 'ProtoTagged' }, 'returns': 'ProtoUnion' }
`;

describe('fast walks (interpreter and --codecs) behave exactly as the generic walk: members named as Object.prototype properties', () => {
  let dir = '';
  let world: World | null = null;
  beforeAll(async () => {
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    dir = mkdtempSync(join(REPO_ROOT, 'tmp', 'codec-eq-proto-'));
    const file = join(dir, 'proto.json');
    writeFileSync(file, PROTO_SCHEMA);
    world = await loadWorld(file, join(dir, 'out'));
  }, 900_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  equivalenceTests(() => world!, { runs: 100, runsInline: 20, minTypes: 20, minErrorShare: 0.2 });
});
