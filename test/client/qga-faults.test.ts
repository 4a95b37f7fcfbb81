/**
 * The guest-agent client against a scripted fake agent: the sync handshake
 * and each fault its documentation names (garbage before the sentinel, a
 * stale sync reply, a timeout and the resync after it, a disconnect in the
 * middle of a reply, no-reply commands), byte by byte.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { QapiError } from '../../templates/runtime/errors.js';
import { connectQga, type QgaClientOptions } from '../../templates/runtime/qga-client.js';
import { QmpConnectionError, QmpTimeoutError, type QmpSchemaBinding } from '../../templates/runtime/qmp-client.js';
import { QmpError } from '../../templates/runtime/qmp.js';
import { bindingFor, type Commands } from './helpers.js';

const QGA_72 = 'qemu/7.2.0/qga/qapi-schema.json';

/** What the fake agent does with one request; `reply` writes raw bytes. */
type Script = (req: { execute: string; arguments?: { id?: unknown }; id?: number }, io: { reply(bytes: string | Buffer): void; socket: Socket; n: number }) => void;

interface FakeAgent {
  readonly path: string;
  /** Every request read (after 0xFF resets), in order. */
  readonly requests: Array<{ execute: string; id?: number }>;
  /** How many 0xFF bytes were read. */
  sentinels: number;
  close(): Promise<void>;
}

/** The agent's side: a 0xFF resets the parser (and, as QGA 7.2 does, earns an error reply); the rest is scripted. */
function fakeAgent(script: Script): Promise<FakeAgent> {
  const dir = mkdtempSync(join(tmpdir(), 'qapi-ts-fake-qga-'));
  const path = join(dir, 'qga.sock');
  const sockets = new Set<Socket>();
  const agent: FakeAgent = {
    path,
    requests: [],
    sentinels: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
  let n = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        const ff = buffer.indexOf(0xff);
        const nl = buffer.indexOf(10);
        if (ff >= 0 && (nl < 0 || ff < nl)) {
          agent.sentinels++;
          buffer = buffer.subarray(ff + 1);
          socket.write('{"error": {"class": "GenericError", "desc": "JSON parse error, stray \'\\uFFFD\'"}}\n');
          continue;
        }
        if (nl < 0) break;
        const line = buffer.subarray(0, nl).toString('utf8');
        buffer = buffer.subarray(nl + 1);
        const req = JSON.parse(line);
        // The sync id is 64-bit: keep its digits (JSON.parse would round it).
        const id = /"id":\s*(-?\d+)\}\}/.exec(line);
        if (id !== null) req.arguments.id = id[1];
        agent.requests.push(req);
        script(req, { reply: (b) => socket.write(b), socket, n: n++ });
      }
    });
    socket.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(path, () => resolve(agent)));
}

/** The well-behaved answer to a sync: the sentinel, then the id. */
function answerSync(req: { arguments?: { id?: unknown } }): string {
  return `\xff{"return": ${String(req.arguments!.id)}}\n`;
}

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

