/**
 * Capabilities (templates/runtime/capabilities.ts): libvirt's query paths
 * (virQEMUQAPISchemaPathGet, src/qemu/qemu_qapi.c) on a hand-written
 * SchemaInfo list, the typed helpers, the refusal check, compare() from
 * the plan tables; then the client's capabilities() and refuseUnsupported
 * against the fake server fed with QEMU 7.2.0's introspection data, and
 * against Debian's real QEMU 7.2 with bindings from 10.2.2-backend-transfer
 * and 7.2.0.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSchema } from '../../generator/api.js';
import { buildIntrospection } from '../../generator/emit/introspect.js';
import { tableOf } from '../../generator/emit/plan-table.js';
import { planSchema } from '../../generator/plan/plans.js';
import {
  QmpCapabilities,
  QmpCapabilityPathError,
  QmpUnsupportedError,
  schemaInfoOfPlans,
  type QmpCapabilityDifference,
} from '../../templates/runtime/capabilities.js';
import { createFakeQmpServer } from '../../templates/runtime/fake-qmp-server.js';
import { evaluateIntrospection, type IntrospectionTree, type QmpSchemaInfo } from '../../templates/runtime/introspect.js';
import { definePlans, linkPlans, type PlanTable } from '../../templates/runtime/plans.js';
import { connectQmp, QmpConnectionError, type QmpClient, type QmpClientOptions, type QmpSchemaBinding } from '../../templates/runtime/qmp-client.js';
import { QmpError } from '../../templates/runtime/qmp.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { describeQemu, startQemu, type Qemu } from '../helpers/qemu.js';
import { SCHEMA_72, type Commands, type Events } from './helpers.js';

const SCHEMA_BT = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';

// ---------------------------------------------------------------------------
// A hand-written query-qmp-schema reply, masked names and all.
// ---------------------------------------------------------------------------

const SCHEMA: QmpSchemaInfo[] = [
  { name: 'blockdev-add', 'meta-type': 'command', 'arg-type': '1', 'ret-type': '0', features: ['unstable'] },
  { name: 'query-things', 'meta-type': 'command', 'arg-type': '0', 'ret-type': '[2]', 'allow-oob': true },
  { name: 'loop', 'meta-type': 'command', 'arg-type': '9', 'ret-type': '0' },
  { name: 'dangling', 'meta-type': 'command', 'arg-type': '404', 'ret-type': '0' },
  { name: 'THING_CHANGED', 'meta-type': 'event', 'arg-type': '3', features: ['deprecated'] },
  { name: '0', 'meta-type': 'object', members: [] },
  {
    name: '1',
    'meta-type': 'object',
    members: [
      { name: 'driver', type: '4' },
      { name: 'node-name', type: 'str', default: null },
    ],
    tag: 'driver',
    variants: [
      { case: 'file', type: '5' },
      { case: 'null-co', type: '0' },
    ],
    features: ['x-union-feature'],
  },
  { name: '4', 'meta-type': 'enum', members: [{ name: 'file' }, { name: 'null-co' }], values: ['file', 'null-co'] },
  {
    name: '5',
    'meta-type': 'object',
    members: [
      { name: 'filename', type: 'str' },
      { name: 'aio', type: '6', default: null },
      { name: '9p', type: 'int', default: null },
      { name: 'cache', type: '7', default: null },
      { name: 'old', type: '10', default: null, features: ['deprecated'] },
    ],
  },
  {
    name: '6',
    'meta-type': 'enum',
    members: [{ name: 'threads' }, { name: 'io_uring', features: ['unstable'] }],
    values: ['threads', 'io_uring'],
  },
  { name: '7', 'meta-type': 'alternate', members: [{ type: 'bool' }, { type: '8' }] },
  { name: '8', 'meta-type': 'object', members: [{ name: 'direct', type: 'bool', default: null }], features: ['deprecated'] },
  { name: '[2]', 'meta-type': 'array', 'element-type': '2' },
  {
    name: '2',
    'meta-type': 'object',
    members: [
      { name: 'id', type: 'int' },
      { name: 'tags', type: '[str]', default: null },
    ],
  },
  { name: '[str]', 'meta-type': 'array', 'element-type': 'str' },
  { name: '3', 'meta-type': 'object', members: [{ name: 'reason', type: '6' }] },
  { name: '9', 'meta-type': 'object', members: [{ name: 'next', type: '9', default: null }] },
  // An enum as QEMU before 6.2 served it: `values` only, no features.
  { name: '10', 'meta-type': 'enum', values: ['on', 'off'] } as unknown as QmpSchemaInfo,
  { name: 'str', 'meta-type': 'builtin', 'json-type': 'string' },
  { name: 'int', 'meta-type': 'builtin', 'json-type': 'int' },
  { name: 'bool', 'meta-type': 'builtin', 'json-type': 'boolean' },
];

const caps = new QmpCapabilities(SCHEMA, { version: { major: 7, minor: 2, micro: 22 } });

describe("has(): libvirt's query paths", () => {
  const cases: Array<[string, boolean]> = [
    // The first step: a command or event (any entry name, as libvirt looks it up).
    ['blockdev-add', true],
    ['THING_CHANGED', true],
    ['no-such-command', false],
    ['str', true],
    // After a command or event: arg-type/ret-type, or $feature (the command's own).
    ['blockdev-add/arg-type', true],
    ['blockdev-add/ret-type', true],
    ['blockdev-add/$unstable', true],
    ['blockdev-add/$deprecated', false],
    ['blockdev-add/bogus', false],
    ['blockdev-add/allow-oob', false],
    ['query-things/allow-oob', false], // a boolean, not a type
    ['blockdev-add/+file', false],
    ['blockdev-add/*arg-type', false],
    ['blockdev-add/^file', false],
    ['blockdev-add/!string', false],
    ['blockdev-add/ arg-type', true], // a leading non-letter is dropped
    ['THING_CHANGED/arg-type/reason', true],
    ['THING_CHANGED/ret-type', false],
    ['THING_CHANGED/$deprecated', true],
    // Members: plain, and *optional.
    ['blockdev-add/arg-type/driver', true],
    ['blockdev-add/arg-type/*driver', false],
    ['blockdev-add/arg-type/node-name', true],
    ['blockdev-add/arg-type/*node-name', true],
    ['blockdev-add/arg-type/nope', false],
    ['blockdev-add/arg-type/*nope', false],
    // Branch members are reached only through +case.
    ['blockdev-add/arg-type/filename', false],
    ['blockdev-add/arg-type/+file', true],
    ['blockdev-add/arg-type/+file/filename', true],
    ['blockdev-add/arg-type/+file/*filename', false],
    ['blockdev-add/arg-type/+file/*aio', true],
    ['blockdev-add/arg-type/+null-co', true],
    ['blockdev-add/arg-type/+null-co/filename', false],
    ['blockdev-add/arg-type/+nope', false],
    // Object-level $feature: the type's own features.
    ['blockdev-add/arg-type/$x-union-feature', true],
    ['blockdev-add/arg-type/$unstable', false],
    ['blockdev-add/arg-type/^file', false],
    ['blockdev-add/arg-type/!object', false],
    // Enum values, and ^value/$feature.
    ['blockdev-add/arg-type/driver/^file', true],
    ['blockdev-add/arg-type/driver/^nbd', false],
    ['blockdev-add/arg-type/driver/file', false],
    ['blockdev-add/arg-type/driver/$unstable', false],
    ['blockdev-add/arg-type/+file/aio/^io_uring', true],
    ['blockdev-add/arg-type/+file/aio/^io_uring/$unstable', true],
    ['blockdev-add/arg-type/+file/aio/^threads/$unstable', false],
    ['blockdev-add/arg-type/+file/aio/^native/$unstable', false],
    // Old-style enums: values, no features.
    ['blockdev-add/arg-type/+file/old/^on', true],
    ['blockdev-add/arg-type/+file/old/^maybe', false],
    ['blockdev-add/arg-type/+file/old/^on/$deprecated', false],
    // $feature after a member names a feature of the member's type, not of the member.
    ['blockdev-add/arg-type/+file/old/$deprecated', false],
    // Built-ins: !jsontype.
    ['blockdev-add/arg-type/node-name/!string', true],
    ['blockdev-add/arg-type/node-name/!int', false],
    ['blockdev-add/arg-type/node-name/^x', false],
    ['blockdev-add/arg-type/node-name/sub', false],
    // A name that doesn't start with a letter is written after a space.
    ['blockdev-add/arg-type/+file/ 9p', true],
    ['blockdev-add/arg-type/+file/ 9p/!int', true],
    ['blockdev-add/arg-type/+file/9p', false],
    // Arrays are flattened.
    ['query-things/ret-type/id', true],
    ['query-things/ret-type/*id', false],
    ['query-things/ret-type/*tags', true],
    ['query-things/ret-type/tags/!string', true],
    ['query-things/ret-type/tags/!int', false],
    // Alternates: the rest of the path is tried on each alternative.
    ['blockdev-add/arg-type/+file/cache/!boolean', true],
    ['blockdev-add/arg-type/+file/cache/direct', true],
    ['blockdev-add/arg-type/+file/cache/*direct/!boolean', true],
    ['blockdev-add/arg-type/+file/cache/$deprecated', true],
    ['blockdev-add/arg-type/+file/cache/!string', false],
    ['blockdev-add/arg-type/+file/cache/nope', false],
    // Recursive types are fine.
    ['loop/arg-type/next/next/next/*next', true],
  ];
  it.each(cases)('%s → %s', (path, expected) => {
    expect(caps.has(path)).toBe(expected);
  });

  it('boolean steps end a path, ^value/$feature aside; malformed paths and schemas throw as libvirt reports', () => {
    const malformed = [
      'blockdev-add/$unstable/arg-type',
      'blockdev-add/arg-type/$x-union-feature/driver',
      'blockdev-add/arg-type/node-name/!string/x',
      'blockdev-add/arg-type/driver/^file/file',
      'blockdev-add/arg-type/+file/aio/^io_uring/$unstable/x',
      'blockdev-add/arg-type/+file/cache/!boolean/x',
    ];
    for (const p of malformed) {
      expect(() => caps.has(p), p).toThrow(QmpCapabilityPathError);
      expect(() => caps.has(p), p).toThrow(/terminal QAPI query component '.*' of '.*' must not have followers/);
    }
    expect(() => caps.has('')).toThrow(QmpCapabilityPathError);
    expect(() => caps.has('blockdev-add//driver')).toThrow(/empty step/);
    expect(() => caps.has('blockdev-add/arg-type/')).toThrow(/empty step/);
    expect(() => caps.has('dangling/arg-type')).toThrow(/malformed QAPI schema when querying 'arg-type' of 'dangling\/arg-type'/);
    // libvirt gives up past depth 1000: a loop in the schema.
    expect(() => caps.has(`loop/arg-type${'/next'.repeat(1001)}`)).toThrow(/malformed QAPI schema/);
    expect(caps.has(`loop/arg-type${'/next'.repeat(990)}`)).toBe(true);
    expect(() => caps.has('nope//')).toThrow(/empty step/);
  });

  it('lookup() gives the entry a type path ends at, none for boolean steps', () => {
    expect(caps.lookup('blockdev-add/arg-type/+file/aio')).toBe(SCHEMA.find((i) => i.name === '6'));
    expect(caps.lookup('query-things/ret-type')?.['meta-type']).toBe('array');
    expect(caps.lookup('query-things/ret-type/tags')?.name).toBe('[str]');
    expect(caps.lookup('blockdev-add/arg-type/+file/cache/direct')?.name).toBe('bool');
    expect(caps.lookup('blockdev-add/arg-type/+file/aio/^io_uring')).toBeUndefined();
    expect(caps.lookup('blockdev-add/arg-type/nope')).toBeUndefined();
  });
});

describe('typed helpers', () => {
  it('hasCommand, hasEvent, hasMember (dotted, through branches, lists and alternates), hasEnumValue', () => {
    expect(caps.hasCommand('blockdev-add')).toBe(true);
    expect(caps.hasCommand('THING_CHANGED')).toBe(false);
    expect(caps.hasCommand('nope')).toBe(false);
    expect(caps.hasEvent('THING_CHANGED')).toBe(true);
    expect(caps.hasEvent('blockdev-add')).toBe(false);
    expect(caps.hasMember('blockdev-add', 'driver')).toBe(true);
    expect(caps.hasMember('blockdev-add', 'aio')).toBe(true); // in the file branch
    expect(caps.hasMember('blockdev-add', 'cache.direct')).toBe(true); // through the alternate
    expect(caps.hasMember('blockdev-add', 'cache.nope')).toBe(false);
    expect(caps.hasMember('blockdev-add', 'nope')).toBe(false);
    expect(caps.hasMember('loop', 'next.next.next')).toBe(true);
    expect(caps.hasMember('nope', 'driver')).toBe(false);
    expect(caps.hasReturnMember('query-things', 'tags')).toBe(true);
    expect(caps.hasReturnMember('query-things', 'id')).toBe(true);
    expect(caps.hasReturnMember('blockdev-add', 'id')).toBe(false);
    expect(caps.hasEventMember('THING_CHANGED', 'reason')).toBe(true);
    expect(caps.hasEventMember('THING_CHANGED', 'id')).toBe(false);
    expect(caps.hasEnumValue('blockdev-add', 'aio', 'io_uring')).toBe(true);
    expect(caps.hasEnumValue('blockdev-add', 'aio', 'native')).toBe(false);
    expect(caps.hasEnumValue('blockdev-add', 'driver', 'null-co')).toBe(true);
    expect(caps.hasEnumValue('blockdev-add', 'old', 'off')).toBe(true);
    expect(caps.hasEnumValue('blockdev-add', 'filename', 'x')).toBe(false); // a str, not an enum
    expect(caps.hasCommandFeature('blockdev-add', 'unstable')).toBe(true);
    expect(caps.hasCommandFeature('query-things', 'unstable')).toBe(false);
  });

  it('unsupported(): the command, members at any depth (by the tag, the JSON type), enum values; the messages', () => {
    const u = (cmd: string, args?: unknown) => caps.unsupported(cmd, args);
    expect(u('nope')).toEqual({ kind: 'command', command: 'nope' });
    expect(u('query-things')).toBeNull();
    expect(u('blockdev-add', { driver: 'file', filename: 'f', aio: 'threads', cache: { direct: true } })).toBeNull();
    expect(u('blockdev-add', { driver: 'file', filename: 'f', cache: true })).toBeNull();
    expect(u('blockdev-add', { driver: 'file', filename: 'f', extra: 1 })).toEqual({ kind: 'member', command: 'blockdev-add', member: 'extra' });
    expect(u('blockdev-add', { driver: 'null-co', filename: 'f' })).toEqual({ kind: 'member', command: 'blockdev-add', member: 'filename' });
    expect(u('blockdev-add', { driver: 'file', filename: 'f', cache: { direct: true, 'no-flush': true } })).toEqual({
      kind: 'member',
      command: 'blockdev-add',
      member: 'cache.no-flush',
    });
    expect(u('blockdev-add', { driver: 'file', filename: 'f', aio: 'native' })).toEqual({
      kind: 'enum-value',
      command: 'blockdev-add',
      member: 'aio',
      value: 'native',
    });
    expect(u('blockdev-add', { driver: 'nbd' })).toEqual({ kind: 'enum-value', command: 'blockdev-add', member: 'driver', value: 'nbd' });
    expect(u('loop', { next: { next: { next: {}, deeper: 1 } } })).toEqual({ kind: 'member', command: 'loop', member: 'next.next.deeper' });
    expect(u('blockdev-add', { driver: 'file', filename: 'f', extra: undefined })).toBeNull();

    const e = caps.refusal('blockdev-add', { driver: 'file', filename: 'f', extra: 1 })!;
    expect(e).toBeInstanceOf(QmpUnsupportedError);
    expect(e).toBeInstanceOf(QmpError);
    expect(e.fromServer).toBe(false);
    expect(e.message).toBe("QEMU 7.2.22 does not support member 'extra' of 'blockdev-add'");
    expect(e.name).toBe('QmpUnsupportedError');
    expect(caps.refusal('nope', undefined)!.message).toBe("QEMU 7.2.22 does not support command 'nope'");
    expect(caps.refusal('nope', undefined)!.errorClass).toBe('CommandNotFound');
    expect(caps.refusal('blockdev-add', { driver: 'nbd' })!.message).toBe(
      "QEMU 7.2.22 does not support value 'nbd' of member 'driver' of 'blockdev-add'",
    );
    expect(new QmpCapabilities(SCHEMA).refusal('nope', undefined)!.message).toBe("The QMP server does not support command 'nope'");
  });
});

describe('compare()', () => {
  /** A binding's plan tables, by hand: what the server above has, plus and minus a few things. */
  const TABLE: PlanTable = {
    types: {
      BlockdevOptionsBase: { members: ['driver BlockdevDriver', '*node-name str', '*discard str'] },
      BlockdevOptions: { base: 'BlockdevOptionsBase', tag: 'driver', branches: ['file BlockdevOptionsFile', 'null-co', 'nbd BlockdevOptionsNbd'] },
      BlockdevDriver: { enum: ['file', 'null-co', 'nbd'] },
      BlockdevOptionsFile: { members: ['filename str', 'aio BlockdevAio', '*9p int', '*cache CacheOrBool', '*old OnOff deprecated'] },
      BlockdevOptionsNbd: { members: ['export str'] },
      BlockdevAio: { enum: ['threads', 'io_uring', 'native unstable'] },
      CacheOrBool: { alternate: ['b bool', 'c Cache', 's str'] },
      Cache: { members: ['*direct bool'] },
      OnOff: { enum: ['on', 'off'] },
      Thing: { members: ['id int', '*tags strList'] },
      ThingList: { list: 'Thing' },
      strList: { list: 'str' },
    },
    commands: {
      'blockdev-add': { args: 'BlockdevOptions' },
      'query-things': { returns: 'ThingList', oob: true, features: 'deprecated' },
      'binding-only-command': {},
    },
    events: { BINDING_ONLY_EVENT: {} },
  };

  it('schemaInfoOfPlans: base members first, branches without members, built-ins, special features', () => {
    const info = new Map(schemaInfoOfPlans([definePlans(TABLE)]).map((i) => [i.name, i]));
    expect(info.get('BlockdevOptions')).toEqual({
      name: 'BlockdevOptions',
      'meta-type': 'object',
      members: [
        { name: 'driver', type: 'BlockdevDriver' },
        { name: 'node-name', type: 'str', default: null },
        { name: 'discard', type: 'str', default: null },
      ],
      tag: 'driver',
      variants: [
        { case: 'file', type: 'BlockdevOptionsFile' },
        { case: 'null-co', type: '{}' },
        { case: 'nbd', type: 'BlockdevOptionsNbd' },
      ],
    });
    expect(info.get('query-things')).toEqual({
      name: 'query-things',
      'meta-type': 'command',
      'arg-type': '{}',
      'ret-type': 'ThingList',
      'allow-oob': true,
      features: ['deprecated'],
    });
    expect(info.get('BlockdevAio')).toMatchObject({ members: [{ name: 'threads' }, { name: 'io_uring' }, { name: 'native', features: ['unstable'] }] });
    expect(info.get('uint8')).toEqual({ name: 'uint8', 'meta-type': 'builtin', 'json-type': 'int' });
    expect(info.get('any')).toEqual({ name: 'any', 'meta-type': 'builtin', 'json-type': 'value' });
    // A bare table works as well as a ModulePlans.
    expect(schemaInfoOfPlans([TABLE])).toEqual(schemaInfoOfPlans([definePlans(TABLE)]));
  });

  it('lists every difference, walked from command and event names, with paths in libvirt syntax', () => {
    const binding = { commands: {}, events: {}, int64: 'number' as const, plans: [definePlans(TABLE)] };
    const diffs = caps.compare(binding);
    const rows = diffs.map((d) => `${d.side} ${d.kind} ${d.path}${d.feature ? ` (${d.feature})` : ''}`);
    expect(rows).toEqual([
      'binding-only command binding-only-command',
      'server-only feature blockdev-add/$unstable (unstable)',
      'binding-only enum-value blockdev-add/arg-type/driver/^nbd',
      'binding-only member blockdev-add/arg-type/discard',
      'mismatch member blockdev-add/arg-type/+file/aio',
      'server-only feature blockdev-add/arg-type/+file/aio/^io_uring/$unstable (unstable)',
      'binding-only enum-value blockdev-add/arg-type/+file/aio/^native',
      'server-only feature blockdev-add/arg-type/+file/cache/$deprecated (deprecated)',
      'binding-only type blockdev-add/arg-type/+file/cache',
      'binding-only branch blockdev-add/arg-type/+nbd',
      'server-only command dangling',
      'server-only command loop',
      'binding-only feature query-things/$deprecated (deprecated)',
      'binding-only event BINDING_ONLY_EVENT',
      'server-only event THING_CHANGED',
    ]);
    // The server's x-union-feature is not a special feature: plan tables keep no others, so it isn't compared.
    expect(diffs.find((d) => d.path === 'blockdev-add/arg-type/+file/aio')!.detail).toBe(
      "member 'aio' is required in the binding, optional on the server",
    );
    expect(diffs.find((d) => d.kind === 'type')!.detail).toBe("an alternative of JSON type 'string': the binding has it, the server does not");
    // Every binding-only path names what the binding has; has() on the server is false for them.
    for (const d of diffs.filter((x) => x.side === 'binding-only' && x.kind !== 'type')) expect(caps.has(d.path), d.path).toBe(false);
    for (const d of diffs.filter((x) => x.side === 'server-only')) expect(caps.has(d.path), d.path).toBe(true);
  });

  it('compares introspection data with every feature; a schema against itself has no differences', () => {
    expect(caps.compare(SCHEMA)).toEqual([]);
    const changed = SCHEMA.map((i) => (i.name === '1' ? { ...i, features: [] } : i));
    expect(caps.compare(changed)).toEqual([
      {
        path: 'blockdev-add/arg-type/$x-union-feature',
        kind: 'feature',
        side: 'server-only',
        detail: "the type has feature 'x-union-feature' on the server, not in the binding",
        feature: 'x-union-feature',
      },
    ]);
    expect(caps.compare(changed, { features: ['deprecated'] })).toEqual([]);
    expect(() => caps.compare()).toThrow(/no binding/);
    expect(() => caps.compare({ commands: {}, events: {}, int64: 'number' })).toThrow(/no plan tables/);
  });
});

