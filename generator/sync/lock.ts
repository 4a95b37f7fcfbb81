/**
 * The sync's lock file: which QEMU schema files the schema dir holds, where
 * they came from, and the sha256 of each. JSON, keys in a fixed order,
 * two-space indent, a trailing newline; no timestamps and no absolute paths
 * (a local source is recorded relative to the lock's directory), so two
 * syncs of the same source give the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** The format's version: a lock with another one is refused. */
export const LOCK_VERSION = 1;

/** QEMU's schema files are GPL-2.0-or-later (QEMU's LICENSE: files without a header take that license). */
export const QEMU_SCHEMA_LICENSE = 'GPL-2.0-or-later';

/** The lock file's name in the schema dir, the default --lock. */
export const DEFAULT_LOCK_NAME = 'qapi-ts.lock.json';

/** Where the files came from, as the user gave it. */
export type LockSource =
  | { readonly type: 'dir'; readonly path: string }
  | { readonly type: 'tarball'; readonly path?: string; readonly url?: string; readonly topDir: string; readonly sha256: string }
  | { readonly type: 'git'; readonly url: string; readonly ref: string; readonly commit: string };

export interface LockFile {
  readonly path: string;
  readonly sha256: string;
}

export interface Lock {
  readonly lockVersion: number;
  readonly qemuVersion: string;
  /** How the version was found: 'VERSION file', '--version-name', 'directory name', 'git ref'. */
  readonly versionFrom: string;
  readonly source: LockSource;
  /** The schema dir, relative to the lock's directory (POSIX separators). */
  readonly schemaDir: string;
  readonly license: string;
  /** The entry points, relative to the QEMU source root (and to the schema dir). */
  readonly entries: readonly string[];
  /** Every file copied, relative to the schema dir, sorted. */
  readonly files: readonly LockFile[];
}

/** A sync error: a bad source, option or lock. The CLI prints its message, no stack. */
export class SyncError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SyncError';
  }
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Strings in code-point order (not the locale's): the same on every machine. */
export function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The lock's text: fixed key order, sorted files, pretty, trailing newline. */
export function serializeLock(lock: Lock): string {
  const source = ((): Record<string, string> => {
    const s = lock.source;
    switch (s.type) {
      case 'dir':
        return { type: s.type, path: s.path };
      case 'tarball':
        return { type: s.type, ...(s.url !== undefined ? { url: s.url } : {}), ...(s.path !== undefined ? { path: s.path } : {}), topDir: s.topDir, sha256: s.sha256 };
      case 'git':
        return { type: s.type, url: s.url, ref: s.ref, commit: s.commit };
    }
  })();
  const ordered = {
    lockVersion: lock.lockVersion,
    qemuVersion: lock.qemuVersion,
    versionFrom: lock.versionFrom,
    source,
    schemaDir: lock.schemaDir,
    license: lock.license,
    entries: [...lock.entries],
    files: [...lock.files].sort((a, b) => byCodePoint(a.path, b.path)).map((f) => ({ path: f.path, sha256: f.sha256 })),
  };
  return JSON.stringify(ordered, null, 2) + '\n';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A lock file's path that cannot leave the schema dir. */
function isSafeRelPath(p: string): boolean {
  return p !== '' && !p.startsWith('/') && !/^[A-Za-z]:/.test(p) && !p.includes('\\') && p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/** Parses and checks a lock's text; `where` names it in errors. */
export function parseLock(text: string, where: string): Lock {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new SyncError(`${where}: not a qapi-ts lock file: ${(err as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new SyncError(`${where}: not a qapi-ts lock file: ${what}`);
  };
  if (!isRecord(data)) return bad('not a JSON object');
  if (data['lockVersion'] !== LOCK_VERSION) return bad(`lockVersion is ${JSON.stringify(data['lockVersion'])}, this qapi-ts reads ${LOCK_VERSION}`);
  const str = (key: string): string => {
    const v = data[key];
    return typeof v === 'string' ? v : bad(`"${key}" is not a string`);
  };
  const source = data['source'];
  if (!isRecord(source) || typeof source['type'] !== 'string' || !['dir', 'tarball', 'git'].includes(source['type'])) return bad('"source" is not a source');
  const files = data['files'];
  if (!Array.isArray(files)) return bad('"files" is not a list');
  const seen = new Set<string>();
  const checked = files.map((f: unknown): LockFile => {
    if (!isRecord(f) || typeof f['path'] !== 'string' || typeof f['sha256'] !== 'string' || !/^[0-9a-f]{64}$/.test(f['sha256'])) return bad(`a "files" item is not {path, sha256}: ${JSON.stringify(f)}`);
    if (!isSafeRelPath(f['path'])) return bad(`file path ${JSON.stringify(f['path'])} is not inside the schema dir`);
    if (seen.has(f['path'])) return bad(`file ${f['path']} is listed twice`);
    seen.add(f['path']);
    return { path: f['path'], sha256: f['sha256'] };
  });
  const entries = data['entries'];
  if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'string')) return bad('"entries" is not a list of strings');
  return {
    lockVersion: LOCK_VERSION,
    qemuVersion: str('qemuVersion'),
    versionFrom: str('versionFrom'),
    source: source as unknown as LockSource,
    schemaDir: str('schemaDir'),
    license: str('license'),
    entries: entries as string[],
    files: checked,
  };
}

/** Reads a lock; null when there is no file. */
export function readLock(file: string, where: string = file): Lock | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return parseLock(text, where);
}
