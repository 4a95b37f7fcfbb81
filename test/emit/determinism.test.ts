/**
 * Output is deterministic and incremental: two runs give identical trees,
 * a one-module schema change rewrites only that module's files, and
 * --check reports exactly those files while writing nothing.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeFixture, sharedPath, sharedPathFromRoot } from '../helpers/fixtures.js';
import { runCliSync } from '../helpers/cli.js';
import { generateInto, tempDir } from './generate-helpers.js';

const BASE = 'qemu/10.2.2/qapi/qapi-schema.json';
const SEEDED = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';

/** path → sha256 and mtime of every file below dir. */
function snapshot(dir: string): Map<string, { hash: string; mtimeMs: number }> {
  const out = new Map<string, { hash: string; mtimeMs: number }>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(dir, p), { hash: createHash('sha256').update(readFileSync(p)).digest('hex'), mtimeMs: statSync(p).mtimeMs });
    }
  };
  walk(dir);
  return out;
}

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries([...snapshot(dir)].map(([k, v]) => [k, v.hash]));
}

describeFixture([BASE, SEEDED], 'deterministic, incremental output', () => {
  const dirs: string[] = [];
  const fresh = (name: string): string => {
    const d = tempDir(name);
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('gives byte-identical trees on two runs', async () => {
    const a = fresh('det-a');
    const b = fresh('det-b');
    await generateInto(sharedPath(BASE), a);
    await generateInto(sharedPath(BASE), b);
    const ha = hashes(a);
    expect(Object.keys(ha).length).toBeGreaterThan(40);
    expect(hashes(b)).toEqual(ha);
    for (const [file, h] of Object.entries(ha)) expect(h, file).toBeTruthy();
    const text = readFileSync(join(a, 'migration.ts'), 'utf8');
    expect(text).not.toContain(a);
    expect(text).not.toMatch(/\b20\d\d-\d\d-\d\d/);
  }, 900_000);

  it('rewrites only migration.ts when the seed is applied, and --check reports exactly that', async () => {
    const dir = fresh('det-seed');
    // The CLI throughout: in-process runs (vitest, TypeScript sources) are another build of the
    // generator than dist/, and the manifest records which (--check then wants to rewrite it).
    expect(runCliSync(['generate', '--schema', sharedPathFromRoot(BASE), '--out', dir]).status).toBe(0);
    const before = snapshot(dir);

    const check = runCliSync(['generate', '--schema', sharedPathFromRoot(SEEDED), '--out', dir, '--check']);
    expect(check.status).toBe(1);
    const wouldWrite = check.stdout.trim().split('\n');
    expect(wouldWrite).toContain('would write migration.ts');
    // Only migration's own files (types, visitors, codecs); no other module, no index.
    for (const line of wouldWrite) expect(line).toMatch(/^would write migration\.[a-z.]*ts$/);
    expect(snapshot(dir)).toEqual(before);

    const run = runCliSync(['generate', '--schema', sharedPathFromRoot(SEEDED), '--out', dir]);
    expect(run.status).toBe(0);
    const result = { changed: run.stdout.trim().split('\n').map((l) => l.replace('wrote ', '')) };
    expect(result.changed).toEqual(wouldWrite.map((l) => l.replace('would write ', '')));
    const after = snapshot(dir);
    const touched = [...after].filter(([f, v]) => before.get(f)?.hash !== v.hash || before.get(f)?.mtimeMs !== v.mtimeMs).map(([f]) => f);
    expect(touched.sort()).toEqual(['.qapi-ts-manifest.json', ...result.changed].sort());

    const again = runCliSync(['generate', '--schema', sharedPathFromRoot(SEEDED), '--out', dir, '--check']);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe('');
  }, 900_000);
});
