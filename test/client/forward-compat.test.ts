/**
 * Forward compatibility: a client with QEMU 7.2.0's bindings against a
 * server that speaks 10.2.2 (the fake server with 10.2.2's bindings,
 * checking every reply and event strictly against 10.2.2's types, so the
 * data is real 10.2.2-shaped data). Members, enum values and union
 * branches that only 10.2.2 has are read without error by default, kept as
 * sent; `strict: true` rejects them, naming the path. (That the types make
 * the unknown visible, so an exhaustive switch needs a default, is checked
 * by tsc in test/emit/typecheck.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFakeQmpServer, type FakeQmpServer } from '../../templates/runtime/fake-qmp-server.js';
import { connectQmp, QmpProtocolError, QmpReplyError, type QmpSchemaBinding } from '../../templates/runtime/qmp-client.js';
import { isKnownValue } from '../../templates/runtime/unknown.js';
import { bindingFor, type Commands, type Events } from './helpers.js';

const SCHEMA_10 = 'qemu/10.2.2/qapi/qapi-schema.json';

/** 10.2.2 replies with what 7.2.0 lacks: the `acpi` member, the `postcopy-recover-setup` status, the `hv-balloon` branch. */
const MACHINES = [{ name: 'pc-q35-10.2', 'cpu-max': 4096, 'hotpluggable-cpus': true, 'numa-mem-supported': false, deprecated: false, acpi: true, 'default-cpu-type': 'qemu64-x86_64-cpu' }];
const MIGRATION = { status: 'postcopy-recover-setup', 'total-time': 12 };
const MEMORY_DEVICES = [
  { type: 'dimm', data: { id: 'd0', addr: 4294967296, size: 134217728, slot: 0, node: 0, memdev: '/objects/m0', hotplugged: false, hotpluggable: true } },
  { type: 'hv-balloon', data: { id: 'hvb0', 'max-size': 1073741824 } },
];

describe('7.2.0 bindings against 10.2.2-shaped replies and events', () => {
  let old: QmpSchemaBinding;
  let server: FakeQmpServer<Commands, Events>;

  beforeAll(async () => {
    old = await bindingFor();
    const current = await bindingFor(SCHEMA_10);
    server = await createFakeQmpServer<Commands, Events>(current, {
      checkReplies: true,
      handlers: {
        'query-machines': () => MACHINES,
        'query-migrate': () => MIGRATION,
        'query-memory-devices': () => MEMORY_DEVICES,
      },
    });
  }, 900_000);
  afterAll(async () => {
    await server?.close();
  });

  it('by default: unknown members kept as read, unknown enum values and branches kept as sent', async () => {
    const reports: QmpProtocolError[] = [];
    const client = await connectQmp<Commands, Events>(old, server.path, { onProtocolError: (e) => reports.push(e) });
    try {
      const machines = await client.execute('query-machines');
      expect(machines[0].name).toBe('pc-q35-10.2');
      // Kept as read (nothing is lost), though the 7.2.0 types don't declare it.
      expect(machines[0].acpi).toBe(true);
      const migration = await client.execute('query-migrate');
      expect(migration.status).toBe('postcopy-recover-setup');
      // The 7.2.0 enum doesn't have it: a program can tell.
      const statusValues = { none: 'none', setup: 'setup', completed: 'completed' } as const;
      expect(isKnownValue(statusValues, migration.status)).toBe(false);
      expect(isKnownValue(statusValues, 'setup')).toBe(true);
      const devices = await client.execute('query-memory-devices');
      expect(devices.map((d: { type: string }) => d.type)).toEqual(['dimm', 'hv-balloon']);
      // The unknown branch keeps its tag; the known one is read as usual.
      expect(devices[0].data.size).toBe(134217728);
      // An event with a 10.2.2-only value.
      const events = client.events('MIGRATION');
      server.emit('MIGRATION', { status: 'postcopy-recover-setup' });
      const ev = await events.next();
      expect(ev.value?.data).toEqual({ status: 'postcopy-recover-setup' });
      await events.return();
      expect(reports).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('strict: each of them is an error naming its path', async () => {
    const client = await connectQmp<Commands, Events>(old, server.path, { decode: { strict: true } });
    try {
      const machines = await client.execute('query-machines').catch((e: unknown) => e);
      expect(machines).toBeInstanceOf(QmpReplyError);
      expect((machines as Error).message).toMatch(/return\[0\]\.acpi/);
      const migration = await client.execute('query-migrate').catch((e: unknown) => e);
      expect((migration as Error).message).toMatch(/return\.status/);
      expect((migration as Error).message).toMatch(/postcopy-recover-setup/);
      const devices = await client.execute('query-memory-devices').catch((e: unknown) => e);
      expect((devices as Error).message).toMatch(/return\[1\]\.type/);
    } finally {
      await client.close();
    }
  });
});
