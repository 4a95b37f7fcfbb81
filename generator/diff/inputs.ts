/**
 * What `qapi-ts diff OLD NEW` compares: each side is
 *
 * - a schema file (the entry point, e.g. `qemu/qapi/qapi-schema.json`);
 * - a directory: its `qapi/qapi-schema.json` (or `--entry`'s path in it);
 *   without `--entry`, a `qapi-schema.json` right in it also does;
 * - `REV:PATH`, a file or directory of the current git repository at a
 *   revision, PATH from the repository's root (`HEAD:schema`,
 *   `main:schema/qapi-schema.json`, `v1.0:` for the root); `git:REV` is
 *   `REV:`. The files are read with `git cat-file` (never the work tree),
 *   following `'include'`s, into a temporary directory that is removed
 *   afterwards. An existing path wins over the git reading.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';

/** The default entry point in a synced directory (QEMU's layout). */
export const DEFAULT_ENTRY = 'qapi/qapi-schema.json';

/** A bad OLD or NEW (no such file, not a schema directory, unknown revision). */
export class DiffInputError extends Error {
  override readonly name = 'DiffInputError';
}

export interface SchemaInput {
  /** The schema file to load. */
  entry: string;
  /** How messages name files: the temporary directory of a git side becomes `REV:`. */
  relabel(message: string): string;
  /** Removes the temporary files, if any. */
  cleanup(): void;
}

/** Resolves one side of the diff (`what` is OLD or NEW, for messages). */
export function resolveInput(arg: string, what: string, opts: { entry?: string; cwd?: string } = {}): SchemaInput {
  const cwd = opts.cwd ?? process.cwd();
  const local = posix.isAbsolute(arg) ? arg : join(cwd, arg);
  if (existsSync(local)) {
    if (statSync(local).isDirectory()) return plain(inDirectory(local, arg, what, opts.entry, existsSync));
    if (opts.entry !== undefined) throw new DiffInputError(`${what} ${arg} is a file: --entry applies to directories`);
    return plain(local);
  }
  const m = /^git:(.+)$/.exec(arg) ?? /^([^:]+):(.*)$/.exec(arg);
  if (m === null) throw new DiffInputError(`${what} ${arg}: no such file or directory`);
  const [rev, path] = arg.startsWith('git:') ? [m[1]!, ''] : [m[1]!, m[2]!];
  return fromGit(rev, path.replace(/^\/+|\/+$/g, ''), arg, what, opts.entry, cwd);
}

function plain(entry: string): SchemaInput {
  return { entry, relabel: (msg) => msg, cleanup: () => {} };
}

/** The entry file of a directory, by `exists` (a local or a git tree). */
function inDirectory(dir: string, arg: string, what: string, entry: string | undefined, exists: (p: string) => boolean): string {
  const candidates = entry !== undefined ? [entry] : [DEFAULT_ENTRY, 'qapi-schema.json'];
  for (const c of candidates) {
    const p = dir === '' ? c : posix.join(dir, c);
    if (exists(p)) return p;
  }
  throw new DiffInputError(`${what} ${arg} is a directory without ${candidates.join(' or ')}${entry === undefined ? ' (--entry names another entry point)' : ''}`);
}

function git(args: string[], cwd: string, input?: string): { status: number | null; stdout: Buffer; stderr: string } {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new DiffInputError(`cannot run git: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.toString('utf8').trim() };
}

/** Reads blobs `rev:path` in one `git cat-file --batch`; a missing one is null. */
function catFiles(rev: string, paths: readonly string[], cwd: string): Map<string, Buffer | null> {
  const r = git(['cat-file', '--batch'], cwd, paths.map((p) => `${rev}:${p}\n`).join(''));
  const out = new Map<string, Buffer | null>();
  let at = 0;
  for (const p of paths) {
    const nl = r.stdout.indexOf(0x0a, at);
    const header = r.stdout.subarray(at, nl).toString('utf8');
    at = nl + 1;
    const h = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header);
    if (h === null) {
      out.set(p, null);
      continue;
    }
    const size = Number(h[2]);
    out.set(p, h[1] === 'blob' ? r.stdout.subarray(at, at + size) : null);
    at += size + 1;
  }
  return out;
}

/** `'include'`s of a schema file, outside comments. */
function includesOf(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    if (/^\s*#/.test(l)) continue;
    for (const m of l.matchAll(/'include'\s*:\s*'([^']*)'/g)) out.push(m[1]!);
  }
  return out;
}

function fromGit(rev: string, path: string, arg: string, what: string, entry: string | undefined, cwd: string): SchemaInput {
  const top = git(['rev-parse', '--show-toplevel'], cwd);
  if (top.status !== 0) throw new DiffInputError(`${what} ${arg}: no such file or directory, and not in a git repository for ${arg} to name a revision`);
  const root = top.stdout.toString('utf8').trim();
  if (git(['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], root).status !== 0) {
    throw new DiffInputError(`${what} ${arg}: no such file or directory, and ${rev} is not a revision of ${root}`);
  }
  const kind = (p: string): string | null => {
    const r = git(['cat-file', '-t', `${rev}:${p}`], root);
    return r.status === 0 ? r.stdout.toString('utf8').trim() : null;
  };
  const k = kind(path);
  if (k === null) throw new DiffInputError(`${what} ${arg}: ${path === '' ? 'the root' : path} is not in ${rev}`);
  if (k === 'tree') {
    path = inDirectory(path, arg, what, entry, (p) => kind(p) === 'blob');
  } else if (entry !== undefined) {
    throw new DiffInputError(`${what} ${arg} is a file: --entry applies to directories`);
  }
  const tmp = mkdtempSync(join(tmpdir(), 'qapi-ts-diff-'));
  try {
    const seen = new Set<string>([path]);
    let wave = [path];
    while (wave.length) {
      const blobs = catFiles(rev, wave, root);
      const next: string[] = [];
      for (const [p, blob] of blobs) {
        // A missing include is left for the front end to report, with file and line.
        if (blob === null) continue;
        const file = join(tmp, p);
        mkdirSync(posix.dirname(file), { recursive: true });
        writeFileSync(file, blob);
        for (const inc of includesOf(blob.toString('utf8'))) {
          const q = posix.normalize(posix.join(posix.dirname(p), inc));
          if (q.startsWith('../') || seen.has(q)) continue;
          seen.add(q);
          next.push(q);
        }
      }
      wave = next;
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const label = `${rev}:`;
  return {
    entry: join(tmp, path),
    relabel: (msg) => msg.split(tmp + '/').join(label),
    cleanup: () => rmSync(tmp, { recursive: true, force: true }),
  };
}
