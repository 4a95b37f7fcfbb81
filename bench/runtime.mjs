#!/usr/bin/env node
/**
 * npm run bench:runtime: the generated code at run time, on real QEMU 7.2
 * replies, against its peers measured in the same run.
 *
 * Generates QEMU 7.2.0's schema into a temporary directory four ways, the
 * default output (each module's plan table, interpreted by
 * runtime/plans.ts) and `--codecs` (specialized X.codec.ts, when the
 * generator writes them), each under `--int64 number` and `--int64 bigint`;
 * compiles each with the project's tsc and imports its `index.js`. Each is
 * used through the typed entry points of the generated index.ts, as a
 * program would: `decode(type, json, { strict })`, `encode(type, value)`,
 * `encodeText(type, value)` and `clone(type, value)`. For each payload (the
 * captured `query-qmp-schema` reply, ~207 KB, and `query-migrate-parameters`)
 * it measures, operations per second of:
 * - reading: `JSON.parse`, our QMP reader `parseQmpJson` (once: they do not
 *   depend on the output);
 * - checking the parsed value: `decode` lenient and strict, the generic
 *   visitor walk (`visitFn`, for reference; default output only), and ajv
 *   against the equivalent JSON Schema (bench/json-schema.mjs) with and
 *   without `additionalProperties: false`;
 * - writing: `encode`, encode + `stringifyQmpJson`, `encodeText`,
 *   `JSON.stringify` (of the parsed JSON value: a typed value may hold
 *   bigints, which it can't write);
 * - copying: `clone`, `structuredClone`, a JSON round trip.
 * The peers (ajv, JSON.stringify, structuredClone) are measured again for
 * every output, next to it, and every ratio is against those.
 *
 * Harness: each (output, payload, operation) runs in a worker thread of its
 * own, so that no operation inherits another's JIT state (type feedback of
 * shared helpers, garbage). The workers of one (output, payload) are warmed
 * up, then take turns: ROUNDS rounds in which each runs its operation in
 * batches for ROUND_MS. A table shows the best round of each operation,
 * which filters out other load on the machine; a ratio is the median over
 * rounds of the ratio within a round, where the operation and its peer ran
 * in adjacent slots, so that load drifting over the run hits both alike.
 * It prints the targets and whether each is met (✓/✗). It exits 1 only if
 * the sanity checks fail (ajv and our decoders disagree, or a round trip or
 * clone changes the value), not on a missed target.
 *
 *   npm run bench:runtime            (node bench/runtime.mjs [--quick])
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FIXTURES, PAYLOADS, SCHEMA_7_2, buildJsonSchema, loadModel, makeAjv, sanity } from './json-schema.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The outputs measured: generate flags, and what the index API then uses. */
const CONFIGS = [
  { id: 'plans-number', label: 'default, --int64 number', codecs: false, int64: 'number' },
  { id: 'plans-bigint', label: 'default, --int64 bigint', codecs: false, int64: 'bigint' },
  { id: 'codecs-number', label: '--codecs, --int64 number', codecs: true, int64: 'number' },
  { id: 'codecs-bigint', label: '--codecs, --int64 bigint', codecs: true, int64: 'bigint' },
];

/**
 * The operations: [group, name, make, when]; `make` makes the closure from
 * the loaded payload context; `when(config, index)` says for which outputs
 * it runs (default: all).
 */
