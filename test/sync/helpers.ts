/** Helpers for the sync tests: temp dirs, QEMU-like trees, dir snapshots, a loopback HTTP server. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { sharedPath } from '../helpers/fixtures.js';

export const V1022 = 'qemu/10.2.2';
export const V1022_BT = 'qemu/10.2.2-backend-transfer';
/** The fixture files the sync tests need. */
export const FIXTURES = [`${V1022}/VERSION`, `${V1022}/qapi/qapi-schema.json`, `${V1022}/qga/qapi-schema.json`, `${V1022}/storage-daemon/qapi/qapi-schema.json`, `${V1022_BT}/qapi/migration.json`];

export const QGA = ['qga/qapi-schema.json'];

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const temps: string[] = [];

/** A temp dir, removed by `removeTemps`. */
export function tempDir(prefix = 'qapi-ts-sync-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

export function removeTemps(): void {
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** Every file under `dir` (relative, POSIX), sorted: what a source or a schema dir holds. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

/** A dir's state: each entry (dirs too) with the sha256 of files. Equal snapshots: nothing changed. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(d, e.name);
      const rel = relative(dir, p);
      if (e.isDirectory()) {
        out[rel + '/'] = 'dir';
        walk(p);
      } else out[rel] = sha256(readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/** The .json schema files of a shared QEMU tree (relative), i.e. what a full sync must bring. */
export function schemaFilesOf(rel: string): string[] {
  return listFiles(sharedPath(rel)).filter((f) => f.endsWith('.json'));
}

/** A copy of a shared QEMU tree at `dest` (e.g. …/qemu-10.2.2), for tarballs and repos; `edit` may change it. */
export function copyTree(rel: string, dest: string, opts: { version?: boolean } = {}): string {
  mkdirSync(dest, { recursive: true });
  for (const d of ['qapi', 'qga', 'storage-daemon']) cpSync(sharedPath(`${rel}/${d}`), join(dest, d), { recursive: true });
  if (opts.version !== false) cpSync(sharedPath(`${rel}/VERSION`), join(dest, 'VERSION'));
  return dest;
}

/** Makes `dir/name` from `top` (a dir under `dir`) with the system tar; `z` for gzip, `J` for xz. */
export function makeTarball(dir: string, top: string, name: string, flag: 'z' | 'J'): string {
  execFileSync('tar', [`-c${flag}f`, join(dir, name), '-C', dir, top]);
  return join(dir, name);
}

/** Appends a line to a file; returns that line's number. */
export function appendLine(file: string, line: string): number {
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text + line + '\n');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0) + 1;
}

/** A loopback HTTP server for files (path → bytes); 404 otherwise. */
export async function serveFiles(files: Record<string, Buffer>): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const body = files[req.url ?? ''];
    if (body === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    // No keep-alive: each sync makes one request, and an idle kept-alive socket only races with the server's timeout.
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length, connection: 'close' }).end(body);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
}

/** A loopback URL that refuses connections: a server's port, the server closed. */
export async function refusedUrl(path: string): Promise<string> {
  const s = await serveFiles({});
  await s.close();
  return `${s.url}${path}`;
}

/** git with a fixed identity, no user or system config. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=qapi-ts test', '-c', 'user.email=test@example.invalid', '-c', 'init.defaultBranch=main', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
  }).trim();
}
