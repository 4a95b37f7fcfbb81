/**
 * Introspection data against a live QEMU: QEMU 7.2.0's schema
 * (../shared/qemu/7.2.0, `--lenient-docs`) through buildIntrospection, its
 * conditions evaluated for Debian's x86_64 Linux build of QEMU 7.2
 * (qemu-system-x86), equals what that QEMU's `query-qmp-schema` serves.
 *
 * The comparison is structural. Type names are masked, so nothing is looked
 * up by a type's name: both lists are walked in parallel from each command
 * (arg-type, ret-type) and each event (arg-type), comparing meta-types,
 * built-ins' JSON types, enum values (in order, with their features), object
 * members by name (optional or required, features, types recursively), the
 * tag, union branches by case, alternatives by JSON type, array elements,
 * and the features and allow-oob of commands and events. Each pair of types
 * is walked once (recursive types end). Every difference is listed with its
 * path; the list must equal EXPLAINED (empty: there are none). The walk must
 * also reach every entity of both lists, so nothing goes unchecked.
 *
 * Paths: `command NAME/arg-type`, `event NAME/arg-type`, then a member's
 * name, `+case` for a union branch, `|jsontype` for an alternative, `[]` for
 * an array's element, `^value` for an enum value, `$feature` for a feature.
 *
 * The symbol set of the build is decided without looking at what the
 * comparison checks (see SYMBOLS): from build facts (target, host OS, libc),
 * from the binary itself outside QMP (its `-display`, `-object`, `-chardev`,
 * `-netdev` and `-drive format=` help, the libraries it links, and the help
 * of qemu-storage-daemon from the same build), and, for symbols that gate
 * whole commands or events, from which commands and events the live schema
 * has (names only; all else is compared). Every symbol the tree mentions
 * must be decided, so a new one fails the test until it is.
 *
 * The structural walker is tested first without QEMU: the data against
 * itself, against a copy with every masked name renamed, and against copies
 * with one edit each, which must show as that one difference.
 *
 * Skipped (saying why) without QEMU; failing with QAPI_TS_REQUIRE_QEMU=1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildIntrospection } from '../../generator/emit/introspect.js';
import { loadSchema } from '../../generator/model/schema.js';
import {
  evaluateCondition,
  evaluateIntrospection,
  introspectionSymbols,
  type Annotated,
  type AnnotatedObject,
  type AnnotatedValue,
  type EnabledSymbols,
  type IfCondition,
  type IntrospectionTree,
  type QmpSchemaInfo,
} from '../../templates/runtime/introspect.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { describeQemu, findQemu, startQemu, type Qemu } from '../helpers/qemu.js';
import { RawPeer, SCHEMA_72 } from './helpers.js';

// ---------------------------------------------------------------------------
// The structural comparison
// ---------------------------------------------------------------------------

type Info = QmpSchemaInfo;
type AnyInfo = Info & { [key: string]: unknown };

/** The differences between two SchemaInfo lists ("data" and "live"), walked from command and event names. */
interface Comparison {
  differences: string[];
  /** Names of the entities the walk reached, on each side. */
  reached: { data: Set<string>; live: Set<string> };
}

function index(list: readonly Info[], side: string): Map<string, AnyInfo> {
  const m = new Map<string, AnyInfo>();
  for (const e of list) {
    if (m.has(e.name)) throw new Error(`${side}: two entities named ${JSON.stringify(e.name)}`);
    m.set(e.name, e as AnyInfo);
  }
  return m;
}

const show = (v: unknown): string => JSON.stringify(v);

/** The JSON type a value of this entity has (the key of an alternative). */
function jsonTypeOf(e: AnyInfo): string {
  switch (e['meta-type']) {
    case 'builtin':
      return e['json-type'] as string;
    case 'enum':
      return 'string';
    case 'array':
      return 'array';
    case 'object':
      return 'object';
    default:
      return `(${e['meta-type']})`;
  }
}

