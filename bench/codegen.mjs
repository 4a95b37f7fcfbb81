#!/usr/bin/env node
/**
 * npm run bench:codegen: `qapi-ts generate` on QEMU 10.2.2's QMP schema
 * against QEMU's own generator (qapi-gen.py), as whole processes, in the
 * situations a user meets; then what the output costs its user.
 *
 * Timings are paired: qapi-ts and its peer run alternately in one loop (the
 * order within a pair alternates too), each pair gives a ratio, and the
 * figure is the median of those ratios, next to the medians of each side.
 * Load on the machine that drifts over the run then hits both sides alike.
 *
 * - unchanged re-run: into the output of a cold run, vs qapi-gen.py re-run
 *   into its own existing output directory;
 * - one-module change: each run switches the schema between 10.2.2 and
 *   10.2.2-backend-transfer (the seed changes qapi/migration.json), into
 *   the same directory, qapi-gen.py likewise;
 * - cold: into an empty directory, for the default output and `--codecs`
 *   (fewer pairs: it is the slowest run of all);
 * - `--check` on a fresh copy of current output (no peer);
 * - size of the output (bytes, lines, files), default and `--codecs`, and
 *   which files the seed changes;
 * - cost for the user: TypeScript 5.9's `tsc --noEmit -p` (strict,
 *   nodenext) on the default output, its time and peak memory (maxRSS of
 *   the tsc process), paired with the same on an empty project (what the
 *   default libs cost); and the time to import the compiled `index.js`
 *   (compiled by tsc 5.9), paired against `node -e 0`.
 *
 * Prints each target next to its figure with ✓/✗; exits 0 whatever they
 * are, 1 only if something fails to run (or `--check` reports changes, or
 * the output does not type-check).
 *
 *   npm run bench:codegen    (node bench/codegen.mjs [--pairs N])
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '..', 'shared');
const base = join(shared, 'qemu', '10.2.2', 'qapi', 'qapi-schema.json');
const seeded = join(shared, 'qemu', '10.2.2-backend-transfer', 'qapi', 'qapi-schema.json');
const qapiGen = join(shared, 'qemu-generator', 'scripts', 'qapi-gen.py');
const cli = join(root, 'dist', 'generator', 'cli.js');
const tsc59 = join(root, 'node_modules', 'typescript-5.9', 'bin', 'tsc');
const tsc7 = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const python = process.env.PYTHON ?? 'python3';

const argPairs = process.argv.indexOf('--pairs');
const PAIRS = argPairs > 0 ? Number(process.argv[argPairs + 1]) : 5; // per timed situation
const CODECS_PAIRS = Math.min(PAIRS, 3); // --codecs cold is the slowest run of all
const TSC_RUNS = 3;
const IMPORT_PAIRS = 15;

const TARGETS = {
  unchanged: 0.15,
  oneModule: 0.7,
  cold: 2.0,
  coldAim: 1.0,
  sizeMiB: 1.5,
  tscS: 4,
  importMs: 40,
};

for (const f of [base, seeded, qapiGen]) {
  if (!existsSync(f)) {
    console.error(`bench:codegen needs ${f} (the reference material is expected at ../shared)`);
    process.exit(2);
  }
}

// ---- dist/: built when missing or older than the sources ----------------------------
function newest(dir, ext) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p, ext));
    else if (e.name.endsWith(ext)) t = Math.max(t, statSync(p).mtimeMs);
  }
  return t;
}
const srcNewest = Math.max(newest(join(root, 'generator'), '.ts'), newest(join(root, 'templates', 'runtime'), '.ts'));
if (!existsSync(cli) || newest(join(root, 'dist'), '.js') < srcNewest) {
  console.log('building dist/ (npm run build) ...');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

// ---- helpers ------------------------------------------------------------------------
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;
const mark = (ok) => (ok ? '✓' : '✗');

/** Runs a whole process; returns its wall time in ms. Throws unless its status is in `ok`. */
function timed(cmd, args, { ok = [0], env, what } = {}) {
  const t = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, env: env ?? process.env });
  const ms = performance.now() - t;
  if (r.error) throw r.error;
  if (!ok.includes(r.status)) {
    const why = r.status === 13 ? ' (13: its top-level await never settled)' : '';
    const err = new Error(`${what ?? cmd} exited ${r.status ?? r.signal}${why}:\n${(r.stderr || r.stdout || '(no output)').slice(0, 4000)}`);
    err.result = r;
    throw err;
  }
  return { ms, status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const qts = (schema, out, ...extra) =>
  timed(process.execPath, [cli, 'generate', '--schema', schema, '--out', out, ...extra], {
    ok: extra.includes('--check') ? [0, 1] : [0],
    what: `qapi-ts generate ${extra.join(' ')}`.trim(),
  });
const pyEnv = { ...process.env, PYTHONDONTWRITEBYTECODE: '1' };
const qgen = (schema, out) => timed(python, [qapiGen, '-o', out, '-b', schema], { env: pyEnv, what: 'qapi-gen.py' });

/** Every file under `dir`, as paths relative to it. */
function listFiles(dir, prefix = '') {
  const out = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}
function sizeOf(dir, filter = () => true) {
  let bytes = 0;
  let lines = 0;
  let files = 0;
  for (const f of listFiles(dir).filter(filter)) {
    const b = readFileSync(join(dir, f));
    bytes += b.length;
    files += 1;
    for (let i = 0; i < b.length; i++) if (b[i] === 10) lines++;
  }
  return { bytes, lines, files };
}
const fmtSize = (s) => `${s.bytes.toLocaleString('en')} bytes (${(s.bytes / 2 ** 20).toFixed(2)} MiB), ${s.lines.toLocaleString('en')} lines, ${s.files} files`;
const hasCodecs = (dir) => existsSync(dir) && listFiles(dir).some((f) => f.endsWith('.codec.ts'));

/** Files that differ between two directories: changed, added (only in b), removed (only in a). */
function diffDirs(a, b) {
  const fa = new Set(listFiles(a));
  const fb = new Set(listFiles(b));
  const out = [];
  for (const f of fa) {
    if (!fb.has(f)) out.push(`${f} (removed)`);
    else if (!readFileSync(join(a, f)).equals(readFileSync(join(b, f)))) out.push(f);
  }
  for (const f of fb) if (!fa.has(f)) out.push(`${f} (added)`);
  return out.sort();
}

const say = (s = '') => console.log(s);
/** One paired figure: qapi-ts and qapi-gen.py medians, median of the pair ratios, target. */
function pairLine(what, ts, py, target, aim) {
  const ratios = ts.map((t, i) => t / py[i]);
  const r = median(ratios);
  const tgt = target === undefined ? '' : `  target ≤ ${target.toFixed(2)}×${aim !== undefined ? ` (aim ${aim.toFixed(1)}×)` : ''} ${mark(r <= target)}`;
  say(`  ${what.padEnd(30)} qapi-ts ${sec(median(ts)).padStart(8)}  qapi-gen.py ${sec(median(py)).padStart(8)}  ratio ${r.toFixed(2)}×${tgt}`);
  say(`  ${''.padEnd(30)} (pair ratios: ${ratios.map((x) => x.toFixed(2)).join(' ')})`);
  return r;
}

let failed = false;
/** Runs one part of the bench; a failure is printed and the bench goes on with the next part. */
function section(what, fn) {
  try {
    return fn();
  } catch (e) {
    failed = true;
    say(`  ${what}: FAILED: ${String(e.message ?? e).split('\n').slice(0, 6).join('\n    ')}`);
    return undefined;
  }
}
/** Runs `a` and `b` `n` times, alternately, the order within a pair alternating too. */
function pairs(n, a, b) {
  const as = [];
  const bs = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      as.push(a(i));
      bs.push(b(i));
    } else {
      bs.push(b(i));
      as.push(a(i));
    }
  }
  return [as, bs];
}

