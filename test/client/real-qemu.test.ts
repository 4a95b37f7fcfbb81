/**
 * The QMP client against a real QEMU 7.2 (Debian's qemu-system-x86), with
 * bindings generated from ../shared/qemu/7.2.0 (`--lenient-docs`) through
 * the real pipeline: negotiation, every live argument-less query- command
 * decoded strictly, a parameter round trip, typed STOP/RESUME events, QEMU's
 * own errors against the client's checks, the fake server's protocol errors
 * against QEMU's, and SIGKILL during calls. Skipped (saying why) without
 * QEMU; failing with QAPI_TS_REQUIRE_QEMU=1.
 */
import { closeSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectQmp, QmpConnectionError, type QmpClient, type QmpClientOptions, type QmpSchemaBinding } from '../../templates/runtime/qmp-client.js';
import { createFakeQmpServer } from '../../templates/runtime/fake-qmp-server.js';
import { QmpError } from '../../templates/runtime/qmp.js';
import { generateInto, tempDir } from '../emit/generate-helpers.js';
import { sharedPath } from '../helpers/fixtures.js';
import { describeQemu, startQemu, type Qemu } from '../helpers/qemu.js';
import { RawPeer, SCHEMA_72, type Commands, type Events } from './helpers.js';

type Client = QmpClient<Commands, Events>;

