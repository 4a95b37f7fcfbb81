/** `generated/` is the committed output of `npm run codegen` on schema/, and is current. */
import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

it('npm run codegen leaves generated/ unchanged', () => {
  execFileSync('npm', ['run', '--silent', 'codegen'], { cwd: REPO_ROOT, stdio: 'pipe' });
  const diff = execFileSync('git', ['status', '--porcelain', '--', 'generated/'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(diff).toBe('');
  const tracked = execFileSync('git', ['ls-files', 'generated/'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n');
  expect(tracked).toContain('generated/migration.ts');
  expect(tracked).toContain('generated/.qapi-ts-manifest.json');
}, 120_000);
