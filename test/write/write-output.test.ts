import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  MANIFEST_FILE,
  WriteOutputError,
  formatTypeScript,
  writeOutput,
  type EmittedFile,
  type WriteOptions,
  resolveWorkers,
} from '../../generator/write/write-output.js';
import { ageFiles, cleanupTempDirs, contents, snapshot, tempDir } from './helpers.js';

afterEach(cleanupTempDirs);

/** Unformatted emitter-like output. */
function src(name: string, extra = ''): string {
  return (
    `/** Generated from ${name}. Do not edit. */\n` +
    `import type {Base} from "./common.js"\n` +
    `export interface ${name} extends Base {'backend-transfer'?:Array<"virtio-net-tap">;  plain:string, ${extra}}\n` +
    `export type ${name}Kind = | "a" | "b"\n` +
    `export const ${name}Values = ["a","b"] as const\n`
  );
}

function baseFiles(): EmittedFile[] {
  return [
    { path: 'common.ts', content: 'export interface Base {id:number}' },
    { path: 'migration.ts', content: src('Migration') },
    { path: 'block/throttle.ts', content: src('Throttle') },
    { path: 'block/core.ts', content: src('Core') },
    { path: 'runtime/visitor.ts', content: '// verbatim, deliberately   unformatted\nexport const x = {a:1}\n', verbatim: true },
  ];
}

function opts(outDir: string, extra: Partial<WriteOptions> = {}): WriteOptions {
  return { outDir, check: false, generatorVersion: '0.1.0', ...extra };
}

function manifestOf(outDir: string): { files: Record<string, { sha256: string; sourceSha256: string; verbatim?: boolean }> } & Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(outDir, MANIFEST_FILE), 'utf8')) as never;
}

/** Files and directories whose content, mtime or inode differ between two snapshots. */
function touched(before: Map<string, { content?: string; mtimeMs: number; ino: number }>, after: typeof before): string[] {
  const keys = new Set([...before.keys(), ...after.keys()]);
  return [...keys]
    .filter((k) => {
      const a = before.get(k);
      const b = after.get(k);
      return !a || !b || a.content !== b.content || a.mtimeMs !== b.mtimeMs || a.ino !== b.ino;
    })
    .sort();
}

function tempFilesUnder(root: string): string[] {
  if (!existsSync(root)) return [];
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.tmp'));
}

describe('first write', () => {
  it('formats, writes every file and a deterministic manifest', async () => {
    const out = path.join(tempDir(), 'out');
    const r = await writeOutput(baseFiles(), opts(out, { manifestInfo: { schema: 'qapi/qapi-schema.json', int64: 'number' } }));
    expect(r.changed).toEqual(['block/core.ts', 'block/throttle.ts', 'common.ts', 'migration.ts', 'runtime/visitor.ts']);
    expect(r.removed).toEqual([]);
    expect(r.unchanged).toBe(0);
    expect(r.formatted).toEqual(['block/core.ts', 'block/throttle.ts', 'common.ts', 'migration.ts']);
    expect(r.manifestChanged).toBe(true);
    expect(r.warnings).toEqual([]);

    const files = contents(out);
    expect(Object.keys(files).sort()).toEqual([MANIFEST_FILE, ...r.changed].sort());
    expect(files['migration.ts']).toBe(await formatTypeScript(src('Migration'), 'migration.ts'));
    expect(files['migration.ts']).toContain("'backend-transfer'?: Array<'virtio-net-tap'>;");
    expect(files['common.ts']).toBe('export interface Base {\n  id: number;\n}\n');
    expect(files['runtime/visitor.ts']).toBe(baseFiles()[4]!.content);

    const text = files[MANIFEST_FILE]!;
    expect(text.endsWith('}\n')).toBe(true);
    expect(text).not.toContain(out);
    expect(text).not.toMatch(/20\d\d-\d\d-\d\d/);
    const m = manifestOf(out);
    expect(Object.keys(m)).toEqual([...Object.keys(m)].sort());
    expect(Object.keys(m.files)).toEqual([...r.changed]);
    expect(m['generatorVersion']).toBe('0.1.0');
    expect(m['info']).toEqual({ int64: 'number', schema: 'qapi/qapi-schema.json' });
    expect(m.files['runtime/visitor.ts']!.verbatim).toBe(true);
    expect(m.files['migration.ts']!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.files['migration.ts']!.sha256).not.toBe(m.files['migration.ts']!.sourceSha256);
    expect(tempFilesUnder(out)).toEqual([]);
  });

  it('gives byte-identical trees in two fresh directories', async () => {
    const a = tempDir();
    const b = tempDir();
    await writeOutput(baseFiles(), opts(a));
    await writeOutput([...baseFiles()].reverse(), opts(b));
    expect(contents(a)).toEqual(contents(b));
  });
});