function compareStructurally(dataList: readonly Info[], liveList: readonly Info[]): Comparison {
  const data = index(dataList, 'data');
  const live = index(liveList, 'live');
  const differences: string[] = [];
  const reached = { data: new Set<string>(), live: new Set<string>() };
  const walked = new Set<string>();
  const diff = (path: string, what: string): void => void differences.push(`${path}: ${what}`);

  /** Lists compared as sets, with their order: names only on one side, then an order difference. */
  const compareNames = (path: string, what: string, prefix: string, a: readonly string[], b: readonly string[]): void => {
    const sb = new Set(b);
    const sa = new Set(a);
    for (const x of a) if (!sb.has(x)) diff(`${path}/${prefix}${x}`, `${what} only in the data`);
    for (const x of b) if (!sa.has(x)) diff(`${path}/${prefix}${x}`, `${what} only live`);
    const common = (l: readonly string[], s: Set<string>) => l.filter((x) => s.has(x));
    if (!isDeepStrictEqual(common(a, sb), common(b, sa))) diff(path, `${what}s in another order: data ${show(a)}, live ${show(b)}`);
  };

  const features = (path: string, a: unknown, b: unknown): void =>
    compareNames(path, 'feature', '$', (a as string[] | undefined) ?? [], (b as string[] | undefined) ?? []);

  const walkType = (path: string, an: string, bn: string): void => {
    const a = data.get(an);
    const b = live.get(bn);
    if (a === undefined || b === undefined) {
      if (a === undefined) diff(path, `type ${show(an)} is not in the data`);
      if (b === undefined) diff(path, `type ${show(bn)} is not live`);
      return;
    }
    reached.data.add(an);
    reached.live.add(bn);
    const key = `${an}\0${bn}`;
    if (walked.has(key)) return;
    walked.add(key);
    const meta = a['meta-type'];
    if (meta !== b['meta-type']) return diff(path, `meta-type ${meta} in the data, ${b['meta-type']} live`);
    features(path, a.features, b.features);
    const keysA = Object.keys(a).sort();
    const keysB = Object.keys(b).sort();
    if (!isDeepStrictEqual(keysA, keysB)) diff(path, `keys ${show(keysA)} in the data, ${show(keysB)} live`);
    switch (meta) {
      case 'builtin':
        if (an !== bn) diff(path, `built-in ${an} in the data, ${bn} live`);
        if (a['json-type'] !== b['json-type']) diff(path, `json-type ${show(a['json-type'])} in the data, ${show(b['json-type'])} live`);
        return;
      case 'enum': {
        type M = { name: string; features?: string[] };
        const ma = a['members'] as M[];
        const mb = b['members'] as M[];
        compareNames(path, 'enum value', '^', ma.map((m) => m.name), mb.map((m) => m.name));
        const fb = new Map(mb.map((m) => [m.name, m.features]));
        for (const m of ma) if (fb.has(m.name)) features(`${path}/^${m.name}`, m.features, fb.get(m.name));
        // `values` is `members`' names (SchemaInfoEnum keeps both).
        if (!isDeepStrictEqual(a['values'], ma.map((m) => m.name))) diff(path, 'values differ from members in the data');
        if (!isDeepStrictEqual(b['values'], mb.map((m) => m.name))) diff(path, 'values differ from members live');
        return;
      }
      case 'array':
        return walkType(`${path}/[]`, a['element-type'] as string, b['element-type'] as string);
      case 'object': {
        type M = { name: string; type: string; default?: null; features?: string[] };
        const ma = a['members'] as M[];
        const mb = b['members'] as M[];
        compareNames(path, 'member', '', ma.map((m) => m.name), mb.map((m) => m.name));
        const byName = new Map(mb.map((m) => [m.name, m]));
        for (const m of ma) {
          const o = byName.get(m.name);
          if (o === undefined) continue;
          const p = `${path}/${m.name}`;
          const optA = 'default' in m;
          const optB = 'default' in o;
          if (optA !== optB) diff(p, `${optA ? 'optional' : 'required'} in the data, ${optB ? 'optional' : 'required'} live`);
          else if (optA && m.default !== o.default) diff(p, `default ${show(m.default)} in the data, ${show(o.default)} live`);
          features(p, m.features, o.features);
          walkType(p, m.type, o.type);
        }
        if (a['tag'] !== b['tag']) diff(path, `tag ${show(a['tag'])} in the data, ${show(b['tag'])} live`);
        type V = { case: string; type: string };
        const va = (a['variants'] as V[] | undefined) ?? [];
        const vb = (b['variants'] as V[] | undefined) ?? [];
        compareNames(path, 'branch', '+', va.map((v) => v.case), vb.map((v) => v.case));
        const byCase = new Map(vb.map((v) => [v.case, v]));
        for (const v of va) {
          const o = byCase.get(v.case);
          if (o !== undefined) walkType(`${path}/+${v.case}`, v.type, o.type);
        }
        return;
      }
      case 'alternate': {
        type M = { type: string };
        const keyed = (side: Map<string, AnyInfo>, ms: M[]) =>
          ms.map((m) => ({ m, key: side.has(m.type) ? jsonTypeOf(side.get(m.type)!) : `(unknown ${m.type})` }));
        const ka = keyed(data, a['members'] as M[]);
        const kb = keyed(live, b['members'] as M[]);
        compareNames(path, 'alternative', '|', ka.map((x) => x.key), kb.map((x) => x.key));
        const byKey = new Map(kb.map((x) => [x.key, x.m]));
        for (const x of ka) {
          const o = byKey.get(x.key);
          if (o !== undefined) walkType(`${path}/|${x.key}`, x.m.type, o.type);
        }
        return;
      }
      default:
        return diff(path, `unexpected meta-type ${show(meta)} for a type`);
    }
  };

  for (const kind of ['command', 'event'] as const) {
    const names = (m: Map<string, AnyInfo>) => [...m.values()].filter((e) => e['meta-type'] === kind).map((e) => e.name);
    const na = names(data);
    const nb = new Set(names(live));
    for (const n of na) if (!nb.has(n)) diff(`${kind} ${n}`, 'only in the data');
    for (const n of nb) if (!data.has(n) || data.get(n)!['meta-type'] !== kind) diff(`${kind} ${n}`, 'only live');
    for (const n of na) {
      if (!nb.has(n)) continue;
      const a = data.get(n)!;
      const b = live.get(n)!;
      reached.data.add(n);
      reached.live.add(n);
      const path = `${kind} ${n}`;
      features(path, a.features, b.features);
      if (a['allow-oob'] !== b['allow-oob']) diff(path, `allow-oob ${show(a['allow-oob'])} in the data, ${show(b['allow-oob'])} live`);
      walkType(`${path}/arg-type`, a['arg-type'] as string, b['arg-type'] as string);
      if (kind === 'command') walkType(`${path}/ret-type`, a['ret-type'] as string, b['ret-type'] as string);
    }
  }
  return { differences, reached };
}

