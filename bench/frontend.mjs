#!/usr/bin/env node
/**
 * Front-end benchmark: read + check QEMU 10.2.2's full QMP schema.
 *
 *   npm run bench:frontend [-- SCHEMA]
 *
 * - in-process: loadSchema() from dist/, after warm-up runs, median of 10;
 * - process: a whole `qapi-ts check` (node dist/generator/cli.js), median of 5.
 *
 * Prints the figures next to the targets; it asserts nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const schema = resolve(process.argv[2] ?? join(root, '..', 'shared', 'qemu', '10.2.2', 'qapi', 'qapi-schema.json'));
const cli = join(root, 'dist', 'generator', 'cli.js');
const WARMUP = 3;
const RUNS = 10;
const SPAWNS = 5;
const TARGET_IN_PROCESS_MS = 100;
const TARGET_PROCESS_MS = 500;

function newest(dir, ext) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

if (!existsSync(schema)) {
  console.error(`bench: schema not found: ${schema} (the reference material is expected at ../shared)`);
  process.exit(1);
}
// Build dist/ when it is missing or older than the sources.
if (!existsSync(cli) || newest(join(root, 'dist', 'generator'), '.js') < newest(join(root, 'generator'), '.ts')) {
  console.log('building dist/ (npx tsc -p .) ...');
  execFileSync('npx', ['tsc', '-p', '.'], { cwd: root, stdio: 'inherit' });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const verdict = (ms, target) => (ms < target ? 'ok' : 'OVER TARGET');

console.log(`schema: ${relative(process.cwd(), schema) || schema}`);
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
console.log('');

// ---- in-process ------------------------------------------------------------
const { loadSchema } = await import(pathToFileURL(join(root, 'dist', 'generator', 'model', 'schema.js')).href);
let t0 = performance.now();
let model = loadSchema(schema);
const first = performance.now() - t0;
for (let i = 1; i < WARMUP; i++) loadSchema(schema);
const times = [];
for (let i = 0; i < RUNS; i++) {
  t0 = performance.now();
  model = loadSchema(schema);
  times.push(performance.now() - t0);
}
const inProcess = median(times);
console.log(`definitions: ${model.definitions.length}, modules: ${model.modules.length}, doc blocks: ${model.docs.length}`);
console.log('');
console.log(`in-process read+check   first run ${fmt(first)}; warm (${WARMUP} warm-up runs) median of ${RUNS}: ${fmt(inProcess)}` +
  `  [min ${fmt(Math.min(...times))}, max ${fmt(Math.max(...times))}]`);
console.log(`                        target < ${TARGET_IN_PROCESS_MS} ms: ${verdict(inProcess, TARGET_IN_PROCESS_MS)}`);

// ---- whole process -----------------------------------------------------------
const spawnOnce = () => {
  const s = performance.now();
  const r = spawnSync(process.execPath, [cli, 'check', schema], { encoding: 'utf8' });
  const ms = performance.now() - s;
  if (r.status !== 0) {
    console.error(`qapi-ts check failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return ms;
};
spawnOnce(); // warm the file-system cache
const spawns = Array.from({ length: SPAWNS }, spawnOnce);
const proc = median(spawns);
console.log(`process  qapi-ts check  median of ${SPAWNS}: ${fmt(proc)}  [min ${fmt(Math.min(...spawns))}, max ${fmt(Math.max(...spawns))}]`);
console.log(`                        target < ${TARGET_PROCESS_MS} ms: ${verdict(proc, TARGET_PROCESS_MS)}`);
console.log('');
console.log("for scale: QEMU's Python front end takes about 850 ms in-process and 1.2 s as a process on this schema");
