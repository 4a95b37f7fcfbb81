/**
 * The fake QEMU (templates/runtime/fake-qmp-server.ts) seen from a raw
 * line-based peer: it speaks QMP as QEMU does (greeting, negotiation first,
 * QEMU's error classes and words), checks commands strictly with the
 * generated rules, answers with typed handlers, and cleans up after itself.
 */
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { createFakeQmpServer, type FakeQmpServer, type FakeQmpServerOptions } from '../../templates/runtime/fake-qmp-server.js';
import { QmpError } from '../../templates/runtime/qmp.js';
import { itFixture } from '../helpers/fixtures.js';
import { bindingFor, RawPeer, SCHEMA_72, status, type Commands, type Events } from './helpers.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(options: FakeQmpServerOptions<Commands> = {}): Promise<{ server: FakeQmpServer<Commands, Events>; peer: RawPeer }> {
  const server = await createFakeQmpServer<Commands, Events>(await bindingFor(), options);
  cleanups.push(() => server.close());
  const peer = await RawPeer.connect(server.path);
  cleanups.push(() => peer.close());
  return { server, peer };
}

const it72 = (name: string, fn: () => Promise<unknown>) => itFixture(SCHEMA_72, name, fn);

describe('fake QMP server', () => {
  it72('greets, then accepts only qmp_capabilities until negotiated, in QEMU\'s words', async () => {
    const { peer } = await start({ handlers: { 'query-status': () => status() } });
    expect(await peer.next()).toEqual({ QMP: { version: { qemu: { major: 7, minor: 2, micro: 0 }, package: '' }, capabilities: ['oob'] } });
    expect(await peer.call({ execute: 'query-status', id: 1 })).toEqual({
      error: { class: 'CommandNotFound', desc: "Expecting capabilities negotiation with 'qmp_capabilities'" },
      id: 1,
    });
    expect(await peer.call({ 'exec-oob': 'migrate-pause', id: 2 })).toEqual({
      error: { class: 'GenericError', desc: "QMP input member 'exec-oob' is unexpected" },
      id: 2,
    });
    expect(await peer.call({ execute: 'qmp_capabilities', arguments: { enable: ['nope'] }, id: 3 })).toEqual({
      error: { class: 'GenericError', desc: "Parameter 'enable[0]' does not accept value 'nope'" },
      id: 3,
    });
    expect(await peer.call({ execute: 'qmp_capabilities', id: 4 })).toEqual({ return: {}, id: 4 });
    expect(await peer.call({ execute: 'qmp_capabilities', id: 5 })).toEqual({
      error: { class: 'CommandNotFound', desc: 'Capabilities negotiation is already complete, command ignored' },
      id: 5,
    });
    expect(await peer.call({ execute: 'query-status', id: 6 })).toEqual({ return: status(), id: 6 });
    // Without oob negotiated, exec-oob stays unexpected.
    expect((await peer.call({ 'exec-oob': 'migrate-pause', id: 7 })).error.desc).toBe("QMP input member 'exec-oob' is unexpected");
  });

  it72('answers invalid UTF-8 as QEMU does, with a JSON parse error, and reads on', async () => {
    const { server, peer } = await start({ handlers: { 'human-monitor-command': (a: any) => a['command-line'] } });
    await peer.next();
    await peer.call({ execute: 'qmp_capabilities' });
    // RawPeer sends text; invalid UTF-8 needs the bytes written as they are.
    const socket = (peer as unknown as { socket: { write(b: Buffer): void } }).socket;
    const hmp = (raw: number[], id: number) =>
      Buffer.concat([Buffer.from('{"execute": "human-monitor-command", "arguments": {"command-line": "'), Buffer.from(raw), Buffer.from(`"}, "id": ${id}}\r\n`)]);
    const invalid = [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc1, 0xbf], [0xf8, 0x88, 0x80, 0x80, 0x80]];
    for (const [k, raw] of invalid.entries()) {
      socket.write(hmp(raw, k));
      const reply = await peer.next();
      expect(reply, `bytes ${raw}`).toEqual({ error: { class: 'GenericError', desc: expect.stringMatching(/^JSON parse error, invalid UTF-8 sequence \(byte 0x[0-9A-F]{2} at byte offset 68\)/) } });
    }
    // Valid UTF-8, one character split between writes; U+FFFD itself; QEMU's C0 80 is U+0000.
    const ok = hmp([0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80, 0xef, 0xbf, 0xbd, 0xc0, 0x80], 9);
    socket.write(ok.subarray(0, 69));
    await new Promise((r) => setTimeout(r, 10));
    socket.write(ok.subarray(69));
    expect(await peer.next()).toEqual({ return: '\u00e9\u{1F600}\uFFFD\u0000', id: 9 });
    // Whitespace-only lines are no message.
    socket.write(Buffer.from(' \t\r\n\r\n'));
    expect(await peer.call({ execute: 'human-monitor-command', arguments: { 'command-line': 'still here' }, id: 10 })).toEqual({ return: 'still here', id: 10 });
    expect(server.received.length).toBe(1 + invalid.length + 2);
    expect(server.received[1]).toContain('\uFFFD'); // shown decoded, for display
    expect(server.errors).toEqual([]);
  });

  it72('refuses a capability it did not offer', async () => {
    const { peer } = await start({ greeting: { capabilities: [] } });
    await peer.next();
    expect(await peer.call({ execute: 'qmp_capabilities', arguments: { enable: ['oob'] } })).toEqual({
      error: { class: 'GenericError', desc: 'Capability oob not available' },
    });
  });

  it72('checks messages and arguments strictly, as QEMU does', async () => {
    const { server, peer } = await start({ handlers: { 'human-monitor-command': (a: any) => a['command-line'] } });
    await peer.next();
    await peer.call({ execute: 'qmp_capabilities', arguments: { enable: ['oob'] } });
    const err = async (msg: unknown) => (await peer.call(msg)).error;
    expect(await err({ execute: 'no-such', id: 1 })).toEqual({ class: 'CommandNotFound', desc: 'The command no-such has not been found' });
    expect(await err({ execute: 'query-status', arguments: [], id: 1 })).toEqual({ class: 'GenericError', desc: "QMP input member 'arguments' must be an object" });
    expect(await err({ execute: 42 })).toEqual({ class: 'GenericError', desc: "QMP input member 'execute' must be a string" });
    expect(await err({ execute: 'query-status', 'exec-oob': 'query-status' })).toEqual({ class: 'GenericError', desc: "QMP input member 'execute' clashes with 'exec-oob'" });
    expect(await err({ hello: 1 })).toEqual({ class: 'GenericError', desc: "QMP input member 'hello' is unexpected" });
    expect(await err({ id: 1 })).toEqual({ class: 'GenericError', desc: "QMP input lacks member 'execute'" });
    expect(await err('[1]')).toEqual({ class: 'GenericError', desc: 'QMP input must be a JSON object' });
    expect((await err('{"execute": ')).desc).toMatch(/^JSON parse error, /);
    expect(await err({ 'exec-oob': 'query-status', id: 1 })).toEqual({ class: 'GenericError', desc: 'The command query-status does not support OOB' });
    expect(await err({ execute: 'human-monitor-command', arguments: { 'command-line': 'x', 'cpu-index': 'zero' } })).toEqual({
      class: 'GenericError',
      desc: "Invalid parameter type for 'cpu-index', expected: integer",
    });
    expect(await err({ execute: 'human-monitor-command', arguments: {} })).toEqual({ class: 'GenericError', desc: "Parameter 'command-line' is missing" });
    expect(await err({ execute: 'query-status', arguments: { x: 1 } })).toEqual({ class: 'GenericError', desc: "Parameter 'x' is unexpected" });
    expect(await peer.call({ execute: 'human-monitor-command', arguments: { 'command-line': 'ok' }, id: 'a' })).toEqual({ return: 'ok', id: 'a' });
    expect(server.received.length).toBe(14);
    expect(server.errors).toEqual([]);
  });

  it72('handlers: QmpError thrown, other errors, bad results, missing handlers, query-version by default', async () => {
    const { server, peer } = await start({
      handlers: {
        'query-name': () => {
          throw new QmpError('DeviceNotFound', 'no name');
        },
        'query-uuid': () => {
          throw new Error('oops');
        },
        'query-status': () => ({ running: 'yes' }) as never,
        'query-kvm': async () => ({ enabled: false, present: false }),
      },
    });
    await peer.next();
    await peer.call({ execute: 'qmp_capabilities' });
    expect((await peer.call({ execute: 'query-name' })).error).toEqual({ class: 'DeviceNotFound', desc: 'no name' });
    expect((await peer.call({ execute: 'query-uuid' })).error).toEqual({ class: 'GenericError', desc: 'oops' });
    expect((await peer.call({ execute: 'query-status' })).error).toEqual({
      class: 'GenericError',
      desc: 'fake QMP server: the handler of query-status returned a bad value: The reply to query-status does not fit its type: return.running: expected boolean, received the string "yes"',
    });
    expect((await peer.call({ execute: 'query-balloon' })).error).toEqual({ class: 'GenericError', desc: 'fake QMP server: no handler for query-balloon' });
    expect(await peer.call({ execute: 'query-kvm' })).toEqual({ return: { enabled: false, present: false } });
    expect(await peer.call({ execute: 'query-version' })).toEqual({ return: { qemu: { major: 7, minor: 2, micro: 0 }, package: '' } });
    expect(server.errors.map((e) => e.message)).toEqual([
      'oops',
      'fake QMP server: the handler of query-status returned a bad value: The reply to query-status does not fit its type: return.running: expected boolean, received the string "yes"',
      'fake QMP server: no handler for query-balloon',
    ]);
  });

  it72('emits typed events with a timestamp, to negotiated connections only, and checks their data', async () => {
    const { server, peer } = await start();
    await peer.next();
    expect(server.emit('STOP', {})).toBe(0);
    await peer.call({ execute: 'qmp_capabilities' });
    expect(server.emit('BALLOON_CHANGE', { actual: 5 })).toBe(1);
    const ev = await peer.next();
    expect(Object.keys(ev)).toEqual(['timestamp', 'event', 'data']);
    expect(ev.event).toBe('BALLOON_CHANGE');
    expect(ev.data).toEqual({ actual: 5 });
    server.emit('STOP', {});
    expect(await peer.next()).toEqual({ timestamp: expect.any(Object), event: 'STOP' });
    expect(() => server.emit('BALLOON_CHANGE', { actual: 'x' } as never)).toThrow(
      'The data of event BALLOON_CHANGE does not fit its type: data.actual: expected integer, received the string "x"',
    );
  });

  it72('runs in-band commands one at a time, in order; oob ones at once', async () => {
    const { server, peer } = await start({
      handlers: {
        'query-status': () => new Promise((r) => setTimeout(() => r(status()), 20)),
        'migrate-pause': () => undefined,
      },
    });
    await peer.next();
    await peer.call({ execute: 'qmp_capabilities', arguments: { enable: ['oob'] } });
    peer.send({ execute: 'query-status', id: 1 });
    peer.send({ execute: 'query-name', id: 2 });
    peer.send({ 'exec-oob': 'migrate-pause', id: 3 });
    const ids = [(await peer.next()).id, (await peer.next()).id, (await peer.next()).id];
    expect(ids).toEqual([3, 1, 2]);
    expect(server.received.length).toBe(4);
  });

  it72('close() drops connections and removes the socket directory; it is idempotent', async () => {
    const server = await createFakeQmpServer<Commands, Events>(await bindingFor());
    const peer = await RawPeer.connect(server.path);
    await peer.next();
    expect(server.connections).toBe(1);
    expect(existsSync(server.path)).toBe(true);
    await Promise.all([server.close(), server.close()]);
    await peer.ended;
    expect(existsSync(dirname(server.path))).toBe(false);
    await server.close();
  });
});