/** Every entity of the list the walk did not reach. */
function unreached(list: readonly Info[], reached: Set<string>): string[] {
  return list.filter((e) => !reached.has(e.name)).map((e) => e.name);
}

/**
 * The entities of the data the walk cannot reach that are not explained.
 * QEMU keeps a type whose only uses are under a condition that is false
 * (a type's condition is its own, not its users'): such a type is in the
 * list, but nothing refers to it. It is explained when every reference to
 * it in the tree is under a false condition, or made by another such type.
 */
function unexplainedOrphans(tree: IntrospectionTree, symbols: EnabledSymbols, orphans: readonly string[]): string[] {
  const refs = new Map<string, { from: string; conds: IfCondition[] }[]>();
  const REF_KEYS = new Set(['type', 'arg-type', 'ret-type', 'element-type']);
  const walk = (v: AnnotatedValue, from: string, conds: IfCondition[]): void => {
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const item of v as readonly Annotated<AnnotatedValue>[]) walk(item.value, from, item.if === undefined ? conds : [...conds, item.if]);
      return;
    }
    for (const [k, x] of Object.entries(v as AnnotatedObject)) {
      if (REF_KEYS.has(k) && typeof x === 'string') {
        const l = refs.get(x) ?? [];
        l.push({ from, conds });
        refs.set(x, l);
      } else walk(x, from, conds);
    }
  };
  for (const t of tree) walk(t.value, t.value['name'] as string, t.if === undefined ? [] : [t.if]);
  const orphan = new Set(orphans);
  return orphans.filter((name) => !(refs.get(name) ?? []).every((r) => orphan.has(r.from) || r.conds.some((c) => !evaluateCondition(c, symbols))));
}

// ---------------------------------------------------------------------------
// The walker itself, on the 7.2.0 data (no QEMU needed)
// ---------------------------------------------------------------------------

let treeCache: IntrospectionTree | undefined;
function tree72(): IntrospectionTree {
  treeCache ??= buildIntrospection(loadSchema(sharedPath(SCHEMA_72), { lenientDocs: true, warn: () => {} }));
  return treeCache;
}

/** A fixed symbol set for the walker's own tests (any would do). */
const SOME_SYMBOLS = new Set(['CONFIG_LINUX', 'CONFIG_POSIX', 'TARGET_I386', 'CONFIG_VNC', 'CONFIG_SPICE', 'CONFIG_FUSE', 'HAVE_HOST_BLOCK_DEVICE']);

const clone = (l: readonly Info[]): AnyInfo[] => structuredClone(l) as AnyInfo[];

/** The entity a path of command/event, then member names, leads to (through `+case` and `[]` steps). */
function entityAt(list: readonly AnyInfo[], path: string): AnyInfo {
  const by = new Map(list.map((e) => [e.name, e]));
  const [root, ...steps] = path.split('/');
  let e = by.get(root!.replace(/^(command|event) /, ''))!;
  for (const step of steps) {
    let next: string;
    if (step === 'arg-type' || step === 'ret-type') next = e[step] as string;
    else if (step === '[]') next = e['element-type'] as string;
    else if (step.startsWith('+')) next = (e['variants'] as { case: string; type: string }[]).find((v) => v.case === step.slice(1))!.type;
    else next = (e['members'] as { name: string; type: string }[]).find((m) => m.name === step)!.type;
    e = by.get(next)!;
  }
  return e;
}

