/**
 * Bad inputs to `sync`: each gives a clear message and changes nothing (the
 * schema dir and the lock are compared with a snapshot, and no staging dir
 * is left next to the schema dir). In-process; the CLI's exit status and
 * stderr are in cli.test.ts.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { QapiError } from '../../generator/source/source-info.js';
import { syncSchema } from '../../generator/sync/sync.js';
import type { SyncOptions } from '../../generator/sync/sync.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { FIXTURES, QGA, V1022, appendLine, copyTree, git, makeTarball, refusedUrl, removeTemps, snapshot, tempDir } from './helpers.js';

afterAll(removeTemps);

describeFixture(FIXTURES, 'sync: bad inputs change nothing', () => {
  const repo = tempDir();
  const schemaDir = join(repo, 'schema');
  const work = tempDir();
  let before: Record<string, string> = {};
  let brokenLine = 0;

  beforeAll(async () => {
    await syncSchema({ from: sharedPath(V1022), schemaDir, entries: QGA });
    writeFileSync(join(repo, 'user-file.txt'), 'not ours\n');
    before = snapshot(repo);
    // A QEMU tree whose guest-agent schema ends in a syntax error, as a dir and as a tarball.
    const broken = copyTree(V1022, join(work, 'broken', 'qemu-10.2.2'));
    brokenLine = appendLine(join(broken, 'qga', 'qapi-schema.json'), "{ 'command': 'guest-broken', }");
    makeTarball(join(work, 'broken'), 'qemu-10.2.2', 'broken.tar.xz', 'J');
    // A tarball with no qapi/ dir.
    copyTree(V1022, join(work, 'noqapi', 'qemu-10.2.2'));
    rmSync(join(work, 'noqapi', 'qemu-10.2.2', 'qapi'), { recursive: true });
    makeTarball(join(work, 'noqapi'), 'qemu-10.2.2', 'noqapi.tar.gz', 'z');
    writeFileSync(join(work, 'not-a-tarball.tar.xz'), 'hello\n');
  });

  /** Runs a sync that must fail; returns the error, after checking nothing changed. */
  async function failing(opts: Omit<SyncOptions, 'schemaDir'>): Promise<Error> {
    let error: unknown = null;
    try {
      await syncSchema({ schemaDir, ...opts });
    } catch (err) {
      error = err;
    }
    expect(error, 'the sync should have failed').toBeInstanceOf(Error);
    expect(snapshot(repo)).toEqual(before);
    expect(readdirSync(repo).filter((n) => n.startsWith('.qapi-ts-sync-'))).toEqual([]);
    return error as Error;
  }

  it('a missing source', async () => {
    const err = await failing({ from: join(work, 'no-such-dir') });
    expect(err.message).toBe(`source not found: ${join(work, 'no-such-dir')}`);
  });

  it('a dir that is not a QEMU source', async () => {
    const err = await failing({ from: work });
    expect(err.message).toBe(`${work}: not a QEMU source: it has no qapi/ directory`);
  });

  it('a tarball without a qapi/ dir, and a file that is no tarball', async () => {
    expect((await failing({ from: join(work, 'noqapi', 'noqapi.tar.gz') })).message).toMatch(/noqapi\.tar\.gz: not a QEMU source tarball: no qapi\/ directory/);
    expect((await failing({ from: join(work, 'not-a-tarball.tar.xz') })).message).toMatch(/not-a-tarball\.tar\.xz: not a \.tar\.xz, \.tar\.gz or \.tar archive/);
  });

  it("a schema error in a source dir: QEMU's message with file and line, as the front end gives it", async () => {
    const from = join(work, 'broken', 'qemu-10.2.2');
    const err = await failing({ from, entries: QGA });
    expect(err).toBeInstanceOf(QapiError);
    expect(err.message.startsWith(`${join(from, 'qga', 'qapi-schema.json')}:${brokenLine}:`)).toBe(true);
    const { loadSchema } = await import('../../generator/model/schema.js');
    expect(() => loadSchema(join(from, 'qga', 'qapi-schema.json'), { lenientDocs: true, warn: () => {} })).toThrow(err.message);
  });

  it('a schema error in a tarball: the message names the file inside the tarball, not a temp dir', async () => {
    const err = await failing({ from: join(work, 'broken', 'broken.tar.xz'), entries: QGA });
    expect(err).toBeInstanceOf(QapiError);
    expect(err.message.startsWith(`qemu-10.2.2/qga/qapi-schema.json:${brokenLine}:`)).toBe(true);
  });

  it('an unreachable URL (a loopback port that refuses)', async () => {
    const url = await refusedUrl('/qemu-10.2.2.tar.xz');
    const err = await failing({ from: url });
    expect(err.message).toMatch(new RegExp(`^cannot download ${url.replace(/[.]/g, '\\.')}: .*ECONNREFUSED`));
  });

  it('an http error status', async () => {
    const { serveFiles } = await import('./helpers.js');
    const s = await serveFiles({});
    try {
      const err = await failing({ from: `${s.url}/qemu-10.2.2.tar.xz` });
      expect(err.message).toBe(`cannot download ${s.url}/qemu-10.2.2.tar.xz: HTTP 404 Not Found`);
    } finally {
      await s.close();
    }
  });

  it('an unknown entry, and one outside the source', async () => {
    const err = await failing({ from: sharedPath(V1022), entries: ['qapi/no-such-schema.json'] });
    expect(err.message).toMatch(/^--entry qapi\/no-such-schema\.json: no such file in .*qemu\/10\.2\.2/);
    expect((await failing({ from: sharedPath(V1022), entries: ['../10.0.13/qapi/qapi-schema.json'] })).message).toMatch(/^--entry \.\.\/10\.0\.13\/qapi\/qapi-schema\.json: not a file path inside the QEMU source/);
  });

  it('git: an unknown ref, a missing repository, a URL without a ref', async () => {
    const tree = copyTree(V1022, join(work, 'repo'));
    git(tree, 'init', '-q');
    git(tree, 'add', 'qga', 'qapi', 'VERSION');
    git(tree, 'commit', '-q', '-m', 'x');
    expect((await failing({ from: `git+${tree}#v99.0.0` })).message).toMatch(/^cannot fetch v99\.0\.0 from .*: fatal: couldn't find remote ref v99\.0\.0/);
    expect((await failing({ from: `git+${join(work, 'nope.git')}#main` })).message).toBe(`source not found: ${join(work, 'nope.git')} (git repository)`);
    expect((await failing({ from: `git+${tree}` })).message).toMatch(/a git source needs a ref: git\+URL#REF/);
    expect((await failing({ from: 'ssh://example.invalid/qemu.git' })).message).toMatch(/give the ref/);
    expect((await failing({ from: 'https://example.invalid/qemu.git' })).message).toMatch(/a git repository needs a ref/);
  });

  it('a failure while files are being put in place is rolled back', async () => {
    // storage-daemon is a file of the user's: the sync's mkdir of storage-daemon/qapi fails after the qapi/ files are in place.
    writeFileSync(join(schemaDir, 'storage-daemon'), 'mine\n');
    before = snapshot(repo);
    try {
      const err = await failing({ from: sharedPath(V1022), entries: ['storage-daemon/qapi/qapi-schema.json', ...QGA] });
      expect((err as NodeJS.ErrnoException).code).toMatch(/^(EEXIST|ENOTDIR)$/);
      expect(err.message).toContain(join(schemaDir, 'storage-daemon'));
    } finally {
      rmSync(join(schemaDir, 'storage-daemon'));
      before = snapshot(repo);
    }
  });

  it('a lock that is not a qapi-ts lock stops the sync before the source is read', async () => {
    const lock = join(schemaDir, 'qapi-ts.lock.json');
    const good = readFileSync(lock);
    writeFileSync(lock, '{ "lockVersion": 7 }\n');
    before = snapshot(repo);
    try {
      const err = await failing({ from: sharedPath(V1022), entries: QGA });
      expect(err.message).toMatch(/qapi-ts\.lock\.json: not a qapi-ts lock file: lockVersion is 7/);
    } finally {
      writeFileSync(lock, good);
      before = snapshot(repo);
    }
  });
});
