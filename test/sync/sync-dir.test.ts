/**
 * `sync --from DIR` in-process: byte-identical copies, the lock (hashes,
 * key order, no absolute path), `--check`, restore, a release-to-release
 * update (10.2.2 → 10.2.2-backend-transfer changes only migration.json),
 * stale files, files the lock does not list, the version fallbacks.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { checkSchemaDir, syncSchema } from '../../generator/sync/sync.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { FIXTURES, QGA, V1022, V1022_BT, copyTree, listFiles, removeTemps, schemaFilesOf, sha256, snapshot, tempDir } from './helpers.js';

afterAll(removeTemps);

describeFixture(FIXTURES, 'sync from a QEMU source dir', () => {
  const repo = tempDir();
  const schemaDir = join(repo, 'schema');
  const lockPath = join(schemaDir, 'qapi-ts.lock.json');
  const src = sharedPath(V1022);
  const srcBT = sharedPath(V1022_BT);

  it('copies every file the three entry points read, byte-identical, and locks them with their sha256', async () => {
    const r = await syncSchema({ from: src, schemaDir, lock: lockPath });
    const expected = schemaFilesOf(V1022);
    expect(expected.length).toBeGreaterThan(40);
    expect(r.written).toEqual(expected);
    expect(r.removed).toEqual([]);
    expect(listFiles(schemaDir)).toEqual([...expected, 'qapi-ts.lock.json'].sort());
    for (const f of expected) expect(readFileSync(join(schemaDir, f)).equals(readFileSync(join(src, f))), f).toBe(true);

    const text = readFileSync(lockPath, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    const lock = JSON.parse(text);
    expect(Object.keys(lock)).toEqual(['lockVersion', 'qemuVersion', 'versionFrom', 'source', 'schemaDir', 'license', 'entries', 'files']);
    expect(lock).toMatchObject({ lockVersion: 1, qemuVersion: '10.2.2', versionFrom: 'VERSION file', schemaDir: '.', license: 'GPL-2.0-or-later' });
    expect(lock.entries).toEqual(['qapi/qapi-schema.json', 'qga/qapi-schema.json', 'storage-daemon/qapi/qapi-schema.json']);
    // The source relative to the lock's dir: no absolute path, no temp dir name.
    expect(lock.source).toEqual({ type: 'dir', path: relative(schemaDir, src).split('\\').join('/') });
    expect(text).not.toContain(repo);
    expect(lock.files.map((f: { path: string }) => f.path)).toEqual(expected);
    for (const f of lock.files) expect(f.sha256, f.path).toBe(sha256(readFileSync(join(src, f.path))));
    expect(text).toBe(JSON.stringify(lock, null, 2) + '\n');
    // The license headers come along untouched.
    expect(readFileSync(join(schemaDir, 'qapi/acpi.json'), 'utf8')).toContain('SPDX-License-Identifier: GPL-2.0-or-later');
  });

  it('--check passes on the synced dir and fails naming an edited or a missing file', () => {
    expect(checkSchemaDir({ schemaDir, lock: lockPath })).toMatchObject({ ok: true, missing: [], changed: [] });
    // The default lock is <schema-dir>/qapi-ts.lock.json; the lock alone finds the schema dir.
    expect(checkSchemaDir({ schemaDir }).ok).toBe(true);
    expect(checkSchemaDir({ lock: lockPath }).ok).toBe(true);

    writeFileSync(join(schemaDir, 'qapi/migration.json'), readFileSync(join(schemaDir, 'qapi/migration.json'), 'utf8') + '# local edit\n');
    rmSync(join(schemaDir, 'qga/qapi-schema.json'));
    const before = snapshot(repo);
    const r = checkSchemaDir({ schemaDir });
    expect(r).toMatchObject({ ok: false, changed: ['qapi/migration.json'], missing: ['qga/qapi-schema.json'] });
    expect(snapshot(repo)).toEqual(before); // --check writes nothing
  });

  it('a second sync restores the edited and the missing file, and writes the same lock', async () => {
    const lockBefore = readFileSync(lockPath, 'utf8');
    const r = await syncSchema({ from: src, schemaDir });
    expect(r.written).toEqual(['qapi/migration.json', 'qga/qapi-schema.json']);
    expect(r.lockChanged).toBe(false);
    expect(readFileSync(lockPath, 'utf8')).toBe(lockBefore);
    expect(checkSchemaDir({ schemaDir }).ok).toBe(true);
    expect(readFileSync(join(schemaDir, 'qapi/migration.json')).equals(readFileSync(join(src, 'qapi/migration.json')))).toBe(true);
  });

  it('10.2.2 → 10.2.2-backend-transfer: only qapi/migration.json changes', async () => {
    const before = JSON.parse(readFileSync(lockPath, 'utf8'));
    const r = await syncSchema({ from: srcBT, schemaDir });
    expect(r.written).toEqual(['qapi/migration.json']);
    expect(r.removed).toEqual([]);
    const after = JSON.parse(readFileSync(lockPath, 'utf8'));
    expect(after.files.map((f: { path: string }) => f.path)).toEqual(before.files.map((f: { path: string }) => f.path));
    const changed = after.files.filter((f: { path: string; sha256: string }, i: number) => f.sha256 !== before.files[i].sha256).map((f: { path: string }) => f.path);
    expect(changed).toEqual(['qapi/migration.json']);
    expect(after.files.find((f: { path: string }) => f.path === 'qapi/migration.json').sha256).toBe(sha256(readFileSync(join(srcBT, 'qapi/migration.json'))));
    expect(after.source.path).toBe(relative(schemaDir, srcBT).split('\\').join('/'));
    expect(readFileSync(join(schemaDir, 'qapi/migration.json'), 'utf8')).toContain('backend-transfer');
    expect(checkSchemaDir({ schemaDir }).ok).toBe(true);
  });

  it('a dry run (--check --from) reports what a sync would change and writes nothing', async () => {
    const before = snapshot(repo);
    const r = await syncSchema({ from: src, schemaDir, dryRun: true });
    expect([r.written, r.removed, r.lockChanged]).toEqual([['qapi/migration.json'], [], true]);
    expect(snapshot(repo)).toEqual(before);
    expect(readdirSync(repo)).toEqual(['schema']);
  });

  it('removes only the stale files the previous lock listed, never the user\'s own files', async () => {
    const dir = join(tempDir(), 'schema');
    await syncSchema({ from: src, schemaDir: dir, entries: ['storage-daemon/qapi/qapi-schema.json', ...QGA] });
    mkdirSync(join(dir, 'mine'));
    writeFileSync(join(dir, 'mine', 'notes.txt'), 'mine\n');
    writeFileSync(join(dir, 'qapi', 'my-extra.json'), "{ 'include': 'x' }\n");
    const r = await syncSchema({ from: src, schemaDir: dir, entries: QGA });
    expect(r.removed.length).toBe(14);
    expect(r.removed).toContain('storage-daemon/qapi/qapi-schema.json');
    expect(r.removed).toContain('qapi/block-core.json');
    expect(listFiles(dir)).toEqual(['mine/notes.txt', 'qapi-ts.lock.json', 'qapi/my-extra.json', 'qga/qapi-schema.json']);
    expect(existsSync(join(dir, 'storage-daemon'))).toBe(false); // emptied, so pruned
    expect(JSON.parse(readFileSync(join(dir, 'qapi-ts.lock.json'), 'utf8')).entries).toEqual(QGA);
  });

  it('stops before overwriting a file the lock does not list, unless --force', async () => {
    const dir = join(tempDir(), 'schema');
    mkdirSync(join(dir, 'qga'), { recursive: true });
    writeFileSync(join(dir, 'qga', 'qapi-schema.json'), 'my own\n');
    const before = snapshot(dir);
    await expect(syncSchema({ from: src, schemaDir: dir, entries: QGA })).rejects.toThrow(/would overwrite files that the lock does not list.*qga\/qapi-schema\.json.*--force/);
    expect(snapshot(dir)).toEqual(before);
    const r = await syncSchema({ from: src, schemaDir: dir, entries: QGA, force: true });
    expect(r.written).toEqual(QGA);
    expect(readFileSync(join(dir, 'qga/qapi-schema.json')).equals(readFileSync(join(src, 'qga/qapi-schema.json')))).toBe(true);
  });

  it('a lock outside the schema dir records the schema dir relative to it; --check finds it from the lock', async () => {
    const root = tempDir();
    const dir = join(root, 'vendor', 'qemu-schema');
    const lock = join(root, 'qapi-ts.lock.json');
    await syncSchema({ from: src, schemaDir: dir, lock, entries: QGA });
    const data = JSON.parse(readFileSync(lock, 'utf8'));
    expect(data.schemaDir).toBe('vendor/qemu-schema');
    expect(data.source.path).toBe(relative(root, src).split('\\').join('/'));
    expect(checkSchemaDir({ lock }).ok).toBe(true);
    expect(existsSync(join(dir, 'qapi-ts.lock.json'))).toBe(false);
  });

  it('without a VERSION file: the directory name, or --version-name; a --version-name that contradicts VERSION is an error', async () => {
    const root = tempDir();
    const tree = copyTree(V1022, join(root, 'qemu-9.9.9'), { version: false });
    const a = await syncSchema({ from: tree, schemaDir: join(root, 'a'), entries: QGA });
    expect([a.lock.qemuVersion, a.lock.versionFrom]).toEqual(['9.9.9', 'directory name']);
    const b = await syncSchema({ from: tree, schemaDir: join(root, 'b'), entries: QGA, versionName: '10.2.2-custom' });
    expect([b.lock.qemuVersion, b.lock.versionFrom]).toEqual(['10.2.2-custom', '--version-name']);
    cpSync(sharedPath(`${V1022}/VERSION`), join(tree, 'VERSION'));
    await expect(syncSchema({ from: tree, schemaDir: join(root, 'c'), entries: QGA, versionName: '9.9.9' })).rejects.toThrow('--version-name 9.9.9: the VERSION file of');
    expect(existsSync(join(root, 'c'))).toBe(false);
    expect(existsSync(dirname(join(root, 'c')))).toBe(true);
  });
});