const work = mkdtempSync(join(tmpdir(), 'qapi-ts-bench-codegen-'));
const tStart = performance.now();
try {
  const pyVersion = spawnSync(python, ['--version'], { encoding: 'utf8' }).stdout.trim();
  say(`qapi-ts generate vs QEMU's qapi-gen.py, QEMU 10.2.2 qapi/qapi-schema.json`);
  say(`(node ${process.version}, ${pyVersion}; whole processes; paired: median of the pair ratios, medians of each side)`);
  say();
  say('generation (QEMU 10.2.2):');

  // ---- cold: the default output against qapi-gen.py, then --codecs against it ------------------
  // Cold outputs are kept: the last ones pristine (size, seed, tsc, import), the first re-run into.
  const tsDir = (i) => join(work, `ts-cold-${i}`);
  const pyDir = (i) => join(work, `py-cold-${i}`);
  const cDir = (i) => join(work, `codecs-cold-${i}`);
  const cold = section('cold', () => {
    const [ts, py] = pairs(PAIRS, (i) => qts(base, tsDir(i)).ms, (i) => qgen(base, pyDir(i)).ms);
    return { ts, py };
  });
  if (!cold) throw new Error('cold generation failed: nothing else to measure');
  if (PAIRS === 1) {
    cpSync(tsDir(0), tsDir(1), { recursive: true });
    cpSync(pyDir(0), pyDir(1), { recursive: true });
  }
  const tsOut = tsDir(PAIRS === 1 ? 1 : PAIRS - 1);
  const pyOut = pyDir(PAIRS === 1 ? 1 : PAIRS - 1);
  const cOut = cDir(0);

  let codecsState = 'ok'; // or why --codecs is not available
  const codecsCold = (() => {
    try {
      return pairs(
        CODECS_PAIRS,
        (i) => {
          const ms = qts(base, cDir(i), '--codecs').ms;
          if (!hasCodecs(cDir(i))) throw Object.assign(new Error('`generate --codecs` wrote no X.codec.ts'), { unavailable: true });
          return ms;
        },
        (i) => qgen(base, join(work, `py-cold-codecs-${i}`)).ms,
      );
    } catch (e) {
      codecsState = e.unavailable ? e.message : `\`generate --codecs\` failed: ${String(e.message).split('\n').slice(0, 3).join(' ')}`;
      return null;
    }
  })();
  const codecsOk = codecsState === 'ok';

  // ---- unchanged re-run ---------------------------------------------------------------------
  section('unchanged re-run', () => {
    const [ts, py] = pairs(PAIRS, () => qts(base, tsDir(0)).ms, () => qgen(base, pyDir(0)).ms);
    pairLine('unchanged re-run', ts, py, TARGETS.unchanged);
  });

  // ---- one-module change: the schema alternates between 10.2.2 and the seed ----------------------
  section('one-module change', () => {
    // Both directories hold 10.2.2's output before the first pair; pair i generates the other schema.
    const schema = (i) => (i % 2 === 0 ? seeded : base);
    const [ts, py] = pairs(PAIRS, (i) => qts(schema(i), tsDir(0)).ms, (i) => qgen(schema(i), pyDir(0)).ms);
    pairLine('one-module change', ts, py, TARGETS.oneModule);
  });

  // ---- cold ------------------------------------------------------------------------------------
  pairLine('cold (empty output dir)', cold.ts, cold.py, TARGETS.cold, TARGETS.coldAim);
  if (codecsOk) pairLine('cold --codecs', codecsCold[0], codecsCold[1]);
  else say(`  ${'cold --codecs'.padEnd(30)} not available (${codecsState})`);

  // ---- --check on a fresh copy of current output ------------------------------------------------
  section('--check', () => {
    const ms = [];
    for (let i = 0; i < PAIRS; i++) {
      const copy = join(work, `check-${i}`);
      cpSync(tsOut, copy, { recursive: true });
      const r = qts(base, copy, '--check');
      if (r.status !== 0) throw new Error(`--check on a fresh copy of current output reported changes (exit ${r.status}): ${r.stdout.trim().split('\n').slice(0, 10).join(', ')}`);
      ms.push(r.ms);
      rmSync(copy, { recursive: true, force: true });
    }
    say(`  ${'--check, fresh copy of output'.padEnd(30)} qapi-ts ${sec(median(ms)).padStart(8)}  (median of ${ms.length}; no peer, no target)`);
  });
  say();

  // ---- size ----------------------------------------------------------------------------------------
  say('size of the output (QEMU 10.2.2):');
  section('size', () => {
    const sz = sizeOf(tsOut);
    say(`  default:      ${fmtSize(sz)}  target ≤ ${TARGETS.sizeMiB} MiB ${mark(sz.bytes <= TARGETS.sizeMiB * 2 ** 20)}`);
    say(`                of which runtime/: ${fmtSize(sizeOf(tsOut, (f) => f.startsWith('runtime/')))}`);
    if (codecsOk) {
      say(`  --codecs:     ${fmtSize(sizeOf(cOut))}`);
      say(`                of which *.codec.ts: ${fmtSize(sizeOf(cOut, (f) => f.endsWith('.codec.ts')))}`);
    } else say(`  --codecs:     not available (${codecsState})`);
    say(`  qapi-gen.py:  ${fmtSize(sizeOf(pyOut))} (for reference)`);
  });

  // ---- what the seed changes ---------------------------------------------------------------------------
  const seedCheck = (label, from, ...extra) =>
    section(`seed, ${label}`, () => {
      const dir = join(work, `seed-${label}`);
      cpSync(from, dir, { recursive: true });
      qts(seeded, dir, ...extra);
      const changed = diffDirs(from, dir);
      const isMigration = (f) => basename(f.replace(/ \((added|removed)\)$/, '')).startsWith('migration.');
      const other = changed.filter((f) => !isMigration(f) && f !== '.qapi-ts-manifest.json');
      say(
        `  seed 10.2.2 → 10.2.2-backend-transfer, ${label}: ${other.length === 0 ? 'only migration’s files change' : 'files other than migration’s change'} ${mark(other.length === 0)}; differ: ${changed.join(', ') || '(none)'}`,
      );
      rmSync(dir, { recursive: true, force: true });
    });
  seedCheck('default', tsOut);
  if (codecsOk) seedCheck('--codecs', cOut, '--codecs');
  say();

  // ---- cost for the user: TypeScript 5.9 ------------------------------------------------------------
  say('cost for the user of the default output (QEMU 10.2.2):');
  if (!existsSync(tsc59)) {
    failed = true;
    say(`  TypeScript 5.9: not installed (${relative(root, tsc59)}): run npm install`);
  } else {
    const tsVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'typescript-5.9', 'package.json'), 'utf8')).version;
    const compilerOptions = {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      erasableSyntaxOnly: true,
      noEmit: true,
      // The QMP client in runtime/ uses Node's net: the output needs @types/node.
      typeRoots: [join(root, 'node_modules', '@types')],
      types: ['node'],
      // A Node project's settings, as `tsc --init` writes them: no DOM, libraries' own .d.ts not re-checked.
      lib: ['ES2022'],
      skipLibCheck: true,
    };
    const tsconfig = join(work, 'tsconfig.check.json');
    writeFileSync(tsconfig, JSON.stringify({ compilerOptions, include: [`${tsOut}/**/*.ts`] }));
    // Peak memory: the tsc process's own maxRSS, written by a preload as it exits.
    const preload = join(work, 'maxrss.cjs');
    writeFileSync(
      preload,
      "process.on('exit', () => require('fs').writeSync(2, '\\nQAPI_TS_BENCH_MAXRSS_KB ' + process.resourceUsage().maxRSS + '\\n'));\n",
    );
    const runTsc = (bin, config) => {
      const r = timed(process.execPath, ['-r', preload, bin, '-p', config], { ok: [0, 1, 2], what: 'tsc' });
      if (r.status !== 0) throw new Error(`tsc reports errors (exit ${r.status}):\n${r.stdout.split('\n').slice(0, 20).join('\n')}`);
      const m = /QAPI_TS_BENCH_MAXRSS_KB (\d+)/.exec(r.stderr);
      return { ...r, maxRssKb: m ? Number(m[1]) : NaN };
    };
    // The same settings on an empty project, in the same loop: what the libraries cost.
    const emptyDir = join(work, 'empty-project');
    mkdirSync(emptyDir);
    writeFileSync(join(emptyDir, 'empty.ts'), 'export {};\n');
    const emptyConfig = join(work, 'tsconfig.empty.json');
    writeFileSync(emptyConfig, JSON.stringify({ compilerOptions, include: [`${emptyDir}/**/*.ts`] }));
    section(`tsc ${tsVersion}`, () => {
      const [runs, empty] = pairs(TSC_RUNS, () => runTsc(tsc59, tsconfig), () => runTsc(tsc59, emptyConfig));
      const t = median(runs.map((r) => r.ms));
      const mem = median(runs.map((r) => r.maxRssKb));
      say(
        `  tsc ${tsVersion} --noEmit (strict, nodenext, lib ES2022, skipLibCheck):  ${sec(t)} (median of ${TSC_RUNS}: ${runs.map((r) => sec(r.ms)).join(', ')})  target ≤ ${TARGETS.tscS} s ${mark(t <= TARGETS.tscS * 1000)};  peak memory ${(mem / 1024).toFixed(0)} MiB (maxRSS)`,
      );
      say(
        `    the same settings on an empty project (what the libraries cost): ${sec(median(empty.map((r) => r.ms)))}, ${(median(empty.map((r) => r.maxRssKb)) / 1024).toFixed(0)} MiB; the output's own share: ${sec(median(runs.map((r, i) => r.ms - empty[i].ms)))} (median of pair differences)`,
      );
      if (existsSync(tsc7)) {
        const v7 = JSON.parse(readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8')).version;
        say(`    for reference, tsc ${v7} (the project's own): ${sec(runTsc(tsc7, tsconfig).ms)} (one run)`);
      }
    });

    // ---- import time of the compiled index.js ---------------------------------------------------------
    section('import of index.js', () => {
      const jsDir = join(work, 'js');
      const emitConfig = join(work, 'tsconfig.emit.json');
      writeFileSync(
        emitConfig,
        JSON.stringify({
          compilerOptions: { ...compilerOptions, noEmit: false, outDir: jsDir, rootDir: tsOut, declaration: false, sourceMap: false },
          include: [`${tsOut}/**/*.ts`],
        }),
      );
      const te = timed(process.execPath, [tsc59, '-p', emitConfig], { ok: [0, 1, 2], what: 'tsc (emit)' });
      if (!existsSync(join(jsDir, 'index.js'))) throw new Error(`compiling the output with tsc ${tsVersion} gave no index.js: ${te.stdout.slice(0, 2000)}`);
      writeFileSync(join(jsDir, 'package.json'), JSON.stringify({ type: 'module' }));
      const url = pathToFileURL(join(jsDir, 'index.js')).href;
      const importCode = `import(${JSON.stringify(url)}).catch((e) => { console.error(e); process.exit(1); })`;
      const importIt = () => timed(process.execPath, ['-e', importCode], { what: 'import of index.js' }).ms;
      const nothing = () => timed(process.execPath, ['-e', '0']).ms;
      importIt(); // warm-up (file cache), and it must load
      nothing();
      const [imp, zero] = pairs(IMPORT_PAIRS, importIt, nothing);
      const d = median(imp.map((x, i) => x - zero[i]));
      say(
        `  import of the compiled index.js: ${d.toFixed(1)} ms above node -e 0 (median of ${IMPORT_PAIRS} pair differences; import ${median(imp).toFixed(1)} ms, node -e 0 ${median(zero).toFixed(1)} ms)  target ≤ ${TARGETS.importMs} ms ${mark(d <= TARGETS.importMs)}`,
      );
      say(`    (compiled with tsc ${tsVersion}: ${fmtSize(sizeOf(jsDir, (f) => f.endsWith('.js')))} of JS)`);
    });
  }
} catch (e) {
  failed = true;
  console.error(e.stack ?? String(e));
} finally {
  rmSync(work, { recursive: true, force: true });
}
say();
say(`(bench:codegen took ${((performance.now() - tStart) / 1000).toFixed(0)} s)`);
if (failed) process.exitCode = 1;