describe('re-runs', () => {
  it('an unchanged re-run neither formats nor writes anything', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    ageFiles(out);
    const before = snapshot(out);
    const r = await writeOutput(baseFiles(), opts(out));
    expect(r).toEqual({ changed: [], removed: [], unchanged: 5, formatted: [], manifestChanged: false, warnings: [] });
    expect(touched(before, snapshot(out))).toEqual([]);
  });

  it('rewrites only the file whose emitter output changed', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    ageFiles(out);
    const before = snapshot(out);
    const files = baseFiles();
    files[1] = { path: 'migration.ts', content: src('Migration', "'new-member'?: boolean") };
    const r = await writeOutput(files, opts(out));
    expect(r.changed).toEqual(['migration.ts']);
    expect(r.formatted).toEqual(['migration.ts']);
    expect(r.unchanged).toBe(4);
    expect(r.manifestChanged).toBe(true);
    expect(touched(before, snapshot(out))).toEqual([MANIFEST_FILE, 'migration.ts']);
    expect(readFileSync(path.join(out, 'migration.ts'), 'utf8')).toContain("'new-member'?: boolean;");
  });

  it('does not rewrite a file whose new emitter output formats to the same bytes', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    ageFiles(out);
    const before = snapshot(out);
    const files = baseFiles();
    files[0] = { path: 'common.ts', content: 'export   interface Base {  id : number  }\n\n' };
    const r = await writeOutput(files, opts(out));
    expect(r.changed).toEqual([]);
    expect(r.formatted).toEqual(['common.ts']);
    expect(r.manifestChanged).toBe(true);
    expect(touched(before, snapshot(out))).toEqual([MANIFEST_FILE]);
    // …and the manifest now caches the new emitter output.
    expect((await writeOutput(files, opts(out))).formatted).toEqual([]);
  });

  it('with force, restores a generated file a user edited or deleted (safety.test.ts: without, it refuses)', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    const original = contents(out);
    writeFileSync(path.join(out, 'migration.ts'), original['migration.ts'] + '// my edit\n');
    rmSync(path.join(out, 'block/core.ts'));
    writeFileSync(path.join(out, 'runtime/visitor.ts'), 'edited');
    const r = await writeOutput(baseFiles(), opts(out, { force: true }));
    expect(r.changed).toEqual(['block/core.ts', 'migration.ts', 'runtime/visitor.ts']);
    expect(r.formatted).toEqual(['block/core.ts', 'migration.ts']);
    expect(r.manifestChanged).toBe(false);
    expect(contents(out)).toEqual(original);
  });

  it('re-formats everything (without rewriting) when the formatter fingerprint differs', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    const mpath = path.join(out, MANIFEST_FILE);
    writeFileSync(mpath, readFileSync(mpath, 'utf8').replace(/"formatter": "[^"]*"/, '"formatter": "prettier@0.0.0 config:x"'));
    ageFiles(out);
    const before = snapshot(out);
    const r = await writeOutput(baseFiles(), opts(out));
    expect(r.formatted).toHaveLength(4);
    expect(r.changed).toEqual([]);
    expect(touched(before, snapshot(out))).toEqual([MANIFEST_FILE]);
  });

  it('rewrites only the manifest for a new generatorVersion', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    ageFiles(out);
    const before = snapshot(out);
    const r = await writeOutput(baseFiles(), opts(out, { generatorVersion: '0.2.0' }));
    expect(r.changed).toEqual([]);
    expect(r.formatted).toEqual([]);
    expect(r.manifestChanged).toBe(true);
    expect(touched(before, snapshot(out))).toEqual([MANIFEST_FILE]);
  });

  it('survives an unreadable manifest: re-formats, removes nothing, warns', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    writeFileSync(path.join(out, MANIFEST_FILE), '<<<<<<< HEAD\n');
    const r = await writeOutput(baseFiles().slice(0, 2), opts(out));
    expect(r.removed).toEqual([]);
    expect(r.changed).toEqual([]);
    expect(r.formatted).toEqual(['common.ts', 'migration.ts']);
    expect(r.warnings.join('\n')).toMatch(/ignoring the manifest: it is not valid JSON/);
    expect(existsSync(path.join(out, 'block/core.ts'))).toBe(true);
  });
});

