/**
 * `qapi-ts diff` as a process: the backend-transfer seed (golden markdown,
 * exact changes), QEMU 7.2.0 → 10.2.2 (facts checked against the schema
 * files), JSON output, --fail-on, git revisions, and errors.
 *
 * Regenerate the golden file with `UPDATE_GOLDEN=1 npx vitest run test/diff`
 * and review the diff.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, stackTraceLines, type CliResult } from '../helpers/cli.js';
import { describeFixture, sharedPathFromRoot } from '../helpers/fixtures.js';
import type { Change } from '../../generator/diff/diff.js';

const T = 300_000;
const update = process.env.UPDATE_GOLDEN === '1';
const GOLDEN = join(import.meta.dirname, 'backend-transfer.expected.md');

const BASE = sharedPathFromRoot('qemu/10.2.2');
const SEED = sharedPathFromRoot('qemu/10.2.2-backend-transfer');
const OLD72 = sharedPathFromRoot('qemu/7.2.0');

interface JsonReport {
  old: string;
  new: string;
  summary: Record<string, number>;
  changes: Change[];
  rules: Record<string, { source: string; text: string }>;
}

function json(r: CliResult): JsonReport {
  expect(r.stderr).toBe('');
  return JSON.parse(r.stdout) as JsonReport;
}

/** runCli with QAPI_TS_DIFF_WORKER set: `always` reads OLD in a worker thread, `never` in the main one. */
function runWorker(mode: 'always' | 'never', args: string[], opts: { cwd?: string } = {}): Promise<CliResult> {
  const saved = process.env.QAPI_TS_DIFF_WORKER;
  process.env.QAPI_TS_DIFF_WORKER = mode;
  try {
    // spawn() reads the environment at once.
    return runCli(args, { ...opts, timeout: T });
  } finally {
    if (saved === undefined) delete process.env.QAPI_TS_DIFF_WORKER;
    else process.env.QAPI_TS_DIFF_WORKER = saved;
  }
}

const key = (c: Change): string => `${c.owner} ${c.name}: ${c.text} [${c.class}]`;

