/**
 * Every scripted fault of the fake server (FakeQmpFault in
 * templates/runtime/fake-qmp-server.ts), on a command's reply and during
 * negotiation, with calls pending and an event iterator waiting: each gives
 * a clear error (or, for the faults a client survives, the right result and
 * a usable connection), and none leaves an unhandled rejection or an
 * uncaught exception behind. The table must name every fault type the
 * server's source declares, so a new fault fails here until it is covered.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectQmp,
  QmpConnectionError,
  QmpProtocolError,
  QmpTimeoutError,
  type QmpClient,
  type QmpClientOptions,
} from '../../templates/runtime/qmp-client.js';
import { createFakeQmpServer, type FakeQmpFault, type FakeQmpServer } from '../../templates/runtime/fake-qmp-server.js';
import { itFixture } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { bindingFor, SCHEMA_72, status, type Commands, type Events } from './helpers.js';

type Client = QmpClient<Commands, Events>;
type Server = FakeQmpServer<Commands, Events>;

// Unhandled rejections and uncaught exceptions anywhere in this file's process, while it runs.
const stray: unknown[] = [];
const onRejection = (reason: unknown): void => void stray.push(reason);
const onException = (error: unknown): void => void stray.push(error);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  // Let anything left over surface: Node reports unhandled rejections once the microtasks have run.
  await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setImmediate(r));
  expect(stray.splice(0), 'unhandled rejections or uncaught exceptions').toEqual([]);
});

const echo = (a: { 'command-line': string }): string => `echo ${a['command-line']}`;

async function setup(clientOptions: QmpClientOptions = {}): Promise<{ server: Server; client: Client; reports: QmpProtocolError[] }> {
  const b = await bindingFor();
  const server = await createFakeQmpServer<Commands, Events>(b, { handlers: { 'query-status': () => status(), 'human-monitor-command': echo } });
  cleanups.push(() => server.close());
  const reports: QmpProtocolError[] = [];
  const client = await connectQmp<Commands, Events>(b, server.path, { onProtocolError: (e) => reports.push(e), ...clientOptions });
  cleanups.push(() => client.close());
  return { server, client, reports };
}

/** How a promise settled (a rejection is caught here, never left unhandled). */
async function outcome(p: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: any }> {
  try {
    return { ok: true, value: await p };
  } catch (error) {
    return { ok: false, error };
  }
}

/**
 * One scenario: the fault is queued, three calls go out (the first gets the
 * fault, with a timeout for the faults that leave it unanswered), an event
 * iterator waits. `fatal`: the connection ends, and every call and the
 * iterator fail with the same clear connection error; otherwise the
 * connection survives and answers the next call.
 */
interface Scenario {
  fault: FakeQmpFault<Events>;
  fatal: boolean;
  /** Checks the first call's outcome (and the client's reports). */
  check(first: Awaited<ReturnType<typeof outcome>>, reports: QmpProtocolError[]): void;
}

const SCENARIOS: Record<FakeQmpFault['type'], Scenario[]> = {
  delay: [{ fault: { type: 'delay', ms: 30 }, fatal: false, check: (r) => expect(r).toEqual({ ok: true, value: 'echo 0' }) }],
  reorder: [{ fault: { type: 'reorder', count: 3 }, fatal: false, check: (r) => expect(r).toEqual({ ok: true, value: 'echo 0' }) }],
  partial: [{ fault: { type: 'partial', pieces: 5, gapMs: 3 }, fatal: false, check: (r) => expect(r).toEqual({ ok: true, value: 'echo 0' }) }],
  'events-first': [
    {
      fault: { type: 'events-first', events: [{ event: 'STOP', data: {} }] },
      fatal: false,
      check: (r) => expect(r).toEqual({ ok: true, value: 'echo 0' }),
    },
  ],
  garbage: [
    {
      fault: { type: 'garbage' },
      fatal: true,
      check: (r) => {
        expect(r.ok).toBe(false);
        expect(r.ok || [r.error.reason, r.error.message]).toEqual(['protocol', expect.stringMatching(/^The QMP server sent text that is not JSON: "}{ not json" \(.+\); connection closed$/)]);
      },
    },
    {
      fault: { type: 'garbage', text: '"just a string"' },
      fatal: true,
      check: (r) => expect(r.ok || [r.error.reason, r.error.message]).toEqual(['protocol', 'The QMP server sent JSON that is not an object: "\\"just a string\\""; connection closed']),
    },
  ],
  disconnect: [
    {
      fault: { type: 'disconnect' },
      fatal: true,
      check: (r) => expect(r.ok || [r.error.reason, r.error.message]).toEqual(['ended', expect.stringMatching(/^The QMP server closed the connection in the middle of a message \(\d+ bytes of an unfinished line discarded\)$/)]),
    },
    {
      fault: { type: 'disconnect', bytes: 0 },
      fatal: true,
      check: (r) => expect(r.ok || [r.error.reason, r.error.message]).toEqual(['ended', 'The QMP server closed the connection']),
    },
  ],
  drop: [
    {
      fault: { type: 'drop' },
      fatal: false,
      check: (r) => {
        expect(r.ok || r.error).toBeInstanceOf(QmpTimeoutError);
        expect(r.ok || r.error.message).toBe('No reply to human-monitor-command within 100 ms');
      },
    },
  ],
  'strip-id': [
    {
      fault: { type: 'strip-id' },
      fatal: false,
      check: (r, reports) => {
        expect(r.ok || r.error).toBeInstanceOf(QmpTimeoutError);
        expect(reports.map((x) => [x.kind, x.message])).toEqual([['unmatched-reply', 'Dropped a QMP reply without id that is not an error: it answers no call']]);
      },
    },
  ],
  'wrong-id': [
    {
      fault: { type: 'wrong-id', id: 'nobody' },
      fatal: false,
      check: (r, reports) => {
        expect(r.ok || r.error).toBeInstanceOf(QmpTimeoutError);
        expect(reports.map((x) => [x.kind, x.message])).toEqual([['unknown-id', 'Dropped a QMP reply with unknown id "nobody"']]);
      },
    },
  ],
};