/** The QMP reader (parseQmpJson) within this factor of JSON.parse's time. */
const READER_TARGET = 1.2;
const firstOnly = (_c, i) => i === 0;
const plansOnly = (c) => !c.codecs;
const OPS = [
  ['read', 'JSON.parse', (p) => () => JSON.parse(p.text), firstOnly],
  ['read', 'parseQmpJson (QMP reader)', (p) => () => p.rt.parseQmpJson(p.text), firstOnly],
  ['check', 'decode lenient', (p) => () => p.gen.decode(p.type, p.value, p.lenient)],
  ['check', 'decode strict', (p) => () => p.gen.decode(p.type, p.value, p.strict)],
  ['check', 'visitor walk lenient (reference)', (p) => () => p.visit(p.lenientIn, null, p.value), plansOnly],
  ['check', 'visitor walk strict (reference)', (p) => () => p.visit(p.strictIn, null, p.value), plansOnly],
  ['check', 'ajv lenient (no additionalProperties)', (p) => () => p.ajvLenient(p.value)],
  ['check', 'ajv strict (additionalProperties: false)', (p) => () => p.ajvStrict(p.value)],
  ['check', 'parseQmpJson + decode strict', (p) => () => p.gen.decode(p.type, p.rt.parseQmpJson(p.text).return, p.strict)],
  ['write', 'encode (to JSON value)', (p) => () => p.gen.encode(p.type, p.typed)],
  ['write', 'encode + stringifyQmpJson', (p) => () => p.rt.stringifyQmpJson(p.gen.encode(p.type, p.typed))],
  ['write', 'encodeText', (p) => () => p.gen.encodeText(p.type, p.typed)],
  ['write', 'JSON.stringify', (p) => () => JSON.stringify(p.value)],
  ['copy', 'clone', (p) => () => p.gen.clone(p.type, p.typed)],
  ['copy', 'structuredClone', (p) => () => structuredClone(p.typed)],
  ['copy', 'JSON round trip', (p) => () => JSON.parse(JSON.stringify(p.value))],
];
const runsFor = (op, config, index) => (op[3] ?? (() => true))(config, index);

/** Loads one payload against the compiled output in `outDir`; `schemas` are its JSON Schemas (ajv). */
async function loadPayload(outDir, int64, p, schemas) {
  const gen = await import(pathToFileURL(join(outDir, 'index.js')).href);
  // The linked schema is internal (schema.js); the reference visitor walk needs it.
  const linked = await import(pathToFileURL(join(outDir, 'schema.js')).href);
  const rt = await import(pathToFileURL(join(outDir, 'runtime', 'index.js')).href);
  for (const f of ['decode', 'encode', 'encodeText', 'clone']) {
    if (typeof gen[f] !== 'function') throw new Error(`generated index.js has no ${f}()`);
  }
  if (linked.int64Mode !== int64) throw new Error(`generated schema.js is --int64 ${linked.int64Mode}, expected ${int64}`);
  const text = readFileSync(join(FIXTURES, p.file), 'utf8');
  const value = JSON.parse(text).return;
  const strict = Object.freeze({ strict: true });
  // As ajv's lenient schema: unknown members pass, unknown enum values do not (the default keeps those).
  const lenient = Object.freeze({ strict: false, keepUnknownEnumValues: false, keepUnknownBranches: false });
  const ajv = await makeAjv();
  const tc = performance.now();
  const ajvStrict = ajv.compile(schemas.strict);
  const ajvLenient = ajv.compile(schemas.lenient);
  const ajvCompileMs = performance.now() - tc;
  return {
    ...p,
    gen,
    rt,
    text,
    value,
    strict,
    lenient,
    typed: gen.decode(p.type, value, strict),
    visit: linked.qapiSchema.visitFn(p.type),
    strictIn: new rt.InputVisitor({ strict: true, int64 }),
    lenientIn: new rt.InputVisitor({ strict: false, int64 }),
    ajvStrict,
    ajvLenient,
    ajvCompileMs,
  };
}

