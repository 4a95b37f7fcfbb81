/**
 * The QMP client (templates/runtime/qmp-client.ts) against the fake QEMU
 * (templates/runtime/fake-qmp-server.ts), both bound to QEMU 7.2.0's real
 * schema: negotiation, ids, errors, OOB, abort and timeout, argument checks,
 * events, faults, limits, exact integers, and a load of pipelined calls.
 * No test has a wall-clock limit beyond vitest's own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  connectQmp,
  QmpConnectionError,
  QmpEventOverflowError,
  QmpProtocolError,
  QmpTimeoutError,
  type QmpClient,
  type QmpClientOptions,
  type QmpSchemaBinding,
} from '../../templates/runtime/qmp-client.js';
import { createFakeQmpServer, type FakeQmpServer, type FakeQmpServerOptions } from '../../templates/runtime/fake-qmp-server.js';
import { QmpError } from '../../templates/runtime/qmp.js';
import { QapiError, QapiValueError } from '../../templates/runtime/errors.js';
import { itFixture } from '../helpers/fixtures.js';
import { bindingFor, SCHEMA_72, status, type Commands, type Events } from './helpers.js';

type Client = QmpClient<Commands, Events>;
type Server = FakeQmpServer<Commands, Events>;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  serverOptions: FakeQmpServerOptions<Commands> = {},
  clientOptions: QmpClientOptions = {},
  binding?: QmpSchemaBinding,
): Promise<{ server: Server; client: Client; binding: QmpSchemaBinding }> {
  const b = binding ?? (await bindingFor());
  const server = await createFakeQmpServer<Commands, Events>(b, {
    ...serverOptions,
    handlers: { 'query-status': () => status(), ...serverOptions.handlers },
  });
  cleanups.push(() => server.close());
  const client = await connectQmp<Commands, Events>(b, server.path, clientOptions);
  cleanups.push(() => client.close());
  return { server, client, binding: b };
}

/** The rejection of a promise (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

const it72 = (name: string, fn: () => Promise<unknown>) => itFixture(SCHEMA_72, name, fn);

describe('negotiation', () => {
  it72('reads the greeting and enables oob when offered', async () => {
    const { server, client } = await setup();
    expect(client.greeting.version.qemu).toEqual({ major: 7, minor: 2, micro: 0 });
    expect(client.greeting.capabilities).toEqual(['oob']);
    expect(client.oob).toBe(true);
    expect(JSON.parse(server.received[0]!)).toEqual({ execute: 'qmp_capabilities', arguments: { enable: ['oob'] }, id: 1 });
    expect(await client.execute('query-status')).toEqual(status());
  });

  it72('does not enable oob when refused by the option, or not offered', async () => {
    const a = await setup({}, { oob: false });
    expect(a.client.oob).toBe(false);
    expect(JSON.parse(a.server.received[0]!)).toEqual({ execute: 'qmp_capabilities', id: 1 });
    const b = await setup({ greeting: { capabilities: [] } });
    expect(b.client.oob).toBe(false);
    expect(JSON.parse(b.server.received[0]!)).toEqual({ execute: 'qmp_capabilities', id: 1 });
  });

  it72('a failed negotiation rejects connectQmp with the reason', async () => {
    const b = await bindingFor();
    const server = await createFakeQmpServer<Commands, Events>(b, {});
    cleanups.push(() => server.close());
    server.fault({ command: 'qmp_capabilities', type: 'garbage' });
    const e = await rejection(connectQmp(b, server.path));
    expect(e).toBeInstanceOf(QmpConnectionError);
    expect(e.reason).toBe('protocol');
  });

  it72('connecting to nothing rejects with a connection error', async () => {
    const b = await bindingFor();
    const e = await rejection(connectQmp(b, { path: '/nonexistent/qmp.sock' }));
    expect(e).toBeInstanceOf(QmpConnectionError);
    expect(e.reason).toBe('connect');
    expect(e.message).toMatch(/Cannot connect to QMP server at \/nonexistent\/qmp\.sock/);
  });
});

describe('ids and replies', () => {
  it72('matches out-of-order replies by id', async () => {
    const { server, client } = await setup({
      handlers: { 'human-monitor-command': (a: { 'command-line': string }) => `echo ${a['command-line']}` },
    });
    server.fault({ type: 'reorder', count: 4 });
    const calls = ['a', 'b', 'c', 'd'].map((x) => client.execute('human-monitor-command', { 'command-line': x }));
    expect(await Promise.all(calls)).toEqual(['echo a', 'echo b', 'echo c', 'echo d']);
    // The fake server did reverse them: the last call's reply came first.
    const ids = server.received.slice(1).map((l) => JSON.parse(l).id);
    expect(new Set(ids).size).toBe(4);
  });

  it72('a reply with an unknown id is dropped and reported, never a crash', async () => {
    const reports: QmpProtocolError[] = [];
    const { server, client } = await setup({}, { onProtocolError: (e) => reports.push(e) });
    server.sendRaw('{"return": {}, "id": 4242}\n{"return": {}, "id": "x"}\n');
    expect(await client.execute('query-status')).toEqual(status());
    expect(reports.map((r) => [r.kind, r.message])).toEqual([
      ['unknown-id', 'Dropped a QMP reply with unknown id 4242'],
      ['unknown-id', 'Dropped a QMP reply with unknown id "x"'],
    ]);
    expect(reports[0]).toBeInstanceOf(QapiError);
  });

  it72('an error reply without id fails the oldest pending call', async () => {
    const { server, client } = await setup();
    server.fault({ type: 'drop' });
    const a = client.execute('query-status');
    const b = client.execute('query-status');
    expect(await b).toEqual(status());
    server.sendRaw('{"error": {"class": "GenericError", "desc": "JSON parse error, stray \'}\'"}}\n');
    const e = await rejection(a);
    expect(e).toBeInstanceOf(QmpError);
    expect([e.errorClass, e.desc, e.command, e.fromServer]).toEqual(['GenericError', "JSON parse error, stray '}'", 'query-status', true]);
  });

  it72('a command error is a QmpError with any class, the desc and the command', async () => {
    const { client } = await setup({
      handlers: {
        'query-status': () => {
          throw new QmpError('DeviceNotFound', "Device 'x' not found");
        },
      },
    });
    const e = await rejection(client.execute('query-status'));
    expect(e).toBeInstanceOf(QmpError);
    expect(e).toBeInstanceOf(QapiError);
    expect([e.errorClass, e.desc, e.message, e.command, e.fromServer]).toEqual([
      'DeviceNotFound',
      "Device 'x' not found",
      "Device 'x' not found",
      'query-status',
      true,
    ]);
  });

  it72('commands with success-response false resolve once written', async () => {
    const b = await bindingFor();
    const cont = b.commands['cont']!;
    const binding = { ...b, commands: { ...b.commands, cont: { ...cont, successResponse: false } } };
    let ran = 0;
    const { server, client } = await setup({ handlers: { cont: () => void ran++ } }, {}, binding);
    expect(await client.execute('cont')).toBeUndefined();
    await server.waitForReceived(2);
    expect(JSON.parse(server.received[1]!)).toMatchObject({ execute: 'cont' });
    // The server sent nothing for it, and the next call is answered as usual.
    expect(await client.execute('query-status')).toEqual(status());
    expect(ran).toBe(1);
  });

  it72('a reply that does not fit the return type rejects with QmpReplyError; strict decoding is an option', async () => {
    const { client } = await setup({ checkReplies: false, handlers: { 'query-status': () => ({ running: true, singlestep: false, status: 'running', extra: 1 }) } });
    // Lenient by default: the unknown member is no error.
    expect(await client.execute('query-status')).toMatchObject(status());
    const strict = await setup({ checkReplies: false, handlers: { 'query-status': () => ({ running: 'yes' }) } }, { decode: { strict: true } });
    const e = await rejection(strict.client.execute('query-status'));
    expect(e.name).toBe('QmpReplyError');
    expect(e.message).toBe('The reply to query-status does not fit its type: return.running: expected boolean, received the string "yes"');
  });
});

describe('out-of-band execution', () => {
  it72('allow-oob commands go as exec-oob and overtake queued in-band commands', async () => {
    const order: string[] = [];
    const { server, client } = await setup({ handlers: { 'migrate-pause': () => undefined } });
    server.fault({ command: 'query-status', type: 'delay', ms: 30 });
    const inBand = client.execute('query-status').then(() => order.push('query-status'));
    const oob = client.execute('migrate-pause', undefined, { oob: true }).then(() => order.push('migrate-pause'));
    await Promise.all([inBand, oob]);
    expect(order).toEqual(['migrate-pause', 'query-status']);
    expect(JSON.parse(server.received[2]!)).toEqual({ 'exec-oob': 'migrate-pause', id: 3 });
  });

  it72('oob is refused before sending for a command without allow-oob, or on a connection without oob', async () => {
    const { server, client } = await setup();
    const e = await rejection(client.execute('query-status', undefined, { oob: true }));
    expect([e.errorClass, e.message, e.fromServer]).toEqual(['GenericError', 'The command query-status does not support OOB', false]);
    const off = await setup({ handlers: { 'migrate-pause': () => undefined } }, { oob: false });
    const e2 = await rejection(off.client.execute('migrate-pause', undefined, { oob: true }));
    expect(e2.message).toBe('Cannot send migrate-pause out-of-band: OOB is not enabled on this connection');
    await client.execute('query-status');
    expect(server.received.length).toBe(2);
    expect(off.server.received.length).toBe(1);
  });
});

describe('abort and timeout', () => {
  it72('a timeout rejects that call alone; the late reply is discarded quietly', async () => {
    const reports: QmpProtocolError[] = [];
    const { server, client } = await setup({}, { onProtocolError: (e) => reports.push(e) });
    server.fault({ type: 'delay', ms: 50 });
    const late = client.execute('query-status', undefined, { timeout: 1 });
    const next = client.execute('query-status');
    const e = await rejection(late);
    expect(e).toBeInstanceOf(QmpTimeoutError);
    expect(e.message).toBe('No reply to query-status within 1 ms');
    // The next call's reply comes after the late one (in-band commands run in order).
    expect(await next).toEqual(status());
    expect(reports).toEqual([]);
  });

  it72('an abort rejects that call alone with the reason; an aborted signal sends nothing', async () => {
    const reports: QmpProtocolError[] = [];
    const { server, client } = await setup({}, { onProtocolError: (e) => reports.push(e) });
    server.fault({ type: 'delay', ms: 20 });
    const ac = new AbortController();
    const call = client.execute('query-status', undefined, { signal: ac.signal });
    const other = client.execute('query-status');
    await server.waitForReceived(3);
    ac.abort(new Error('changed my mind'));
    expect((await rejection(call)).message).toBe('changed my mind');
    expect(await other).toEqual(status());
    const before = server.received.length;
    const e = await rejection(client.execute('query-status', undefined, { signal: AbortSignal.abort() }));
    expect(e.name).toBe('AbortError');
    await client.execute('query-status');
    expect(server.received.length).toBe(before + 1);
    expect(reports).toEqual([]);
  });
});

describe('argument checks before sending', () => {
  it72('a bad argument rejects with QEMU\'s words and the path, and nothing is written', async () => {
    const { server, client } = await setup();
    const bad = { 'command-line': 'info status', 'cpu-index': 'zero' };
    const e = await rejection(client.execute('human-monitor-command', bad));
    expect(e).toBeInstanceOf(QmpError);
    expect([e.errorClass, e.message, e.command, e.fromServer]).toEqual([
      'GenericError',
      "Invalid parameter type for 'cpu-index', expected: integer",
      'human-monitor-command',
      false,
    ]);
    expect(e.cause).toBeInstanceOf(QapiValueError);
    expect(e.cause.path).toBe('cpu-index');
    const missing = await rejection(client.execute('migrate-set-parameters', { 'max-bandwidth': 'fast' } as never));
    expect(missing.message).toBe("Parameter 'max-bandwidth' expects uint64");
    // -1 wraps as in QEMU (to 2^64 - 1), which a number cannot hold exactly: refused, saying why.
    const wrapped = await rejection(client.execute('migrate-set-parameters', { 'max-bandwidth': -1 }));
    expect(wrapped.message).toMatch(/^Parameter 'max-bandwidth' value 18446744073709551615 cannot be represented exactly as a number/);
    const unknown = await rejection(client.execute('no-such-command'));
    expect([unknown.errorClass, unknown.message]).toEqual(['CommandNotFound', 'The command no-such-command has not been found']);
    const extra = await rejection(client.execute('query-status', { verbose: true }));
    expect(extra.message).toBe("Parameter 'verbose' is unexpected");
    expect(server.received.length).toBe(1); // qmp_capabilities only
    await client.execute('query-status');
    expect(server.received.length).toBe(2);
  });

  it72('with checking off, the server sends the same error', async () => {
    const { server, client } = await setup({}, { check: false });
    const e = await rejection(client.execute('human-monitor-command', { 'command-line': 'x', 'cpu-index': 'zero' }));
    expect([e.errorClass, e.message, e.fromServer]).toEqual(['GenericError', "Invalid parameter type for 'cpu-index', expected: integer", true]);
    const unknown = await rejection(client.execute('no-such-command'));
    expect([unknown.errorClass, unknown.message, unknown.fromServer]).toEqual(['CommandNotFound', 'The command no-such-command has not been found', true]);
    expect(server.received.length).toBe(3);
  });

  it72('the compat policy applies to the check', async () => {
    const { server, client } = await setup({}, { compat: { deprecatedInput: 'reject' } });
    const e = await rejection(client.execute('nbd-server-remove', { name: 'x' }));
    expect([e.errorClass, e.message, e.fromServer]).toEqual(['CommandNotFound', 'Deprecated command nbd-server-remove disabled by policy', false]);
    expect(server.received.length).toBe(1);
  });
});

describe('events', () => {
  it72('are typed by name, with timestamps; on() returns the unsubscribe', async () => {
    const { server, client } = await setup();
    const seen: any[] = [];
    const all: string[] = [];
    const off = client.on('BALLOON_CHANGE', (ev) => seen.push(ev));
    client.on('*', (ev) => all.push(ev.event));
    server.emit('BALLOON_CHANGE', { actual: 2 ** 30 });
    server.emit('STOP', {});
    await client.execute('query-status');
    off();
    server.emit('BALLOON_CHANGE', { actual: 1 });
    await client.execute('query-status');
    expect(seen.length).toBe(1);
    expect(seen[0].event).toBe('BALLOON_CHANGE');
    expect(seen[0].data).toEqual({ actual: 2 ** 30 });
    expect(Number.isInteger(seen[0].timestamp.seconds) && Number.isInteger(seen[0].timestamp.microseconds)).toBe(true);
    expect(all).toEqual(['BALLOON_CHANGE', 'STOP', 'BALLOON_CHANGE']);
  });

  it72('events that arrive before negotiation ends are not lost', async () => {
    const b = await bindingFor();
    const server = await createFakeQmpServer<Commands, Events>(b, {});
    cleanups.push(() => server.close());
    server.fault({ command: 'qmp_capabilities', type: 'events-first', events: [{ event: 'STOP', data: {} }, { event: 'BALLOON_CHANGE', data: { actual: 7 } }] });
    const client = await connectQmp<Commands, Events>(b, server.path);
    cleanups.push(() => client.close());
    const stops: unknown[] = [];
    client.on('STOP', (ev) => stops.push(ev.event));
    const it = client.events();
    expect((await it.next()).value.event).toBe('STOP');
    expect((await it.next()).value).toMatchObject({ event: 'BALLOON_CHANGE', data: { actual: 7 } });
    expect(stops).toEqual(['STOP']);
  });

  it72('unknown events and events with bad data are reported, not delivered', async () => {
    const reports: QmpProtocolError[] = [];
    const { server, client } = await setup({}, { onProtocolError: (e) => reports.push(e) });
    const all: string[] = [];
    client.on('*', (ev) => all.push(ev.event));
    server.sendRaw('{"event": "NO_SUCH_EVENT", "timestamp": {"seconds": 1, "microseconds": 2}}\n');
    server.sendRaw('{"event": "BALLOON_CHANGE", "data": {"actual": "big"}, "timestamp": {"seconds": 1, "microseconds": 2}}\n');
    await client.execute('query-status');
    expect(all).toEqual([]);
    expect(reports.map((r) => [r.kind, r.message])).toEqual([
      ['unknown-event', 'Dropped the event NO_SUCH_EVENT: the binding does not know it'],
      ['bad-event', 'Dropped the event BALLOON_CHANGE: The data of event BALLOON_CHANGE does not fit its type: data.actual: expected integer, received the string "big"'],
    ]);
  });

  it72('an iterator that is not read overflows by its policy: error (default) or drop-oldest', async () => {
    const { server, client } = await setup();
    const strict = client.events('BALLOON_CHANGE', { bufferSize: 3 });
    const lossy = client.events('BALLOON_CHANGE', { bufferSize: 3, overflow: 'drop-oldest' });
    const unbounded = client.events('BALLOON_CHANGE');
    for (let i = 0; i < 5; i++) server.emit('BALLOON_CHANGE', { actual: i });
    await client.execute('query-status');
    const read = async (s: AsyncIterator<any>, n: number) => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) out.push((await s.next()).value.data.actual);
      return out;
    };
    expect(await read(strict, 3)).toEqual([0, 1, 2]);
    const e = await rejection(strict.next());
    expect(e).toBeInstanceOf(QmpEventOverflowError);
    expect(e.message).toBe("The event stream fell more than 3 events behind (raise bufferSize, or use overflow: 'drop-oldest')");
    expect(await read(lossy, 3)).toEqual([2, 3, 4]);
    expect(lossy.dropped).toBe(2);
    expect(await read(unbounded, 5)).toEqual([0, 1, 2, 3, 4]);
  });

  it72('break, return() and abort end an iterator', async () => {
    const { server, client } = await setup();
    const ac = new AbortController();
    const aborted = client.events(undefined, { signal: ac.signal });
    const pending = aborted.next();
    ac.abort(new Error('stop listening'));
    expect((await rejection(pending)).message).toBe('stop listening');
    server.emit('STOP', {});
    let n = 0;
    for await (const ev of client.events('STOP')) {
      n++;
      expect(ev.event).toBe('STOP');
      if (n === 1) server.emit('STOP', {});
      if (n === 2) break;
    }
    expect(n).toBe(2);
  });
});

describe('faults and limits', () => {
  it72('a disconnect rejects every pending call at once, ends iterators with the error, and resolves closed', async () => {
    const { server, client } = await setup();
    server.fault({ type: 'drop', times: 5 });
    const calls = Array.from({ length: 5 }, () => client.execute('query-status'));
    const stream = client.events();
    const waiting = stream.next();
    await server.waitForReceived(6);
    server.disconnectAll();
    const errors = await Promise.all(calls.map(rejection));
    for (const e of errors) {
      expect(e).toBeInstanceOf(QmpConnectionError);
      expect(e.reason).toBe('ended');
    }
    expect(errors[0].message).toBe('The QMP server closed the connection');
    expect(await rejection(waiting)).toBe(errors[0]);
    const cause = await client.closed;
    expect(cause).toBe(errors[0]);
    expect(client.isClosed).toBe(true);
    expect(await rejection(client.execute('query-status'))).toBe(cause);
  });

  it72('close() is clean and idempotent', async () => {
    const { server, client } = await setup();
    server.fault({ type: 'drop' });
    const call = rejection(client.execute('query-status'));
    const stream = client.events();
    const waiting = stream.next();
    const [a, b] = [client.close(), client.close()];
    await Promise.all([a, b, client.close()]);
    const e = await call;
    expect([e.name, e.reason, e.message]).toEqual(['QmpConnectionError', 'closed', 'The QMP connection was closed by the client']);
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect((await client.closed).reason).toBe('closed');
    await client.close();
    expect(await rejection(client.execute('query-status'))).toBe(e);
  });

  it72('the line limit closes the connection with a clear error; the default takes big replies', async () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const { client } = await setup({ handlers: { 'human-monitor-command': () => big } });
    expect(await client.execute('human-monitor-command', { 'command-line': 'info' })).toBe(big);
    const small = await setup({ handlers: { 'human-monitor-command': () => 'y'.repeat(5000) } }, { maxLineBytes: 4096 });
    const e = await rejection(small.client.execute('human-monitor-command', { 'command-line': 'info' }));
    expect(e).toBeInstanceOf(QmpConnectionError);
    expect([e.reason, e.message]).toEqual([
      'line-limit',
      'The QMP server sent a line longer than 4096 bytes (the maxLineBytes limit); connection closed',
    ]);
    expect((await small.client.closed).reason).toBe('line-limit');
  });

  it72('integers are exact both ways (uint64 in bigint mode)', async () => {
    const binding = await bindingFor(SCHEMA_72, 'bigint');
    let params: any = { 'max-bandwidth': 0n };
    const { server, client } = await setup(
      {
        handlers: {
          'migrate-set-parameters': (a: any) => void (params = { ...params, ...a }),
          'query-migrate-parameters': () => params,
        },
      },
      {},
      binding,
    );
    const max = 2n ** 64n - 1n;
    await client.execute('migrate-set-parameters', { 'max-bandwidth': max, 'xbzrle-cache-size': 2n ** 53n + 1n });
    expect(server.received[1]).toContain('"max-bandwidth":18446744073709551615');
    const got = await client.execute('query-migrate-parameters');
    expect(got['max-bandwidth']).toBe(max);
    expect(got['xbzrle-cache-size']).toBe(2n ** 53n + 1n);
    // In number mode, a value beyond 2^53 is refused before sending.
    const n = await setup();
    const e = await rejection(n.client.execute('migrate-set-parameters', { 'max-bandwidth': 2 ** 60 }));
    expect(e.message).toBe(
      "Parameter 'max-bandwidth' value 1152921504606846976 cannot be represented exactly as a number (generate with --int64 bigint)",
    );
  });

  describe('every scripted fault of the fake server', () => {
    it72('delay: the reply comes late, and right', async () => {
      const { server, client } = await setup();
      server.fault({ type: 'delay', ms: 20 });
      expect(await client.execute('query-status')).toEqual(status());
    });

    it72('partial lines: the reply is reassembled', async () => {
      const { server, client } = await setup({ handlers: { 'human-monitor-command': () => 'é'.repeat(100) } });
      server.fault({ type: 'partial', pieces: 7, gapMs: 2 });
      expect(await client.execute('human-monitor-command', { 'command-line': 'x' })).toBe('é'.repeat(100));
    });

    it72('garbage: the connection closes with a protocol error naming the text', async () => {
      const { server, client } = await setup();
      server.fault({ type: 'garbage' });
      const e = await rejection(client.execute('query-status'));
      expect(e).toBeInstanceOf(QmpConnectionError);
      expect(e.reason).toBe('protocol');
      expect(e.message).toMatch(/^The QMP server sent text that is not JSON: "}{ not json" \(.+\); connection closed$/);
    });

    it72('JSON that is not an object: a protocol error', async () => {
      const { server, client } = await setup();
      server.fault({ type: 'garbage', text: '[1, 2]' });
      const e = await rejection(client.execute('query-status'));
      expect([e.reason, e.message]).toEqual(['protocol', 'The QMP server sent JSON that is not an object: "[1, 2]"; connection closed']);
    });

    it72('disconnect mid-reply: a connection error saying a message was cut', async () => {
      const { server, client } = await setup();
      server.fault({ type: 'disconnect', bytes: 10 });
      const [e, other] = await Promise.all([rejection(client.execute('query-status')), rejection(client.execute('query-status'))]);
      expect(other).toBe(e);
      expect(e).toBeInstanceOf(QmpConnectionError);
      expect([e.reason, e.message]).toEqual([
        'ended',
        'The QMP server closed the connection in the middle of a message (10 bytes of an unfinished line discarded)',
      ]);
    });

    it72('drop: only a timeout (or the end of the connection) ends the call', async () => {
      const { server, client } = await setup();
      server.fault({ type: 'drop' });
      expect(await rejection(client.execute('query-status', undefined, { timeout: 5 }))).toBeInstanceOf(QmpTimeoutError);
    });

    it72('wrong-id and strip-id', async () => {
      const reports: QmpProtocolError[] = [];
      const { server, client } = await setup({}, { onProtocolError: (e) => reports.push(e) });
      server.fault({ type: 'wrong-id', id: 99 });
      const unanswered = rejection(client.execute('query-status'));
      // In-band replies come in order: once the next call is answered, the wrong one has been read.
      expect(await client.execute('query-status')).toEqual(status());
      expect(reports.map((r) => [r.kind, r.message])).toEqual([['unknown-id', 'Dropped a QMP reply with unknown id 99']]);
      // A success without id answers no call (every call has an id): reported, dropped.
      server.fault({ type: 'strip-id' });
      const stripped = rejection(client.execute('query-status'));
      expect(await client.execute('query-status')).toEqual(status());
      expect(reports.map((r) => r.kind)).toEqual(['unknown-id', 'unmatched-reply']);
      expect(reports[1]!.message).toBe('Dropped a QMP reply without id that is not an error: it answers no call');
      await client.close();
      expect((await stripped).reason).toBe('closed');
      await client.close();
      expect((await unanswered).reason).toBe('closed');
    });
  });
});

describe('load', () => {
  it72('10,000 pipelined query-status calls, each matched to its own reply, while 1,000 events are all delivered', async () => {
    const STATES = ['running', 'paused', 'prelaunch', 'debug', 'inmigrate', 'postmigrate', 'save-vm', 'watchdog'];
    // A pseudo-random sequence of replies: a mismatched reply would show.
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const expected = Array.from({ length: 10_000 }, () => status(STATES[rand() % STATES.length]));
    let n = 0;
    let server!: Server;
    const ctx = await setup({
      handlers: {
        'query-status': () => {
          const i = n++;
          if (i % 10 === 0) server.emit('BALLOON_CHANGE', { actual: i / 10 });
          return expected[i]!;
        },
      },
    });
    server = ctx.server;
    const { client } = ctx;
    // Replies out of order here and there.
    for (let k = 0; k < 20; k++) server.fault({ command: 'query-status', type: 'reorder', count: 5 + k });
    const events: number[] = [];
    const consumer = (async () => {
      for await (const ev of client.events('BALLOON_CHANGE')) {
        events.push(ev.data.actual);
        if (events.length === 1000) break;
      }
    })();
    let handled = 0;
    client.on('BALLOON_CHANGE', () => handled++);
    const calls = expected.map(() => client.execute('query-status'));
    const replies = await Promise.all(calls);
    await consumer;
    let mismatched = 0;
    for (let i = 0; i < replies.length; i++) if (JSON.stringify(replies[i]) !== JSON.stringify(expected[i])) mismatched++;
    expect(mismatched).toBe(0);
    expect(replies.length).toBe(10_000);
    expect(events).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(handled).toBe(1000);
    expect(new Set(server.received.slice(1).map((l) => JSON.parse(l).id)).size).toBe(10_000);
  });
});
