#!/usr/bin/env node
/**
 * Front-end benchmark: read + check QEMU 10.2.2's full QMP schema, against
 * QEMU's own front end.
 *
 *   npm run bench:frontend [-- SCHEMA] [--pairs N] [--python-no-cache]
 *
 * - process (the figure that counts): a whole `qapi-ts check SCHEMA`
 *   (node dist/generator/cli.js) against a whole python3 process that puts
 *   QEMU's scripts/ on sys.path and runs `QAPISchema(SCHEMA)` (import
 *   included). The two run alternately in one loop, the order within a pair
 *   alternating too; each pair gives a ratio qapi-ts / QEMU. Printed: the
 *   median of those ratios, and the ratio of the two sides' medians.
 *   Python gets its bytecode cache (PYTHONPYCACHEPREFIX in a temporary
 *   directory, warmed before timing), as an installed QEMU has its .pyc
 *   files: the stronger peer. --python-no-cache times it compiling its
 *   modules on each run instead (PYTHONDONTWRITEBYTECODE=1).
 * - in-process: loadSchema() from dist/, after warm-up runs, median of 10.
 *
 * Prints the figures next to the targets; it asserts nothing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, v] = args.splice(i, name === '--pairs' ? 2 : 1);
  return v ?? true;
};
const PAIRS = Number(flag('--pairs') ?? 15);
const pythonNoCache = flag('--python-no-cache') === true;
const schema = resolve(args[0] ?? join(root, '..', 'shared', 'qemu', '10.2.2', 'qapi', 'qapi-schema.json'));
const scripts = resolve(root, '..', 'shared', 'qemu-generator', 'scripts');
const cli = join(root, 'dist', 'generator', 'cli.js');
const python = process.env.PYTHON ?? 'python3';
const WARMUP = 3;
const RUNS = 10;
const TARGET_IN_PROCESS_MS = 100;
const TARGET_RATIO = 0.45;

function newest(dir, ext) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}

for (const f of [schema, scripts]) {
  if (!existsSync(f)) {
    console.error(`bench: not found: ${f} (the reference material is expected at ../shared)`);
    process.exit(1);
  }
}
// Build dist/ when it is missing or older than the sources (emits over dist/, deletes nothing).
if (!existsSync(cli) || newest(join(root, 'dist', 'generator'), '.js') < newest(join(root, 'generator'), '.ts')) {
  console.log('building dist/ (tsc -p .) ...');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: root, stdio: 'inherit' });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const verdict = (x, target) => (x <= target ? 'ok' : 'OVER TARGET');
const range = (xs, f = fmt) => `[min ${f(Math.min(...xs))}, max ${f(Math.max(...xs))}]`;

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
console.log(`in-process read+check   first run ${fmt(first)}; warm (${WARMUP} warm-up runs) median of ${RUNS}: ${fmt(inProcess)}  ${range(times)}`);
console.log(`                        target < ${TARGET_IN_PROCESS_MS} ms: ${verdict(inProcess, TARGET_IN_PROCESS_MS)}`);
console.log('');

// ---- whole processes, paired with QEMU's front end -------------------------------
const pycache = mkdtempSync(join(tmpdir(), 'qapi-ts-bench-pycache-'));
const pyEnv = { ...process.env };
if (pythonNoCache) pyEnv.PYTHONDONTWRITEBYTECODE = '1';
else {
  delete pyEnv.PYTHONDONTWRITEBYTECODE;
  pyEnv.PYTHONPYCACHEPREFIX = pycache; // never __pycache__ in ../shared
}
const pyScript = [
  'import sys',
  `sys.path.insert(0, ${JSON.stringify(scripts)})`,
  'from qapi.schema import QAPISchema',
  'from qapi.error import QAPIError',
  'try:',
  '    QAPISchema(sys.argv[1])',
  'except QAPIError as e:',
  '    print(e, file=sys.stderr)',
  '    sys.exit(1)',
].join('\n');

const sides = {
  'qapi-ts': () => spawnSync(process.execPath, [cli, 'check', schema], { encoding: 'utf8' }),
  QEMU: () => spawnSync(python, ['-c', pyScript, schema], { encoding: 'utf8', env: pyEnv }),
};
const timeOnce = (name) => {
  const s = performance.now();
  const r = sides[name]();
  const ms = performance.now() - s;
  if (r.status !== 0) {
    console.error(`${name} failed (exit ${r.status}):\n${r.stderr}`);
    process.exit(1);
  }
  return ms;
};

try {
  // Warm the file-system cache, and Python's bytecode cache.
  timeOnce('qapi-ts');
  timeOnce('QEMU');
  const ts = [];
  const py = [];
  const ratios = [];
  for (let i = 0; i < PAIRS; i++) {
    let a, b;
    if (i % 2 === 0) {
      a = timeOnce('qapi-ts');
      b = timeOnce('QEMU');
    } else {
      b = timeOnce('QEMU');
      a = timeOnce('qapi-ts');
    }
    ts.push(a);
    py.push(b);
    ratios.push(a / b);
  }
  const r2 = (x) => `${x.toFixed(3)}×`;
  console.log(`process, ${PAIRS} interleaved pairs (order alternating); QEMU: ${python} QAPISchema(), ${pythonNoCache ? 'no bytecode cache' : 'bytecode cache warm'}`);
  console.log(`  qapi-ts check         median ${fmt(median(ts))}  ${range(ts)}`);
  console.log(`  QEMU QAPISchema()     median ${fmt(median(py))}  ${range(py)}`);
  console.log(`  median of ratios      ${r2(median(ratios))}  ${range(ratios, r2)}`);
  console.log(`  ratio of medians      ${r2(median(ts) / median(py))}`);
  console.log(`  target ≤ ${TARGET_RATIO}×: ${verdict(Math.max(median(ratios), median(ts) / median(py)), TARGET_RATIO)}`);
} finally {
  rmSync(pycache, { recursive: true, force: true });
}