describeFixture(['qemu/10.2.2/qapi/qapi-schema.json', 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json'], 'diff: the backend-transfer seed', () => {
  let md: CliResult;
  let js: CliResult;
  beforeAll(async () => {
    [md, js] = await Promise.all([runCli(['diff', BASE, SEED], { timeout: T }), runCli(['diff', '--format', 'json', BASE, SEED], { timeout: T })]);
  }, T);

  it('reports exactly the seed’s changes, all compatible', () => {
    const r = json(js);
    expect(js.status).toBe(0);
    expect(r.changes.map(key)).toEqual([
      'command migrate-set-parameters: arguments changed through `MigrateSetParameters` [compatible]',
      'command query-migrate-parameters: return changed through `MigrationParameters` [compatible]',
      'type BackendTransfer: added [compatible]',
      'type MigrateSetParameters: optional member `backend-transfer` added (type `[BackendTransfer]`, unstable) [compatible]',
      'type MigrationParameter: value `backend-transfer` added (unstable) [compatible]',
      'type MigrationParameters: optional member `backend-transfer` added (type `[BackendTransfer]`, unstable) [compatible]',
    ]);
    expect(r.summary).toEqual({ total: 6, breaking: 0, review: 0, compatible: 6, notice: 0 });
    // The command changes say which way: arguments are input, the return output.
    const [set, query] = r.changes;
    expect(set).toMatchObject({ section: 'arguments', change: 'changed-through', through: ['MigrateSetParameters'], rule: 'arguments-changed' });
    expect(query).toMatchObject({ section: 'returns', change: 'changed-through', through: ['MigrationParameters'], rule: 'output-changed' });
    // MigrationParameters travels out, MigrateSetParameters in: each classed by its direction's rule.
    expect(r.changes[5]!.directions).toEqual({ output: { class: 'compatible', rule: 'receive-add-member' } });
    expect(r.changes[3]!.directions).toEqual({ input: { class: 'compatible', rule: 'send-add-optional' } });
    expect(r.changes[4]).toMatchObject({ rule: 'unused-type', note: 'no command or event uses it' });
  });

  it('pins the markdown report (golden file)', () => {
    expect(md.status).toBe(0);
    expect(md.stderr).toBe('');
    if (update || !existsSync(GOLDEN)) {
      writeFileSync(GOLDEN, md.stdout);
      if (!update) throw new Error(`${GOLDEN} was missing and has been written; review it and run again`);
    }
    expect(md.stdout).toBe(readFileSync(GOLDEN, 'utf8'));
    expect(md.stdout).toContain('**6 changes:** 0 breaking, 0 review, 6 compatible, 0 notice');
  });

  it('reads the old schema in a worker thread or in the main one alike', async () => {
    const [w, m] = await Promise.all([runWorker('always', ['diff', BASE, SEED]), runWorker('never', ['diff', BASE, SEED])]);
    expect(w.stdout).toBe(md.stdout);
    expect(m.stdout).toBe(md.stdout);
    expect([w.status, m.status]).toEqual([0, 0]);
  }, T);

  it('the JSON report quotes the rules it used', () => {
    const r = json(js);
    expect(Object.keys(r.rules).sort()).toEqual(['arguments-changed', 'output-changed', 'receive-add-member', 'send-add-optional', 'type-added', 'unused-type']);
    expect(r.rules['send-add-optional']!.source).toMatch(/qapi-code-gen\.rst, Compatibility considerations/);
    expect(r.old).toBe(BASE);
    expect(r.new).toBe(SEED);
  });

  it('--fail-on: exit 1 only when a change of that class or worse is found', async () => {
    const [breaking, compatible, reverse, reverseOff] = await Promise.all([
      runCli(['diff', '--fail-on', 'breaking', BASE, SEED], { timeout: T }),
      runCli(['diff', '--fail-on', 'compatible', BASE, SEED], { timeout: T }),
      // Backwards, the seed's new member is removed: breaking for the command that takes it.
      runCli(['diff', '--fail-on', 'breaking', '--format', 'json', SEED, BASE], { timeout: T }),
      runCli(['diff', SEED, BASE], { timeout: T }),
    ]);
    expect(breaking.status).toBe(0);
    expect(compatible.status).toBe(1);
    expect(compatible.stdout).toContain('## QAPI API changes');
    expect(reverse.status).toBe(1);
    expect(json(reverse).changes.filter((c) => c.class === 'breaking').map(key)).toEqual([
      'command migrate-set-parameters: arguments changed through `MigrateSetParameters` [breaking]',
      'type MigrateSetParameters: member `backend-transfer` removed [breaking]',
    ]);
    expect(reverseOff.status).toBe(0);
  }, T);
});