describe('stale files and files qapi-ts did not write', () => {
  it('removes stale files and the directories they leave empty', async () => {
    const out = tempDir();
    const files = [...baseFiles(), { path: 'deep/er/x.ts', content: 'export const x = 1;\n' }];
    await writeOutput(files, opts(out));
    const r = await writeOutput(baseFiles().filter((f) => !f.path.startsWith('block/')), opts(out));
    expect(r.removed).toEqual(['block/core.ts', 'block/throttle.ts', 'deep/er/x.ts']);
    expect(readdirSync(out).sort()).toEqual([MANIFEST_FILE, 'common.ts', 'migration.ts', 'runtime']);
  });

  it('removes exactly the stale files, prunes emptied directories, keeps user files', async () => {
    const out = tempDir();
    const files = [...baseFiles(), { path: 'deep/er/x.ts', content: 'export const x = 1;\n' }];
    await writeOutput(files, opts(out));
    writeFileSync(path.join(out, 'block/README.md'), 'mine');
    writeFileSync(path.join(out, 'notes.txt'), 'mine too');
    ageFiles(out);
    const before = snapshot(out);
    const kept = baseFiles().filter((f) => f.path !== 'block/core.ts');
    const r = await writeOutput(kept, opts(out));
    expect(r.removed).toEqual(['block/core.ts', 'deep/er/x.ts']);
    expect(r.changed).toEqual([]);
    expect(r.unchanged).toBe(4);
    const after = snapshot(out);
    expect(touched(before, after)).toEqual([MANIFEST_FILE, 'block', 'block/core.ts', 'deep', 'deep/er', 'deep/er/x.ts']);
    expect(after.has('deep')).toBe(false); // emptied, so removed
    expect(after.get('block')?.kind).toBe('dir'); // still holds throttle.ts and the user's README
    expect(after.get('block/README.md')?.content).toBe('mine');
    expect(after.get('notes.txt')?.content).toBe('mine too');
    expect(Object.keys(manifestOf(out).files)).toEqual(['block/throttle.ts', 'common.ts', 'migration.ts', 'runtime/visitor.ts']);
  });

  it('leaves a stale file in place (with a warning) if it was modified after qapi-ts wrote it', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    writeFileSync(path.join(out, 'block/core.ts'), 'user edits');
    const r = await writeOutput(baseFiles().filter((f) => !f.path.startsWith('block/')), opts(out));
    expect(r.removed).toEqual(['block/throttle.ts']);
    expect(r.warnings).toEqual(["not removing stale 'block/core.ts': it was modified after qapi-ts wrote it"]);
    expect(readFileSync(path.join(out, 'block/core.ts'), 'utf8')).toBe('user edits');
    expect(manifestOf(out).files['block/core.ts']).toBeUndefined();
  });

  it('never touches a file that is not in the manifest', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'user.ts'), 'export const mine   =1');
    await writeOutput(baseFiles(), opts(out));
    await writeOutput(baseFiles().slice(0, 1), opts(out));
    expect(readFileSync(path.join(out, 'user.ts'), 'utf8')).toBe('export const mine   =1');
  });

  it('handles a file turning into a directory between runs', async () => {
    const out = tempDir();
    await writeOutput([{ path: 'block', content: 'export {}' }], opts(out));
    const r = await writeOutput([{ path: 'block/x.ts', content: 'export {}' }], opts(out));
    expect(r.removed).toEqual(['block']);
    expect(contents(out)['block/x.ts']).toBe('export {};\n');
  });
});

describe('--check', () => {
  it('writes nothing into a missing directory and predicts the real run', async () => {
    const parent = tempDir();
    const out = path.join(parent, 'gen');
    const c = await writeOutput(baseFiles(), opts(out, { check: true }));
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(parent)).toEqual([]);
    const r = await writeOutput(baseFiles(), opts(out));
    expect(c).toEqual(r);
  });

  it('writes nothing and reports exactly what the real run then does', async () => {
    const out = tempDir();
    await writeOutput([...baseFiles(), { path: 'old/gone.ts', content: 'export {}' }], opts(out));
    // Now: one emitter change, one user edit (overwritten: force), one deletion, one stale file, one new file.
    writeFileSync(path.join(out, 'common.ts'), 'user edit');
    rmSync(path.join(out, 'block/core.ts'));
    const files = baseFiles();
    files[1] = { path: 'migration.ts', content: src('Migration', 'x: string') };
    files.push({ path: 'new/file.ts', content: 'export const y = 2' });
    ageFiles(out);
    const before = snapshot(out);
    const c = await writeOutput(files, opts(out, { check: true, force: true }));
    expect(touched(before, snapshot(out))).toEqual([]);
    expect(tempFilesUnder(out)).toEqual([]);
    expect(c.changed).toEqual(['block/core.ts', 'common.ts', 'migration.ts', 'new/file.ts']);
    expect(c.removed).toEqual(['old/gone.ts']);
    const r = await writeOutput(files, opts(out, { force: true }));
    expect(r).toEqual(c);
    const again = await writeOutput(files, opts(out, { check: true }));
    expect(again).toEqual({ changed: [], removed: [], unchanged: 6, formatted: [], manifestChanged: false, warnings: [] });
  });

  it('on a fresh copy (new mtimes and inodes) of current output, formats nothing', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    const clone = path.join(tempDir(), 'clone');
    cpSync(out, clone, { recursive: true, preserveTimestamps: false });
    const c = await writeOutput(baseFiles(), opts(clone, { check: true }));
    expect(c).toEqual({ changed: [], removed: [], unchanged: 5, formatted: [], manifestChanged: false, warnings: [] });
  });
});

