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
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildIntrospection } from '../../generator/emit/introspect.js';
import { loadSchema } from '../../generator/model/schema.js';
import { evaluateIntrospection, introspectionSymbols, type IntrospectionTree } from '../../templates/runtime/introspect.js';
import { compareStructurally, decideSymbols, probeBinary, SYMBOLS, unexplainedOrphans, unreached, type AnyInfo, type Info, type Source } from '../helpers/introspection-compare.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { describeQemu, findQemu, startQemu, type Qemu } from '../helpers/qemu.js';
import { RawPeer, SCHEMA_72 } from './helpers.js';

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
    decided = decideSymbols(facts, { commands: names('command'), events: names('event'), tree: tree72() });
    data = evaluateIntrospection(tree72(), (s) => {
      const d = decided.get(s);
      if (d === undefined) throw new Error(`symbol ${s} is not decided`);
      return d.defined;
    });
  }, 900_000);

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
