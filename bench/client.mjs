#!/usr/bin/env node
/**
 * npm run bench:client: the typed QMP client (templates/runtime/qmp-client.ts)
 * against a raw line-based client (a net socket, JSON.stringify / JSON.parse,
 * a Map of ids), in the same run, against the same minimal QMP server.
 *
 * - The server runs in a child process (this script with `--server`), so
 *   its work doesn't share the clients' thread: it reads lines, parses each
 *   with JSON.parse and answers `query-status` with a canned StatusInfo.
 * - The client is compiled from templates/runtime/ into a temporary
 *   directory with the project's tsc; its binding is QEMU 7.2.0's schema
 *   (../shared), linked from the plan tables by dist/ (run `npm run build`
 *   first if dist/ is missing).
 * - Throughput: `query-status` calls in batches of BATCH in flight at once,
 *   for ROUND_MS per round; latency: sequential round trips, each timed,
 *   p50 and p99. The two clients take turns for ROUNDS rounds each; the best
 *   round of each is reported (it filters out other load on the machine).
 *
 * Targets: ≥ 0.9× the raw client's throughput, ≤ 50 µs added to its p50.
 * It prints ✓/✗ per target and exits 0 either way (1 only if a reply is wrong).
 *
 *   npm run bench:client             (node bench/client.mjs [--quick])
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const STATUS = { running: true, singlestep: false, status: 'running' };

// ---- the server (child process) ---------------------------------------------

function runServer() {
  const dir = mkdtempSync(join(tmpdir(), 'qapi-ts-bench-qmp-'));
  const path = join(dir, 'qmp.sock');
  const greeting = JSON.stringify({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 }, package: '' }, capabilities: ['oob'] } });
  const server = createServer((socket) => {
    socket.setEncoding('utf8');
    socket.write(greeting + '\n');
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk;
      let out = '';
      let start = 0;
      let nl;
      while ((nl = buf.indexOf('\n', start)) >= 0) {
        const msg = JSON.parse(buf.slice(start, nl));
        start = nl + 1;
        const ret = msg.execute === 'query-status' ? STATUS : {};
        out += JSON.stringify({ return: ret, id: msg.id }) + '\n';
      }
      buf = buf.slice(start);
      if (out !== '') socket.write(out);
    });
    socket.on('error', () => {});
  });
  server.listen(path, () => process.send({ path }));
  process.on('message', () => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

// ---- the raw client -----------------------------------------------------------

class RawClient {
  static connect(path) {
    return new Promise((resolveConnect, reject) => {
      const socket = createConnection({ path });
      socket.once('error', reject);
      const c = new RawClient(socket);
      c.greeted = () => {
        c.execute('qmp_capabilities').then(() => resolveConnect(c), reject);
      };
    });
  }
  constructor(socket) {
    this.socket = socket;
    this.nextId = 1;
    this.pending = new Map();
    this.buf = '';
    this.greeted = null;
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      this.buf += chunk;
      let start = 0;
      let nl;
      while ((nl = this.buf.indexOf('\n', start)) >= 0) {
        const msg = JSON.parse(this.buf.slice(start, nl));
        start = nl + 1;
        if (msg.QMP) {
          this.greeted();
          continue;
        }
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          if (msg.error) p.reject(new Error(msg.error.desc));
          else p.resolve(msg.return);
        }
      }
      this.buf = this.buf.slice(start);
    });
  }
  execute(name, args) {
    const id = this.nextId++;
    return new Promise((resolveCall, reject) => {
      this.pending.set(id, { resolve: resolveCall, reject });
      this.socket.write(JSON.stringify(args === undefined ? { execute: name, id } : { execute: name, arguments: args, id }) + '\n');
    });
  }
  close() {
    this.socket.destroy();
  }
}

// ---- measuring ------------------------------------------------------------------

async function throughput(client, ms, batch) {
  let calls = 0;
  let bad = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const batchCalls = new Array(batch);
    for (let i = 0; i < batch; i++) batchCalls[i] = client.execute('query-status');
    const replies = await Promise.all(batchCalls);
    for (const r of replies) if (r.status !== 'running') bad++;
    calls += batch;
  }
  return { perSecond: (calls * 1000) / (performance.now() - t0), bad };
}

async function latency(client, count) {
  const times = new Float64Array(count);
  let bad = 0;
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    const r = await client.execute('query-status');
    times[i] = Number(process.hrtime.bigint() - t0) / 1000;
    if (r.status !== 'running') bad++;
  }
  times.sort();
  return { p50: times[Math.floor(count * 0.5)], p99: times[Math.floor(count * 0.99)], bad };
}

function compileRuntime() {
  const out = mkdtempSync(join(tmpdir(), 'qapi-ts-bench-client-'));
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '--ignoreConfig',
      join(root, 'templates', 'runtime', 'qmp-client.ts'),
      '--outDir', out,
      '--target', 'ES2022',
      '--module', 'nodenext',
      '--moduleResolution', 'nodenext',
      '--types', 'node',
      '--skipLibCheck',
      '--strict',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  return out;
}

async function main() {
  const quick = process.argv.includes('--quick');
  const ROUNDS = quick ? 2 : 5;
  const ROUND_MS = quick ? 300 : 1000;
  const BATCH = 1000;
  const LATENCY_CALLS = quick ? 1000 : 5000;

  const schemaFile = resolve(root, '..', 'shared', 'qemu', '7.2.0', 'qapi', 'qapi-schema.json');
  const api = join(root, 'dist', 'generator', 'api.js');
  if (!existsSync(schemaFile)) throw new Error(`missing ${schemaFile}`);
  if (!existsSync(api)) throw new Error('dist/ is missing: run `npm run build` first');
  const { loadSchema } = await import(pathToFileURL(api).href);
  const { linkSchema } = await import(pathToFileURL(join(root, 'dist', 'generator', 'validate', 'validate.js')).href);
  const linked = linkSchema(await loadSchema(schemaFile, { lenientDocs: true, warn: () => {} }), 'number');
  const binding = { commands: linked.commands, events: linked.events, int64: 'number' };

  const out = compileRuntime();
  const { connectQmp } = await import(pathToFileURL(join(out, 'qmp-client.js')).href);

  const server = fork(fileURLToPath(import.meta.url), ['--server'], { stdio: 'inherit' });
  const { path } = await new Promise((r) => server.once('message', r));

  const typed = await connectQmp(binding, path);
  const raw = await RawClient.connect(path);
  const clients = { typed, raw };

  // Warm-up.
  for (const c of Object.values(clients)) {
    await throughput(c, 200, BATCH);
    await latency(c, 500);
  }
  const best = { typed: { tput: 0, p50: Infinity, p99: Infinity }, raw: { tput: 0, p50: Infinity, p99: Infinity } };
  let bad = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['raw', 'typed'] : ['typed', 'raw'];
    for (const name of order) {
      const t = await throughput(clients[name], ROUND_MS, BATCH);
      const l = await latency(clients[name], LATENCY_CALLS);
      bad += t.bad + l.bad;
      const b = best[name];
      b.tput = Math.max(b.tput, t.perSecond);
      if (l.p50 < b.p50) {
        b.p50 = l.p50;
        b.p99 = l.p99;
      }
    }
  }
  await typed.close();
  raw.close();
  server.send('stop');
  rmSync(out, { recursive: true, force: true });

  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  console.log(`QMP client vs raw line-based client, query-status against a minimal server (best of ${ROUNDS} rounds)`);
  console.log('');
  console.log('client   calls/s (batches of 1000)   p50 µs   p99 µs');
  for (const name of ['raw', 'typed']) {
    const b = best[name];
    console.log(`${name.padEnd(8)} ${fmt(b.tput).padStart(25)}   ${b.p50.toFixed(1).padStart(6)}   ${b.p99.toFixed(1).padStart(6)}`);
  }
  const ratio = best.typed.tput / best.raw.tput;
  const added = best.typed.p50 - best.raw.p50;
  console.log('');
  console.log(`throughput: ${ratio.toFixed(2)}× the raw client's (target ≥ 0.90×) ${ratio >= 0.9 ? '✓' : '✗'}`);
  console.log(`p50 added: ${added.toFixed(1)} µs (target ≤ 50 µs) ${added <= 50 ? '✓' : '✗'}`);
  if (bad > 0) {
    console.error(`${bad} replies were wrong`);
    process.exit(1);
  }
}

if (process.argv.includes('--server')) runServer();
else await main();
