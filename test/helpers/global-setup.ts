/**
 * Vitest global setup: make sure dist/ is built and not older than the
 * sources, because CLI tests spawn `node dist/generator/cli.js`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths.js';

function newestMtime(dir: string, ext: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p, ext));
    else if (entry.name.endsWith(ext)) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const cli = join(REPO_ROOT, 'dist', 'generator', 'cli.js');
  // The runtime templates are built into dist/ too, and the CLI reads them.
  const sources = Math.max(newestMtime(join(REPO_ROOT, 'generator'), '.ts'), newestMtime(join(REPO_ROOT, 'templates'), '.ts'));
  const built = existsSync(cli) ? newestMtime(join(REPO_ROOT, 'dist', 'generator'), '.js') : 0;
  if (built >= sources) return;
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: REPO_ROOT, stdio: 'inherit' });
  } catch (err) {
    // tsc still emits on type errors; CLI tests can run on that output, and
    // `npm run build` (and so `npm ci`) reports the errors. Without output, stop.
    if (!existsSync(cli)) throw err;
    console.warn('[global-setup] `npx tsc -p .` reported errors; CLI tests use what it emitted');
  }
}