describeFixture(SCHEMA_72, 'the structural comparison of SchemaInfo lists', () => {
  it('the 7.2.0 data against itself: no differences; every entity reached but types used only under false conditions', () => {
    const data = evaluateIntrospection(tree72(), SOME_SYMBOLS);
    const r = compareStructurally(data, clone(data));
    expect(r.differences).toEqual([]);
    const orphans = unreached(data, r.reached.data);
    expect(orphans.length).toBeGreaterThan(0);
    expect(unexplainedOrphans(tree72(), SOME_SYMBOLS, orphans)).toEqual([]);
    expect(unreached(data, r.reached.live)).toEqual(orphans);
    // With every symbol defined, the walk reaches everything (no use is under a false condition but `not`'s).
    const all = evaluateIntrospection(tree72(), () => true);
    expect(unreached(all, compareStructurally(all, all).reached.data)).toEqual([]);
  });

  it('an unreached entity used under a true condition is not explained', () => {
    const data = evaluateIntrospection(tree72(), SOME_SYMBOLS);
    const orphans = unreached(data, compareStructurally(data, data).reached.data);
    const used = data.find((e) => e.name === 'query-status')!['ret-type'] as string;
    expect(unexplainedOrphans(tree72(), SOME_SYMBOLS, [...orphans, used])).toEqual([used]);
  });

  it('type names do not matter: every masked name renamed, no differences', () => {
    const data = evaluateIntrospection(tree72(), SOME_SYMBOLS);
    // A masked name is a number; an array of a masked type is [number].
    const rename = (n: string): string => n.replace(/^(\[?)(\d+)(\]?)$/, (_m, open: string, d: string, close: string) => `${open}T${(Number(d) * 7919) % 100_003}${close}`);
    const renamed = clone(data);
    for (const e of renamed) {
      e.name = rename(e.name);
      for (const k of ['arg-type', 'ret-type', 'element-type']) if (typeof e[k] === 'string') e[k] = rename(e[k] as string);
      if (e['meta-type'] === 'object' || e['meta-type'] === 'alternate') {
        for (const m of e['members'] as { type: string }[]) m.type = rename(m.type);
        for (const v of (e['variants'] as { type: string }[] | undefined) ?? []) v.type = rename(v.type);
      }
    }
    expect(renamed.filter((e) => /T\d/.test(e.name)).length).toBeGreaterThan(500);
    // Reorder too: nothing depends on the position of an entity.
    renamed.reverse();
    expect(renamed.map((e) => e.name)).not.toEqual(data.map((e) => e.name).reverse());
    expect(compareStructurally(data, renamed).differences).toEqual([]);
  });

  it('other conditions show as the commands, events, values and branches they remove', () => {
    const data = evaluateIntrospection(tree72(), SOME_SYMBOLS);
    const without = evaluateIntrospection(tree72(), (s) => SOME_SYMBOLS.has(s) && s !== 'CONFIG_VNC' && s !== 'CONFIG_FUSE');
    const d = compareStructurally(data, without).differences;
    expect(d).toContain('command query-vnc: only in the data');
    expect(d).toContain('event VNC_CONNECTED: only in the data');
    expect(d).toContain('command block-export-add/arg-type/type/^fuse: enum value only in the data');
    expect(d).toContain('command block-export-add/arg-type/+fuse: branch only in the data');
    expect(compareStructurally(without, data).differences).toContain('command query-vnc: only live');
  });

  // Each edit of the live copy, and the one difference it must show as.
  const edits: Array<[string, (l: AnyInfo[]) => void, string[]]> = [
    [
      'an enum value removed',
      (l) => {
        const e = entityAt(l, 'command blockdev-add/arg-type/+file/aio') as AnyInfo & { members: { name: string }[]; values: string[] };
        e.members = e.members.filter((m) => m.name !== 'native');
        e.values = e.values.filter((v) => v !== 'native');
      },
      ['command blockdev-add/arg-type/+file/aio/^native: enum value only in the data'],
    ],
    [
      'enum values reordered',
      (l) => {
        const e = entityAt(l, 'command blockdev-add/arg-type/+file/aio') as AnyInfo & { members: unknown[]; values: unknown[] };
        e.members.reverse();
        e.values.reverse();
      },
      ['command blockdev-add/arg-type/+file/aio: enum values in another order: data ["threads","native"], live ["native","threads"]'],
    ],
    [
      'a member made required',
      (l) => {
        const m = (entityAt(l, 'command blockdev-add/arg-type/+file')['members'] as { name: string; default?: null }[]).find((x) => x.name === 'aio')!;
        delete m.default;
      },
      ['command blockdev-add/arg-type/+file/aio: optional in the data, required live'],
    ],
    [
      'a member removed, deep in a return type',
      (l) => {
        const e = entityAt(l, 'command query-block/ret-type/[]/inserted');
        e['members'] = (e['members'] as { name: string }[]).filter((m) => m.name !== 'detect_zeroes');
      },
      ['command query-block/ret-type/[]/inserted/detect_zeroes: member only in the data'],
    ],
    [
      'a member feature added',
      (l) => {
        const m = (entityAt(l, 'command migrate-set-parameters/arg-type')['members'] as { name: string; features?: string[] }[]).find((x) => x.name === 'max-bandwidth')!;
        m.features = ['deprecated'];
      },
      ['command migrate-set-parameters/arg-type/max-bandwidth/$deprecated: feature only live'],
    ],
    [
      "a member's type changed (int to str)",
      (l) => {
        const m = (entityAt(l, 'command migrate-set-parameters/arg-type')['members'] as { name: string; type: string }[]).find((x) => x.name === 'max-bandwidth')!;
        m.type = 'str';
      },
      ['command migrate-set-parameters/arg-type/max-bandwidth: built-in int in the data, str live', 'command migrate-set-parameters/arg-type/max-bandwidth: json-type "int" in the data, "string" live'],
    ],
    [
      'a union branch removed',
      (l) => {
        const e = entityAt(l, 'command blockdev-add/arg-type');
        e['variants'] = (e['variants'] as { case: string }[]).filter((v) => v.case !== 'null-co');
      },
      ['command blockdev-add/arg-type/+null-co: branch only in the data'],
    ],
    [
      'an alternative changed to another JSON type',
      (l) => {
        const e = entityAt(l, 'command blockdev-add/arg-type/+qcow2/backing');
        e['members'] = (e['members'] as { type: string }[]).map((m) => (m.type === 'null' ? { type: 'bool' } : m));
      },
      ['command blockdev-add/arg-type/+qcow2/backing/|null: alternative only in the data', 'command blockdev-add/arg-type/+qcow2/backing/|boolean: alternative only live'],
    ],
    [
      "an array's element type changed",
      (l) => {
        l.find((x) => x.name === 'query-block')!['ret-type'] = '[str]';
      },
      ['command query-block/ret-type/[]: meta-type object in the data, builtin live'],
    ],
    [
      'a command feature and allow-oob',
      (l) => {
        const c = l.find((x) => x.name === 'query-status')!;
        c['features'] = ['unstable'];
        c['allow-oob'] = true;
      },
      ['command query-status/$unstable: feature only live', 'command query-status: allow-oob undefined in the data, true live'],
    ],
    [
      'an event removed',
      (l) => l.splice(l.findIndex((x) => x.name === 'STOP'), 1),
      ['event STOP: only in the data'],
    ],
    [
      'a meta-type changed',
      (l) => {
        const e = entityAt(l, 'command query-status/ret-type/status');
        e['meta-type'] = 'object';
      },
      ['command query-status/ret-type/status: meta-type enum in the data, object live'],
    ],
  ];
  it.each(edits)('notices %s, and only that', (_what, edit, expected) => {
    const data = evaluateIntrospection(tree72(), SOME_SYMBOLS);
    const live = clone(data);
    edit(live);
    expect(compareStructurally(data, live).differences).toEqual(expected);
  });

  it('recursive types end: a type that contains itself is walked once', () => {
    const data = evaluateIntrospection(tree72(), SOME_SYMBOLS);
    // BlockStats has `parent` and `backing` of its own type.
    const stats = entityAt(data as AnyInfo[], 'command query-blockstats/ret-type/[]');
    const self = (stats['members'] as { name: string; type: string }[]).filter((m) => m.type === stats.name).map((m) => m.name);
    expect(self).toEqual(['parent', 'backing']);
    const live = clone(data);
    const s = entityAt(live, 'command query-blockstats/ret-type/[]');
    s['members'] = (s['members'] as { name: string }[]).filter((m) => m.name !== 'qdev');
    // Reported once, at the first path it is reached by.
    expect(compareStructurally(data, live).differences).toEqual(['command query-blockstats/ret-type/[]/qdev: member only in the data']);
  });
});