// ---- worker: one (output, payload, operation) --------------------------------------------
if (!isMainThread) {
  const { outDir, int64, payload, schemas, op } = workerData;
  const p = await loadPayload(outDir, int64, payload, schemas);
  const run = OPS.find((o) => o[1] === op)[2](p);
  // Every result is stored, so that none can be optimized away (V8 would
  // elide the allocations of a small inlined clone), but only the last one
  // lives on: keeping more would move garbage into the old generation and
  // charge allocating operations for GC that a real client does not pay.
  const keep = [null];
  /** Run for about `ms` in batches of ~1/20 of it (the clock stays out of the figure); returns ms/op. */
  const runFor = (ms) => {
    let n = 0;
    let batch = 1;
    const start = performance.now();
    let now = start;
    while (now - start < ms) {
      for (let i = 0; i < batch; i++) keep[0] = run();
      n += batch;
      now = performance.now();
      batch = Math.max(1, Math.min(100000, Math.floor(ms / 20 / Math.max((now - start) / n, 1e-6))));
    }
    return (now - start) / n;
  };
  // The main thread asks for the warm-up, then for one round at a time.
  parentPort.on('message', (m) => {
    if (m.cmd === 'exit') process.exit(0);
    const msPerOp = runFor(m.ms);
    parentPort.postMessage({ msPerOp, kept: keep[0] !== null });
  });
  parentPort.postMessage({ ready: true });
} else {
  await main();
}

/**
 * Measures the operations `ops` of one (output, payload) together: one
 * worker each, warmed up one after the other, then `rounds` rounds in which
 * every worker runs `roundMs` in turn (the order reversed every other
 * round), so that an operation and its peer are measured in adjacent slots
 * and load that drifts over the run hits both alike. Returns, per
 * operation, the ms/op of every round.
 */
async function measureGroup(ops, data, { warmupMs, roundMs, rounds }) {
  const workers = await Promise.all(
    ops.map(
      (op) =>
        new Promise((resolveW, reject) => {
          const w = new Worker(fileURLToPath(import.meta.url), { workerData: { ...data, op } });
          w.once('error', reject);
          w.once('message', () => resolveW(w));
        }),
    ),
  );
  const ask = (w, ms) =>
    new Promise((resolveR, reject) => {
      const onError = (e) => reject(e);
      w.once('error', onError);
      w.once('message', (m) => {
        w.off('error', onError);
        resolveR(m.msPerOp);
      });
      w.postMessage({ cmd: 'run', ms });
    });
  try {
    for (const w of workers) await ask(w, warmupMs);
    const times = ops.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const order = ops.map((_, i) => i);
      if (r % 2) order.reverse();
      for (const i of order) times[i].push(await ask(workers[i], roundMs));
    }
    return new Map(ops.map((op, i) => [op, times[i]]));
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

function listFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out;
}
function newest(dir, ext) {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const f of listFiles(dir)) if (f.endsWith(ext)) t = Math.max(t, statSync(f).mtimeMs);
  return t;
}