describeFixture(['qemu/7.2.0/qapi/qapi-schema.json', 'qemu/10.2.2/qapi/qapi-schema.json'], 'diff: QEMU 7.2.0 → 10.2.2', () => {
  let r: JsonReport;
  let md: CliResult;
  beforeAll(async () => {
    const [j, m] = await Promise.all([
      runCli(['diff', '--format', 'json', `${OLD72}/qapi/qapi-schema.json`, `${BASE}/qapi/qapi-schema.json`], { timeout: T }),
      runCli(['diff', '--fail-on', 'breaking', OLD72, BASE], { timeout: T }),
    ]);
    expect(j.status).toBe(0);
    r = json(j);
    md = m;
  }, T);

  const find = (owner: string, name: string, change: string, item?: string): Change | undefined =>
    r.changes.find((c) => c.owner === owner && c.name === name && c.change === change && (item === undefined || c.item?.name === item));

  // Each fact checked by reading the schema files (file:line of 7.2.0 / 10.2.2).
  it.each([
    // machine.json:1552 (7.2.0), gone in 10.2.2; 'features': [ 'unstable' ]
    ['command', 'x-query-opcount', 'removed', undefined, 'breaking', 'was unstable'],
    // machine.json:1602 (7.2.0), gone in 10.2.2
    ['command', 'x-query-rdma', 'removed', undefined, 'breaking', 'was unstable'],
    // rdma.json:35 (7.2.0); rdma.json is gone in 10.2.2
    ['event', 'RDMA_GID_STATUS_CHANGED', 'removed', undefined, 'breaking', undefined],
    // machine.json:1426 (7.2.0), deprecated there
    ['event', 'MEM_UNPLUG_ERROR', 'removed', undefined, 'breaking', 'was deprecated'],
    // audio.json:542 and qom.json:172 (10.2.2)
    ['command', 'query-audiodevs', 'added', undefined, 'compatible', undefined],
    ['command', 'qom-list-get', 'added', undefined, 'compatible', undefined],
    // migration.json:1489 (7.2.0) '*blk': 'bool'; not in 10.2.2's migrate
    ['command', 'migrate', 'member-removed', 'blk', 'breaking', undefined],
    // migration.json:1817/1819 (10.2.2): '*uri', '*detach' with 'deprecated'
    ['command', 'migrate', 'member-optional', 'uri', 'compatible', undefined],
    ['command', 'migrate', 'feature-added', 'detach', 'notice', undefined],
    // block-core.json:3343 (10.2.2): { 'name': 'gluster', 'features': [ 'deprecated' ] }
    ['type', 'BlockdevDriver', 'feature-added', 'gluster', 'notice', undefined],
    // char.json:287 (7.2.0) ChardevSocket '*reconnect': 'int'; gone in 10.2.2 (chardev-add takes it)
    ['type', 'ChardevSocket', 'member-removed', 'reconnect', 'breaking', undefined],
    // block-core.json:5807 (10.2.2): BLOCK_IO_ERROR gains 'qom-path': 'str', event data (output)
    ['event', 'BLOCK_IO_ERROR', 'member-added', 'qom-path', 'compatible', undefined],
  ] as const)('%s %s: %s %s is %s', (owner, name, change, item, cls, note) => {
    const c = find(owner, name, change, item);
    expect(c, `${owner} ${name} ${change} ${item ?? ''}`).toBeDefined();
    expect(c!.class).toBe(cls);
    if (note !== undefined) expect(c!.note).toBe(note);
  });

  it('the deprecation of migrate’s detach names the feature; the removed command has no class but breaking', () => {
    expect(find('command', 'migrate', 'feature-added', 'detach')).toMatchObject({ feature: 'deprecated', text: 'argument `detach` became deprecated', rule: 'deprecated-added' });
    expect(r.changes.filter((c) => c.change === 'removed' && c.owner !== 'type').every((c) => c.class === 'breaking')).toBe(true);
  });

  it('commands that reach a changed type say so: chardev-add through ChardevSocket (breaking)', () => {
    const c = find('command', 'chardev-add', 'changed-through');
    expect(c?.through).toContain('ChardevSocket');
    expect(c?.class).toBe('breaking');
  });

  it('the markdown counts match the JSON; --fail-on breaking exits 1', () => {
    const s = r.summary;
    expect(s.breaking! + s.review! + s.compatible! + s.notice!).toBe(s.total);
    expect(s.breaking).toBeGreaterThan(0);
    expect(md.status).toBe(1);
    expect(md.stdout).toContain(`**${s.total} changes:** ${s.breaking} breaking, ${s.review} review, ${s.compatible} compatible, ${s.notice} notice`);
    expect(md.stdout).toContain('- `x-query-opcount`: removed (was unstable)');
  });
});

describeFixture('qemu/10.2.2/qga/qapi-schema.json', 'diff: --entry', () => {
  it('picks another entry point in both directories; nothing changed in the guest agent', async () => {
    const r = await runCli(['diff', '--entry', 'qga/qapi-schema.json', '--fail-on', 'notice', BASE, SEED], { timeout: T });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('**0 changes:**');
    expect(r.stdout).toContain('No API changes.');
  }, T);
});