describe('safety', () => {
  const bad: [string, RegExp][] = [
    ['../escape.ts', /refusing to write '\.\.\/escape\.ts'.*escape the output directory/],
    ['a/../../escape.ts', /'\.\.'/],
    ['a/../b.ts', /'\.\.'/],
    ['/etc/passwd', /absolute/],
    ['C:/x.ts', /absolute/],
    ['a\\b.ts', /POSIX/],
    ['', /empty/],
    ['./a.ts', /canonical/],
    ['a//b.ts', /canonical/],
    ['a/', /canonical/],
    [MANIFEST_FILE, /manifest/],
  ];
  for (const [p, msg] of bad) {
    it(`refuses the path ${JSON.stringify(p)} and writes nothing`, async () => {
      const parent = tempDir();
      const out = path.join(parent, 'out');
      const run = writeOutput([{ path: 'ok.ts', content: 'export {}' }, { path: p, content: 'export {}' }], opts(out));
      await expect(run).rejects.toThrow(WriteOutputError);
      await expect(run).rejects.toThrow(msg);
      expect(readdirSync(parent)).toEqual([]);
    });
  }

  it('refuses duplicate, case-clashing and file/directory-clashing paths', async () => {
    const out = tempDir();
    await expect(writeOutput([{ path: 'a.ts', content: '' }, { path: 'a.ts', content: '' }], opts(out))).rejects.toThrow(/emitted twice/);
    await expect(writeOutput([{ path: 'A.ts', content: '' }, { path: 'a.ts', content: '' }], opts(out))).rejects.toThrow(/differ only in case/);
    await expect(writeOutput([{ path: 'a', content: '' }, { path: 'a/b.ts', content: '' }], opts(out))).rejects.toThrow(/both as a file and as a directory/);
    expect(readdirSync(out)).toEqual([]);
  });

  it('a tampered manifest cannot make it delete (or read) anything outside the output directory', async () => {
    const root = tempDir();
    const out = path.join(root, 'out');
    const outside = path.join(root, 'outside');
    mkdirSync(outside);
    writeFileSync(path.join(outside, 'victim.ts'), 'export {};\n');
    writeFileSync(path.join(root, 'victim.ts'), 'export {};\n');
    await writeOutput([{ path: 'a.ts', content: 'export {}' }], opts(out));
    // A symlinked directory inside out/ pointing outside, and a user file inside out/.
    symlinkSync(outside, path.join(out, 'link'), 'dir');
    writeFileSync(path.join(out, 'user.txt'), 'export {};\n');
    const m = manifestOf(out);
    const h = m.files['a.ts']!; // the hash of 'export {};\n', the victims' content
    const forged = { ...h, verbatim: undefined };
    m.files = {
      'a.ts': h,
      '../victim.ts': forged,
      '../outside/victim.ts': forged,
      [path.join(root, 'victim.ts')]: forged,
      'x/../../victim.ts': forged,
      'link/victim.ts': forged,
      'user.txt': { ...h, sha256: '0'.repeat(64) },
    } as never;
    writeFileSync(path.join(out, MANIFEST_FILE), JSON.stringify(m));
    for (const check of [true, false]) {
      const r = await writeOutput([{ path: 'a.ts', content: 'export {}' }], opts(out, { check }));
      expect(r.removed).toEqual([]);
      expect(r.warnings.length).toBeGreaterThanOrEqual(5);
    }
    expect(readFileSync(path.join(outside, 'victim.ts'), 'utf8')).toBe('export {};\n');
    expect(readFileSync(path.join(root, 'victim.ts'), 'utf8')).toBe('export {};\n');
    expect(readFileSync(path.join(out, 'user.txt'), 'utf8')).toBe('export {};\n');
    expect(Object.keys(manifestOf(out).files)).toEqual(['a.ts']);
  });

  it('does not write through a symlinked directory that leads outside', async () => {
    const root = tempDir();
    const out = path.join(root, 'out');
    mkdirSync(out);
    mkdirSync(path.join(root, 'elsewhere'));
    symlinkSync(path.join(root, 'elsewhere'), path.join(out, 'block'), 'dir');
    await expect(writeOutput([{ path: 'block/x.ts', content: 'export {}' }], opts(out))).rejects.toThrow(
      /refusing to write 'block\/x\.ts': its directory resolves outside/,
    );
    expect(readdirSync(path.join(root, 'elsewhere'))).toEqual([]);
  });
});