// ---------------------------------------------------------------------------
// The symbols of Debian's x86_64 Linux build of QEMU 7.2
// ---------------------------------------------------------------------------

/** What the test knows about the binary before it talks QMP (see probeBinary). */
interface BinaryFacts {
  /** Words of `-display help`, `-object help`, `-chardev help`, `-netdev help`, `-drive format=help`. */
  display: Set<string>;
  object: Set<string>;
  chardev: Set<string>;
  netdev: Set<string>;
  formats: Set<string>;
  /** The shared libraries the binary links (ldd), by name without version. */
  libraries: Set<string>;
  /** The `--export [type=]X` types of qemu-storage-daemon --help (the same Debian build). */
  storageDaemonExports: Set<string>;
}

interface LiveFacts {
  commands: Set<string>;
  events: Set<string>;
}

type Source = 'build fact' | 'binary' | 'live commands and events';

interface Decision {
  source: Source;
  /** Whether the symbol is defined, and why. */
  decide(b: BinaryFacts, l: LiveFacts): [boolean, string];
}

const fact = (defined: boolean, why: string): Decision => ({ source: 'build fact', decide: () => [defined, why] });
const probe = (f: (b: BinaryFacts) => [boolean, string]): Decision => ({ source: 'binary', decide: (b) => f(b) });
const has = (set: Set<string>, word: string, where: string): [boolean, string] => [set.has(word), `${where} ${set.has(word) ? 'lists' : 'does not list'} ${word}`];