describe('diff: git revisions and errors', () => {
  let repo: string;
  const write = (files: Record<string, string>): void => {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(join(repo, name, '..'), { recursive: true });
      writeFileSync(join(repo, name), text);
    }
  };
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });
  beforeAll(() => {
    repo = mkdtempSync(join(tmpdir(), 'qapi-ts-diff-test-'));
    git('init', '-q');
    write({
      'schema/qapi-schema.json': "{ 'include': 'sub/things.json' }\n# { 'include': 'commented-out.json' }\n",
      'schema/sub/things.json': "{ 'command': 'do-thing', 'data': { 'name': 'str' } }\n",
    });
    git('add', '.');
    git('commit', '-q', '-m', 'one');
    write({ 'schema/sub/things.json': "{ 'command': 'do-thing', 'data': { 'name': 'str', '*force': 'bool' } }\n{ 'event': 'THING_DONE' }\n" });
    git('commit', '-q', '-am', 'two');
    // The work tree differs from both commits: the diff must read the commits.
    write({ 'schema/sub/things.json': "{ 'command': 'other' }\n" });
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('REV:PATH reads a directory of a commit, following includes', async () => {
    const r = await runCli(['diff', '--format', 'json', 'HEAD~1:schema', 'HEAD:schema/qapi-schema.json'], { cwd: repo, timeout: T });
    expect(r.status).toBe(0);
    expect(json(r).changes.map(key)).toEqual(['command do-thing: optional argument `force` added (type `bool`) [compatible]', 'event THING_DONE: added [compatible]']);
  }, T);

  it('a schema error names the file and line (REV: for a git side), exit 2, no stack trace', async () => {
    write({ 'schema/sub/things.json': "{ 'command': 'do-thing',\n  'data': { 'name': 'nosuchtype' } }\n" });
    git('commit', '-q', '-am', 'three');
    write({ 'schema/sub/things.json': "{ 'command': 'other' }\n" });
    const [r, asOld, asOldInThread, local] = await Promise.all([
      runCli(['diff', 'HEAD~1:schema', 'HEAD:schema'], { cwd: repo, timeout: T }),
      // The old side read in a worker thread or in the main one: its error reads the same.
      runWorker('always', ['diff', 'HEAD:schema', 'HEAD~1:schema'], { cwd: repo }),
      runWorker('never', ['diff', 'HEAD:schema', 'HEAD~1:schema'], { cwd: repo }),
      runCli(['diff', 'schema', 'HEAD~1:schema'], { cwd: repo, timeout: T }),
    ]);
    for (const x of [r, asOld, asOldInThread]) {
      expect(x.status).toBe(2);
      expect(x.stdout).toBe('');
      expect(x.stderr).toBe(
        "In file included from HEAD:schema/qapi-schema.json:1:\nHEAD:schema/sub/things.json: In command 'do-thing':\nHEAD:schema/sub/things.json:1: parameter 'name' uses unknown type 'nosuchtype'\n",
      );
      expect(stackTraceLines(x.stderr)).toEqual([]);
    }
    // The work tree's schema is read as a directory too (and it is fine).
    expect(local.stderr).toBe('');
    expect(local.status).toBe(0);
  }, T);

  it('a missing file, a bad revision, a directory without a schema: exit 2 with a message', async () => {
    const rs = await Promise.all([
      runCli(['diff', 'no/such/file.json', 'schema'], { cwd: repo, timeout: T }),
      runCli(['diff', 'nosuchrev:schema', 'schema'], { cwd: repo, timeout: T }),
      runCli(['diff', 'schema/sub', 'schema'], { cwd: repo, timeout: T }),
      runCli(['diff', 'schema', 'HEAD:nothing-here'], { cwd: repo, timeout: T }),
    ]);
    expect(rs.map((r) => [r.status, r.stdout, r.stderr])).toEqual([
      [2, '', 'qapi-ts: OLD no/such/file.json: no such file or directory\n'],
      [2, '', `qapi-ts: OLD nosuchrev:schema: no such file or directory, and nosuchrev is not a revision of ${git('rev-parse', '--show-toplevel').trim()}\n`],
      [2, '', 'qapi-ts: OLD schema/sub is a directory without qapi/qapi-schema.json or qapi-schema.json (--entry names another entry point)\n'],
      [2, '', 'qapi-ts: NEW HEAD:nothing-here: nothing-here is not in HEAD\n'],
    ]);
  }, T);

  it('usage errors exit 2 too (1 means changes found)', async () => {
    const [format, missing] = await Promise.all([
      runCli(['diff', '--format', 'yaml', 'schema', 'schema'], { cwd: repo, timeout: T }),
      runCli(['diff', 'schema'], { cwd: repo, timeout: T }),
    ]);
    expect(format.status).toBe(2);
    expect(format.stderr).toMatch(/--format.*yaml/);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/missing required argument 'new'/);
    for (const r of [format, missing]) expect(stackTraceLines(r.stderr)).toEqual([]);
  }, T);
});
