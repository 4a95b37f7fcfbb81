/**
 * Comparing introspection data with what a live QEMU program serves
 * (test/client/introspection-live.test.ts explains the method): the
 * structural walk of two SchemaInfo lists, and the `'if'` symbols of
 * Debian's x86_64 Linux build of QEMU 7.2, decided from build facts, the
 * binaries and whole commands and events.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import {
  evaluateCondition,
  introspectionSymbols,
  type Annotated,
  type AnnotatedObject,
  type AnnotatedValue,
  type EnabledSymbols,
  type IfCondition,
  type IntrospectionTree,
  type QmpSchemaInfo,
} from '../../templates/runtime/introspect.js';

/** Decides every symbol `live.tree` mentions for the build whose binary facts and live schema are given; throws on an undecided one. */
export function decideSymbols(facts: BinaryFacts, live: LiveFacts): Map<string, { defined: boolean; source: Source; why: string }> {
  const decided = new Map<string, { defined: boolean; source: Source; why: string }>();
  for (const symbol of introspectionSymbols(live.tree)) {
    const d = SYMBOLS[symbol];
    if (d === undefined) throw new Error(`symbol ${symbol} is not decided (add it to SYMBOLS)`);
    const [defined, why] = d.decide(facts, live);
    decided.set(symbol, { defined, source: d.source, why });
  }
  return decided;
}

// ---------------------------------------------------------------------------
// The structural comparison
// ---------------------------------------------------------------------------

export type Info = QmpSchemaInfo;
export type AnyInfo = Info & { [key: string]: unknown };

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

export function compareStructurally(dataList: readonly Info[], liveList: readonly Info[]): Comparison {
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
export function unreached(list: readonly Info[], reached: Set<string>): string[] {
  return list.filter((e) => !reached.has(e.name)).map((e) => e.name);
}

/**
 * The entities of the data the walk cannot reach that are not explained.
 * QEMU keeps a type whose only uses are under a condition that is false
 * (a type's condition is its own, not its users'): such a type is in the
 * list, but nothing refers to it. It is explained when every reference to
 * it in the tree is under a false condition, or made by another such type.
 */
export function unexplainedOrphans(tree: IntrospectionTree, symbols: EnabledSymbols, orphans: readonly string[]): string[] {
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
// The symbols of Debian's x86_64 Linux build of QEMU 7.2
// ---------------------------------------------------------------------------

/** What the test knows about the binary before it talks QMP (see probeBinary). */
export interface BinaryFacts {
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
  /** The build's loadable modules (`ui-spice-core`, …), from its module directory. */
  modules: Set<string>;
  /**
   * The modules the build made (`ui-gtk`, …), by the names the binary
   * carries to load them: a module's package (Debian's qemu-system-gui for
   * gtk and sdl) may not be installed, but the schema the binary was built
   * with has what it gates all the same.
   */
  builtModules: Set<string>;
}

export interface LiveFacts {
  commands: Set<string>;
  events: Set<string>;
  /** The introspection tree being compared (its commands and events decide some symbols). */
  tree: IntrospectionTree;
}

export type Source = 'build fact' | 'binary' | 'live commands and events';

export interface Decision {
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
 * it compares, but for the four "live commands and events" symbols: their
 * commands and events, by name, decide them (and must agree with each
 * other); everything inside those commands and events is still compared.
 */
export const SYMBOLS: Record<string, Decision> = {
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
  // Debian builds gtk and sdl as modules, in qemu-system-gui: without that package installed,
  // -display help leaves them out, and the binary's module table still names them.
  CONFIG_GTK: probe((b) => (b.display.has('gtk') ? has(b.display, 'gtk', '-display help') : has(b.builtModules, 'ui-gtk', "the binary's module table"))),
  CONFIG_SDL: probe((b) => (b.display.has('sdl') ? has(b.display, 'sdl', '-display help') : has(b.builtModules, 'ui-sdl', "the binary's module table"))),
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
  // SPICE is built as modules (ui-spice-core, chardev-spice): the storage daemon's schema has it too (its chardevs).
  CONFIG_SPICE: probe((b) => has(b.modules, 'ui-spice-core', 'the module directory')),
  // The replication block driver (a whole-command symbol in QEMU's schema, a driver in the daemon's).
  CONFIG_REPLICATION: probe((b) => has(b.formats, 'replication', '-drive format=help')),
  CONFIG_BLKIO: probe((b) => has(b.formats, 'virtio-blk-vhost-vdpa', '-drive format=help')),
  CONFIG_ZSTD: probe((b) => has(b.libraries, 'libzstd', 'ldd')),
  CONFIG_LIBPMEM: probe((b) => has(b.libraries, 'libpmem', 'ldd')),
  CONFIG_LINUX_IO_URING: probe((b) => has(b.libraries, 'liburing', 'ldd')),
  CONFIG_FUSE: probe((b) => has(b.libraries, 'libfuse3', 'ldd')),
  CONFIG_VHOST_USER_BLK_SERVER: probe((b) => has(b.storageDaemonExports, 'vhost-user-blk', 'qemu-storage-daemon --help')),
  CONFIG_VDUSE_BLK_EXPORT: probe((b) => has(b.storageDaemonExports, 'vduse-blk', 'qemu-storage-daemon --help')),
  // Symbols that gate whole commands and events: decided by those (see decideFromEntities).
  CONFIG_FDT: { source: 'live commands and events', decide: (_b, l) => decideFromEntities('CONFIG_FDT', l) },
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
  const gated = l.tree
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

/** The modules of the build the binary belongs to: `PREFIX/lib/<multiarch>/qemu/*.so` (Debian), or `PREFIX/lib64/qemu`. */
function buildModules(binary: string): Set<string> {
  const prefix = dirname(dirname(binary));
  const candidates = [join(prefix, 'lib', 'x86_64-linux-gnu', 'qemu'), join(prefix, 'lib64', 'qemu'), join(prefix, 'lib', 'qemu')];
  const dir = candidates.find((d) => existsSync(d));
  return new Set(dir === undefined ? [] : readdirSync(dir).filter((f) => f.endsWith('.so')).map((f) => f.slice(0, -3)));
}

export function probeBinary(binary: string): BinaryFacts {
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
    modules: buildModules(binary),
    builtModules: new Set([...readFileSync(binary, 'latin1').matchAll(/(?<![\w-])(?:ui|audio|chardev|hw|block|accel)-[a-z0-9-]+(?![\w-])/g)].map((m) => m[0])),
  };
}