describeQemu('real QEMU 7.2', () => {
  let outDir = '';
  let binding: QmpSchemaBinding;
  let qemu: Qemu;

  beforeAll(async () => {
    outDir = tempDir('qmp-client-72');
    await generateInto(sharedPath(SCHEMA_72), outDir, { lenientDocs: true });
    const mod = await import(pathToFileURL(join(outDir, 'schema.ts')).href);
    binding = { commands: mod.qmpCommandTable, events: mod.qmpEventTable, int64: mod.int64Mode };
    qemu = await startQemu();
  }, 900_000);

  afterAll(async () => {
    await qemu?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  /** QEMU serves one QMP connection at a time: each test connects, and closes before the next. */
  async function withClient<T>(fn: (c: Client) => Promise<T>, options: QmpClientOptions = {}): Promise<T> {
    const client = await connectQmp<Commands, Events>(binding, qemu.socket, options);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  it('negotiates (oob enabled) and query-version answers 7.2', async () => {
    await withClient(async (c) => {
      expect(c.greeting.version.qemu.major).toBe(7);
      expect(c.greeting.version.qemu.minor).toBe(2);
      expect(c.greeting.capabilities).toContain('oob');
      expect(c.oob).toBe(true);
      const v = await c.execute('query-version');
      expect(v.qemu).toEqual(c.greeting.version.qemu);
      expect(v.package).toBe(c.greeting.version.package);
      console.log(`[real QEMU] ${v.qemu.major}.${v.qemu.minor}.${v.qemu.micro} ${v.package}`);
    });
  });

  it('every live query- command without arguments answers a reply that decodes strictly', async () => {
    await withClient(
      async (c) => {
        const live = (await c.execute('query-commands')).map((x: { name: string }) => x.name) as string[];
        const notInBinding = live.filter((n) => !Object.prototype.hasOwnProperty.call(binding.commands, n));
        expect(notInBinding, 'live commands the 7.2.0 binding lacks').toEqual([]);
        const queries = live.filter((n) => n.startsWith('query-') && binding.commands[n]!.args === null).sort();
        const failures: string[] = [];
        const qemuErrors: string[] = [];
        let decoded = 0;
        for (const name of queries) {
          try {
            await c.execute(name);
            decoded++;
          } catch (e) {
            if (e instanceof QmpError && e.fromServer) qemuErrors.push(`${name}: ${e.errorClass}: ${e.desc}`);
            else failures.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        console.log(
          `[real QEMU] ${queries.length} argument-less query- commands: ${decoded} replies decoded strictly, ${failures.length} failures, ${qemuErrors.length} answered with a QMP error by QEMU${qemuErrors.length ? `:\n  ${qemuErrors.join('\n  ')}` : ''}`,
        );
        expect(failures).toEqual([]);
        expect(decoded).toBeGreaterThan(40);
      },
      { decode: { strict: true } },
    );
  });

  it('migrate-set-parameters then query-migrate-parameters round-trips values', async () => {
    await withClient(async (c) => {
      await c.execute('migrate-set-parameters', { 'max-bandwidth': 123_456_789, 'downtime-limit': 777, 'multifd-channels': 5 });
      const p = await c.execute('query-migrate-parameters');
      expect([p['max-bandwidth'], p['downtime-limit'], p['multifd-channels']]).toEqual([123_456_789, 777, 5]);
    });
  });

  it('cont and stop deliver typed RESUME and STOP events', async () => {
    await withClient(async (c) => {
      const events = c.events();
      const stops: unknown[] = [];
      c.on('STOP', (ev) => stops.push(ev.data));
      await c.execute('cont');
      const resume = (await events.next()).value!;
      expect(resume.event).toBe('RESUME');
      expect(resume.data).toEqual({});
      expect(resume.timestamp.seconds).toBeGreaterThan(1_600_000_000);
      expect((await c.execute('query-status')).status).toBe('running');
      await c.execute('stop');
      const stop = (await events.next()).value!;
      expect(stop.event).toBe('STOP');
      expect(stops).toEqual([{}]);
      expect((await c.execute('query-status')).status).toBe('paused');
    });
  });

  /** Calls each case and returns its QmpError (null when it succeeded). */
  async function errorsOf(cases: Array<[string, unknown]>, options: QmpClientOptions): Promise<Array<QmpError | null>> {
    return withClient(
      async (c) => Promise.all(cases.map(([name, args]) => c.execute(name, args).then(() => null, (e: QmpError) => e))),
      options,
    );
  }

  it('a bad command name and bad arguments give the QmpError QEMU sends; checking catches the same before sending', async () => {
    const cases: Array<[string, unknown]> = [
      ['no-such-command', undefined],
      ['human-monitor-command', { 'command-line': 'info status', 'cpu-index': 'zero' }],
      ['human-monitor-command', {}],
      ['query-status', { verbose: true }],
      ['migrate-set-parameters', { 'multifd-channels': 2 ** 40 }],
      ['block_set_io_throttle', { id: 'blk0', bps: 'x', bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0 }],
      ['blockdev-add', { driver: 'null-co', 'node-name': 'n1', size: 'big' }],
      ['blockdev-add', { driver: 'no-such-driver', 'node-name': 'n1' }],
      ['block_set_io_throttle', { id: 'blk0', bps: 0, bps_rd: 0, bps_wr: 0, iops: 0, iops_rd: 0, iops_wr: 0, extra: 1 }],
    ];
    const fromQemu = await errorsOf(cases, { check: false });
    const local = await errorsOf(cases, {});
    for (let i = 0; i < cases.length; i++) {
      const q = fromQemu[i]!;
      const l = local[i]!;
      expect(q, `${cases[i]![0]} fails on QEMU`).toBeInstanceOf(QmpError);
      expect(q.fromServer).toBe(true);
      expect(l).toBeInstanceOf(QmpError);
      expect(l.fromServer, `${cases[i]![0]} is refused before sending`).toBe(false);
      expect([l.errorClass, l.desc, l.command]).toEqual([q.errorClass, q.desc, q.command]);
    }
    console.log(`[real QEMU] errors, QEMU's and the client's own (identical):\n  ${fromQemu.map((e) => `${e!.errorClass}: ${e!.desc}`).join('\n  ')}`);
  });

  it('lists where QEMU 7.2 and the runtime\'s strict input rules disagree (reported, not asserted)', async () => {
    // QEMU's input visitor reads every unsigned type through uint64 (size too): it accepts
    // negative integers ("for backward compatibility") and words a non-integer as
    // "Parameter 'x' expects uint64"; its 7.2
    // list elements are named 'null' in messages. These are the runtime's business (see the report).
    const cases: Array<[string, unknown]> = [
      ['migrate-set-parameters', { 'max-bandwidth': -1 }],
      ['migrate-set-parameters', { 'max-bandwidth': 'fast' }],
      ['migrate-set-parameters', { 'downtime-limit': 1.5 }],
      ['migrate-set-parameters', { 'announce-rounds': 'many' }],
      ['qmp_capabilities', { enable: ['nope'] }],
    ];
    const fromQemu = await errorsOf(cases, { check: false });
    const local = await errorsOf(cases, {});
    const differences = cases
      .map(([name, args], i) => ({ name, args, qemu: fromQemu[i]?.desc ?? 'accepted', client: local[i]?.desc ?? 'accepted' }))
      .filter((d) => d.qemu !== d.client);
    console.log(`[real QEMU] ${differences.length} known differences of the strict input rules:\n  ${differences.map((d) => `${d.name} ${JSON.stringify(d.args)}: QEMU ${JSON.stringify(d.qemu)}, client ${JSON.stringify(d.client)}`).join('\n  ')}`);
    expect(differences.length).toBeLessThanOrEqual(cases.length);
    // Put the parameters back.
    await withClient((c) => c.execute('migrate-set-parameters', { 'max-bandwidth': 123_456_789 }));
  });

  it('the fake server answers protocol errors as QEMU does', async () => {
    const script: unknown[] = [
      { execute: 'query-status', id: 1 },
      { 'exec-oob': 'migrate-pause', id: 2 },
      { execute: 'qmp_capabilities', arguments: { enable: ['oob'] }, id: 3 },
      { execute: 'qmp_capabilities', id: 4 },
      { execute: 'no-such-command', id: 5 },
      { execute: 'query-status', arguments: { x: 1 }, id: 6 },
      { execute: 'query-status', 'exec-oob': 'query-status', id: 7 },
      { execute: 42, id: 8 },
      { exec: 'query-status', id: 9 },
      { execute: 'query-status', arguments: [], id: 10 },
      { 'exec-oob': 'query-status', id: 11 },
      { id: 12 },
    ];
    const run = async (path: string) => {
      const peer = await RawPeer.connect(path);
      try {
        await peer.next();
        const out: unknown[] = [];
        for (const m of script) out.push(await peer.call(m));
        return out;
      } finally {
        peer.close();
      }
    };
    const real = await run(qemu.socket);
    const fake = await createFakeQmpServer(binding);
    try {
      expect(await run(fake.path)).toEqual(real);
    } finally {
      await fake.close();
    }
  });

  it('file descriptors: an fd QEMU inherits through spawn\'s stdio (-add-fd) is usable over QMP, as the README shows', async () => {
    const image = join(outDir, 'disk.img');
    writeFileSync(image, Buffer.alloc(1024 * 1024));
    const fd = openSync(image, 'r+');
    const vm = await startQemu(['-add-fd', 'fd=3,set=1,opaque=disk'], [fd]);
    closeSync(fd);
    try {
      const c = await connectQmp<Commands, Events>(binding, vm.socket);
      try {
        const sets = await c.execute('query-fdsets');
        expect(sets.map((s: { 'fdset-id': number; fds: Array<{ opaque?: string }> }) => [s['fdset-id'], s.fds.map((f) => f.opaque)])).toEqual([[1, ['disk']]]);
        await c.execute('blockdev-add', { driver: 'file', 'node-name': 'disk', filename: '/dev/fdset/1' });
        const nodes = await c.execute('query-named-block-nodes');
        expect(nodes.map((n: { 'node-name': string }) => n['node-name'])).toContain('disk');
      } finally {
        await c.close();
      }
    } finally {
      await vm.stop();
    }
  });

  it('SIGKILL during calls rejects that call and every pending call', async () => {
    const victim = await startQemu();
    try {
      const c = await connectQmp<Commands, Events>(binding, victim.socket);
      const calls = Array.from({ length: 100 }, () => c.execute('query-qmp-schema'));
      const settled = calls.map((p) => p.then(() => 'ok', (e: unknown) => e));
      await calls[0];
      // The time from the kill until every call has settled: printed, not asserted (the issue
      // asks for 100 ms; a wall-clock bound would make the test flaky on a loaded machine).
      const killedAt = performance.now();
      process.kill(victim.pid, 'SIGKILL');
      const settledAt = settled.map((p) => p.then(() => performance.now()));
      const results = await Promise.all(settled);
      const lastSettled = Math.max(...(await Promise.all(settledAt)));
      const rejected = results.filter((r) => r !== 'ok');
      expect(rejected.length).toBeGreaterThan(0);
      for (const r of rejected) expect(r).toBeInstanceOf(QmpConnectionError);
      // Everything after the first rejection was rejected too: nothing is left hanging.
      const first = results.findIndex((r) => r !== 'ok');
      expect(results.slice(first).every((r) => r !== 'ok')).toBe(true);
      const cause = await c.closed;
      expect(['ended', 'socket']).toContain(cause.reason);
      console.log(
        `[real QEMU] SIGKILL: ${results.length - rejected.length} calls answered before, ${rejected.length} rejected with "${cause.message}", all settled ${(lastSettled - killedAt).toFixed(1)} ms after the kill`,
      );
    } finally {
      await victim.stop();
    }
  });
});
