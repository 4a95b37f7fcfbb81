#!/usr/bin/env node
/**
 * npm run bench:runtime: the generated runtime on real QEMU 7.2 replies.
 *
 * Generates QEMU 7.2.0's schema (`--int64 number`) into a temporary
 * directory, compiles it with tsc, imports it, and measures, for each payload
 * (the captured `query-qmp-schema` reply, ~207 KB; the captured
 * `query-migrate-parameters` reply), operations per second of:
 * - reading: `JSON.parse`, our QMP reader `parseQmpJson`;
 * - checking the parsed value: generated lenient and strict decoders
 *   (`decodeFoo` with an InputVisitor), the generic visitor walk (`visitFoo`)
 *   for reference, and ajv against the equivalent JSON Schema
 *   (bench/json-schema.mjs) with and without `additionalProperties: false`;
 * - writing: `encodeFoo` (OutputVisitor), encode + `stringifyQmpJson`,
 *   `JSON.stringify`;
 * - copying: `cloneFoo`, `structuredClone`, a JSON round trip.
 *
 * Harness: each (payload, operation) runs in a worker thread of its own, so
 * that no operation inherits another's JIT state (type feedback of shared
 * helpers, garbage). In it the operation is warmed up, then run in batches
 * for ROUNDS rounds of ROUND_MS each; the figure is the best round, which
 * filters out other load on the machine. It prints the targets of issue 4
 * and whether each is met. It exits 1 only if the sanity checks fail (ajv
 * and our decoders disagree, or a round trip changes the value), not on a
 * missed target.
 *
 *   npm run bench:runtime            (node bench/runtime.mjs [--quick])
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { FIXTURES, PAYLOADS, SCHEMA_7_2, buildJsonSchema, loadModel, makeAjv, sanity } from './json-schema.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The operations, by group; each makes its closure from the loaded payload context. */
const OPS = [
  ['read', 'JSON.parse', (p) => () => JSON.parse(p.text)],
  ['read', 'parseQmpJson (QMP reader)', (p) => () => p.rt.parseQmpJson(p.text)],
  ['check', 'decode lenient (codec)', (p) => () => p.decode(p.lenientIn, p.value)],
  ['check', 'decode strict (codec)', (p) => () => p.decode(p.strictIn, p.value)],
  ['check', 'visitor walk lenient (reference)', (p) => () => p.visit(p.lenientIn, null, p.value)],
  ['check', 'visitor walk strict (reference)', (p) => () => p.visit(p.strictIn, null, p.value)],
  ['check', 'ajv lenient (no additionalProperties)', (p) => () => p.ajvLenient(p.value)],
  ['check', 'ajv strict (additionalProperties: false)', (p) => () => p.ajvStrict(p.value)],
  ['check', 'parseQmpJson + decode strict', (p) => () => p.decode(p.strictIn, p.rt.parseQmpJson(p.text).return)],
  ['write', 'encode (codec, to JSON value)', (p) => () => p.encode(p.outV, p.typed)],
  ['write', 'encode + stringifyQmpJson', (p) => () => p.rt.stringifyQmpJson(p.encode(p.outV, p.typed))],
  ['write', 'encodeToText (encode, then the writer)', (p) => () => p.rt.encodeToText(p.encode, p.typed, 'number')],
  ['write', 'JSON.stringify', (p) => () => JSON.stringify(p.typed)],
  ['copy', 'clone (codec)', (p) => () => p.clone(p.typed)],
  ['copy', 'structuredClone', (p) => () => structuredClone(p.typed)],
  ['copy', 'JSON round trip', (p) => () => JSON.parse(JSON.stringify(p.typed))],
];

/** Loads one payload against the compiled output in `outDir`; `schemas` are its JSON Schemas (ajv). */
async function loadPayload(outDir, p, schemas) {
  const gen = await import(pathToFileURL(join(outDir, 'index.js')).href);
  const rt = await import(pathToFileURL(join(outDir, 'runtime', 'index.js')).href);
  const fn = (prefix) => {
    const f = gen[`${prefix}${p.type}`];
    if (typeof f !== 'function') throw new Error(`generated code has no ${prefix}${p.type}`);
    return f;
  };
  const text = readFileSync(join(FIXTURES, p.file), 'utf8');
  const value = JSON.parse(text).return;
  const strictIn = new rt.InputVisitor({ strict: true, int64: 'number' });
  const lenientIn = new rt.InputVisitor({ strict: false, int64: 'number' });
  const outV = new rt.OutputVisitor({ int64: 'number' });
  const decode = fn('decode');
  const ajv = await makeAjv();
  const tc = performance.now();
  const ajvStrict = ajv.compile(schemas.strict);
  const ajvLenient = ajv.compile(schemas.lenient);
  return {
    ...p,
    rt,
    text,
    value,
    typed: decode(strictIn, value),
    decode,
    encode: fn('encode'),
    clone: fn('clone'),
    visit: fn('visit'),
    strictIn,
    lenientIn,
    outV,
    ajvStrict,
    ajvLenient,
    ajvCompileMs: performance.now() - tc,
  };
}