/**
 * Each symbol the 7.2.0 tree mentions, and how it is decided. The
 * comparison checks what these symbols gate, so none is read from the data
 * it compares, but for the six "live commands and events" symbols: their
 * commands and events, by name, decide them (and must agree with each
 * other); everything inside those commands and events is still compared.
 */
const SYMBOLS: Record<string, Decision> = {
  // The target: qemu-system-x86_64. QEMU defines TARGET_I386 for the x86_64 target too.
  TARGET_I386: fact(true, 'qemu-system-x86_64 (TARGET_X86_64 also defines TARGET_I386)'),
  TARGET_ARM: fact(false, 'another target'),
  TARGET_LOONGARCH64: fact(false, 'another target'),
  TARGET_MIPS: fact(false, 'another target'),
  TARGET_PPC: fact(false, 'another target'),
  TARGET_S390X: fact(false, 'another target'),
  // The host: Debian 12 (Linux, glibc 2.36).
  CONFIG_LINUX: fact(true, 'a Linux host'),
  CONFIG_POSIX: fact(true, 'a POSIX host (QEMU defines it for every host but Windows)'),
  HAVE_IPPROTO_MPTCP: fact(true, "Debian 12's glibc 2.36 defines IPPROTO_MPTCP (since 2.32)"),
  // The binary, outside QMP.
  CONFIG_COCOA: probe((b) => has(b.display, 'cocoa', '-display help')),
  CONFIG_GTK: probe((b) => has(b.display, 'gtk', '-display help')),
  CONFIG_SDL: probe((b) => has(b.display, 'sdl', '-display help')),
  CONFIG_CURSES: probe((b) => has(b.display, 'curses', '-display help')),
  CONFIG_DBUS_DISPLAY: probe((b) => has(b.display, 'dbus', '-display help')),
  // egl-headless is built only with both OpenGL and GBM.
  CONFIG_OPENGL: probe((b) => has(b.display, 'egl-headless', '-display help')),
  CONFIG_GBM: probe((b) => has(b.display, 'egl-headless', '-display help')),
  CONFIG_SECRET_KEYRING: probe((b) => has(b.object, 'secret_keyring', '-object help')),
  CONFIG_VHOST_CRYPTO: probe((b) => has(b.object, 'cryptodev-vhost-user', '-object help')),
  CONFIG_SPICE_PROTOCOL: probe((b) => has(b.chardev, 'qemu-vdagent', '-chardev help')),
  CONFIG_VMNET: probe((b) => has(b.netdev, 'vmnet-host', '-netdev help')),
  HAVE_HOST_BLOCK_DEVICE: probe((b) => has(b.formats, 'host_device', '-drive format=help')),
  // The libblkio drivers (virtio-blk-vhost-vdpa, io_uring, nvme-io_uring, …).
  CONFIG_BLKIO: probe((b) => has(b.formats, 'virtio-blk-vhost-vdpa', '-drive format=help')),
  CONFIG_ZSTD: probe((b) => has(b.libraries, 'libzstd', 'ldd')),
  CONFIG_LIBPMEM: probe((b) => has(b.libraries, 'libpmem', 'ldd')),
  CONFIG_LINUX_IO_URING: probe((b) => has(b.libraries, 'liburing', 'ldd')),
  CONFIG_FUSE: probe((b) => has(b.libraries, 'libfuse3', 'ldd')),
  CONFIG_VHOST_USER_BLK_SERVER: probe((b) => has(b.storageDaemonExports, 'vhost-user-blk', 'qemu-storage-daemon --help')),
  CONFIG_VDUSE_BLK_EXPORT: probe((b) => has(b.storageDaemonExports, 'vduse-blk', 'qemu-storage-daemon --help')),
  // Symbols that gate whole commands and events: decided by those (see decideFromEntities).
  CONFIG_FDT: { source: 'live commands and events', decide: (_b, l) => decideFromEntities('CONFIG_FDT', l) },
  CONFIG_REPLICATION: { source: 'live commands and events', decide: (_b, l) => decideFromEntities('CONFIG_REPLICATION', l) },
  CONFIG_SPICE: { source: 'live commands and events', decide: (_b, l) => decideFromEntities('CONFIG_SPICE', l) },
  CONFIG_TCG: { source: 'live commands and events', decide: (_b, l) => decideFromEntities('CONFIG_TCG', l) },
  CONFIG_TPM: { source: 'live commands and events', decide: (_b, l) => decideFromEntities('CONFIG_TPM', l) },
  CONFIG_VNC: { source: 'live commands and events', decide: (_b, l) => decideFromEntities('CONFIG_VNC', l) },
};

