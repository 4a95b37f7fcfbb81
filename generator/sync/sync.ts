/**
 * `qapi-ts sync`: copies the schema files QEMU's entry points need (the
 * entries and everything they include, as the front end reads them) from a
 * QEMU source into the schema dir, byte for byte, and records them in a
 * lock file; `--check` tells whether the schema dir still matches the lock.
 *
 * Nothing changes unless everything worked: the source is fetched, read and
 * checked, and the new files staged in a temp dir next to the schema dir,
 * before anything is renamed into place (and a failing rename is rolled
 * back). Stale files are removed only when the previous lock listed them.
 */
import { closeSync, copyFileSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { loadSchema, QapiError } from '../model/schema.js';
import { DEFAULT_LOCK_NAME, LOCK_VERSION, QEMU_SCHEMA_LICENSE, SyncError, byCodePoint, readLock, serializeLock, sha256 } from './lock.js';
import type { Lock, LockSource } from './lock.js';
import { openSource, parseSourceSpec } from './source.js';
import type { LocalSource } from './source.js';

/** QEMU's entry points, relative to its source root: QMP, the guest agent, the storage daemon. */
export const DEFAULT_ENTRIES: readonly string[] = ['qapi/qapi-schema.json', 'qga/qapi-schema.json', 'storage-daemon/qapi/qapi-schema.json'];

export const DEFAULT_SCHEMA_DIR = 'schema';

export interface SyncOptions {
  /** A QEMU source dir, a .tar.xz/.tar.gz (path or http(s) URL), `git+URL#REF`, or a git URL with `ref`. */
  readonly from: string;
  readonly ref?: string;
  /** Entry points relative to the source root; default: those of DEFAULT_ENTRIES the source has. */
  readonly entries?: readonly string[];
  /** Default `schema`. */
  readonly schemaDir?: string;
  /** Default `<schemaDir>/qapi-ts.lock.json`. */
  readonly lock?: string;
  /** The QEMU version when the source has no VERSION file (it must agree with one). */
  readonly versionName?: string;
  /** Overwrite files in the schema dir that the lock does not list. */
  readonly force?: boolean;
  /** Write nothing; report what would change. */
  readonly dryRun?: boolean;
}

export interface SyncResult {
  readonly lock: Lock;
  /** The lock's path and the schema dir, as the user gave them (or the defaults). */
  readonly lockPath: string;
  readonly schemaDir: string;
  /** Files (relative to the schema dir) written, removed, left as they were. */
  readonly written: readonly string[];
  readonly removed: readonly string[];
  readonly unchanged: readonly string[];
  readonly lockChanged: boolean;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly lock: Lock;
  readonly lockPath: string;
  readonly schemaDir: string;
  readonly missing: readonly string[];
  readonly changed: readonly string[];
}

/** A path with POSIX separators. */
function toPosix(p: string): string {
  return p.split(sep).join('/');
}

/** An entry as the user gave it, made a normalized path inside the source. */
function normalizeEntry(e: string): string {
  const n = posix.normalize(e.split('\\').join('/'));
  if (e === '' || isAbsolute(e) || posix.isAbsolute(n) || n === '.' || n === '..' || n.startsWith('../') || n.endsWith('/')) {
    throw new SyncError(`--entry ${e}: not a file path inside the QEMU source (give it relative to the source root, e.g. qapi/qapi-schema.json)`);
  }
  return n;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** What SOURCE is called in messages. */
function sourceLabel(src: LocalSource, from: string): string {
  return src.described.type === 'dir' ? src.described.path : from;
}

/** The QEMU version: the VERSION file, else --version-name, else the source's name. */
function qemuVersion(src: LocalSource, versionName: string | undefined, label: string): [string, string] {
  let text: string | null = null;
  try {
    text = readFileSync(join(src.root, 'VERSION'), 'utf8').trim();
  } catch {
    text = null;
  }
  if (text !== null && text !== '') {
    if (versionName !== undefined && versionName !== text) throw new SyncError(`--version-name ${versionName}: the VERSION file of ${label} says ${text}`);
    return [text, 'VERSION file'];
  }
  if (versionName !== undefined) return [versionName, '--version-name'];
  return [src.fallbackVersion[0], src.fallbackVersion[1]];
}

/** The front end's message, with the temp dir of a tarball or clone left out (so it names files inside the source). */
function relabel(err: QapiError, src: LocalSource): QapiError {
  if (src.tempPrefix === null) return err;
  const e = new QapiError(err.message.split(src.tempPrefix + sep).join(''));
  return e;
}

/**
 * Reads the entry points with the front end (so a broken schema stops the
 * sync with QEMU's message) and returns every file read, relative to the
 * source root, with its bytes.
 */
function collectFiles(src: LocalSource, entries: readonly string[], label: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const realRoot = realpathSync(src.root);
  for (const entry of entries) {
    let schema;
    try {
      schema = loadSchema(join(src.frontEndRoot, entry), { lenientDocs: true, warn: () => {} });
    } catch (err) {
      if (err instanceof QapiError) throw relabel(err, src);
      throw err;
    }
    for (const f of schema.sourceFiles) {
      const abs = resolve(f.name);
      const rel = relative(src.root, abs);
      const real = realpathSync(abs);
      const realRel = relative(realRoot, real);
      if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || realRel.startsWith('..') || isAbsolute(realRel)) {
        throw new SyncError(`${label}: ${entry} reads ${f.name}, which is outside the QEMU source`);
      }
      const key = toPosix(rel);
      if (!files.has(key)) files.set(key, readFileSync(abs));
    }
  }
  return new Map([...files].sort((a, b) => byCodePoint(a[0], b[0])));
}

/** The nearest directory at or above `dir` that exists. */
function nearestExisting(dir: string): string {
  let d = resolve(dir);
  for (;;) {
    try {
      if (statSync(d).isDirectory()) return d;
    } catch {
      /* go up */
    }
    const up = dirname(d);
    if (up === d) return d;
    d = up;
  }
}

function writeFileDurably(file: string, data: Uint8Array | string): void {
  mkdirSync(dirname(file), { recursive: true });
  const fd = openSync(file, 'w');
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Moves a file; across file systems (EXDEV), copies it beside the target and renames that. */
function moveFile(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = `${to}.qapi-ts-${process.pid}.tmp`;
    copyFileSync(from, tmp);
    renameSync(tmp, to);
    rmSync(from, { force: true });
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Removes the empty directories from `dir` up to (not including) `stop`. */
function pruneEmptyDirs(dir: string, stop: string): void {
  for (let d = dir; d !== stop && d.startsWith(stop + sep); d = dirname(d)) {
    try {
      if (readdirSync(d).length > 0) return;
      rmdirSync(d);
    } catch {
      return;
    }
  }
}

/**
 * Puts the staged files and lock in place: each replaced or removed file is
 * first moved to a backup in the stage dir, so that a failure part way
 * undoes what was done.
 */
function commit(stage: string, schemaDir: string, writes: ReadonlyMap<string, Buffer>, removes: readonly string[], lockPath: string, lockText: string | null): void {
  const staged = join(stage, 'new');
  const backup = join(stage, 'old');
  // Stage everything first: a full disk or a permission error stops here, before any change.
  for (const [rel, data] of writes) writeFileDurably(join(staged, rel), data);
  const lockStaged = join(stage, 'lock.json');
  if (lockText !== null) writeFileDurably(lockStaged, lockText);

  const undo: (() => void)[] = [];
  const place = (from: string, target: string, backupName: string): void => {
    const made = mkdirSync(dirname(target), { recursive: true });
    if (made !== undefined) undo.push(() => rmSync(made, { recursive: true, force: true }));
    if (exists(target)) {
      moveFile(target, join(backup, backupName));
      undo.push(() => moveFile(join(backup, backupName), target));
    }
    moveFile(from, target);
    undo.push(() => rmSync(target, { force: true }));
  };
  try {
    for (const rel of writes.keys()) place(join(staged, rel), join(schemaDir, rel), join('files', rel));
    for (const rel of removes) {
      const target = join(schemaDir, rel);
      moveFile(target, join(backup, 'files', rel));
      undo.push(() => moveFile(join(backup, 'files', rel), target));
    }
    if (lockText !== null) place(lockStaged, lockPath, 'lock.json');
  } catch (err) {
    for (const step of undo.reverse()) {
      try {
        step();
      } catch {
        /* keep undoing the rest */
      }
    }
    throw err;
  }
  for (const rel of removes) pruneEmptyDirs(dirname(join(schemaDir, rel)), schemaDir);
}

/** A path for the lock: relative to the lock's directory, POSIX separators. */
function forLock(lockDir: string, p: string): string {
  const rel = relative(lockDir, resolve(p));
  return rel === '' ? '.' : isAbsolute(rel) ? rel : toPosix(rel);
}

function lockSource(src: LocalSource, lockDir: string): LockSource {
  const d = src.described;
  switch (d.type) {
    case 'dir':
      return { type: 'dir', path: forLock(lockDir, d.path) };
    case 'tarball':
      return d.url !== undefined ? { type: 'tarball', url: d.url, topDir: d.topDir, sha256: d.sha256 } : { type: 'tarball', path: forLock(lockDir, d.path!), topDir: d.topDir, sha256: d.sha256 };
    case 'git':
      return { type: 'git', url: d.localPath ? forLock(lockDir, d.url) : d.url, ref: d.ref, commit: d.commit };
  }
}

/** Copies the schema files from SOURCE into the schema dir and writes the lock (see the module comment). */
export async function syncSchema(opts: SyncOptions): Promise<SyncResult> {
  const schemaDirArg = opts.schemaDir ?? DEFAULT_SCHEMA_DIR;
  const lockArg = opts.lock ?? join(schemaDirArg, DEFAULT_LOCK_NAME);
  const schemaDir = resolve(schemaDirArg);
  const lockPath = resolve(lockArg);
  const given = opts.entries !== undefined && opts.entries.length > 0;
  const wanted = given ? [...new Set(opts.entries!.map(normalizeEntry))] : [...DEFAULT_ENTRIES];
  // Read the previous lock first: a broken one stops the sync before any download.
  const prev = readLock(lockPath, lockArg);

  const spec = parseSourceSpec(opts.from, opts.ref);
  // What a tarball or clone must hold: the entries' top directories, and qapi/ (the storage daemon includes it).
  const topDirs = [...new Set(['qapi', ...wanted.filter((e) => e.includes('/')).map((e) => e.split('/')[0]!)])];
  const rootFiles = wanted.filter((e) => !e.includes('/'));
  const src = await openSource(spec, topDirs, rootFiles);
  try {
    const label = sourceLabel(src, opts.from);
    const entries = given ? wanted : wanted.filter((e) => isFile(join(src.root, e)));
    if (given) {
      for (const e of entries) if (!isFile(join(src.root, e))) throw new SyncError(`--entry ${e}: no such file in ${label} (QEMU's entry points: ${DEFAULT_ENTRIES.join(', ')})`);
    } else if (entries.length === 0) {
      throw new SyncError(`${label}: none of QEMU's entry points is there (${DEFAULT_ENTRIES.join(', ')})`);
    }
    const [version, versionFrom] = qemuVersion(src, opts.versionName, label);
    const files = collectFiles(src, entries, label);

    for (const rel of files.keys()) {
      if (resolve(schemaDir, rel) === lockPath) throw new SyncError(`--lock ${lockArg}: the lock would overwrite the schema file ${rel}`);
    }
    const lockDir = dirname(lockPath);
    const prevListed = new Set(prev !== null && resolve(lockDir, prev.schemaDir) === schemaDir ? prev.files.map((f) => f.path) : []);

    const written: string[] = [];
    const unchanged: string[] = [];
    const foreign: string[] = [];
    for (const [rel, data] of files) {
      const target = join(schemaDir, rel);
      let current: Buffer | null = null;
      try {
        current = readFileSync(target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EISDIR') throw new SyncError(`${join(schemaDirArg, rel)} is a directory; the sync would write a schema file there`);
        if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
      }
      if (current !== null && current.equals(data)) unchanged.push(rel);
      else {
        if (current !== null && !prevListed.has(rel) && opts.force !== true) foreign.push(join(schemaDirArg, rel));
        written.push(rel);
      }
    }
    if (foreign.length > 0) {
      throw new SyncError(`the sync would overwrite files that the lock does not list (not written by qapi-ts sync?): ${foreign.join(', ')}; move them away, or use --force`);
    }
    const removed = [...prevListed].filter((rel) => !files.has(rel) && isFile(join(schemaDir, rel))).sort(byCodePoint);

    const lock: Lock = {
      lockVersion: LOCK_VERSION,
      qemuVersion: version,
      versionFrom,
      source: lockSource(src, lockDir),
      schemaDir: forLock(lockDir, schemaDir),
      license: QEMU_SCHEMA_LICENSE,
      entries,
      files: [...files].map(([path, data]) => ({ path, sha256: sha256(data) })),
    };
    const lockText = serializeLock(lock);
    let oldText: string | null = null;
    try {
      oldText = readFileSync(lockPath, 'utf8');
    } catch {
      oldText = null;
    }
    const lockChanged = oldText !== lockText;

    if (opts.dryRun !== true && (written.length > 0 || removed.length > 0 || lockChanged)) {
      const stage = mkdtempSync(join(nearestExisting(dirname(schemaDir)), '.qapi-ts-sync-'));
      try {
        commit(stage, schemaDir, new Map(written.map((rel) => [rel, files.get(rel)!])), removed, lockPath, lockChanged ? lockText : null);
      } finally {
        rmSync(stage, { recursive: true, force: true });
      }
    }
    return { lock, lockPath: lockArg, schemaDir: schemaDirArg, written, removed, unchanged, lockChanged };
  } finally {
    src.cleanup();
  }
}

/** Whether the schema dir holds every file the lock lists, with its hash. Reads, never writes; needs no source. */
export function checkSchemaDir(opts: { readonly schemaDir?: string; readonly lock?: string } = {}): CheckResult {
  const lockArg = opts.lock ?? join(opts.schemaDir ?? DEFAULT_SCHEMA_DIR, DEFAULT_LOCK_NAME);
  const lockPath = resolve(lockArg);
  const lock = readLock(lockPath, lockArg);
  if (lock === null) throw new SyncError(`no lock file ${lockArg}; make one with qapi-ts sync --from SOURCE`);
  const schemaDir = opts.schemaDir !== undefined ? resolve(opts.schemaDir) : resolve(dirname(lockPath), lock.schemaDir);
  const shown = opts.schemaDir ?? (relative(process.cwd(), schemaDir) || '.');
  const missing: string[] = [];
  const changed: string[] = [];
  for (const f of lock.files) {
    let data: Buffer;
    try {
      data = readFileSync(join(schemaDir, f.path));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') missing.push(f.path);
      else if (code === 'EISDIR') changed.push(f.path);
      else throw err;
      continue;
    }
    if (sha256(data) !== f.sha256) changed.push(f.path);
  }
  return { ok: missing.length === 0 && changed.length === 0, lock, lockPath: lockArg, schemaDir: shown, missing, changed };
}
