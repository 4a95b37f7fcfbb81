/** Temp directories and file-tree snapshots for the write-stage tests. */
import { mkdtempSync, readdirSync, readFileSync, lstatSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const made: string[] = [];

/** A fresh directory under os.tmpdir(); removed by {@link cleanupTempDirs}. */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qapi-ts-write-'));
  made.push(dir);
  return dir;
}

export function cleanupTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export interface Entry {
  kind: 'file' | 'dir' | 'symlink';
  content?: string;
  mtimeMs: number;
  ino: number;
}

/** Every file and directory under `root` (relative POSIX paths), with content, mtime and inode. */
export function snapshot(root: string): Map<string, Entry> {
  const out = new Map<string, Entry>();
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const abs = path.join(dir, name);
      const r = rel === '' ? name : `${rel}/${name}`;
      const st = lstatSync(abs);
      if (st.isSymbolicLink()) out.set(r, { kind: 'symlink', mtimeMs: st.mtimeMs, ino: st.ino });
      else if (st.isDirectory()) {
        out.set(r, { kind: 'dir', mtimeMs: st.mtimeMs, ino: st.ino });
        walk(abs, r);
      } else out.set(r, { kind: 'file', content: readFileSync(abs, 'utf8'), mtimeMs: st.mtimeMs, ino: st.ino });
    }
  };
  walk(root, '');
  return out;
}

/** Only the files, with their content. */
export function contents(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [rel, e] of snapshot(root)) if (e.kind === 'file') out[rel] = e.content!;
  return out;
}

/** Sets every file's mtime to a fixed moment in the past, so any rewrite shows. */
export function ageFiles(root: string): void {
  const past = new Date('2001-02-03T04:05:06Z');
  for (const [rel, e] of snapshot(root)) if (e.kind === 'file') utimesSync(path.join(root, rel), past, past);
}