describe('guest-agent client, fake agent', () => {
  let binding: QmpSchemaBinding;
  let agent: FakeAgent | undefined;

  beforeAll(async () => {
    binding = await bindingFor(QGA_72);
  });
  afterEach(async () => {
    await agent?.close();
    agent = undefined;
  });

  const connect = (path: string, options: QgaClientOptions = {}) => connectQga<Commands>(binding, path, options);

  it('syncs on connect: 0xFF first, then guest-sync-delimited with a 64-bit id; the stray-byte error is discarded', async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
      else io.reply(`{"return": {}, "id": ${req.id}}\n`);
    });
    const reports: string[] = [];
    const client = await connect(agent.path, { onProtocolError: (e) => reports.push(e.message) });
    expect(agent.sentinels).toBe(1);
    expect(agent.requests[0]!.execute).toBe('guest-sync-delimited');
    const id = BigInt((agent.requests[0] as { arguments: { id: string } }).arguments.id);
    expect(id >= -(2n ** 63n) && id < 2n ** 63n).toBe(true);
    expect(client.syncs).toBe(1);
    await expect(client.execute('guest-ping')).resolves.toBeUndefined();
    expect(reports).toEqual([]);
    await client.close();
  });

  it('discards garbage and stale replies before the sentinel', async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited')
        io.reply(latin1(`half a {"ret\n{"return": 12345}\nnot json at all\n{"error": {"class": "GenericError", "desc": "x"}}\npartial{"re` + answerSync(req)));
      else io.reply(`{"return": {}, "id": ${req.id}}\n`);
    });
    const reports: string[] = [];
    const client = await connect(agent.path, { onProtocolError: (e) => reports.push(e.message) });
    expect(client.syncs).toBe(1);
    await expect(client.execute('guest-ping')).resolves.toBeUndefined();
    expect(reports).toEqual([]);
    await client.close();
  });

  it('ignores the answer to an old sync id, and waits for its own', async () => {
    const ids: unknown[] = [];
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') {
        ids.push(req.arguments!.id);
        // An earlier client's sync answer still in the channel, then ours, in separate writes.
        io.reply(latin1('\xff{"return": 42}\n'));
        setTimeout(() => io.reply(latin1(answerSync(req))), 20);
      } else io.reply(`{"return": {}, "id": ${req.id}}\n`);
    });
    const client = await connect(agent.path);
    expect(ids).toHaveLength(1);
    expect(client.syncs).toBe(1);
    await expect(client.execute('guest-ping')).resolves.toBeUndefined();
    await client.close();
  });

  it('a timeout rejects the call, resyncs, and the late reply is discarded', async () => {
    let held: { id: number; reply: (b: string) => void } | undefined;
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
      else if (req.execute === 'guest-get-time' && held === undefined) held = { id: req.id!, reply: io.reply };
      else io.reply(`{"return": 7, "id": ${req.id}}\n`);
    });
    const reports: string[] = [];
    const client = await connect(agent.path, { onProtocolError: (e) => reports.push(e.message) });
    const err = await client.execute('guest-get-time', undefined, { timeout: 50 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpTimeoutError);
    // The resync, then the late reply of the timed-out call: dropped by its id.
    await client.sync();
    expect(client.syncs).toBe(2);
    expect(agent.sentinels).toBe(2);
    held!.reply(`{"return": 111, "id": ${held!.id}}\n`);
    await expect(client.execute('guest-get-time')).resolves.toBe(7);
    expect(reports).toEqual([]);
    await client.close();
  });

  it('calls made while syncing wait for the sync, then go out', async () => {
    let syncs = 0;
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') {
        syncs++;
        setTimeout(() => io.reply(latin1(answerSync(req))), 30);
      } else io.reply(`{"return": 5, "id": ${req.id}}\n`);
    });
    const client = await connect(agent.path);
    const sync = client.sync();
    const call = client.execute('guest-get-time');
    await sync;
    await expect(call).resolves.toBe(5);
    expect(agent.requests.map((r) => r.execute)).toEqual(['guest-sync-delimited', 'guest-sync-delimited', 'guest-get-time']);
    expect(syncs).toBe(2);
    await client.close();
  });

  it('a disconnect in the middle of a reply rejects the call with the bytes it lost', async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
      else {
        io.reply(`{"return": {"version": "7.2`);
        io.socket.end();
      }
    });
    const client = await connect(agent.path);
    const err = await client.execute('guest-info').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpConnectionError);
    expect((err as QmpConnectionError).reason).toBe('ended');
    expect((err as Error).message).toMatch(/in the middle of a reply \(\d+ bytes/);
    expect(client.isClosed).toBe(true);
  });

  it('a command with no reply on success resolves once written; until: disconnect waits for the agent to go away', async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
      else if (req.execute === 'guest-shutdown') {
        // A real agent shuts the guest down: here, the line just goes quiet, then closes.
        if (io.n > 1) setTimeout(() => io.socket.end(), 30);
      } else io.reply(`{"return": {}, "id": ${req.id}}\n`);
    });
    const client = await connect(agent.path);
    await expect(client.execute('guest-shutdown')).resolves.toBeUndefined();
    await expect(client.execute('guest-ping')).resolves.toBeUndefined();
    let resolved = false;
    const waiting = client.execute('guest-shutdown', { mode: 'powerdown' }, { until: 'disconnect' }).then(() => (resolved = true));
    await expect(waiting).resolves.toBe(true);
    expect(resolved).toBe(true);
    expect(client.isClosed).toBe(true);
  });

  it("a no-reply command's error reply rejects it under until: disconnect, and is reported under written", async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
      else if (req.execute === 'guest-shutdown')
        io.reply(`{"error": {"class": "CommandNotFound", "desc": "Command guest-shutdown has been disabled"}, "id": ${req.id}}\n`);
      else io.reply(`{"return": {}, "id": ${req.id}}\n`);
    });
    const reports: string[] = [];
    const client = await connect(agent.path, { onProtocolError: (e) => reports.push(e.message) });
    const err = await client.execute('guest-shutdown', undefined, { until: 'disconnect' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect((err as QmpError).errorClass).toBe('CommandNotFound');
    await expect(client.execute('guest-shutdown')).resolves.toBeUndefined();
    await client.execute('guest-ping');
    expect(reports.some((r) => r.includes('guest-shutdown has been disabled'))).toBe(true);
    await client.close();
  });

  it('until: shutdownOf resolves on the QMP client\'s SHUTDOWN event', async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
    });
    const handlers: Array<() => void> = [];
    const qmp = { on: (_name: 'SHUTDOWN', h: () => void) => (handlers.push(h), () => handlers.splice(handlers.indexOf(h), 1)) };
    const client = await connect(agent.path);
    let done = false;
    const call = client.execute('guest-shutdown', undefined, { until: { shutdownOf: qmp } }).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    expect(handlers).toHaveLength(1);
    handlers[0]!();
    await call;
    expect(done).toBe(true);
    expect(handlers).toHaveLength(0);
    await client.close();
  });

  it('an agent that never answers the sync: connect fails with reason sync after every attempt', async () => {
    agent = await fakeAgent(() => {});
    const err = await connect(agent.path, { syncTimeout: 30, syncAttempts: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpConnectionError);
    expect(err).toBeInstanceOf(QapiError);
    expect((err as QmpConnectionError).reason).toBe('sync');
    expect((err as Error).message).toMatch(/3 attempts/);
    expect(agent.requests.filter((r) => r.execute === 'guest-sync-delimited')).toHaveLength(3);
  });

  it('a reply that answers no call after sync is reported, and the client resyncs', async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
      else io.reply(`{"return": {}, "id": 9999}\n{"return": {}, "id": ${req.id}}\n`);
    });
    const reports: string[] = [];
    const client = await connect(agent.path, { onProtocolError: (e) => reports.push(e.message) });
    await client.execute('guest-ping');
    await client.sync();
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatch(/answers no call/);
    expect(client.syncs).toBe(2);
    await client.close();
  });

  it('arguments are checked before anything is written', async () => {
    agent = await fakeAgent((req, io) => {
      if (req.execute === 'guest-sync-delimited') io.reply(latin1(answerSync(req)));
    });
    const client = await connect(agent.path);
    const err = await client.execute('guest-set-time', { time: 'soon' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QmpError);
    expect((err as QmpError).fromServer).toBe(false);
    expect((err as Error).message).toMatch(/time/);
    expect(agent.requests.map((r) => r.execute)).toEqual(['guest-sync-delimited']);
    await client.close();
  });
});