/**
 * A symbol from the commands and events whose condition is that symbol
 * alone: defined when all of them are live, undefined when none is; a mix
 * fails the test.
 */
function decideFromEntities(symbol: string, l: LiveFacts): [boolean, string] {
  const gated = tree72()
    .filter((t) => t.if === symbol && (t.value['meta-type'] === 'command' || t.value['meta-type'] === 'event'))
    .map((t) => ({ name: t.value['name'] as string, live: (t.value['meta-type'] === 'command' ? l.commands : l.events).has(t.value['name'] as string) }));
  if (gated.length === 0) throw new Error(`${symbol} gates no command or event on its own`);
  const present = gated.filter((g) => g.live).map((g) => g.name);
  if (present.length !== 0 && present.length !== gated.length) {
    throw new Error(`${symbol}: of ${gated.map((g) => g.name).join(', ')} only ${present.join(', ')} are live`);
  }
  return [present.length !== 0, `${gated.map((g) => g.name).join(', ')} ${present.length ? 'live' : 'not live'}`];
}

function run(file: string, args: string[]): string {
  // QEMU's help goes to stdout; a missing module's complaint to stderr is ignored.
  return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 16 << 20 });
}

/** The words after a help listing's first line. */
function words(text: string): Set<string> {
  return new Set(text.split('\n').slice(1).join(' ').split(/[\s,]+/).filter((w) => w !== ''));
}

function probeBinary(binary: string): BinaryFacts {
  const daemon = join(dirname(binary), 'qemu-storage-daemon');
  if (!existsSync(daemon)) throw new Error(`${daemon} not found (Debian installs it with qemu-system-common, from the same build)`);
  const formats = run(binary, ['-drive', 'format=help']).split('\n')[0]!.replace(/^Supported formats:/, '');
  return {
    display: words(run(binary, ['-display', 'help'])),
    object: words(run(binary, ['-object', 'help'])),
    chardev: words(run(binary, ['-chardev', 'help'])),
    netdev: words(run(binary, ['-netdev', 'help'])),
    formats: new Set(formats.split(/\s+/).filter((w) => w !== '')),
    libraries: new Set(
      run('ldd', [binary])
        .split('\n')
        .map((l) => /^\s*(\S+?)\.so\b/.exec(l)?.[1])
        .filter((n): n is string => n !== undefined),
    ),
    storageDaemonExports: new Set([...run(daemon, ['--help']).matchAll(/--export \[type=\]([\w-]+)/g)].map((m) => m[1]!)),
  };
}

/**
 * Differences between the 7.2.0 data (evaluated for this build) and the
 * live schema that are known and explained, one comment each. Debian's
 * 7.2.22 (7.2.0 with stable fixes) serves exactly the 7.2.0 schema: none.
 */
const EXPLAINED: string[] = [];

