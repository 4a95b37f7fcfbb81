/**
 * The sync's SOURCE, made a local directory: a QEMU source tree as is, a
 * release tarball (local or http(s)) extracted with the system `tar`, or a
 * git ref fetched shallowly with the `git` binary. Tarballs and clones go to
 * a temp dir that `cleanup` removes.
 */
import { execFile } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { SyncError } from './lock.js';

/** What SOURCE is, from its text alone. */
export type SourceSpec =
  | { readonly kind: 'dir-or-file'; readonly path: string }
  | { readonly kind: 'url-tarball'; readonly url: string }
  | { readonly kind: 'git'; readonly url: string; readonly ref: string };

/** A source on the local disk, ready to read. */
export interface LocalSource {
  /** The QEMU source root (holds qapi/). */
  readonly root: string;
  /** How schema file names are passed to the front end: the root as the user gave it (dir), or the absolute temp root. */
  readonly frontEndRoot: string;
  /** A temp prefix to strip from the front end's messages (tarball, git), so they name files inside the source. */
  readonly tempPrefix: string | null;
  /** What the source is, for the lock (paths still as given, made relative to the lock later). */
  readonly described:
    | { readonly type: 'dir'; readonly path: string }
    | { readonly type: 'tarball'; readonly path?: string; readonly url?: string; readonly topDir: string; readonly sha256: string }
    | { readonly type: 'git'; readonly url: string; readonly localPath: boolean; readonly ref: string; readonly commit: string };
  /** The version when the source has no VERSION file: [name, how it was found]. */
  readonly fallbackVersion: readonly [string, string];
  cleanup(): void;
}

const URL_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;

/** Reads SOURCE (and --ref): `git+URL#REF`, `URL --ref REF`, an http(s) tarball URL, or a local dir or tarball. */
export function parseSourceSpec(from: string, ref: string | undefined): SourceSpec {
  if (from === '') throw new SyncError('--from: empty SOURCE');
  if (from.startsWith('git+')) {
    const rest = from.slice(4);
    const hash = rest.lastIndexOf('#');
    const url = hash < 0 ? rest : rest.slice(0, hash);
    const inlineRef = hash < 0 ? undefined : rest.slice(hash + 1);
    if (inlineRef !== undefined && ref !== undefined && inlineRef !== ref) throw new SyncError(`--from ${from} names ref ${inlineRef}, --ref names ${ref}: give one`);
    const r = inlineRef ?? ref;
    if (r === undefined || r === '') throw new SyncError(`--from ${from}: a git source needs a ref: git+URL#REF (a tag, branch or commit), or --ref REF`);
    if (url === '') throw new SyncError(`--from ${from}: no repository URL before #${r}`);
    return { kind: 'git', url, ref: r };
  }
  if (ref !== undefined) {
    if (ref === '') throw new SyncError('--ref: empty ref');
    return { kind: 'git', url: from, ref };
  }
  if (/^https?:\/\//i.test(from)) {
    let url: URL;
    try {
      url = new URL(from);
    } catch {
      throw new SyncError(`--from ${from}: not a valid URL`);
    }
    if (/\.git\/?$/i.test(url.pathname)) throw new SyncError(`--from ${from}: a git repository needs a ref: git+${from}#REF (a tag, branch or commit), or --ref REF`);
    return { kind: 'url-tarball', url: from };
  }
  if (URL_SCHEME.test(from)) throw new SyncError(`--from ${from}: for a git repository give the ref (git+URL#REF or --ref REF); other URLs must be http(s) tarballs`);
  return { kind: 'dir-or-file', path: from };
}

/** Runs a program (no shell); rejects with its stderr. */
function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { ...opts, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
        rej(new SyncError(`cannot run ${cmd}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found on PATH' : err.message}`));
        return;
      }
      const code = err ? ((err as { code?: number }).code ?? 1) : 0;
      res({ stdout, stderr, code });
    });
  });
}

function firstLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(0, n).join('\n');
}

/** The cause of a failed fetch(): Node wraps it ("fetch failed") with the socket error as `cause`. */
function fetchCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code !== undefined && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Downloads a URL to a file; returns its sha256. A connection reset before the response (a reused socket the server had closed) is tried once more. */
async function download(url: string, file: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow' }).catch((err: unknown) => {
      if ((err as { cause?: { code?: string } }).cause?.code === 'ECONNRESET') return fetch(url, { redirect: 'follow' });
      throw err;
    });
  } catch (err) {
    throw new SyncError(`cannot download ${url}: ${fetchCause(err)}`);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel();
    throw new SyncError(`cannot download ${url}: HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}`);
  }
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>), tap, createWriteStream(file));
  } catch (err) {
    throw new SyncError(`cannot download ${url}: ${fetchCause(err)}`);
  }
  return hash.digest('hex');
}