describe('errors', () => {
  it('a prettier syntax error names the file and writes nothing', async () => {
    const out = tempDir();
    await writeOutput(baseFiles(), opts(out));
    ageFiles(out);
    const before = snapshot(out);
    const files = baseFiles();
    files[1] = { path: 'migration.ts', content: 'export interface Broken {' };
    files[2] = { path: 'block/throttle.ts', content: src('Throttle', 'changed: number') };
    for (const workers of [0, 2]) {
      const run = writeOutput(files, opts(out, { workers }));
      await expect(run).rejects.toThrow(WriteOutputError);
      await expect(run).rejects.toThrow(/cannot format 'migration\.ts': prettier rejected the emitter output.*\n[\s\S]*Nothing was written/);
      expect(touched(before, snapshot(out))).toEqual([]);
    }
  });

  it('an I/O error names the file, leaves no temp files and renames nothing', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'blocker'), 'a user file where a directory is needed');
    const run = writeOutput(
      [
        { path: 'a.ts', content: 'export {}' },
        { path: 'blocker/x.ts', content: 'export {}' },
        { path: 'z/y.ts', content: 'export {}' },
      ],
      opts(out),
    );
    await expect(run).rejects.toThrow(/cannot write 'blocker\/x\.ts'/);
    expect(snapshot(out).size).toBe(1); // only the blocker: no a.ts, no z/, no temp files, no manifest
  });

  it('an output path that is a file is an error', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'file'), '');
    await expect(writeOutput([], opts(path.join(dir, 'file')))).rejects.toThrow(/exists and is not a directory/);
  });
});

describe('worker pool', () => {
  it('gives byte-identical output with and without the pool (cold run, 12 files)', async () => {
    const files: EmittedFile[] = Array.from({ length: 12 }, (_, i) => ({
      path: i % 3 === 0 ? `sub/m${i}.ts` : `m${i}.ts`,
      content: Array.from({ length: 5 + i * 3 }, (_, j) => src(`T${i}_${j}`, `n${j}: 'x${'y'.repeat(i * 7)}'`)).join('\n'),
    }));
    const a = tempDir();
    const b = tempDir();
    const c = tempDir();
    const ra = await writeOutput(files, opts(a, { workers: 0 }));
    const rb = await writeOutput(files, opts(b, { workers: 2 }));
    const rc = await writeOutput(files, opts(c, { workers: 3 })); // more workers, other split
    expect(rb).toEqual(ra);
    expect(rc).toEqual(ra);
    expect(ra.formatted).toHaveLength(12);
    expect(contents(b)).toEqual(contents(a));
    expect(contents(c)).toEqual(contents(a));
  });

  it("'auto' uses the pool only with 4+ cores and enough work", () => {
    const jobs = (n: number, size = 100) => Array.from({ length: n }, (_, i) => ({ path: `f${i}.ts`, source: 'x'.repeat(size) }));
    expect(resolveWorkers('auto', jobs(50), 2)).toBe(0);
    expect(resolveWorkers(undefined, jobs(50), 8)).toBe(7);
    expect(resolveWorkers('auto', jobs(3), 8)).toBe(0);
    expect(resolveWorkers('auto', jobs(3, 100_000), 8)).toBe(3);
    expect(resolveWorkers('auto', jobs(1, 10_000_000), 8)).toBe(0);
    expect(resolveWorkers('auto', jobs(50), 64)).toBe(8);
    expect(resolveWorkers(2, jobs(1), 2)).toBe(1);
    expect(resolveWorkers(0, jobs(50), 8)).toBe(0);
    expect(resolveWorkers('auto', [], 8)).toBe(0);
  });

  it('rejects a bad workers option', async () => {
    await expect(writeOutput([], opts(tempDir(), { workers: -1 }))).rejects.toThrow(/workers must be/);
  });
});