describeQemu('7.2.0 introspection data, evaluated for this x86_64 Linux build, vs the live query-qmp-schema', () => {
  let qemu: Qemu;
  let live: Info[];
  let decided: Map<string, { defined: boolean; source: Source; why: string }>;
  let data: Info[];

  beforeAll(async () => {
    const binary = findQemu()!;
    const facts = probeBinary(binary);
    qemu = await startQemu();
    const peer = await RawPeer.connect(qemu.socket);
    try {
      await peer.next();
      expect((await peer.call({ execute: 'qmp_capabilities' })).return).toEqual({});
      const reply = await peer.call({ execute: 'query-qmp-schema' });
      live = reply.return as Info[];
    } finally {
      peer.close();
    }
    const names = (kind: string) => new Set(live.filter((e) => e['meta-type'] === kind).map((e) => e.name));
    const l: LiveFacts = { commands: names('command'), events: names('event') };
    decided = new Map();
    for (const [symbol, d] of Object.entries(SYMBOLS)) {
      const [defined, why] = d.decide(facts, l);
      decided.set(symbol, { defined, source: d.source, why });
    }
    data = evaluateIntrospection(tree72(), (s) => {
      const d = decided.get(s);
      if (d === undefined) throw new Error(`symbol ${s} is not decided`);
      return d.defined;
    });
  }, 300_000);

  afterAll(async () => {
    await qemu?.stop();
  });

  it('every symbol the 7.2.0 tree mentions is decided, each from build facts, the binary or whole commands and events', () => {
    expect(Object.keys(SYMBOLS).sort()).toEqual(introspectionSymbols(tree72()));
    const lines = [...decided].map(([s, d]) => `${d.defined ? 'defined  ' : 'undefined'} ${s} (${d.source}: ${d.why})`);
    console.log(`[introspection, live] the symbols of this build:\n  ${lines.join('\n  ')}`);
    // What Debian's qemu-system-x86 7.2 is known to have; a change of the package shows here first.
    const defined = [...decided].filter(([, d]) => d.defined).map(([s]) => s).sort();
    expect(defined).toEqual([
      'CONFIG_CURSES', 'CONFIG_DBUS_DISPLAY', 'CONFIG_FDT', 'CONFIG_FUSE', 'CONFIG_GBM', 'CONFIG_GTK', 'CONFIG_LIBPMEM', 'CONFIG_LINUX',
      'CONFIG_LINUX_IO_URING', 'CONFIG_OPENGL', 'CONFIG_POSIX', 'CONFIG_REPLICATION', 'CONFIG_SDL', 'CONFIG_SECRET_KEYRING', 'CONFIG_SPICE',
      'CONFIG_SPICE_PROTOCOL', 'CONFIG_TCG', 'CONFIG_TPM', 'CONFIG_VDUSE_BLK_EXPORT', 'CONFIG_VHOST_CRYPTO', 'CONFIG_VHOST_USER_BLK_SERVER',
      'CONFIG_VNC', 'CONFIG_ZSTD', 'HAVE_HOST_BLOCK_DEVICE', 'HAVE_IPPROTO_MPTCP', 'TARGET_I386',
    ]);
  });

  it('equals the live schema structurally, walked from command and event names: every difference listed, none unexplained', () => {
    const r = compareStructurally(data, live);
    const counts = (l: readonly Info[]) => `${l.filter((e) => e['meta-type'] === 'command').length} commands, ${l.filter((e) => e['meta-type'] === 'event').length} events, ${l.length} entities`;
    console.log(
      `[introspection, live] data: ${counts(data)}; live: ${counts(live)}; walked ${r.reached.data.size} and ${r.reached.live.size} entities; ${r.differences.length} differences${r.differences.length ? `:\n  ${r.differences.join('\n  ')}` : ''}`,
    );
    expect(r.differences).toEqual(EXPLAINED);
    // The walk reaches every entity but the types left over by conditions (see unexplainedOrphans):
    // those of the data are each used only under a condition false for this build, and the live
    // list has as many.
    const orphans = unreached(data, r.reached.data);
    const liveOrphans = unreached(live, r.reached.live);
    // Their schema names: the unmasked tree has the same entities in the same order.
    const masked = tree72();
    const unmasked = buildIntrospection(loadSchema(sharedPath(SCHEMA_72), { lenientDocs: true, warn: () => {} }), { unmask: true });
    const schemaName = (n: string) => unmasked[masked.findIndex((t) => t.value['name'] === n)]?.value['name'];
    console.log(
      `[introspection, live] ${orphans.length} types in the data and ${liveOrphans.length} live are used only under false conditions (unreachable, as in QEMU): ${orphans.map((n) => `${n} (${String(schemaName(n))})`).join(', ')}`,
    );
    expect(unexplainedOrphans(tree72(), (s) => decided.get(s)!.defined, orphans)).toEqual([]);
    expect(liveOrphans.length).toBe(orphans.length);
    // The symbols matter: the build with nothing defined, and with everything, differ.
    expect(compareStructurally(evaluateIntrospection(tree72(), new Set()), live).differences.length).toBeGreaterThan(0);
    expect(compareStructurally(evaluateIntrospection(tree72(), () => true), live).differences.length).toBeGreaterThan(0);
  });

  it('and even item for item: QEMU numbers the masked names before conditions are applied, so they agree too', () => {
    const first = data.findIndex((e, i) => !isDeepStrictEqual(e, live[i]));
    expect(first === -1 ? null : { at: first, data: data[first], live: live[first] }).toBeNull();
    expect(data.length).toBe(live.length);
  });
});