const it72 = (name: string, fn: () => Promise<unknown>) => itFixture(SCHEMA_72, name, fn);

describe('every scripted fault of the fake server: a clear error, no unhandled rejection', () => {
  it('the table covers every fault type the fake server declares', () => {
    const source = readFileSync(join(REPO_ROOT, 'templates/runtime/fake-qmp-server.ts'), 'utf8');
    const declared = [...source.matchAll(/\| \{ readonly type: '([\w-]+)'/g)].map((m) => m[1]!);
    expect(declared.length).toBeGreaterThan(5);
    expect(Object.keys(SCENARIOS).sort()).toEqual(declared.sort());
  });

  for (const [type, scenarios] of Object.entries(SCENARIOS)) {
    scenarios.forEach((sc, i) => {
      it72(`${type}${scenarios.length > 1 ? ` (${i + 1})` : ''} on a reply, with calls pending and an iterator waiting`, async () => {
        const { server, client, reports } = await setup();
        server.fault({ command: 'human-monitor-command', ...sc.fault } as FakeQmpFault<Events>);
        const events = client.events();
        const waiting = outcome(events.next());
        const calls = [0, 1, 2].map((k) => outcome(client.execute('human-monitor-command', { 'command-line': String(k) }, k === 0 ? { timeout: 100 } : {})));
        const [first, ...rest] = await Promise.all(calls);
        sc.check(first!, reports);
        if (sc.fatal) {
          const error = (first as { error: QmpConnectionError }).error;
          expect(error).toBeInstanceOf(QmpConnectionError);
          expect(error.message.length).toBeGreaterThan(20);
          for (const r of rest) expect(r).toEqual({ ok: false, error });
          expect(await waiting).toEqual({ ok: false, error });
          expect(await client.closed).toBe(error);
          expect(await outcome(client.execute('query-status'))).toEqual({ ok: false, error });
        } else {
          expect(rest).toEqual([
            { ok: true, value: 'echo 1' },
            { ok: true, value: 'echo 2' },
          ]);
          expect(await client.execute('query-status')).toEqual(status());
          expect(client.isClosed).toBe(false);
          if (type === 'events-first') expect((await waiting).ok && ((await waiting) as { value: { value: { event: string } } }).value.value.event).toBe('STOP');
          await client.close();
          // The waiting iterator ends quietly on close().
          expect(await waiting).toMatchObject({ ok: true });
        }
      });
    });
  }

  describe('during negotiation (the reply to qmp_capabilities)', () => {
    const cases: Array<[string, FakeQmpFault<Events>, (e: any) => void]> = [
      ['garbage', { type: 'garbage' }, (e) => expect([e.constructor, e.reason]).toEqual([QmpConnectionError, 'protocol'])],
      ['disconnect', { type: 'disconnect' }, (e) => expect([e.constructor, e.reason, e.message]).toEqual([QmpConnectionError, 'ended', expect.stringMatching(/in the middle of a message/)])],
      // Nothing answers qmp_capabilities: the signal gives up. After the greeting, connectQmp rejects with a
      // connection error whose cause is the signal's reason (the option's doc says "the signal's reason").
      ['wrong-id', { type: 'wrong-id', id: 77 }, (e) => expect([e.constructor, e.reason, e.message, e.cause?.name]).toEqual([QmpConnectionError, 'connect', expect.stringMatching(/^Connecting to .+ was aborted$/), 'TimeoutError'])],
      ['drop', { type: 'drop' }, (e) => expect([e.constructor, e.reason, e.message, e.cause?.name]).toEqual([QmpConnectionError, 'connect', expect.stringMatching(/^Connecting to .+ was aborted$/), 'TimeoutError'])],
    ];
    for (const [name, fault, check] of cases) {
      it72(`${name}: connectQmp rejects clearly (with a signal, when nothing answers)`, async () => {
        const b = await bindingFor();
        const server = await createFakeQmpServer<Commands, Events>(b, {});
        cleanups.push(() => server.close());
        server.fault({ ...fault, command: 'qmp_capabilities' });
        const r = await outcome(connectQmp<Commands, Events>(b, server.path, { signal: AbortSignal.timeout(200) }));
        expect(r.ok).toBe(false);
        if (!r.ok) {
          check(r.error);
          expect(String(r.error.message).length).toBeGreaterThan(10);
        }
      });
    }
  });
});

/**
 * A raw QMP server that writes bytes as given: the fake server writes text,
 * which cannot hold invalid UTF-8. It greets, accepts qmp_capabilities, and
 * answers every other command with `reply(id)`, bytes up to and with the
 * line's end, written in `pieces` chunks (to split a character between them).
 */
async function rawServer(reply: (id: unknown) => Buffer, pieces = 1): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'qapi-ts-utf8-'));
  const path = join(dir, 'qmp.sock');
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.write('{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}, "package": ""}, "capabilities": []}}\r\n');
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buf += text;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.execute === 'qmp_capabilities') {
          socket.write(`{"return": {}, "id": ${JSON.stringify(msg.id)}}\r\n`);
          continue;
        }
        const bytes = reply(msg.id);
        const step = Math.ceil(bytes.length / pieces);
        for (let k = 0; k < bytes.length; k += step) socket.write(bytes.subarray(k, k + step));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  return path;
}