// ---- worker: one (payload, operation) ------------------------------------------
if (!isMainThread) {
  const { outDir, payload, schemas, op, warmupMs, roundMs, rounds } = workerData;
  const p = await loadPayload(outDir, payload, schemas);
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
  runFor(warmupMs);
  let best = Infinity;
  for (let r = 0; r < rounds; r++) best = Math.min(best, runFor(roundMs));
  parentPort.postMessage({ msPerOp: best, kept: keep[0] !== null });
} else {
  await main();
}

async function main() {
  const quick = process.argv.includes('--quick');
  const ROUNDS = quick ? 2 : 4;
  const ROUND_MS = quick ? 60 : 125; // ~0.5 s of measurement per operation
  const WARMUP_MS = quick ? 60 : 150;

  if (!existsSync(SCHEMA_7_2)) {
    console.error(`bench:runtime needs ${SCHEMA_7_2}`);
    process.exit(2);
  }
  const cli = join(root, 'dist', 'generator', 'cli.js');
  if (!existsSync(cli)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });

  const work = mkdtempSync(join(tmpdir(), 'qapi-ts-bench-runtime-'));
  try {
    // ---- generate and compile ---------------------------------------------------
    const t0 = performance.now();
    const src = join(work, 'gen');
    const outDir = join(work, 'js');
    // --lenient-docs warns a lot about 7.2's doc comments: keep stderr for failures.
    const g = spawnSync(process.execPath, [cli, 'generate', '--schema', SCHEMA_7_2, '--out', src, '--lenient-docs', '--int64', 'number'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    });
    if (g.status !== 0) throw new Error(`generate failed:\n${g.stderr}`);
    const t1 = performance.now();
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: true,
          types: [],
          rootDir: src,
          outDir,
          noEmit: false,
        },
        include: [`${src}/**/*.ts`],
      }),
    );
    execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(work, 'tsconfig.json')], { stdio: 'inherit' });
    copyFileSync(join(src, 'package.json'), join(outDir, 'package.json'));
    const t2 = performance.now();
    const model = await loadModel(SCHEMA_7_2);
    console.log(`setup: generate ${((t1 - t0) / 1000).toFixed(1)} s, tsc ${((t2 - t1) / 1000).toFixed(1)} s (QEMU 7.2.0, --int64 number)`);

    // ---- JSON Schemas, sanity -------------------------------------------------------
    const schemas = new Map(
      PAYLOADS.map((p) => [
        p.name,
        { strict: buildJsonSchema(model, p.type, { strict: true }), lenient: buildJsonSchema(model, p.type, { strict: false }) },
      ]),
    );
    const sane = sanity(await makeAjv(), model, PAYLOADS);
    for (const l of sane.lines) console.log(l);
    let ok = sane.ok;
    const payloads = [];
    for (const desc of PAYLOADS) {
      const p = await loadPayload(outDir, desc, schemas.get(desc.name));
      payloads.push(p);
      // The same mutations through our decoders: the verdicts must agree with ajv's.
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
        (x) => ('name' in first(x) ? delete first(x).name : (first(x)['announce-max'] = -1)),
      ];
      const got = [];
      let agree = true;
      for (const mutate of mutations) {
        const x = JSON.parse(JSON.stringify(p.value));
        mutate(x);
        const s = passes(() => p.decode(p.strictIn, x));
        const l = passes(() => p.decode(p.lenientIn, x));
        if (s !== p.ajvStrict(x) || l !== p.ajvLenient(x)) agree = false;
        got.push(`${s}/${l}`);
      }
      ok &&= agree;
      console.log(`decoder verdicts, ${p.name} (strict/lenient, same mutations): ${got.join(' ')}: ${agree ? 'same as ajv' : 'DIFFERENT from ajv'}`);
      const roundTrip = isDeepStrictEqual(p.encode(p.outV, p.typed), p.value);
      const cloneOk = isDeepStrictEqual(p.clone(p.typed), p.typed) && p.clone(p.typed) !== p.typed;
      ok &&= roundTrip && cloneOk;
      console.log(
        `${p.name}: encode(decode(x)) deep-equals x: ${roundTrip}; clone deep-equal: ${cloneOk}; ajv compile of both variants: ${p.ajvCompileMs.toFixed(0)} ms`,
      );
    }
    console.log();

    // ---- measure ------------------------------------------------------------------------
    const best = new Map(); // `${payload}|${op}` → ms/op
    const tStart = performance.now();
    for (const p of payloads) {
      for (const [, op] of OPS) {
        const msPerOp = await new Promise((resolveOp, reject) => {
          const w = new Worker(fileURLToPath(import.meta.url), {
            workerData: {
              outDir,
              payload: { name: p.name, file: p.file, type: p.type },
              schemas: schemas.get(p.name),
              op,
              warmupMs: WARMUP_MS,
              roundMs: ROUND_MS,
              rounds: ROUNDS,
            },
          });
          w.once('message', (m) => resolveOp(m.msPerOp));
          w.once('error', reject);
        });
        best.set(`${p.name}|${op}`, msPerOp);
      }
    }
    const benchS = (performance.now() - tStart) / 1000;

    // ---- table --------------------------------------------------------------------------
    const fmtOps = (ms) => {
      const ops = 1000 / ms;
      return ops >= 100000 ? `${Math.round(ops / 1000)}k` : ops >= 10000 ? `${(ops / 1000).toFixed(1)}k` : ops.toFixed(0);
    };
    const fmtMs = (ms) => (ms >= 1 ? ms.toFixed(2) : ms >= 0.01 ? ms.toFixed(3) : ms >= 0.001 ? ms.toFixed(4) : ms.toFixed(5));
    const header = ['', 'operation'];
    for (const p of payloads) header.push(`${p.name} ops/s`, 'ms/op');
    const rows = [header];
    for (const [group, name] of OPS) {
      const row = [group, name];
      for (const p of payloads) {
        const ms = best.get(`${p.name}|${name}`);
        row.push(fmtOps(ms), fmtMs(ms));
      }
      rows.push(row);
    }
    const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
    const line = (r) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
    console.log(
      `payloads: ${payloads.map((p) => `${p.name} ${(p.text.length / 1024).toFixed(1)} KB (${p.type}${/\d{16,}/.test(p.text) ? ', has big numbers' : ', no big numbers'})`).join('; ')}`,
    );
    console.log(line(rows[0]));
    console.log(widths.map((w) => '-'.repeat(w)).join('  '));
    for (const r of rows.slice(1)) console.log(line(r));
    console.log(
      `(each in its own worker: ${WARMUP_MS} ms warm-up, best of ${ROUNDS} × ${ROUND_MS} ms; ${benchS.toFixed(1)} s in all)`,
    );
    console.log();

    // ---- targets ------------------------------------------------------------------------
    const t = (p, name) => best.get(`${p.name}|${name}`);
    const targets = [
      [
        'strict decode ≥ ajv strict',
        (p) => t(p, 'ajv strict (additionalProperties: false)') / t(p, 'decode strict (codec)'),
        (x) => x >= 1,
        (x) => `${x.toFixed(3)}× ajv's speed`,
      ],
      [
        'lenient decode ≥ ajv lenient',
        (p) => t(p, 'ajv lenient (no additionalProperties)') / t(p, 'decode lenient (codec)'),
        (x) => x >= 1,
        (x) => `${x.toFixed(3)}× ajv's speed`,
      ],
      [
        'QMP reader within 1.2× of JSON.parse',
        (p) => t(p, 'parseQmpJson (QMP reader)') / t(p, 'JSON.parse'),
        (x) => x <= 1.2,
        (x) => `${x.toFixed(3)}× its time`,
      ],
      [
        'clone ≥ 20× faster than structuredClone',
        (p) => t(p, 'structuredClone') / t(p, 'clone (codec)'),
        (x) => x >= 20,
        (x) => `${x.toFixed(1)}× faster`,
      ],
      [
        'encode to text within 1.5× of JSON.stringify',
        (p) => t(p, 'encodeToText (encode, then the writer)') / t(p, 'JSON.stringify'),
        (x) => x <= 1.5,
        (x) => `${x.toFixed(3)}× its time`,
      ],
    ];
    const tw = Math.max(...targets.map((x) => x[0].length));
    console.log('targets (issue 4):');
    let allMet = true;
    for (const [what, ratio, met, fmt] of targets) {
      const cells = payloads.map((p) => {
        const x = ratio(p);
        const m = met(x);
        allMet &&= m;
        return `${p.name}: ${fmt(x)} ${m ? 'MET' : 'NOT MET'}`;
      });
      console.log(`  ${what.padEnd(tw)}  ${cells.join('; ')}`);
    }
    console.log(allMet ? 'all targets met' : 'some targets not met');
    if (!ok) {
      console.error('sanity failed: ajv and the decoders disagree, or a round trip or clone changed the value');
      process.exitCode = 1;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
