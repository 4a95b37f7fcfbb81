#!/usr/bin/env node
/**
 * Benchmark of the exact QMP JSON reader and writer (templates/runtime/json.ts)
 * against the native JSON.parse / JSON.stringify.
 *
 *   node bench/json-reader.mjs [--quick]
 *
 * Payloads (synthetic, deterministic, in QEMU's output spacing `": "`, `", "`):
 * - a query-qmp-schema-like reply of ~200 KB: entities with names,
 *   meta-types, member lists, features, defaults;
 * - the same with a few uint64 values near 2^64, which take the exact parser;
 * - a query-migrate-parameters-like reply (~1 KB), for per-message overhead.
 *
 * The runtime is compiled with tsc into a temporary directory first. Figures
 * are the median of several interleaved rounds. Targets: reader within 1.2x
 * of JSON.parse on text without big numbers; writer within 1.5x of
 * JSON.stringify. It prints; it asserts nothing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 5;
const ROUND_MS = quick ? 100 : 300;
const READER_TARGET = 1.2;
const WRITER_TARGET = 1.5;

// ---- compile the runtime ---------------------------------------------------
const outDir = join(tmpdir(), 'qapi-ts-bench-runtime');
mkdirSync(outDir, { recursive: true });
execFileSync(
  'npx',
  [
    'tsc',
    '--ignoreConfig',
    join(root, 'templates', 'runtime', 'json.ts'),
    '--outDir',
    outDir,
    '--target',
    'ES2022',
    '--lib',
    'ES2022',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--types',
    '',
    '--skipLibCheck',
    '--strict',
  ],
  { cwd: root, stdio: 'inherit' },
);
writeFileSync(join(outDir, 'package.json'), '{"type":"module"}\n');
const { parseQmpJson, parseQmpJsonExact, stringifyQmpJson } = await import(pathToFileURL(join(outDir, 'json.js')).href);

// ---- payloads --------------------------------------------------------------
/** A small deterministic PRNG, so every run measures the same text. */
function prng(seed) {
  let s = seed;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

const WORDS = [
  'block',
  'migrate',
  'query',
  'device',
  'node',
  'virtio',
  'net',
  'tap',
  'cpu',
  'memory',
  'backend',
  'transfer',
  'status',
  'job',
  'dirty',
  'bitmap',
  'snapshot',
  'chardev',
  'display',
  'input',
  'qom',
  'path',
];

/** A query-qmp-schema-like reply: QEMU 7.2's is ~207 KB. */
function schemaReply(entities) {
  const rnd = prng(42);
  const name = () => `${WORDS[rnd(WORDS.length)]}-${WORDS[rnd(WORDS.length)]}`;
  const typeName = () => (rnd(3) === 0 ? ['str', 'int', 'bool', 'number'][rnd(4)] : String(rnd(600)));
  const features = () => (rnd(8) === 0 ? { features: [rnd(2) ? 'unstable' : 'deprecated'] } : {});
  const out = [];
  for (let i = 0; i < entities; i++) {
    const kind = rnd(10);
    if (kind < 3) {
      out.push({
        name: name(),
        'ret-type': typeName(),
        'meta-type': 'command',
        'arg-type': String(rnd(600)),
        ...features(),
      });
    } else if (kind < 6) {
      const members = [];
      for (let m = rnd(7); m > 0; m--) {
        members.push({ name: name(), ...(rnd(3) === 0 ? { default: null } : {}), type: typeName(), ...features() });
      }
      out.push({
        name: String(i),
        members,
        'meta-type': 'object',
        ...(rnd(5) === 0 ? { tag: 'type', variants: [{ case: name(), type: String(rnd(600)) }] } : {}),
      });
    } else if (kind < 8) {
      const values = Array.from({ length: 1 + rnd(8) }, name);
      out.push({ name: String(i), 'meta-type': 'enum', members: values.map((n) => ({ name: n })), values });
    } else if (kind < 9) {
      out.push({ name: `[${typeName()}]`, 'element-type': typeName(), 'meta-type': 'array' });
    } else {
      out.push({ name: name().toUpperCase(), 'meta-type': 'event', 'arg-type': String(rnd(600)) });
    }
  }
  return { return: out };
}

function migrateParametersReply() {
  return {
    return: {
      'cpu-throttle-tailslow': false,
      'xbzrle-cache-size': 67108864,
      'cpu-throttle-initial': 20,
      'announce-max': 550,
      'decompress-threads': 2,
      'compress-threads': 8,
      'compress-level': 1,
      'multifd-channels': 2,
      'multifd-zstd-level': 1,
      'announce-initial': 50,
      'block-incremental': false,
      'compress-wait-thread': true,
      'downtime-limit': 300,
      'tls-authz': '',
      'multifd-compression': 'none',
      'announce-rounds': 5,
      'announce-step': 100,
      'tls-creds': '',
      'multifd-zlib-level': 1,
      'max-cpu-throttle': 99,
      'max-postcopy-bandwidth': 0,
      'tls-hostname': '',
      'throttle-trigger-threshold': 50,
      'max-bandwidth': 134217728,
      'x-checkpoint-delay': 20000,
      'cpu-throttle-increment': 10,
      'backend-transfer': ['virtio-net-tap'],
    },
  };
}

/** QEMU's spacing: `{"a": 1, "b": [1, 2]}`; bigints as digits. */
function qemuText(value) {
  return stringifyQmpJson(value).replace(/("(?:[^"\\]|\\.)*")|([,:])/g, (m, str, punct) => str ?? `${punct} `);
}

const schema = schemaReply(1300);
const schemaText = qemuText(schema);
const bigSchema = structuredClone(schema);
for (const i of [3, 600, 1200]) bigSchema.return[i]['x-size'] = 18446744073709551615n - BigInt(i);
bigSchema.return[900]['x-offset'] = -9223372036854775808n;
const bigSchemaText = qemuText(bigSchema);
const migrate = migrateParametersReply();
const migrateText = qemuText(migrate);
const migrateBig = { return: { ...migrate.return, 'max-bandwidth': 18446744073709551615n } };

// Sanity: the reader gives what JSON.parse gives, and the writer what JSON.stringify gives.
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
if (
  !same(parseQmpJson(schemaText), JSON.parse(schemaText)) ||
  !same(parseQmpJsonExact(schemaText), JSON.parse(schemaText))
) {
  throw new Error('reader disagrees with JSON.parse');
}
if (stringifyQmpJson(schema) !== JSON.stringify(schema)) throw new Error('writer disagrees with JSON.stringify');
if (stringifyQmpJson(parseQmpJson(bigSchemaText)) !== stringifyQmpJson(bigSchema))
  throw new Error('big round trip failed');

// ---- measuring -------------------------------------------------------------
/** Runs each case for ROUND_MS per round, rounds interleaved; returns median ms per op. */
function measure(cases) {
  const samples = cases.map(() => []);
  for (const c of cases) for (let i = 0; i < 20; i++) c.run(); // warm-up
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach((c, k) => {
      let n = 0;
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < ROUND_MS) {
        c.run();
        n++;
        t = performance.now();
      }
      samples[k].push((t - t0) / n);
    });
  }
  return samples.map((s) => s.sort((a, b) => a - b)[s.length >> 1]);
}