// ---------------------------------------------------------------------------
// Real schemas
// ---------------------------------------------------------------------------

const schemaCache = new Map<string, Promise<Awaited<ReturnType<typeof loadSchema>>>>();
function schemaOf(rel: string) {
  let s = schemaCache.get(rel);
  if (s === undefined) {
    s = loadSchema(sharedPath(rel), { lenientDocs: true, warn: () => {} });
    schemaCache.set(rel, s);
  }
  return s;
}

/** A binding with its plan tables, as a generated index.ts gives it (qmpBinding with `plans`). */
async function bindingWithPlans(rel: string): Promise<QmpSchemaBinding> {
  const schema = await schemaOf(rel);
  const plans = planSchema(schema).modules.map((m) => definePlans(tableOf(m)));
  const linked = linkPlans(plans, { int64: 'number' });
  return { commands: linked.commands, events: linked.events, int64: 'number', plans };
}

/** The introspection tree of a schema (unmasked names are not needed: masked, as QEMU serves it). */
async function introspectionOf(rel: string): Promise<IntrospectionTree> {
  return buildIntrospection(await schemaOf(rel));
}

type Client = QmpClient<Commands, Events>;

describeFixture([SCHEMA_72, SCHEMA_BT], 'capabilities against the fake server (7.2.0 data, 10.2.2-backend-transfer binding)', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(options: QmpClientOptions = {}) {
    const served = evaluateIntrospection(await introspectionOf(SCHEMA_72), () => true);
    const server = await createFakeQmpServer<Commands, Events>(await bindingWithPlans(SCHEMA_72), {
      greeting: { version: { qemu: { major: 7, minor: 2, micro: 22 }, package: '' } },
      handlers: { 'query-qmp-schema': () => served, 'migrate-set-parameters': () => undefined },
    });
    cleanups.push(() => server.close());
    const client: Client = await connectQmp<Commands, Events>(await bindingWithPlans(SCHEMA_BT), server.path, options);
    cleanups.push(() => client.close());
    return { server, client };
  }

  const schemaCalls = (received: readonly string[]) => received.filter((l) => l.includes('"query-qmp-schema"')).length;

  it('capabilities() fetches query-qmp-schema once and reports backend-transfer missing', async () => {
    const { server, client } = await start();
    const [a, b] = await Promise.all([client.capabilities(), client.capabilities()]);
    expect(a).toBe(b);
    expect(await client.capabilities()).toBe(a);
    expect(schemaCalls(server.received)).toBe(1);
    expect(a.serverName).toBe('QEMU 7.2.22');
    expect(a.has('migrate-set-parameters/arg-type/backend-transfer')).toBe(false);
    expect(a.has('migrate-set-parameters/arg-type/*max-bandwidth')).toBe(true);
    expect(a.hasMember('migrate-set-parameters', 'backend-transfer')).toBe(false);
    expect(a.hasMember('migrate-set-parameters', 'max-bandwidth')).toBe(true);
    const diffs = a.compare();
    expect(diffs).toContainEqual({
      path: 'migrate-set-parameters/arg-type/backend-transfer',
      kind: 'member',
      side: 'binding-only',
      detail: "member 'backend-transfer': the binding has it, the server does not",
    });
    // Without the option, nothing is refused: the fake 7.2 answers with its own check.
    const e = await client.execute('migrate-set-parameters', { 'backend-transfer': ['virtio-net-tap'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpError);
    expect((e as QmpError).fromServer).toBe(true);
    expect((e as QmpError).message).toBe("Parameter 'backend-transfer' is unexpected");
  });

  it('refuseUnsupported: fetched while connecting; commands, members and enum values the server lacks are refused before sending', async () => {
    const { server, client } = await start({ refuseUnsupported: true });
    expect(schemaCalls(server.received)).toBe(1);
    const before = server.received.length;
    const e = await client.execute('migrate-set-parameters', { 'backend-transfer': ['virtio-net-tap'] }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpUnsupportedError);
    expect((e as QmpUnsupportedError).fromServer).toBe(false);
    expect((e as QmpUnsupportedError).message).toBe("QEMU 7.2.22 does not support member 'backend-transfer' of 'migrate-set-parameters'");
    expect((e as QmpUnsupportedError).unsupported).toEqual({ kind: 'member', command: 'migrate-set-parameters', member: 'backend-transfer' });
    const missing = (await client.capabilities())
      .compare()
      .filter((d) => d.kind === 'command' && d.side === 'binding-only')
      .map((d) => d.path);
    expect(missing).toContain('query-accelerators');
    await expect(client.execute('query-accelerators')).rejects.toThrow("QEMU 7.2.22 does not support command 'query-accelerators'");
    // An enum value 7.2 lacks (multifd-compression 'qpl' came in 9.1).
    await expect(client.execute('migrate-set-parameters', { 'multifd-compression': 'qpl' })).rejects.toThrow(
      "QEMU 7.2.22 does not support value 'qpl' of member 'multifd-compression' of 'migrate-set-parameters'",
    );
    expect(server.received.length).toBe(before);
    // What the server has goes through.
    await client.execute('migrate-set-parameters', { 'max-bandwidth': 1000 });
    expect(server.received.length).toBe(before + 1);
  });

  it('refuseUnsupported fails the connection when the schema cannot be fetched', async () => {
    const server = await createFakeQmpServer<Commands, Events>(await bindingWithPlans(SCHEMA_72), {});
    cleanups.push(() => server.close());
    const e = await connectQmp<Commands, Events>(await bindingWithPlans(SCHEMA_BT), server.path, { refuseUnsupported: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(QmpConnectionError);
    expect((e as QmpConnectionError).reason).toBe('negotiation');
    expect((e as QmpConnectionError).message).toMatch(/^Fetching query-qmp-schema \(for refuseUnsupported\) failed: /);
  });
});

// ---------------------------------------------------------------------------
// Real QEMU 7.2
// ---------------------------------------------------------------------------

/**
 * For the (unmasked) introspection tree of a schema: the 'if' condition of
 * what a libvirt path names (the command or event, the member, the branch,
 * the enum value, or the type it leads to), or undefined when it has none.
 * The tree holds every item whatever its condition.
 */
function conditionFinder(tree: IntrospectionTree): (path: string) => unknown {
  type Item = { value: any; if?: unknown };
  const byName = new Map<string, Item>();
  for (const item of tree) byName.set(String(item.value['name']), item);
  const list = (l: any): Item[] => (Array.isArray(l) ? l : []);
  const NOT_THERE = Symbol('not there');
  const walk = (item: Item | undefined, steps: readonly string[], found: unknown): unknown => {
    if (item === undefined) return NOT_THERE;
    if (steps.length === 0) return found ?? item.if;
    const v = item.value;
    if (v['meta-type'] === 'array') return walk(byName.get(v['element-type']), steps, found);
    if (v['meta-type'] === 'alternate') {
      for (const alt of list(v.members)) {
        const r = walk(byName.get(alt.value.type), steps, alt.if ?? found);
        if (r !== NOT_THERE) return r;
      }
      return NOT_THERE;
    }
    const [raw, ...rest] = steps as [string, ...string[]];
    if (v['meta-type'] === 'command' || v['meta-type'] === 'event') return walk(byName.get(v[raw]), rest, undefined);
    const next = raw.startsWith('^')
      ? list(v.members).find((m) => m.value.name === raw.slice(1))
      : raw.startsWith('+')
        ? list(v.variants).find((m) => m.value.case === raw.slice(1))
        : list(v.members).find((m) => m.value.name === raw.trimStart());
    if (next === undefined) return NOT_THERE;
    if (raw.startsWith('^')) return next.if;
    return walk(byName.get(next.value.type), rest, next.if);
  };
  return (path) => {
    const [first, ...steps] = path.split('/');
    const r = walk(byName.get(first!), steps, undefined);
    return r === NOT_THERE ? undefined : r;
  };
}

/** Prints differences grouped by kind and side (the first few of each). */
function printDifferences(title: string, diffs: readonly QmpCapabilityDifference[]): void {
  const groups = new Map<string, string[]>();
  for (const d of diffs) {
    const k = `${d.side} ${d.kind}`;
    const g = groups.get(k) ?? [];
    g.push(d.path);
    groups.set(k, g);
  }
  const lines = [...groups].map(([k, paths]) => `  ${k}: ${paths.length}\n    ${paths.join('\n    ')}`);
  console.log(`[capabilities] ${title}: ${diffs.length} differences\n${lines.join('\n')}`);
}

describeQemu('capabilities against real QEMU 7.2', () => {
  let qemu: Qemu;
  let bindingBT: QmpSchemaBinding;
  let binding72: QmpSchemaBinding;

  beforeAll(async () => {
    [bindingBT, binding72] = await Promise.all([bindingWithPlans(SCHEMA_BT), bindingWithPlans(SCHEMA_72)]);
    qemu = await startQemu();
  }, 900_000);

  afterAll(async () => {
    await qemu?.stop();
  });

  async function withClient<T>(binding: QmpSchemaBinding, fn: (c: Client) => Promise<T>, options: QmpClientOptions = {}): Promise<T> {
    const client = await connectQmp<Commands, Events>(binding, qemu.socket, options);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  it('10.2.2-backend-transfer bindings: backend-transfer is missing, refused before sending with the live version', async () => {
    await withClient(
      bindingBT,
      async (c) => {
        const caps = await c.capabilities();
        const { major, minor, micro } = c.greeting.version.qemu;
        const version = `${major}.${minor}.${micro}`;
        expect(caps.serverName).toBe(`QEMU ${version}`);
        expect(caps.has('migrate-set-parameters/arg-type/backend-transfer')).toBe(false);
        expect(caps.has('query-migrate-parameters/ret-type/max-bandwidth')).toBe(true);
        expect(caps.has('blockdev-add/arg-type/+file/aio/^io_uring')).toBe(caps.hasEnumValue('blockdev-add', 'aio', 'io_uring'));
        const diffs = caps.compare();
        expect(diffs).toContainEqual(
          expect.objectContaining({ path: 'migrate-set-parameters/arg-type/backend-transfer', kind: 'member', side: 'binding-only' }),
        );
        printDifferences(`10.2.2-backend-transfer binding vs live QEMU ${version}`, diffs.filter((d) => d.kind === 'command' || d.kind === 'event'));
        const e = await c.execute('migrate-set-parameters', { 'backend-transfer': ['virtio-net-tap'] }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(QmpUnsupportedError);
        expect((e as QmpUnsupportedError).fromServer).toBe(false);
        expect((e as Error).message).toBe(`QEMU ${version} does not support member 'backend-transfer' of 'migrate-set-parameters'`);
        // The connection is fine, and QEMU never saw the call: it still has its default.
        const p = await c.execute('query-migrate-parameters');
        expect(p['max-bandwidth']).toBeGreaterThan(0);
      },
      { refuseUnsupported: true },
    );
  });

  it("7.2.0 bindings vs the live 7.2: every difference is something the binding has under an 'if' condition this build leaves out", async () => {
    const explain = conditionFinder(buildIntrospection(await schemaOf(SCHEMA_72), { unmask: true }));
    await withClient(binding72, async (c) => {
      const caps = await c.capabilities();
      const diffs = caps.compare();
      printDifferences('7.2.0 binding vs live QEMU 7.2', diffs);
      // The server has nothing the binding lacks, and nothing differently.
      expect(diffs.filter((d) => d.side !== 'binding-only')).toEqual([]);
      // The binding has every command, event, member, value and branch whatever its 'if'. Those
      // the live build leaves out are binding-only, and each lies under a condition: other
      // targets' commands (query-gic-capabilities: TARGET_ARM; dump-skeys and the CPU model
      // queries: TARGET_S390X), macOS's vmnet netdevs and cocoa display (CONFIG_VMNET,
      // CONFIG_COCOA), and the libblkio block drivers Debian's build has off (CONFIG_BLKIO: the
      // io_uring, nvme-io_uring and virtio-blk-* branches; the io_uring aio value is on).
      const top = diffs.filter((d) => d.kind === 'command' || d.kind === 'event');
      console.log(
        `[capabilities] binding-only commands and events, each with its 'if':\n  ${top.map((d) => `${d.path}: ${JSON.stringify(explain(d.path))}`).join('\n  ')}`,
      );
      expect(top.map((d) => d.path)).toContain('query-gic-capabilities');
      const unexplained = diffs.filter((d) => explain(d.path) === undefined).map((d) => `${d.kind} ${d.path}`);
      expect(unexplained, "differences under no 'if' condition").toEqual([]);
    });
  });
});