function fileSha256(file: string): Promise<string> {
  return new Promise((res, rej) => {
    const hash = createHash('sha256');
    const stream = createReadStream(file);
    stream.on('data', (c: string | Buffer) => hash.update(c));
    stream.on('error', rej);
    stream.on('end', () => res(hash.digest('hex')));
  });
}

/** The compression of an archive, by its first bytes. */
function sniffArchive(file: string): 'xz' | 'gzip' | 'tar' | null {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(512);
    const n = readSync(fd, buf, 0, 512, 0);
    if (n >= 6 && buf.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
    if (n >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return 'gzip';
    if (n >= 262 && buf.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
    return null;
  } finally {
    closeSync(fd);
  }
}

/** A directory that is a QEMU source root. */
function hasQapiDir(dir: string): boolean {
  try {
    return statSync(join(dir, 'qapi')).isDirectory();
  } catch {
    return false;
  }
}

/** "qemu-10.2.2" → "10.2.2"; another name stays. */
function versionFromName(name: string): string {
  return name.replace(/\.(tar\.xz|tar\.gz|tgz|txz|tar)$/i, '').replace(/^qemu-/i, '');
}

/**
 * Extracts what the sync can need from a tarball: VERSION and the entries'
 * top directories (anywhere: the top dir's name is not known yet). GNU tar
 * fails on a pattern that matches nothing; that alone is no error here.
 */
async function extractTarball(archive: string, label: string, dest: string, topDirs: readonly string[], rootFiles: readonly string[]): Promise<{ root: string; topDir: string }> {
  const kind = sniffArchive(archive);
  if (kind === null) throw new SyncError(`${label}: not a .tar.xz, .tar.gz or .tar archive`);
  const flag = kind === 'xz' ? ['-J'] : kind === 'gzip' ? ['-z'] : [];
  const patterns = ['VERSION', ...topDirs.map((d) => `${d}/*`), ...rootFiles];
  const r = await run('tar', ['-x', ...flag, '-f', archive, '-C', dest, '--no-same-owner', '--no-same-permissions', '--wildcards', '--no-anchored', '--', ...patterns]);
  if (r.code !== 0) {
    const real = r.stderr.split('\n').filter((l) => l.trim() !== '' && !/Not found in archive|Exiting with failure status due to previous errors/.test(l));
    if (real.length > 0 || r.code !== 2) throw new SyncError(`${label}: tar failed: ${firstLines(real.join('\n') || r.stderr)}`);
  }
  if (hasQapiDir(dest)) return { root: dest, topDir: '.' };
  const roots = readdirSync(dest, { withFileTypes: true }).filter((d) => d.isDirectory() && hasQapiDir(join(dest, d.name)));
  if (roots.length === 0) throw new SyncError(`${label}: not a QEMU source tarball: no qapi/ directory in it (at the top or under its top directory)`);
  if (roots.length > 1) throw new SyncError(`${label}: several top directories hold a qapi/ directory: ${roots.map((d) => d.name).join(', ')}`);
  return { root: join(dest, roots[0]!.name), topDir: roots[0]!.name };
}

/** Runs git without prompts; a failure becomes a SyncError with git's message. */
async function git(args: readonly string[], what: string): Promise<string> {
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: '', SSH_ASKPASS: '', LC_ALL: 'C' };
  const r = await run('git', args, { env });
  if (r.code !== 0) throw new SyncError(`${what}: ${firstLines(r.stderr) || `git exited with ${r.code}`}`);
  return r.stdout.trim();
}

/** A git URL that is a local path (not a URL, not scp-like host:path). */
function isLocalGitPath(url: string): boolean {
  return !URL_SCHEME.test(url) && !/^[^/]+:/.test(url);
}

/**
 * Makes SOURCE a local directory. `topDirs` are the top directories of the
 * entries, `rootFiles` entries at the top: what to extract or check out.
 */
export async function openSource(spec: SourceSpec, topDirs: readonly string[], rootFiles: readonly string[] = []): Promise<LocalSource> {
  if (spec.kind === 'dir-or-file') {
    let st;
    try {
      st = statSync(spec.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new SyncError(`source not found: ${spec.path}`);
      throw err;
    }
    if (st.isDirectory()) {
      if (!hasQapiDir(spec.path)) throw new SyncError(`${spec.path}: not a QEMU source: it has no qapi/ directory`);
      const root = resolve(spec.path);
      return { root, frontEndRoot: spec.path, tempPrefix: null, described: { type: 'dir', path: spec.path }, fallbackVersion: [versionFromName(basename(root)), 'directory name'], cleanup: () => {} };
    }
    const temp = mkdtempSync(join(tmpdir(), 'qapi-ts-sync-src-'));
    try {
      const sha = await fileSha256(spec.path);
      const { root, topDir } = await extractTarball(spec.path, spec.path, temp, topDirs, rootFiles);
      const name = topDir === '.' ? basename(spec.path) : topDir;
      return { root, frontEndRoot: root, tempPrefix: temp, described: { type: 'tarball', path: spec.path, topDir, sha256: sha }, fallbackVersion: [versionFromName(name), topDir === '.' ? 'tarball name' : 'directory name'], cleanup: () => rmSync(temp, { recursive: true, force: true }) };
    } catch (err) {
      rmSync(temp, { recursive: true, force: true });
      throw err;
    }
  }
  if (spec.kind === 'url-tarball') {
    const temp = mkdtempSync(join(tmpdir(), 'qapi-ts-sync-src-'));
    try {
      const archive = join(temp, 'archive');
      const sha = await download(spec.url, archive);
      const extracted = join(temp, 'x');
      mkdirSync(extracted);
      const { root, topDir } = await extractTarball(archive, spec.url, extracted, topDirs, rootFiles);
      const urlName = basename(new URL(spec.url).pathname) || 'qemu';
      const name = topDir === '.' ? urlName : topDir;
      rmSync(archive, { force: true });
      return { root, frontEndRoot: root, tempPrefix: extracted, described: { type: 'tarball', url: spec.url, topDir, sha256: sha }, fallbackVersion: [versionFromName(name), topDir === '.' ? 'tarball name' : 'directory name'], cleanup: () => rmSync(temp, { recursive: true, force: true }) };
    } catch (err) {
      rmSync(temp, { recursive: true, force: true });
      throw err;
    }
  }
  // git: init, a shallow and blobless fetch of the ref (a server without filters sends the blobs, with
  // a warning), then a sparse checkout of the entries' top dirs and the root's files: the checkout
  // fetches the blobs it needs from the promisor remote. A real QEMU clone is hundreds of MB; this is a few.
  const local = isLocalGitPath(spec.url);
  if (local && !existsSync(spec.url)) throw new SyncError(`source not found: ${spec.url} (git repository)`);
  const url = local ? resolve(spec.url) : spec.url;
  const temp = mkdtempSync(join(tmpdir(), 'qapi-ts-sync-git-'));
  try {
    const dir = join(temp, 'src');
    await git(['init', '-q', dir], 'git init');
    await git(['-C', dir, 'remote', 'add', 'origin', url], 'git remote add');
    await git(['-C', dir, 'config', 'remote.origin.promisor', 'true'], 'git config');
    await git(['-C', dir, 'config', 'remote.origin.partialclonefilter', 'blob:none'], 'git config');
    await git(['-C', dir, 'fetch', '-q', '--depth', '1', '--no-tags', '--filter=blob:none', 'origin', spec.ref], `cannot fetch ${spec.ref} from ${spec.url}`);
    const commit = await git(['-C', dir, 'rev-parse', '--verify', 'FETCH_HEAD^{commit}'], `${spec.url} ${spec.ref}`);
    await git(['-C', dir, 'sparse-checkout', 'set', '--cone', ...topDirs], 'git sparse-checkout');
    await git(['-C', dir, 'checkout', '-q', '--detach', commit], `cannot check out ${spec.ref} (${commit})`);
    if (!hasQapiDir(dir)) throw new SyncError(`${spec.url} ${spec.ref}: not a QEMU source: no qapi/ directory at the top of the tree`);
    const ref = spec.ref.replace(/^refs\/(tags|heads)\//, '');
    return {
      root: dir,
      frontEndRoot: dir,
      tempPrefix: dir,
      described: { type: 'git', url: spec.url, localPath: local, ref: spec.ref, commit },
      fallbackVersion: [/^v\d/.test(ref) ? ref.slice(1) : ref, 'git ref'],
      cleanup: () => rmSync(temp, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  }
}
