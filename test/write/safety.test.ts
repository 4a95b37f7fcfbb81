/**
 * Safe writes (issue 9, part 8): `generate` never overwrites, replaces or
 * deletes a file it did not write, refuses an output directory that looks
 * like a project, cleans up after a killed run, and turns every I/O error
 * into exit 1 with the path and the cause.
 *
 * - Destructive cases (in-process, `writeOutput`): each stops with the
 *   directory's bytes, mtimes and inodes unchanged; `force` overwrites.
 * - Project roots and the current directory (the CLI, in its own cwd).
 * - Leftover temp files: removed by the next run, reported by `--check`,
 *   and nothing else that merely looks like one is touched.
 * - SIGKILL at 20 points of the write phase (the CLI in a child process,
 *   killed by the test-only hook `QAPI_TS_TEST_KILL_AT=N`, which SIGKILLs
 *   the process right before its Nth file-system mutation): no file is ever
 *   partial, `--check` after the kill refuses nothing, and the next run
 *   leaves no temp file and gives exactly a fresh run's tree.
 * - I/O errors: EACCES and a read-only directory as user `nobody` (setpriv;
 *   tests run as root here, and root ignores modes), EROFS and ENOSPC on a
 *   small tmpfs (mount; skipped when mounting is not allowed), ENOTDIR.
 *
 * No test has a time limit: a slow machine makes them slow, not red.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { MANIFEST_FILE, TEMP_FILE_PATTERN, WriteOutputError, writeOutput, type EmittedFile, type WriteOptions } from '../../generator/write/write-output.js';
import { CLI, stackTraceLines, type CliResult } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { cleanupTempDirs, contents, snapshot, tempDir } from './helpers.js';

afterEach(cleanupTempDirs);

const NO_LIMIT = 0; // vitest: no timeout

function files(): EmittedFile[] {
  return [
    { path: 'common.ts', content: 'export interface Base {id:number}' },
    { path: 'migration.ts', content: 'export const migration   = 1' },
    { path: 'block/core.ts', content: 'export const core = 2' },
    { path: 'package.json', content: '{\n  "type": "module"\n}\n', verbatim: true },
  ];
}

function opts(outDir: string, extra: Partial<WriteOptions> = {}): WriteOptions {
  return { outDir, check: false, generatorVersion: '0.1.0', ...extra };
}

/** Runs `body`, which must fail with a WriteOutputError matching `message`, and checks that nothing under `dir` changed. */
async function refusedUntouched(dir: string, body: () => Promise<unknown>, message: RegExp): Promise<WriteOutputError> {
  const before = snapshot(dir);
  const dirStat = statSync(dir);
  let error: unknown = null;
  try {
    await body();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(WriteOutputError);
  expect((error as Error).message).toMatch(message);
  expect(snapshot(dir)).toEqual(before);
  expect(statSync(dir).mtimeMs).toBe(dirStat.mtimeMs);
  return error as WriteOutputError;
}

function tempFilesIn(root: string): string[] {
  return (readdirSync(root, { recursive: true }) as string[]).filter((f) => TEMP_FILE_PATTERN.test(path.basename(f))).sort();
}

describe('files qapi-ts did not write are never overwritten', () => {
  it('a user-edited generated file: refused (named, with how to proceed), under --check too; --force overwrites', async () => {
    const out = tempDir();
    await writeOutput(files(), opts(out));
    const original = contents(out);
    writeFileSync(path.join(out, 'migration.ts'), original['migration.ts'] + '// my edit\n');
    writeFileSync(path.join(out, 'block/core.ts'), 'mine');
    rmSync(path.join(out, 'common.ts')); // a deleted file is simply written again, once the run may go ahead
    const changed = [files()[0]!, { path: 'migration.ts', content: 'export const migration = 3' }, ...files().slice(2)];
    for (const check of [true, false]) {
      const err = await refusedUntouched(out, () => writeOutput(changed, opts(out, { check })), /2 files there are not as qapi-ts wrote them/);
      expect(err.message).toContain('\n  block/core.ts was changed after qapi-ts wrote it\n  migration.ts was changed after qapi-ts wrote it\n');
      expect(err.message).toMatch(/Nothing was written\. Run again with --force to overwrite them, or choose another --out\.$/);
      expect(err.message.startsWith(check ? 'generate would refuse' : 'refusing')).toBe(true);
    }
    const r = await writeOutput(changed, opts(out, { force: true }));
    expect(r.changed).toEqual(['block/core.ts', 'common.ts', 'migration.ts']);
    expect(contents(out)['block/core.ts']).toBe(original['block/core.ts']);
    expect(contents(out)['migration.ts']).toBe('export const migration = 3;\n');
    // Now they are qapi-ts's again: a plain run goes ahead.
    expect((await writeOutput(files(), opts(out))).changed).toEqual(['migration.ts']);
  });

  it('a file of the user at a path qapi-ts now emits: refused; the same bytes are adopted, not written', async () => {
    const out = tempDir();
    await writeOutput(files().slice(0, 2), opts(out));
    writeFileSync(path.join(out, 'index.ts'), 'export * from "./mine.js";\n');
    writeFileSync(path.join(out, 'same.ts'), 'export const same = 1;\n');
    const more = [...files().slice(0, 2), { path: 'index.ts', content: 'export {}' }, { path: 'same.ts', content: 'export const same=1' }];
    const err = await refusedUntouched(out, () => writeOutput(more, opts(out)), /a file there is not as qapi-ts wrote it:\n {2}index\.ts was not written by qapi-ts \(it is not in the manifest\)\n/);
    expect(err.path).toBe('index.ts');
    writeFileSync(path.join(out, 'index.ts'), 'export {};\n'); // now what qapi-ts would write
    const sameBefore = statSync(path.join(out, 'same.ts'));
    const r = await writeOutput(more, opts(out));
    expect(r.changed).toEqual([]);
    expect(statSync(path.join(out, 'same.ts')).mtimeMs).toBe(sameBefore.mtimeMs);
    const manifest = JSON.parse(readFileSync(path.join(out, MANIFEST_FILE), 'utf8')) as { files: Record<string, unknown> };
    expect(Object.keys(manifest.files)).toEqual(['common.ts', 'index.ts', 'migration.ts', 'same.ts']);
  });

  it('a first run into a directory with files but no manifest: refuses a different file, adopts an identical one', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'notes.txt'), 'mine');
    mkdirSync(path.join(out, 'block'));
    writeFileSync(path.join(out, 'block/core.ts'), 'export const core = 1;\n');
    await refusedUntouched(out, () => writeOutput(files(), opts(out)), /block\/core\.ts was not written by qapi-ts/);
    writeFileSync(path.join(out, 'block/core.ts'), 'export const core = 2;\n');
    const r = await writeOutput(files(), opts(out));
    expect(r.changed).toEqual(['common.ts', 'migration.ts', 'package.json']);
    expect(readFileSync(path.join(out, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('an empty existing directory is fine', async () => {
    const out = tempDir();
    expect((await writeOutput(files(), opts(out))).changed).toHaveLength(4);
  });

  it('a symlink at an output path is never written through: refused; --force replaces the link, not its target', async () => {
    const root = tempDir();
    const out = path.join(root, 'out');
    await writeOutput(files(), opts(out));
    writeFileSync(path.join(root, 'target.ts'), 'theirs');
    rmSync(path.join(out, 'migration.ts'));
    symlinkSync(path.join(root, 'target.ts'), path.join(out, 'migration.ts'));
    await refusedUntouched(root, () => writeOutput(files(), opts(out)), /migration\.ts is a symbolic link/);
    await writeOutput(files(), opts(out, { force: true }));
    expect(readFileSync(path.join(root, 'target.ts'), 'utf8')).toBe('theirs');
    expect(snapshot(out).get('migration.ts')?.kind).toBe('file');
  });

  it('a directory in the way is refused, even with --force', async () => {
    const out = tempDir();
    mkdirSync(path.join(out, 'common.ts'));
    writeFileSync(path.join(out, 'common.ts', 'keep'), 'mine');
    for (const force of [false, true]) {
      await refusedUntouched(out, () => writeOutput(files(), opts(out, { force })), /common\.ts is a directory, where a file is to be written[\s\S]*Move it away, or choose another --out\.$/);
    }
  });

  it('a stale file the user modified is left in place, with a warning', async () => {
    const out = tempDir();
    await writeOutput(files(), opts(out));
    writeFileSync(path.join(out, 'block/core.ts'), 'user edits');
    const r = await writeOutput(files().filter((f) => f.path !== 'block/core.ts'), opts(out));
    expect(r.removed).toEqual([]);
    expect(r.warnings).toEqual(["not removing stale 'block/core.ts': it was modified after qapi-ts wrote it"]);
    expect(readFileSync(path.join(out, 'block/core.ts'), 'utf8')).toBe('user edits');
  });
});

describe('an output directory that looks like a project', () => {
  for (const marker of ['.git', 'node_modules', 'src', 'tsconfig.json', 'package.json']) {
    it(`without a manifest, one holding ${marker} is refused; --force writes into it`, async () => {
      const out = tempDir();
      if (marker.includes('.json')) writeFileSync(path.join(out, marker), '{ "name": "my-project" }\n');
      else mkdirSync(path.join(out, marker));
      await refusedUntouched(out, () => writeOutput(files(), opts(out)), new RegExp(`it holds ${marker.replace('.', '\\.')} but no \\.qapi-ts-manifest\\.json[\\s\\S]*--force`));
      await refusedUntouched(out, () => writeOutput(files(), opts(out, { check: true })), /looks like a project/);
      const r = await writeOutput(files(), opts(out, { force: true }));
      expect(r.changed).toContain('common.ts');
    });
  }

  it('a package.json that is exactly the one qapi-ts writes does not count', async () => {
    const out = tempDir();
    writeFileSync(path.join(out, 'package.json'), files()[3]!.content as string);
    const r = await writeOutput(files(), opts(out));
    expect(r.changed).toEqual(['block/core.ts', 'common.ts', 'migration.ts']);
  });

  it('with a manifest, the same directory is qapi-ts\'s own: a later tsconfig.json of the user is just a file', async () => {
    const out = tempDir();
    await writeOutput(files(), opts(out));
    writeFileSync(path.join(out, 'tsconfig.json'), '{}');
    expect((await writeOutput(files().slice(0, 3), opts(out))).removed).toEqual(['package.json']);
    expect(readFileSync(path.join(out, 'tsconfig.json'), 'utf8')).toBe('{}');
  });
});

// ---------------------------------------------------------------------------------------------
// The CLI: a small two-module schema, in versions.

const DOC_HEAD = (title: string): string => `##\n# == ${title}\n##\n\n`;
const struct = (name: string, members: Record<string, string>): string =>
  `##\n# @${name}:\n#\n# A struct.\n#\n${Object.keys(members)
    .map((m) => `# @${m}: a member\n#\n`)
    .join('')}# Since: 1.0\n##\n{ 'struct': '${name}', 'data': ${JSON.stringify(members).replace(/"/g, "'")} }\n`;

const SCHEMAS: Record<'v1' | 'v2', Record<string, string>> = {
  v1: {
    's.json': "##\n# = Test\n##\n\n{ 'include': 'a.json' }\n{ 'include': 'b.json' }\n",
    'a.json': DOC_HEAD('A') + struct('Foo', { x: 'int' }),
    'b.json': DOC_HEAD('B') + struct('Bar', { y: 'str' }),
  },
  v2: {
    's.json': "##\n# = Test\n##\n\n{ 'include': 'a.json' }\n{ 'include': 'c.json' }\n",
    'a.json': DOC_HEAD('A') + struct('Foo', { x: 'int', z: 'bool' }),
    'c.json': DOC_HEAD('C') + struct('Baz', { w: 'number' }),
  },
};

/** Directories made here, world-readable (the CLI also runs as nobody), removed at the end. */
const made: string[] = [];
function openDir(prefix: string): string {
  const d = mkdtempSync(path.join(tmpdir(), `qapi-ts-safety-${prefix}-`));
  chmodSync(d, 0o755);
  made.push(d);
  return d;
}
const mounts: string[] = [];
afterAll(() => {
  for (const m of mounts.splice(0)) spawnSync('umount', [m]);
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

const schemaEntry: Record<'v1' | 'v2', string> = { v1: '', v2: '' };

beforeAll(() => {
  for (const v of ['v1', 'v2'] as const) {
    const dir = openDir(`schema-${v}`);
    for (const [name, text] of Object.entries(SCHEMAS[v])) writeFileSync(path.join(dir, name), text);
    schemaEntry[v] = path.join(dir, 's.json');
  }
});

/**
 * A fresh run's tree (what every run must end up with), by generate() in this
 * process, or by the CLI: their manifests differ (the generator's
 * fingerprint hashes the code that runs, .ts here and dist/'s .js there).
 * Made when needed, as the runtime files are copied from templates/ when
 * the run happens.
 */
async function freshTree(v: 'v1' | 'v2', how: 'api' | 'cli'): Promise<Record<string, string>> {
  const out = path.join(openDir(`fresh-${v}`), 'out');
  if (how === 'api') await generate({ schema: schemaEntry[v], out });
  else expect((await cli(cliArgs(v, out))).status).toBe(0);
  return contents(out);
}

function cliArgs(v: 'v1' | 'v2', out: string, ...more: string[]): string[] {
  return ['generate', '--schema', schemaEntry[v], '--out', out, ...more];
}

/** Runs the built CLI (optionally through a wrapper such as setpriv), without a time limit. */
function cli(args: string[], options: { cwd?: string; env?: Record<string, string>; wrap?: string[] } = {}): Promise<CliResult> {
  const wrap = options.wrap ?? [];
  const argv = [...wrap, process.execPath, CLI, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: options.cwd ?? REPO_ROOT, env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** A clean exit 1 with a message naming `what`, and no stack trace. */
function expectCleanFailure(r: CliResult, ...what: (string | RegExp)[]): void {
  expect(r.signal).toBeNull();
  expect(r.status, r.stderr).toBe(1);
  expect(r.stderr).not.toMatch(/internal error/);
  expect(stackTraceLines(r.stderr)).toEqual([]);
  for (const w of what) expect(r.stderr).toMatch(w);
}

describe('the CLI', () => {
  it('--check names each file it would refuse (exit 1), and writes nothing', { timeout: NO_LIMIT }, async () => {
    const out = path.join(openDir('check'), 'out');
    await generate({ schema: schemaEntry.v1, out });
    writeFileSync(path.join(out, 'a.ts'), 'edited\n');
    writeFileSync(path.join(out, 'c.ts'), 'a user file\n');
    const before = snapshot(out);
    const r = await cli(cliArgs('v2', out, '--check'));
    expectCleanFailure(r, /^qapi-ts: generate would refuse to write into '.*': 2 files there are not as qapi-ts wrote them:$/m, /^ {2}a\.ts was changed after qapi-ts wrote it$/m, /^ {2}c\.ts was not written by qapi-ts \(it is not in the manifest\)$/m, /--force/);
    expect(snapshot(out)).toEqual(before);
    const real = await cli(cliArgs('v2', out));
    expectCleanFailure(real, /^qapi-ts: refusing to write into/m);
    expect(snapshot(out)).toEqual(before);
    const forced = await cli(cliArgs('v2', out, '--force'));
    expect(forced.status, forced.stderr).toBe(0);
    expect(contents(out)).toEqual(await freshTree('v2', 'cli'));
  });

  it('refuses the project root it is run in, and any parent of its directory, even with --force', { timeout: NO_LIMIT }, async () => {
    const project = openDir('project');
    writeFileSync(path.join(project, 'package.json'), '{ "name": "mine" }\n');
    mkdirSync(path.join(project, 'src', 'deep'), { recursive: true });
    const before = snapshot(project);
    for (const [cwd, out] of [
      [project, '.'],
      [path.join(project, 'src', 'deep'), '..'],
      [path.join(project, 'src', 'deep'), '../..'],
    ] as const) {
      for (const force of [[], ['--force']]) {
        const r = await cli(cliArgs('v1', out, ...force), { cwd });
        expectCleanFailure(r, out === '.' ? /it is the root of the project you are in \(it holds a package\.json qapi-ts did not write\)/ : /it is a parent of the current directory/, /Choose another --out/);
        expect(snapshot(project)).toEqual(before);
      }
    }
    // Its own directory, from inside: fine (and so is `--out .` in the output directory itself).
    const r = await cli(cliArgs('v1', 'qapi'), { cwd: project });
    expect(r.status, r.stderr).toBe(0);
    expect((await cli(cliArgs('v1', '.'), { cwd: path.join(project, 'qapi') })).status).toBe(0);
  });

  it('a temp file a killed run left is reported by --check and removed by the next run; look-alikes are not touched', { timeout: NO_LIMIT }, async () => {
    const out = path.join(openDir('leftover'), 'out');
    await generate({ schema: schemaEntry.v1, out });
    const leftovers = ['.a.ts.4194304.0123456789ab.qapi-ts.tmp', 'runtime/.json.ts.77.abcdefabcdef.qapi-ts.tmp'];
    const lookalikes = ['.a.ts.qapi-ts.tmp', '.a.ts.77.0123456789AB.qapi-ts.tmp', '.a.ts.77.0123456789ab.qapi-ts.tmp.bak', 'a.ts.77.0123456789ab.qapi-ts.tmp', '.a.ts.0.0123456789ab.qapi-ts.tmp'];
    for (const f of [...leftovers, ...lookalikes]) writeFileSync(path.join(out, f), 'partial');
    mkdirSync(path.join(out, '.dir.ts.5.0123456789ab.qapi-ts.tmp')); // a directory is never a leftover
    const check = await cli(cliArgs('v1', out, '--check'));
    expect(check.status).toBe(1);
    expect(check.stdout.split('\n').filter(Boolean).sort()).toEqual(leftovers.map((f) => `would remove ${f}`).sort());
    const r = await cli(cliArgs('v1', out));
    expect(r.status, r.stderr).toBe(0);
    for (const f of leftovers) expect(existsSync(path.join(out, f))).toBe(false);
    for (const f of lookalikes) expect(readFileSync(path.join(out, f), 'utf8')).toBe('partial');
    expect(existsSync(path.join(out, '.dir.ts.5.0123456789ab.qapi-ts.tmp'))).toBe(true);
    expect((await cli(cliArgs('v1', out, '--check'))).status).toBe(0);
  });

  it('ENOTDIR (an --out below a file): exit 1 with the path and the cause', { timeout: NO_LIMIT }, async () => {
    const dir = openDir('enotdir');
    writeFileSync(path.join(dir, 'file'), '');
    const r = await cli(cliArgs('v1', path.join(dir, 'file', 'out')));
    expectCleanFailure(r, /file\/out/, /ENOTDIR/);
  });
});

// ---------------------------------------------------------------------------------------------
// SIGKILL during the write phase.

interface KillPoint {
  /** 'update': v1's output (with one leftover temp file of an earlier kill) regenerated as v2; 'fresh': v2 into a missing directory. */
  scenario: 'update' | 'fresh';
  n: number;
}

const PLANTED = '.b.ts.4194304.0123456789ab.qapi-ts.tmp';

/** A work directory set up for the scenario; returns the --out path. */
function prepare(scenario: KillPoint['scenario'], v1Out: string): string {
  const out = path.join(openDir(`kill-${scenario}`), 'out');
  if (scenario === 'update') {
    cpSync(v1Out, out, { recursive: true });
    writeFileSync(path.join(out, PLANTED), 'half a file');
  }
  return out;
}

/** How many file-system mutations the hook counts for a scenario (a run with a kill point past the end says). */
async function countPoints(scenario: KillPoint['scenario'], v1Out: string): Promise<number> {
  const r = await cli(cliArgs('v2', prepare(scenario, v1Out)), { env: { QAPI_TS_TEST_KILL_AT: '1000000' } });
  expect(r.status, r.stderr).toBe(0);
  const m = /QAPI_TS_TEST_KILL_AT: (\d+) file-system mutations/.exec(r.stderr);
  expect(m, r.stderr).not.toBeNull();
  return Number(m![1]);
}

/** `count` points from 1 to `total`, evenly spread, first and last included. */
function spread(total: number, count: number): number[] {
  const points = new Set<number>();
  for (let i = 0; i < count; i++) points.add(1 + Math.round((i * (total - 1)) / (count - 1)));
  return [...points];
}

describe('SIGKILL at 20 points of the write phase', () => {
  it('leaves no partial file; the next run removes the temp files and gives exactly the fresh output', { timeout: NO_LIMIT }, async () => {
    const fresh = { v1: await freshTree('v1', 'api'), v2: await freshTree('v2', 'api') };
    const v1Out = path.join(openDir('kill-v1'), 'out');
    await generate({ schema: schemaEntry.v1, out: v1Out });
    const updateTotal = await countPoints('update', v1Out);
    const freshTotal = await countPoints('fresh', v1Out);
    // Every point of the update (at least 14), and fresh runs' points spread over their whole write phase.
    expect(updateTotal).toBeGreaterThanOrEqual(14);
    const points: KillPoint[] = [...spread(updateTotal, 14).map((n) => ({ scenario: 'update' as const, n })), ...spread(freshTotal, 6).map((n) => ({ scenario: 'fresh' as const, n }))];
    expect(points).toHaveLength(20);

    // Kill them all (two at a time), then look at what each left.
    const killed = points.map((point) => ({ point, out: prepare(point.scenario, v1Out), result: null as CliResult | null }));
    const queue = [...killed];
    await Promise.all(
      [0, 1].map(async () => {
        for (let job = queue.shift(); job !== undefined; job = queue.shift()) {
          job.result = await cli(cliArgs('v2', job.out), { env: { QAPI_TS_TEST_KILL_AT: String(job.point.n) } });
        }
      }),
    );
    const old: Record<string, string | undefined> = { ...fresh.v1, [PLANTED]: 'half a file' };
    for (const { point, out, result } of killed) {
      const where = `${point.scenario} killed at ${point.n}`;
      expect(result!.signal, `${where}: ${result!.stderr}`).toBe('SIGKILL');
      const left = existsSync(out) ? contents(out) : {};
      for (const [rel, text] of Object.entries(left)) {
        if (TEMP_FILE_PATTERN.test(path.basename(rel))) continue; // a temp file, maybe cut off: the next run removes it
        const versions = point.scenario === 'update' ? [old[rel], fresh.v2[rel]] : [fresh.v2[rel]];
        if (rel === MANIFEST_FILE && !versions.includes(text)) {
          // The in-flight manifest: complete JSON, owning each file being replaced in both versions.
          const m = JSON.parse(text) as { files: Record<string, { sha256: string; previousSha256?: string }> };
          expect(Object.keys(m.files).sort(), where).toEqual(Object.keys(fresh.v2).filter((f) => f !== MANIFEST_FILE).sort());
          continue;
        }
        expect(versions, `${where}: ${rel} is neither its old nor its new bytes`).toContain(text);
      }
      // --check after a kill refuses nothing (every file is still qapi-ts's) and lists every leftover temp file.
      const temps = existsSync(out) ? tempFilesIn(out) : [];
      const check = await generate({ schema: schemaEntry.v2, out, check: true });
      expect(check.removed.filter((f) => TEMP_FILE_PATTERN.test(path.basename(f))), where).toEqual(temps);
      if (point.scenario === 'update') {
        // A different schema after a kill is no problem either.
        await generate({ schema: schemaEntry.v1, out });
        expect(contents(out), `${where}, then v1`).toEqual(fresh.v1);
      }
      await generate({ schema: schemaEntry.v2, out });
      expect(tempFilesIn(out), where).toEqual([]);
      expect(contents(out), where).toEqual(fresh.v2);
      const again = await generate({ schema: schemaEntry.v2, out, check: true });
      expect({ changed: again.changed, removed: again.removed }, where).toEqual({ changed: [], removed: [] });
    }
  });
});

// ---------------------------------------------------------------------------------------------
// I/O errors: as nobody, and on a small tmpfs.

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
/** How to run the CLI as a user that file modes apply to: itself when not root, else setpriv to nobody (null: not possible). */
const unprivileged: string[] | null = (() => {
  if (!asRoot) return [];
  const wrap = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups'];
  const probe = spawnSync(wrap[0]!, [...wrap.slice(1), process.execPath, '-e', `process.exit(process.getuid() === ${NOBODY} ? 0 : 1)`]);
  return probe.status === 0 ? wrap : null;
})();
const NO_NOBODY = 'skipped: running as root, and setpriv to nobody does not work here (file modes would not apply)';

describe.skipIf(unprivileged === null)(`permissions (${unprivileged === null ? NO_NOBODY : asRoot ? 'as nobody' : 'as this user'})`, () => {
  it('EACCES creating the output directory: exit 1 with the path and the cause, nothing created', { timeout: NO_LIMIT }, async () => {
    const parent = openDir('eacces');
    mkdirSync(path.join(parent, 'locked'), { mode: 0o555 });
    chmodSync(path.join(parent, 'locked'), 0o555);
    const out = path.join(parent, 'locked', 'out');
    const r = await cli(cliArgs('v1', out), { wrap: unprivileged! });
    expectCleanFailure(r, /cannot create the output directory '.*locked\/out'/, /EACCES|permission denied/);
    expect(readdirSync(path.join(parent, 'locked'))).toEqual([]);
  });

  it('a read-only output directory: exit 1 with the path and the cause, every byte as it was', { timeout: NO_LIMIT }, async () => {
    const out = path.join(openDir('readonly'), 'out');
    await generate({ schema: schemaEntry.v1, out });
    for (const d of [out, path.join(out, 'runtime')]) {
      if (asRoot) chownSync(d, NOBODY, NOBODY); // its owner, and still it cannot write there
      chmodSync(d, 0o555);
    }
    const before = snapshot(out);
    const r = await cli(cliArgs('v2', out), { wrap: unprivileged! });
    expectCleanFailure(r, /b\.ts|a\.ts|c\.ts/, /EACCES|permission denied/);
    expect(snapshot(out)).toEqual(before);
    for (const d of [out, path.join(out, 'runtime')]) chmodSync(d, 0o755);
  });
});

/** Mounts a tmpfs of `size` at a new directory; null when mounting is not allowed here. */
function tmpfs(size: string): string | null {
  if (!asRoot) return null;
  const dir = openDir('tmpfs');
  if (spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'qapi-ts-test', dir]).status !== 0) return null;
  mounts.unshift(dir);
  return dir;
}

const canMount = tmpfs('64k') !== null;
const NO_MOUNT = 'skipped: mounting a tmpfs is not allowed here (needs root with CAP_SYS_ADMIN)';

describe.skipIf(!canMount)(`a file system that fails${canMount ? '' : ` (${NO_MOUNT})`}`, () => {
  it('EROFS (a tmpfs remounted read-only): exit 1 with the path and the cause, every byte as it was', { timeout: NO_LIMIT }, async () => {
    const mnt = tmpfs('4m')!;
    const out = path.join(mnt, 'out');
    expect((await cli(cliArgs('v1', out))).status).toBe(0);
    expect(spawnSync('mount', ['-o', 'remount,ro', mnt]).status).toBe(0);
    const before = snapshot(out);
    const r = await cli(cliArgs('v2', out));
    expectCleanFailure(r, /EROFS|read-only file system/, /'(b\.ts|a\.ts|c\.ts)'/);
    expect(snapshot(out)).toEqual(before);
  });

  it('ENOSPC (a full tmpfs): exit 1 with the path and the cause; no temp file, no half-written file', { timeout: NO_LIMIT }, async () => {
    const mnt = tmpfs('96k')!;
    const out = path.join(mnt, 'out');
    const r = await cli(cliArgs('v1', out));
    expectCleanFailure(r, /cannot write '[^']+'/, /ENOSPC|no space left/);
    // Files renamed into place are complete (temp files are written whole before any rename); nothing else is left.
    const left = existsSync(out) ? contents(out) : {};
    const expected = await freshTree('v1', 'cli');
    for (const [rel, text] of Object.entries(left)) expect(text, rel).toBe(expected[rel]);
    expect(existsSync(out) ? tempFilesIn(out) : []).toEqual([]);
  });
});
