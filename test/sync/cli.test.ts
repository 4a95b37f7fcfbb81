/**
 * `qapi-ts sync` end to end through the built CLI: sync, `--check` (exit 0,
 * then 1 naming an edited file), and bad inputs (exit
 * 1, `qapi-ts: …` or QEMU's message, no stack trace, nothing changed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, stackTraceLines } from '../helpers/cli.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { FIXTURES, V1022, appendLine, copyTree, refusedUrl, removeTemps, schemaFilesOf, snapshot, tempDir } from './helpers.js';

afterAll(removeTemps);

const TIMEOUT = 300_000;

describeFixture(FIXTURES, 'qapi-ts sync (CLI)', () => {
  const repo = tempDir();
  const cli = (...args: string[]) => runCli(['sync', ...args], { cwd: repo, timeout: TIMEOUT });
  // The source as a user in the repo would give it: a relative path.
  const from = relative(repo, sharedPath(V1022));

  beforeAll(async () => {
    const r = await cli('--from', from);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('wrote schema/qapi/migration.json\n');
    expect(r.stdout).toContain('wrote schema/qapi-ts.lock.json\n');
    expect(r.stdout).toMatch(/synced: 48 files of QEMU 10\.2\.2 .*48 written, 0 removed, 0 unchanged/);
  }, TIMEOUT);

  it('writes the default schema dir and lock; --check passes, then fails naming an edited file; a sync restores it', async () => {
    const lock = JSON.parse(readFileSync(join(repo, 'schema', 'qapi-ts.lock.json'), 'utf8'));
    expect(lock.files.map((f: { path: string }) => f.path)).toEqual(schemaFilesOf(V1022));
    expect(lock.source).toEqual({ type: 'dir', path: join('..', from).split('\\').join('/') });

    const ok = await cli('--check');
    expect([ok.status, ok.stdout]).toEqual([0, 'schema matches schema/qapi-ts.lock.json: 48 files of QEMU 10.2.2\n']);

    appendLine(join(repo, 'schema', 'qapi', 'block-core.json'), '# edited');
    const bad = await cli('--check');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe('changed schema/qapi/block-core.json\n');
    expect(bad.stderr).toMatch(/^qapi-ts: schema does not match schema\/qapi-ts\.lock\.json \(0 missing, 1 changed\)/);

    const again = await cli('--from', from);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^wrote schema\/qapi\/block-core\.json\nsynced: .*1 written, 0 removed, 47 unchanged\n$/);
    expect((await cli('--check')).status).toBe(0);
  }, TIMEOUT);

  it('bad inputs: exit 1, a one-line reason (or QEMU\'s message), no stack trace, nothing changed', async () => {
    const work = tempDir();
    const broken = copyTree(V1022, join(work, 'qemu-10.2.2'));
    const line = appendLine(join(broken, 'qga', 'qapi-schema.json'), "{ 'command': 'guest-broken', }");
    const url = await refusedUrl('/qemu-10.2.2.tar.xz');
    writeFileSync(join(repo, 'mine.txt'), 'mine\n');
    const before = snapshot(repo);
    const cases: [string[], RegExp][] = [
      [['--from', join(work, 'missing')], /^qapi-ts: source not found: .*missing\n$/],
      [['--from', broken, '--entry', 'qga/qapi-schema.json'], new RegExp(`^${broken.replace(/[.]/g, '\\.')}/qga/qapi-schema\\.json:${line}:\\d+: .*\\nqapi-ts: the schema from .* is invalid; nothing was changed\\n$`)],
      [['--from', url], /^qapi-ts: cannot download http:\/\/127\.0\.0\.1:\d+\/qemu-10\.2\.2\.tar\.xz: .*ECONNREFUSED.*\n$/],
      [['--from', from, '--entry', 'qapi/nope.json'], /^qapi-ts: --entry qapi\/nope\.json: no such file in /],
      [[], /^qapi-ts: --from SOURCE is required/],
    ];
    const results = await Promise.all(cases.map(([args]) => cli(...args)));
    results.forEach((r, i) => {
      const [args, stderr] = cases[i]!;
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(stderr);
      expect(stackTraceLines(r.stderr)).toEqual([]);
      expect(r.stdout).toBe('');
    });
    expect(snapshot(repo)).toEqual(before);
  }, TIMEOUT);
});