/** `{"return": "<bytes>", "id": <id>}` and CRLF, the bytes put raw into the string. */
const stringReply = (...raw: number[]) => (id: unknown): Buffer =>
  Buffer.concat([Buffer.from('{"return": "'), Buffer.from(raw), Buffer.from(`", "id": ${JSON.stringify(id)}}\r\n`)]);

describe('invalid UTF-8 from the server', () => {
  it72('fails the connection as a protocol error that says invalid UTF-8 (QEMU reads UTF-8 strictly)', async () => {
    for (const raw of [[0xff], [0x61, 0xc3], [0xed, 0xa0, 0x80], [0xe0, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80]]) {
      const b = await bindingFor();
      const client = await connectQmp<Commands, Events>(b, await rawServer(stringReply(...raw)));
      cleanups.push(() => client.close());
      const r = await outcome(client.execute('human-monitor-command', { 'command-line': 'x' }));
      expect(r.ok, `bytes ${raw}`).toBe(false);
      const error = (r as { error: QmpConnectionError }).error;
      expect([error.constructor, error.reason]).toEqual([QmpConnectionError, 'protocol']);
      expect(error.message).toMatch(/^The QMP server sent text that is not JSON: "\{\\"return\\": \\".*\(JSON parse error, invalid UTF-8 sequence \(byte 0x[0-9A-F]{2} at byte offset 1[23]\).*\); connection closed$/);
      expect(await client.closed).toBe(error);
    }
  });

  it72('reads valid UTF-8 whole, also split between chunks, U+FFFD itself, and QEMU\'s C0 80 as U+0000', async () => {
    const cases: Array<[number[], string, number]> = [
      [[0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80], 'é€😀', 7],
      [[0xef, 0xbf, 0xbd], '\uFFFD', 1],
      [[0x61, 0xc0, 0x80, 0x62], 'a\u0000b', 3],
    ];
    for (const [raw, expected, pieces] of cases) {
      const b = await bindingFor();
      const client = await connectQmp<Commands, Events>(b, await rawServer(stringReply(...raw), pieces));
      cleanups.push(() => client.close());
      expect(await client.execute('human-monitor-command', { 'command-line': 'x' })).toBe(expected);
    }
  });

  it72('skips lines of whitespace bytes only (QEMU ends lines with CRLF)', async () => {
    const b = await bindingFor();
    const reply = (id: unknown) => Buffer.concat([Buffer.from('\r\n \t\r\n\n'), stringReply(0x6f, 0x6b)(id)]);
    const client = await connectQmp<Commands, Events>(b, await rawServer(reply));
    cleanups.push(() => client.close());
    expect(await client.execute('human-monitor-command', { 'command-line': 'x' })).toBe('ok');
    expect(client.isClosed).toBe(false);
  });
});
