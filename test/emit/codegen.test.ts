/**
 * qapi-ts's own workflow: `schema/` is QEMU 10.2.2's schema with the
 * backend-transfer seed, synced by `qapi-ts sync` (its lock file pins every
 * file), and `generated/` is the committed output of `npm run codegen` on it
 * (qapi-ts.config.json: QMP, guest agent and storage daemon, one runtime).
 * On a fresh clone both are current.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCliSync } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

it('npm run codegen leaves generated/ unchanged', () => {
  execFileSync('npm', ['run', '--silent', 'codegen'], { cwd: REPO_ROOT, stdio: 'pipe' });
  const diff = execFileSync('git', ['status', '--porcelain', '--', 'generated/'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(diff).toBe('');
  const tracked = execFileSync('git', ['ls-files', 'generated/'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
  for (const f of ['generated/qmp/migration.ts', 'generated/qga/qapi-schema.ts', 'generated/qsd/index.ts', 'generated/runtime/qga-client.ts', 'generated/.qapi-ts-manifest.json']) expect(tracked).toContain(f);
  // The seed is in: the real 10.2.2 types with backend-transfer.
  expect(readFileSync(join(REPO_ROOT, 'generated', 'qmp', 'migration.ts'), 'utf8')).toMatch(/export type BackendTransfer = 'virtio-net-tap' \| QapiUnknownValue;/);
}, 900_000);

it('schema/ is what its lock says (qapi-ts sync --check), synced from QEMU 10.2.2 with the seed', () => {
  const r = runCliSync(['sync', '--check']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'schema', 'qapi-ts.lock.json'), 'utf8')) as { qemuVersion: string; source: { path: string }; files: { path: string }[] };
  expect(lock.qemuVersion).toBe('10.2.2');
  expect(lock.source.path).toMatch(/qemu\/10\.2\.2-backend-transfer$/);
  expect(lock.files.map((f) => f.path)).toContain('qga/qapi-schema.json');
  expect(readFileSync(join(REPO_ROOT, 'schema', 'qapi', 'migration.json'), 'utf8')).toMatch(/'BackendTransfer'/);
}, 900_000);
