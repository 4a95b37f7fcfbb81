#!/usr/bin/env node
// npm run bench:codegen: full generation of QEMU 10.2.2's schema (all
// modules, prettier included) as whole `qapi-ts generate` processes, in the
// situations a user meets, plus tsc --noEmit on the output.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '..', 'shared', 'qemu');
const base = join(shared, '10.2.2', 'qapi', 'qapi-schema.json');
const seeded = join(shared, '10.2.2-backend-transfer', 'qapi', 'qapi-schema.json');
const cli = join(root, 'dist', 'generator', 'cli.js');
if (!existsSync(base) || !existsSync(seeded)) {
  console.error(`bench:codegen needs ${base} and ${seeded}`);
  process.exit(2);
}
if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

const work = mkdtempSync(join(tmpdir(), 'qapi-ts-bench-'));
function generate(schema, out, ...extra) {
  const t = performance.now();
  const r = spawnSync(process.execPath, [cli, 'generate', '--schema', schema, '--out', out, ...extra], { encoding: 'utf8' });
  const ms = performance.now() - t;
  if (r.status !== 0 && !(extra.includes('--check') && r.status === 1)) throw new Error(`generate failed: ${r.stderr}`);
  return { ms, status: r.status, stdout: r.stdout };
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const rows = [];
const row = (what, ms, target) => rows.push([what, fmt(ms), target]);

try {
  const cold = [];
  for (let i = 0; i < 3; i++) {
    const out = join(work, `cold-${i}`);
    cold.push(generate(base, out).ms);
  }
  row('cold run into an empty dir (median of 3)', median(cold), '< 10 s');

  const dir = join(work, 'cold-0');
  row('unchanged re-run (median of 5)', median(Array.from({ length: 5 }, () => generate(base, dir).ms)), '< 1 s');

  const clone = join(work, 'clone');
  cpSync(dir, clone, { recursive: true, preserveTimestamps: false });
  const checks = Array.from({ length: 5 }, () => generate(base, clone, '--check'));
  if (checks.some((c) => c.status !== 0)) throw new Error('--check on current output reported changes');
  row('--check on a fresh copy of current output (median of 5)', median(checks.map((c) => c.ms)), '< 1 s');

  const oneModule = [];
  for (let i = 0; i < 3; i++) {
    generate(seeded, dir);
    oneModule.push(generate(base, dir).ms);
  }
  row('one-module change (10.2.2 over 10.2.2-backend-transfer, median of 3)', median(oneModule), '< 2 s');

  const tsconfig = join(work, 'tsconfig.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, erasableSyntaxOnly: true, noEmit: true, types: [] },
      include: [`${dir}/**/*.ts`],
    }),
  );
  const tscTimes = Array.from({ length: 3 }, () => {
    const t = performance.now();
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig], { stdio: 'pipe' });
    return performance.now() - t;
  });
  row('tsc --noEmit on the output (median of 3)', median(tscTimes), '');
} finally {
  rmSync(work, { recursive: true, force: true });
}

const w = Math.max(...rows.map((r) => r[0].length));
console.log(`qapi-ts generate, QEMU 10.2.2 qapi/qapi-schema.json (${process.version}, whole processes)`);
for (const [what, time, target] of rows) console.log(`${what.padEnd(w)}  ${time.padStart(8)}  ${target ? `target ${target}` : ''}`);
