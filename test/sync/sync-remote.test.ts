/**
 * `sync` from release tarballs (.tar.xz and .tar.gz; a local path and an
 * http URL on a loopback server this test starts) and from a git repository
 * (a local bare repo with a tag; git+PATH#TAG and URL --ref REF). Offline.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkSchemaDir, syncSchema } from '../../generator/sync/sync.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { FIXTURES, QGA, V1022, copyTree, git, listFiles, makeTarball, removeTemps, schemaFilesOf, serveFiles, sha256, tempDir } from './helpers.js';

afterAll(removeTemps);

const SD = ['storage-daemon/qapi/qapi-schema.json'];

/** The lock's files as path → sha256 of the shared 10.2.2 tree: what every source kind must give. */
function expectedHashes(files: readonly string[]): { path: string; sha256: string }[] {
  return files.map((path) => ({ path, sha256: sha256(readFileSync(sharedPath(`${V1022}/${path}`))) }));
}

describeFixture(FIXTURES, 'sync from a release tarball', () => {
  const work = tempDir();
  let xz = '';
  let gz = '';
  let server: Awaited<ReturnType<typeof serveFiles>>;

  beforeAll(async () => {
    copyTree(V1022, join(work, 'qemu-10.2.2'));
    xz = makeTarball(work, 'qemu-10.2.2', 'qemu-10.2.2.tar.xz', 'J');
    gz = makeTarball(work, 'qemu-10.2.2', 'qemu-10.2.2.tar.gz', 'z');
    server = await serveFiles({ '/releases/qemu-10.2.2.tar.xz': readFileSync(xz), '/releases/qemu-10.2.2.tar.gz': readFileSync(gz) });
  });
  afterAll(() => server?.close());

  it('.tar.xz from an http URL: all entry points, the same files and hashes as the source dir; the lock records the URL and the tarball hash', async () => {
    const dir = join(tempDir(), 'schema');
    const url = `${server.url}/releases/qemu-10.2.2.tar.xz`;
    const r = await syncSchema({ from: url, schemaDir: dir });
    expect(r.lock.files).toEqual(expectedHashes(schemaFilesOf(V1022)));
    expect(r.lock.source).toEqual({ type: 'tarball', url, topDir: 'qemu-10.2.2', sha256: sha256(readFileSync(xz)) });
    expect([r.lock.qemuVersion, r.lock.versionFrom]).toEqual(['10.2.2', 'VERSION file']);
    expect(listFiles(dir)).toEqual([...schemaFilesOf(V1022), 'qapi-ts.lock.json'].sort());
    for (const f of schemaFilesOf(V1022)) expect(readFileSync(join(dir, f)).equals(readFileSync(sharedPath(`${V1022}/${f}`))), f).toBe(true);
    expect(checkSchemaDir({ schemaDir: dir }).ok).toBe(true);
  });

  it('.tar.gz from an http URL', async () => {
    const dir = join(tempDir(), 'schema');
    const r = await syncSchema({ from: `${server.url}/releases/qemu-10.2.2.tar.gz`, schemaDir: dir, entries: SD });
    expect(r.lock.files.length).toBe(14);
    expect(r.lock.files).toEqual(expectedHashes(r.lock.files.map((f) => f.path)));
    expect(r.lock.source).toMatchObject({ type: 'tarball', topDir: 'qemu-10.2.2', sha256: sha256(readFileSync(gz)) });
  });

  it('a local .tar.xz and .tar.gz: the path recorded relative to the lock, the same lock otherwise', async () => {
    const locks: Record<string, unknown>[] = [];
    for (const file of [xz, gz]) {
      const dir = join(tempDir(), 'schema');
      const r = await syncSchema({ from: file, schemaDir: dir, entries: SD });
      expect(r.lock.source).toEqual({ type: 'tarball', path: relative(dir, file).split('\\').join('/'), topDir: 'qemu-10.2.2', sha256: sha256(readFileSync(file)) });
      expect(readFileSync(join(dir, 'qapi-ts.lock.json'), 'utf8')).not.toContain(work);
      const { source: _s, ...rest } = r.lock;
      locks.push(rest);
    }
    expect(locks[0]).toEqual(locks[1]);
  });

  it('without a VERSION file the version comes from the top directory name', async () => {
    const root = tempDir();
    copyTree(V1022, join(root, 'qemu-10.2.1'), { version: false });
    const file = makeTarball(root, 'qemu-10.2.1', 'q.tar.gz', 'z');
    const r = await syncSchema({ from: file, schemaDir: join(root, 'schema'), entries: QGA });
    expect([r.lock.qemuVersion, r.lock.versionFrom]).toEqual(['10.2.1', 'directory name']);
  });
});

describeFixture(FIXTURES, 'sync from a git repository', () => {
  const work = tempDir();
  const bare = join(work, 'qemu.git');
  let tagCommit = '';
  let headCommit = '';

  beforeAll(() => {
    const tree = copyTree(V1022, join(work, 'qemu'));
    git(tree, 'init', '-q');
    git(tree, 'add', '.');
    git(tree, 'commit', '-q', '-m', 'QEMU 10.2.2 schemas');
    git(tree, 'tag', '-a', 'v10.2.2', '-m', 'v10.2.2');
    tagCommit = git(tree, 'rev-parse', 'v10.2.2^{commit}');
    // A later commit on main: the tag must not give it.
    git(tree, 'rm', '-q', 'VERSION');
    git(tree, 'commit', '-q', '-m', 'no VERSION');
    headCommit = git(tree, 'rev-parse', 'HEAD');
    git(work, 'clone', '-q', '--bare', tree, bare);
    // Like GitHub and GitLab: partial clone allowed, so the sync's blobless fetch and lazy checkout are exercised.
    git(bare, 'config', 'uploadpack.allowFilter', 'true');
  });

  it('git+PATH#TAG: all entry points; the lock records the ref and the commit hash', async () => {
    const dir = join(tempDir(), 'schema');
    const r = await syncSchema({ from: `git+${bare}#v10.2.2`, schemaDir: dir });
    expect(r.lock.source).toEqual({ type: 'git', url: relative(dir, bare).split('\\').join('/'), ref: 'v10.2.2', commit: tagCommit });
    expect(r.lock.files).toEqual(expectedHashes(schemaFilesOf(V1022)));
    expect([r.lock.qemuVersion, r.lock.versionFrom]).toEqual(['10.2.2', 'VERSION file']);
    expect(checkSchemaDir({ schemaDir: dir }).ok).toBe(true);
    expect(readFileSync(join(dir, 'qapi-ts.lock.json'), 'utf8')).toContain(`"commit": "${tagCommit}"`);
  });

  it('a file:// URL with --ref BRANCH: the branch head; no VERSION there, so the version is the ref', async () => {
    const dir = join(tempDir(), 'schema');
    const url = `file://${bare}`;
    const r = await syncSchema({ from: url, ref: 'main', schemaDir: dir, entries: QGA });
    expect(r.lock.source).toEqual({ type: 'git', url, ref: 'main', commit: headCommit });
    expect([r.lock.qemuVersion, r.lock.versionFrom]).toEqual(['main', 'git ref']);
    expect(r.lock.files).toEqual(expectedHashes(QGA));
  });

  it('a commit hash as the ref', async () => {
    const dir = join(tempDir(), 'schema');
    const r = await syncSchema({ from: `git+${bare}#${tagCommit}`, schemaDir: dir, entries: QGA });
    expect(r.lock.source).toMatchObject({ type: 'git', ref: tagCommit, commit: tagCommit });
  });
});