/** The reader's ratio to JSON.parse per payload, for the summary. */
const summary = [];

function report(title, cases, base, target, summaryName) {
  const ms = measure(cases);
  if (summaryName !== undefined) summary.push([summaryName, ms[cases.findIndex((c) => c.target)] / ms[base]]);
  console.log(`\n${title}`);
  cases.forEach((c, k) => {
    const ratio = ms[k] / ms[base];
    const verdict = c.target ? (ratio <= target ? `  target ${target}x: ok` : `  target ${target}x: OVER`) : '';
    console.log(
      `  ${c.name.padEnd(44)} ${String(Math.round(1000 / ms[k])).padStart(8)} ops/s  ${ms[k].toFixed(3).padStart(8)} ms  ${ratio.toFixed(2)}x${verdict}`,
    );
  });
}

console.log(
  `node ${process.version}, ${process.platform}/${process.arch}; median of ${ROUNDS} rounds of ${ROUND_MS} ms`,
);
console.log(
  `payloads: query-qmp-schema-like ${(schemaText.length / 1024).toFixed(0)} KB (${schema.return.length} entities), ` +
    `with uint64s ${(bigSchemaText.length / 1024).toFixed(0)} KB, migrate-parameters ${migrateText.length} B`,
);

report(
  'reader, query-qmp-schema-like, no big numbers',
  [
    { name: 'JSON.parse', run: () => JSON.parse(schemaText) },
    { name: 'parseQmpJson (fast path)', run: () => parseQmpJson(schemaText), target: true },
    { name: 'parseQmpJsonExact (exact parser only)', run: () => parseQmpJsonExact(schemaText) },
  ],
  0,
  READER_TARGET,
  `query-qmp-schema-like, ${(schemaText.length / 1024).toFixed(0)} KB`,
);

report(
  'reader, query-qmp-schema-like, with uint64 values near 2^64',
  [
    { name: 'JSON.parse (rounds them)', run: () => JSON.parse(bigSchemaText) },
    { name: 'parseQmpJson (exact path)', run: () => parseQmpJson(bigSchemaText) },
    { name: 'parseQmpJsonExact', run: () => parseQmpJsonExact(bigSchemaText) },
  ],
  0,
  READER_TARGET,
);

report(
  'reader, migrate-parameters',
  [
    { name: 'JSON.parse', run: () => JSON.parse(migrateText) },
    { name: 'parseQmpJson (fast path)', run: () => parseQmpJson(migrateText), target: true },
    { name: 'parseQmpJsonExact', run: () => parseQmpJsonExact(migrateText) },
  ],
  0,
  READER_TARGET,
  `migrate-parameters, ${migrateText.length} B`,
);

const bigAsNumbers = JSON.parse(bigSchemaText); // same shape, bigints rounded: what JSON.stringify can write
report(
  'writer, query-qmp-schema-like',
  [
    { name: 'JSON.stringify', run: () => JSON.stringify(schema) },
    { name: 'stringifyQmpJson (no bigint: native)', run: () => stringifyQmpJson(schema), target: true },
    { name: 'JSON.stringify (uint64s as rounded numbers)', run: () => JSON.stringify(bigAsNumbers) },
    { name: 'stringifyQmpJson (with bigints)', run: () => stringifyQmpJson(bigSchema) },
  ],
  0,
  WRITER_TARGET,
);

report(
  'writer, migrate-parameters',
  [
    { name: 'JSON.stringify', run: () => JSON.stringify(migrate) },
    { name: 'stringifyQmpJson (no bigint)', run: () => stringifyQmpJson(migrate), target: true },
    { name: 'stringifyQmpJson (with a bigint)', run: () => stringifyQmpJson(migrateBig) },
  ],
  0,
  WRITER_TARGET,
);

console.log(`\nreader (parseQmpJson, fast path) vs JSON.parse, target ≤ ${READER_TARGET}x its time:`);
for (const [name, ratio] of summary)
  console.log(`  ${name.padEnd(36)} ${ratio.toFixed(2)}x  ${ratio <= READER_TARGET ? 'ok' : 'OVER'}`);