async function main() {
  const quick = process.argv.includes('--quick');
  const ROUNDS = quick ? 3 : 7;
  const ROUND_MS = quick ? 50 : 100; // ~0.7 s of measurement per operation
  const WARMUP_MS = quick ? 60 : 200;

  if (!existsSync(SCHEMA_7_2)) {
    console.error(`bench:runtime needs ${SCHEMA_7_2}`);
    process.exit(2);
  }
  const cli = join(root, 'dist', 'generator', 'cli.js');
  const srcNewest = Math.max(newest(join(root, 'generator'), '.ts'), newest(join(root, 'templates', 'runtime'), '.ts'));
  if (!existsSync(cli) || newest(join(root, 'dist'), '.js') < srcNewest) {
    console.log('building dist/ (npm run build) ...');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  }
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

  const work = mkdtempSync(join(tmpdir(), 'qapi-ts-bench-runtime-'));
  try {
    // ---- generate and compile each output ---------------------------------------------
    const configs = [];
    const setup = [];
    for (const c of CONFIGS) {
      const src = join(work, c.id, 'gen');
      const outDir = join(work, c.id, 'js');
      const t0 = performance.now();
      // --lenient-docs warns a lot about 7.2's doc comments: keep stderr for failures.
      const args = [cli, 'generate', '--schema', SCHEMA_7_2, '--out', src, '--lenient-docs', '--int64', c.int64];
      if (c.codecs) args.push('--codecs');
      const g = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (g.status !== 0) {
        if (!c.codecs) throw new Error(`generate failed:\n${g.stderr}`);
        configs.push({ ...c, unavailable: `generate --codecs failed: ${g.stderr.trim().split('\n').slice(-3).join(' ')}` });
        continue;
      }
      const codecFiles = listFiles(src).filter((f) => f.endsWith('.codec.ts')).length;
      if (c.codecs && codecFiles === 0) {
        configs.push({ ...c, unavailable: 'generate --codecs wrote no X.codec.ts' });
        continue;
      }
      const t1 = performance.now();
      const tsconfig = join(work, c.id, 'tsconfig.json');
      writeFileSync(
        tsconfig,
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            lib: ['ES2022'],
            module: 'nodenext',
            moduleResolution: 'nodenext',
            strict: true,
            skipLibCheck: true,
            // The QMP client in runtime/ uses Node's net: the output needs @types/node.
            typeRoots: [join(root, 'node_modules', '@types')],
            types: ['node'],
            rootDir: src,
            outDir,
            noEmit: false,
          },
          include: [`${src}/**/*.ts`],
        }),
      );
      const r = spawnSync(process.execPath, [tsc, '-p', tsconfig], { encoding: 'utf8', maxBuffer: 64 << 20 });
      if (r.status !== 0 || !existsSync(join(outDir, 'index.js'))) {
        const msg = `tsc on the ${c.label} output failed:\n${(r.stdout + r.stderr).split('\n').slice(0, 20).join('\n')}`;
        if (!c.codecs) throw new Error(msg);
        configs.push({ ...c, unavailable: msg.split('\n').slice(0, 3).join(' ') });
        continue;
      }
      copyFileSync(join(src, 'package.json'), join(outDir, 'package.json'));
      const t2 = performance.now();
      setup.push(`${c.label}: generate ${((t1 - t0) / 1000).toFixed(1)} s${c.codecs ? ` (${codecFiles} codec files)` : ''}, tsc ${((t2 - t1) / 1000).toFixed(1)} s`);
      configs.push({ ...c, outDir });
    }
    console.log(`setup (QEMU 7.2.0, node ${process.version}): ${setup.join('; ')}`);
    for (const c of configs) if (c.unavailable) console.log(`${c.label}: not available (${c.unavailable})`);
    const live = configs.filter((c) => !c.unavailable);

    // ---- JSON Schemas, sanity -------------------------------------------------------
    const model = await loadModel(SCHEMA_7_2);
    const schemas = new Map(
      PAYLOADS.map((p) => [
        p.name,
        { strict: buildJsonSchema(model, p.type, { strict: true }), lenient: buildJsonSchema(model, p.type, { strict: false }) },
      ]),
    );
    const sane = sanity(await makeAjv(), model, PAYLOADS);
    for (const l of sane.lines) console.log(l);
    let ok = sane.ok;
    const passes = (f) => {
      try {
        f();
        return true;
      } catch {
        return false;
      }
    };
    const first = (x) => (Array.isArray(x) ? x[0] : x);
    const mutations = [
      (x) => x,
      (x) => void (first(x)['x-unknown'] = 1),
      (x) => ('meta-type' in first(x) ? (first(x)['meta-type'] = 'nope') : (first(x)['multifd-compression'] = 'nope')),
      (x) => ('name' in first(x) ? (first(x).name = 42) : (first(x)['announce-max'] = 'x')),
      // MigrationParameters has no required member: out of range instead (uint8; a negative size wraps, as in QEMU, so -1 would be valid).
      (x) => ('name' in first(x) ? delete first(x).name : (first(x)['multifd-channels'] = 300)),
    ];
    const loaded = new Map(); // `${config.id}|${payload.name}` → context
    for (const c of live) {
      for (const desc of PAYLOADS) {
        const p = await loadPayload(c.outDir, c.int64, desc, schemas.get(desc.name));
        loaded.set(`${c.id}|${desc.name}`, p);
        // The same mutations through our decoders: the verdicts must agree with ajv's.
        const got = [];
        let agree = true;
        for (const mutate of mutations) {
          const x = JSON.parse(JSON.stringify(p.value));
          mutate(x);
          const s = passes(() => p.gen.decode(p.type, x, p.strict));
          const l = passes(() => p.gen.decode(p.type, x, p.lenient));
          if (s !== p.ajvStrict(x) || l !== p.ajvLenient(x)) agree = false;
          got.push(`${s}/${l}`);
        }
        // Round trip through text (a typed value may hold bigints, the JSON value never does).
        const roundTrip = isDeepStrictEqual(JSON.parse(p.gen.encodeText(p.type, p.typed)), p.value);
        const copy = p.gen.clone(p.type, p.typed);
        const cloneOk = isDeepStrictEqual(copy, p.typed) && copy !== p.typed;
        ok &&= agree && roundTrip && cloneOk;
        console.log(
          `${c.label}, ${p.name}: verdicts (strict/lenient) ${got.join(' ')} ${agree ? 'same as ajv' : 'DIFFERENT from ajv'}; encodeText(decode(x)) = x: ${roundTrip}; clone deep-equal, not same: ${cloneOk}`,
        );
      }
    }
    console.log();

    // ---- measure ------------------------------------------------------------------------
    const rounds = new Map(); // `${config}|${payload}|${op}` → ms/op of each round
    const tStart = performance.now();
    for (const desc of PAYLOADS) {
      for (const [ci, c] of live.entries()) {
        const ops = OPS.filter((op) => runsFor(op, c, ci)).map((op) => op[1]);
        const got = await measureGroup(
          ops,
          { outDir: c.outDir, int64: c.int64, payload: { name: desc.name, file: desc.file, type: desc.type }, schemas: schemas.get(desc.name) },
          { warmupMs: WARMUP_MS, roundMs: ROUND_MS, rounds: ROUNDS },
        );
        for (const [op, times] of got) rounds.set(`${c.id}|${desc.name}|${op}`, times);
      }
    }
    /** The best round of an operation: what the tables show. */
    const best = new Map([...rounds].map(([k, times]) => [k, Math.min(...times)]));
    const benchS = (performance.now() - tStart) / 1000;

    // ---- tables, one per payload ------------------------------------------------------------
    const fmtMs = (ms) => (ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : ms >= 0.001 ? ms.toFixed(4) : ms.toFixed(5));
    const fmtOps = (ms) => {
      const ops = 1000 / ms;
      return ops >= 100000 ? `${Math.round(ops / 1000)}k` : ops >= 10000 ? `${(ops / 1000).toFixed(1)}k` : ops.toFixed(0);
    };
    for (const desc of PAYLOADS) {
      const p = loaded.get(`${live[0].id}|${desc.name}`);
      console.log(
        `${desc.name}: ${(p.text.length / 1024).toFixed(1)} KB (${desc.type}${/\d{16,}/.test(p.text) ? ', has big numbers' : ', no big numbers'}); ms/op (ops/s), best of ${ROUNDS} rounds`,
      );
      const header = ['', 'operation', ...live.map((c) => c.label)];
      const rows = [header];
      for (const [group, name] of OPS) {
        const row = [group, name];
        let any = false;
        for (const c of live) {
          const ms = best.get(`${c.id}|${desc.name}|${name}`);
          if (ms !== undefined) any = true;
          row.push(ms === undefined ? '' : `${fmtMs(ms)} (${fmtOps(ms)})`);
        }
        if (any) rows.push(row);
      }
      const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
      const line = (r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
      console.log(line(rows[0]));
      console.log(widths.map((w) => '-'.repeat(w)).join('  '));
      for (const r of rows.slice(1)) console.log(line(r));
      console.log();
    }
    console.log(
      `(each operation in its own worker, ${WARMUP_MS} ms warm-up; per output and payload, ${ROUNDS} rounds in which every operation runs ${ROUND_MS} ms in turn; the tables show the best round; ${benchS.toFixed(1)} s in all)`,
    );
    console.log();

    // ---- targets ------------------------------------------------------------------------
    const median = (xs) => {
      const v = [...xs].sort((a, b) => a - b);
      const m = v.length >> 1;
      return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
    };
    /** time(a) / time(b): the median over rounds of the ratio within each round (a and b ran in adjacent slots). */
    const ratio = (c, p, a, b) => {
      const ra = rounds.get(`${c.id}|${p.name}|${a}`);
      const rb = rounds.get(`${c.id}|${p.name}|${b}`);
      return median(ra.map((x, i) => x / rb[i]));
    };
    const speed = (x) => `${x.toFixed(2)}× its speed`;
    const time = (x) => `${x.toFixed(2)}× its time`;
    const faster = (x) => `${x.toFixed(1)}× faster`;
    /** [what, ratio, target check (undefined: no target), format] per output kind. */
    const targetsFor = (c) => [
      [
        `strict decode vs ajv strict (target ≥ ${c.codecs ? '1' : '0.7'}× its speed)`,
        (p) => ratio(c, p, 'ajv strict (additionalProperties: false)', 'decode strict'),
        (x) => x >= (c.codecs ? 1 : 0.7),
        speed,
      ],
      [
        `clone vs structuredClone (target ≥ ${c.codecs ? '20' : '10'}× faster)`,
        (p) => ratio(c, p, 'structuredClone', 'clone'),
        (x) => x >= (c.codecs ? 20 : 10),
        faster,
      ],
      [
        `encodeText vs JSON.stringify (target ≤ 1.5× its time${c.codecs ? ', as default' : ''})`,
        (p) => ratio(c, p, 'encodeText', 'JSON.stringify'),
        (x) => x <= 1.5,
        time,
      ],
      ['lenient decode vs ajv lenient (no target)', (p) => ratio(c, p, 'ajv lenient (no additionalProperties)', 'decode lenient'), undefined, speed],
      ['encode to JSON value vs JSON.stringify (no target)', (p) => ratio(c, p, 'encode (to JSON value)', 'JSON.stringify'), undefined, time],
    ];
    console.log(`ratios against the peers measured in this run (per payload; median over the ${ROUNDS} rounds of the ratio within a round):`);
    let allMet = true;
    for (const c of configs) {
      if (c.unavailable) {
        console.log(`  ${c.label}: not available (${c.unavailable})`);
        continue;
      }
      console.log(`  ${c.label}:`);
      const targets = targetsFor(c);
      const tw = Math.max(...targets.map((x) => x[0].length));
      for (const [what, ratio, met, fmt] of targets) {
        const cells = PAYLOADS.map((p) => {
          const x = ratio(p);
          if (!met) return `${p.name}: ${fmt(x)}`;
          const m = met(x);
          allMet &&= m;
          return `${p.name}: ${fmt(x)} ${m ? '✓' : '✗'}`;
        });
        console.log(`    ${what.padEnd(tw)}  ${cells.join('; ')}`);
      }
    }
    const c0 = live[0];
    // The QMP reader's own target (measured more closely by bench/json-reader.mjs); not in "all targets met".
    console.log(
      `  QMP reader parseQmpJson vs JSON.parse (target ≤ ${READER_TARGET}× its time): ${PAYLOADS.map((p) => {
        const x = ratio(c0, p, 'parseQmpJson (QMP reader)', 'JSON.parse');
        return `${p.name}: ${time(x)} ${x <= READER_TARGET ? '✓' : '✗'}`;
      }).join('; ')}`,
    );
    console.log(allMet ? 'all targets met' : 'some targets not met');
    if (!ok) {
      console.error('sanity failed: ajv and the decoders disagree, or a round trip or clone changed the value');
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
