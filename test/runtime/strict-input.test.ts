/**
 * Strict input on generated code, one row per rule of the issue, with
 * QEMU's wording and the path of the offending value: on our own schema/
 * and on QEMU 10.2.2-backend-transfer's types. Each row goes through the
 * generated `decodeArguments` (or `decodeReturn`/`decodeEvent` with
 * `strict: true` where only a reply or event has the integer type the row
 * needs). The compat policy is checked on both schemas as well.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Gen = { index: any; runtime: any; out: string };

async function generateAndImport(schema: string, prefix: string): Promise<Gen> {
  mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
  const out = mkdtempSync(join(REPO_ROOT, 'tmp', `${prefix}-`));
  await generate({ schema, out });
  const index = await import(join(out, 'index.ts'));
  const runtime = await import(join(out, 'runtime', 'index.ts'));
  return { index, runtime, out };
}

type Via = 'args' | 'return' | 'event';

interface Row {
  rule: 'unexpected' | 'missing' | 'type' | 'range' | 'enum' | 'union tag' | 'alternate';
  via?: Via;
  name: string;
  json: string;
  message: string;
  path: string;
}

const RULES: Row['rule'][] = ['unexpected', 'missing', 'type', 'range', 'enum', 'union tag', 'alternate'];

/** Runs the row through the generated code; returns the error it throws (fails if none). */
function decodeRow(gen: Gen, row: Row, text: string = row.json): { error: any } {
  const value = gen.runtime.parseQmpJson(text);
  const via = row.via ?? 'args';
  try {
    if (via === 'args') gen.index.decodeArguments(row.name, value);
    else if (via === 'return') gen.index.decodeReturn(row.name, value, { strict: true });
    else gen.index.decodeEvent(row.name, value, { strict: true });
  } catch (error) {
    return { error };
  }
  throw new Error(`expected ${row.name} to reject ${text}`);
}

function runTable(get: () => Gen, rows: Row[]): void {
  it.each(rows)('$rule: $name $json → $message', (row) => {
    const gen = get();
    const { error } = decodeRow(gen, row);
    expect(error).toBeInstanceOf(gen.runtime.QapiValueError);
    expect(error.message).toBe(row.message);
    expect(error.path).toBe(row.path);
  });

  it('has rows for every strict-input rule', () => {
    const seen = new Set(rows.map((r) => r.rule));
    for (const r of RULES) expect(seen, r).toContain(r);
  });
}

// ---------------------------------------------------------------------------
// Our schema/
// ---------------------------------------------------------------------------

/** A valid MachineDiagnostics (every member required but pending-reset/extra), with `patch` applied. */
function diagnostics(patch: Record<string, string>): string {
  const base: Record<string, string> = {
    hostname: '"h"',
    load: '0.5',
    'uptime-ns': '1',
    nice: '0',
    'clock-skew-ms': '0',
    'last-exit-code': '0',
    'rtc-offset': '0',
    'boot-index': '0',
    'monitor-port': '0',
    pid: '1',
    generation: '0',
    'ram-size': '0',
    accelerated: 'true',
    'extra-type': '"qnull"',
    ...patch,
  };
  return `{${Object.entries(base)
    .map(([k, v]) => `"${k}": ${v}`)
    .join(', ')}}`;
}

const QCOW2 = '"node-name": "n", "format": "qcow2", "file": "f", "encrypt-format": "none"';

const OURS: Row[] = [
  // unknown member
  { rule: 'unexpected', name: 'migrate-set-parameters', json: '{"bogus": 1}', message: "Parameter 'bogus' is unexpected", path: 'bogus' },
  { rule: 'unexpected', name: 'migrate', json: '{"uri": "tcp:h:1", "resume": true, "detach": true}', message: "Parameter 'detach' is unexpected", path: 'detach' },
  { rule: 'unexpected', name: 'migrate-pause', json: '{"now": true}', message: "Parameter 'now' is unexpected", path: 'now' },
  { rule: 'unexpected', name: 'blockdev-attach', json: `{${QCOW2}, "backing": {"node-name": "b", "format": "zero", "x": 1}}`, message: "Parameter 'backing.x' is unexpected", path: 'backing.x' },
  // A member of another branch is unexpected in this one.
  { rule: 'unexpected', name: 'blockdev-attach', json: '{"node-name": "n", "format": "zero", "file": "f"}', message: "Parameter 'file' is unexpected", path: 'file' },
  { rule: 'unexpected', name: 'block-set-io-limits', json: '{"node-name": "n", "limits": {"iops-total": 1, "iops": 2}}', message: "Parameter 'limits.iops' is unexpected", path: 'limits.iops' },
  // missing required member
  { rule: 'missing', name: 'migrate', json: '{}', message: "Parameter 'uri' is missing", path: 'uri' },
  { rule: 'missing', name: 'block-resize', json: '{"node-name": "n"}', message: "Parameter 'size' is missing", path: 'size' },
  { rule: 'missing', name: 'blockdev-attach', json: '{"node-name": "n", "format": "qcow2", "encrypt-format": "none"}', message: "Parameter 'file' is missing", path: 'file' },
  { rule: 'missing', name: 'blockdev-attach', json: `{${QCOW2}, "backing": {"format": "zero"}}`, message: "Parameter 'backing.node-name' is missing", path: 'backing.node-name' },
  { rule: 'missing', name: 'blockdev-attach', json: '{"node-name": "n", "format": "qcow2", "file": "f", "encrypt-format": "luks"}', message: "Parameter 'key-secret' is missing", path: 'key-secret' },
  // wrong JSON type
  { rule: 'type', name: 'migrate', json: '{"uri": 1}', message: "Invalid parameter type for 'uri', expected: string", path: 'uri' },
  { rule: 'type', name: 'migrate', json: '{"uri": "u", "resume": "yes"}', message: "Invalid parameter type for 'resume', expected: boolean", path: 'resume' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"multifd-channels": "2"}', message: "Parameter 'multifd-channels' expects uint64", path: 'multifd-channels' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"max-bandwidth": 1.5}', message: "Parameter 'max-bandwidth' expects uint64", path: 'max-bandwidth' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"backend-transfer": "virtio-net-tap"}', message: "Invalid parameter type for 'backend-transfer', expected: array", path: 'backend-transfer' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"backend-transfer": [1]}', message: "Invalid parameter type for 'backend-transfer[0]', expected: string", path: 'backend-transfer[0]' },
  { rule: 'type', name: 'migrate-set-parameters', json: '[]', message: "Invalid parameter type for 'null', expected: object", path: 'null' },
  { rule: 'type', name: 'block-set-io-limits', json: '{"node-name": "n", "limits": {"burst-seconds": true}}', message: "Parameter 'limits.burst-seconds' expects uint64", path: 'limits.burst-seconds' },
  { rule: 'type', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ load: '"high"' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.load: expected number, received the string "high"', path: 'load' },
  { rule: 'type', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'pending-reset': 'false' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.pending-reset: expected null, received false', path: 'pending-reset' },
  { rule: 'type', via: 'return', name: 'query-block-nodes', json: '[{"node-name": "n", "format": "raw", "read-only": false, "virtual-size": 1, "children": ["a", null]}]', message: 'The reply to query-block-nodes does not fit its type: return[0].children[1]: expected string, received null', path: '[0].children[1]' },
  // integer out of range, every integer type
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ nice: '128' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.nice: expected int8_t, received the number 128, which is out of its range', path: 'nice' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ nice: '-129' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.nice: expected int8_t, received the number -129, which is out of its range', path: 'nice' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'clock-skew-ms': '32768' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.clock-skew-ms: expected int16_t, received the number 32768, which is out of its range', path: 'clock-skew-ms' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'last-exit-code': '-2147483649' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.last-exit-code: expected int32_t, received the number -2147483649, which is out of its range', path: 'last-exit-code' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'rtc-offset': '9223372036854775808' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.rtc-offset: expected integer, received the number 9223372036854775808, which is out of its range', path: 'rtc-offset' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'uptime-ns': '-9223372036854775809' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.uptime-ns: expected integer, received the number -9223372036854775809, which is out of its range', path: 'uptime-ns' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'boot-index': '256' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.boot-index: expected uint8_t, received the number 256, which is out of its range', path: 'boot-index' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'monitor-port': '65536' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.monitor-port: expected uint16_t, received the number 65536, which is out of its range', path: 'monitor-port' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ pid: '4294967296' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.pid: expected uint32_t, received the number 4294967296, which is out of its range', path: 'pid' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ generation: '18446744073709551616' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.generation: expected uint64, received the number 18446744073709551616, which is out of its range', path: 'generation' },
  { rule: 'range', via: 'return', name: 'query-machine-diagnostics', json: diagnostics({ 'ram-size': '-9223372036854775809' }), message: 'The reply to query-machine-diagnostics does not fit its type: return.ram-size: expected uint64, received the number -9223372036854775809, which is out of its range', path: 'ram-size' },
  { rule: 'range', via: 'event', name: 'VCPU_HOTPLUGGED', json: '{"cpu-index": -1}', message: 'The data of event VCPU_HOTPLUGGED does not fit its type: data.cpu-index: expected uint32_t, received the number -1, which is out of its range', path: 'cpu-index' },
  { rule: 'range', name: 'migrate-set-parameters', json: '{"multifd-channels": 256}', message: "Parameter 'multifd-channels' expects uint8_t", path: 'multifd-channels' },
  { rule: 'range', name: 'migrate-set-parameters', json: '{"downtime-limit": 18446744073709551616}', message: "Parameter 'downtime-limit' expects uint64", path: 'downtime-limit' },
  { rule: 'range', name: 'block-resize', json: '{"node-name": "n", "size": -9223372036854775809}', message: "Parameter 'size' expects uint64", path: 'size' },
  { rule: 'range', name: 'blockdev-attach', json: '{"node-name": "n", "format": "qcow2", "file": "f", "encrypt-format": "luks", "key-secret": "s", "slot": 256}', message: "Parameter 'slot' expects uint8_t", path: 'slot' },
  { rule: 'range', name: 'block-set-io-limits', json: '{"node-name": "n", "limits": {"bps-total": 18446744073709551616}}', message: "Parameter 'limits.bps-total' expects uint64", path: 'limits.bps-total' },
  // unknown enum value
  { rule: 'enum', name: 'migrate-set-parameters', json: '{"backend-transfer": ["virtio-net-tapx"]}', message: "Parameter 'backend-transfer[0]' does not accept value 'virtio-net-tapx'", path: 'backend-transfer[0]' },
  { rule: 'enum', name: 'migrate-set-parameters', json: '{"backend-transfer": ["virtio-net-tap", "tap"]}', message: "Parameter 'backend-transfer[1]' does not accept value 'tap'", path: 'backend-transfer[1]' },
  { rule: 'enum', name: 'blockdev-attach', json: '{"node-name": "n", "format": "zero", "io-priority": "urgent"}', message: "Parameter 'io-priority' does not accept value 'urgent'", path: 'io-priority' },
  { rule: 'enum', via: 'event', name: 'VM_STATE_CHANGED', json: '{"state": "exploded"}', message: 'The data of event VM_STATE_CHANGED does not fit its type: data.state: received the string "exploded", which is not a value of its enum', path: 'state' },
  // union with a bad tag
  { rule: 'union tag', name: 'blockdev-attach', json: '{"node-name": "n", "format": "ext4"}', message: "Parameter 'format' does not accept value 'ext4'", path: 'format' },
  { rule: 'union tag', name: 'blockdev-attach', json: '{"node-name": "n"}', message: "Parameter 'format' is missing", path: 'format' },
  { rule: 'union tag', name: 'blockdev-attach', json: '{"node-name": "n", "format": 1}', message: "Invalid parameter type for 'format', expected: string", path: 'format' },
  { rule: 'union tag', name: 'blockdev-attach', json: '{"node-name": "n", "format": "qcow2", "file": "f", "encrypt-format": "aes"}', message: "Parameter 'encrypt-format' does not accept value 'aes'", path: 'encrypt-format' },
  { rule: 'union tag', name: 'blockdev-attach', json: `{${QCOW2}, "backing": {"node-name": "b", "format": "toString"}}`, message: "Parameter 'backing.format' does not accept value 'toString'", path: 'backing.format' },
  // alternate whose JSON type matches no branch
  { rule: 'alternate', name: 'block-set-io-limits', json: '{"node-name": "n", "limits": null}', message: "Invalid parameter type for 'limits', expected: IoLimitSpec", path: 'limits' },
  { rule: 'alternate', name: 'block-set-io-limits', json: '{"node-name": "n", "limits": [1]}', message: "Invalid parameter type for 'limits', expected: IoLimitSpec", path: 'limits' },
  { rule: 'alternate', name: 'blockdev-attach', json: `{${QCOW2}, "backing": 5}`, message: "Invalid parameter type for 'backing', expected: BlockNodeRef", path: 'backing' },
  { rule: 'alternate', name: 'blockdev-attach', json: `{${QCOW2}, "backing": {"node-name": "b", "format": "qcow2", "file": "g", "encrypt-format": "none", "backing": true}}`, message: "Invalid parameter type for 'backing.backing', expected: BlockNodeRef", path: 'backing.backing' },
  // a branch matched on the JSON type, then its own check fails
  { rule: 'alternate', name: 'block-set-io-limits', json: '{"node-name": "n", "limits": "extreme"}', message: "Parameter 'limits' does not accept value 'extreme'", path: 'limits' },
  { rule: 'alternate', name: 'block-set-io-limits', json: '{"node-name": "n", "limits": 1.5}', message: "Invalid parameter type for 'limits', expected: integer", path: 'limits' },
];

describe('strict input on our schema/ (generated code)', () => {
  let gen: Gen | undefined;
  beforeAll(async () => {
    gen = await generateAndImport(join(REPO_ROOT, 'test', 'fixtures', 'small-schema', 'qapi-schema.json'), 'strict-ours');
  }, 900_000);
  afterAll(() => {
    if (gen) rmSync(gen.out, { recursive: true, force: true });
  });
  const get = (): Gen => gen!;

  runTable(get, OURS);

  it('accepts the valid counterparts of the rows (the rows fail for the reason they name)', () => {
    const { index } = get();
    const J = get().runtime.parseQmpJson;
    expect(index.decodeArguments('migrate-set-parameters', J('{"backend-transfer": ["virtio-net-tap"], "multifd-channels": 255, "downtime-limit": 9007199254740991}'), {})).toBeDefined();
    expect(index.decodeArguments('block-resize', J('{"node-name": "n", "size": 0}'))).toEqual({ 'node-name': 'n', size: 0 });
    expect(index.decodeArguments('block-set-io-limits', J('{"node-name": "n", "limits": "high"}'))).toEqual({ 'node-name': 'n', limits: 'high' });
    expect(index.decodeArguments('block-set-io-limits', J('{"node-name": "n", "limits": 7}'))).toEqual({ 'node-name': 'n', limits: 7 });
    expect(index.decodeArguments('blockdev-attach', J(`{${QCOW2}, "backing": null}`))).toMatchObject({ format: 'qcow2', backing: null });
    expect(index.decodeReturn('query-machine-diagnostics', J(diagnostics({ nice: '-128', 'monitor-port': '65535' })), { strict: true })).toMatchObject({ nice: -128, 'monitor-port': 65535 });
  });

  it('reports the missing member before the unexpected one, like QEMU', () => {
    const { index, runtime } = get();
    let error: any;
    try {
      index.decodeArguments('migrate', runtime.parseQmpJson('{"zzz": 1}'));
    } catch (e) {
      error = e;
    }
    expect(error?.message).toBe("Parameter 'uri' is missing");
  });

  describe('compat policy', () => {
    const BT = '{"backend-transfer": ["virtio-net-tap"]}';

    it("the seed's backend-transfer is accepted by default", () => {
      const { index, runtime } = get();
      expect(index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson(BT))).toEqual({ 'backend-transfer': ['virtio-net-tap'] });
      expect(index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson(BT), { compat: runtime.parseCompatPolicy('unstable-input=accept') })).toEqual({ 'backend-transfer': ['virtio-net-tap'] });
    });

    it('…and refused under unstable-input=reject, naming it', () => {
      const { index, runtime } = get();
      const compat = runtime.parseCompatPolicy('unstable-input=reject');
      let error: any;
      try {
        index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson(BT), { compat });
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(runtime.QapiValueError);
      expect(error.message).toBe('Unstable parameter backend-transfer disabled by policy');
      expect(error.path).toBe('backend-transfer');
      // Deprecated-input=reject alone does not touch an unstable member.
      expect(index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson(BT), { compat: runtime.parseCompatPolicy('deprecated-input=reject') })).toEqual({ 'backend-transfer': ['virtio-net-tap'] });
      // Without the member, the same policy lets the command through.
      expect(index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson('{"multifd-channels": 2}'), { compat })).toEqual({ 'multifd-channels': 2 });
    });

    it('a deprecated member under deprecated-input=reject; a deprecated enum value; a deprecated command', () => {
      const { index, runtime } = get();
      const compat = runtime.parseCompatPolicy('deprecated-input=reject');
      const fails = (f: () => unknown): any => {
        try {
          f();
        } catch (e) {
          return e;
        }
        throw new Error('expected a refusal');
      };
      const e1 = fails(() => index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson('{"compress-level": 1}'), { compat }));
      expect(e1).toBeInstanceOf(runtime.QapiValueError);
      expect(e1.message).toBe('Deprecated parameter compress-level disabled by policy');
      const e2 = fails(() => index.decodeArguments('blockdev-attach', runtime.parseQmpJson('{"node-name": "n", "format": "vdi"}'), { compat }));
      expect(e2.message).toBe('Deprecated value vdi disabled by policy');
      const e3 = fails(() => index.decodeArguments('query-vcpu-count', {}, { compat }));
      expect(e3.errorClass).toBe('CommandNotFound');
      expect(e3.message).toBe('Deprecated command query-vcpu-count disabled by policy');
      // Accepted by default.
      expect(index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson('{"compress-level": 1}'))).toEqual({ 'compress-level': 1 });
      expect(index.decodeArguments('blockdev-attach', runtime.parseQmpJson('{"node-name": "n", "format": "vdi"}'))).toEqual({ 'node-name': 'n', format: 'vdi' });
    });

    it('the crash policy throws CompatPolicyCrash, not a QapiValueError', () => {
      const { index, runtime } = get();
      for (const [policy, json] of [
        ['unstable-input=crash', BT],
        ['deprecated-input=crash', '{"compress-level": 1}'],
      ] as const) {
        let error: any;
        try {
          index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson(json), { compat: runtime.parseCompatPolicy(policy) });
        } catch (e) {
          error = e;
        }
        expect(error, policy).toBeInstanceOf(runtime.CompatPolicyCrash);
        expect(error).not.toBeInstanceOf(runtime.QapiValueError);
        expect(error.message).toMatch(/^(Unstable parameter backend-transfer|Deprecated parameter compress-level) disabled by policy$/);
      }
    });
  });
});

// ---------------------------------------------------------------------------
// QEMU 10.2.2-backend-transfer
// ---------------------------------------------------------------------------

const QEMU_SCHEMA = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';

const NBD = '"driver": "nbd", "node-name": "n"';
const INET = '"type": "inet", "host": "h"';
const STATS = (value: string): string => `[{"provider": "kvm", "target": "vm", "stats": [{"name": "a", "type": "cumulative", "exponent": 0}, ${value}]}]`;

const QEMU: Row[] = [
  // unknown member
  { rule: 'unexpected', name: 'blockdev-add', json: '{"driver": "null-co", "node-name": "n", "bogus": 1}', message: "Parameter 'bogus' is unexpected", path: 'bogus' },
  { rule: 'unexpected', name: 'blockdev-add', json: `{${NBD}, "server": {${INET}, "port": "1", "extra": 1}}`, message: "Parameter 'server.extra' is unexpected", path: 'server.extra' },
  { rule: 'unexpected', name: 'migrate-set-parameters', json: '{"backend-transfer": [], "compress-level": 1}', message: "Parameter 'compress-level' is unexpected", path: 'compress-level' },
  { rule: 'unexpected', name: 'query-status', json: '{"verbose": true}', message: "Parameter 'verbose' is unexpected", path: 'verbose' },
  // missing required member
  { rule: 'missing', name: 'blockdev-add', json: `{${NBD}, "server": {${INET}}}`, message: "Parameter 'server.port' is missing", path: 'server.port' },
  { rule: 'missing', name: 'blockdev-add', json: `{${NBD}}`, message: "Parameter 'server' is missing", path: 'server' },
  { rule: 'missing', name: 'blockdev-add', json: '{"driver": "qcow2", "node-name": "n", "file": {"driver": "file"}}', message: "Parameter 'file.filename' is missing", path: 'file.filename' },
  { rule: 'missing', name: 'block-set-write-threshold', json: '{"node-name": "n"}', message: "Parameter 'write-threshold' is missing", path: 'write-threshold' },
  // wrong JSON type
  { rule: 'type', name: 'blockdev-add', json: `{${NBD}, "server": {${INET}, "port": 10809}}`, message: "Invalid parameter type for 'server.port', expected: string", path: 'server.port' },
  { rule: 'type', name: 'blockdev-add', json: `{${NBD}, "server": {${INET}, "port": "1", "ipv4": "yes"}}`, message: "Invalid parameter type for 'server.ipv4', expected: boolean", path: 'server.ipv4' },
  { rule: 'type', name: 'blockdev-add', json: '{"driver": "blkdebug", "node-name": "n", "image": "i", "inject-error": {}}', message: "Invalid parameter type for 'inject-error', expected: array", path: 'inject-error' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"cpr-exec-command": ["a", 1]}', message: "Invalid parameter type for 'cpr-exec-command[1]', expected: string", path: 'cpr-exec-command[1]' },
  { rule: 'type', name: 'calc-dirty-rate', json: '{"calc-time": "1"}', message: "Invalid parameter type for 'calc-time', expected: integer", path: 'calc-time' },
  // integer out of range
  { rule: 'range', via: 'return', name: 'query-stats-schemas', json: STATS('{"name": "b", "type": "instant", "base": 128, "exponent": 0}'), message: 'The reply to query-stats-schemas does not fit its type: return[0].stats[1].base: expected int8_t, received the number 128, which is out of its range', path: '[0].stats[1].base' },
  { rule: 'range', via: 'return', name: 'query-stats-schemas', json: STATS('{"name": "b", "type": "instant", "exponent": -32769}'), message: 'The reply to query-stats-schemas does not fit its type: return[0].stats[1].exponent: expected int16_t, received the number -32769, which is out of its range', path: '[0].stats[1].exponent' },
  { rule: 'range', name: 'blockdev-add', json: '{"driver": "blkdebug", "node-name": "n", "image": "i", "max-transfer": 2147483648}', message: "Parameter 'max-transfer' expects int32_t", path: 'max-transfer' },
  // A float literal is no integer, whatever its value (QEMU: a QNum double), through the reader
  { rule: 'type', name: 'calc-dirty-rate', json: '{"calc-time": 1.0}', message: "Invalid parameter type for 'calc-time', expected: integer", path: 'calc-time' },
  { rule: 'type', name: 'calc-dirty-rate', json: '{"calc-time": 1e0}', message: "Invalid parameter type for 'calc-time', expected: integer", path: 'calc-time' },
  { rule: 'type', name: 'calc-dirty-rate', json: '{"calc-time": -0.0}', message: "Invalid parameter type for 'calc-time', expected: integer", path: 'calc-time' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"multifd-channels": 1E2}', message: "Parameter 'multifd-channels' expects uint64", path: 'multifd-channels' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"max-bandwidth": 1.0}', message: "Parameter 'max-bandwidth' expects uint64", path: 'max-bandwidth' },
  { rule: 'type', name: 'migrate-set-parameters', json: '{"backend-transfer": ["virtio-net-tap"], "downtime-limit": 3e2}', message: "Parameter 'downtime-limit' expects uint64", path: 'downtime-limit' },
  { rule: 'range', name: 'calc-dirty-rate', json: '{"calc-time": 9223372036854775808}', message: "Invalid parameter type for 'calc-time', expected: integer", path: 'calc-time' },
  { rule: 'range', name: 'migrate-set-parameters', json: '{"multifd-channels": 256}', message: "Parameter 'multifd-channels' expects uint8_t", path: 'multifd-channels' },
  { rule: 'range', name: 'blockdev-add', json: `{${NBD}, "server": {${INET}, "port": "1", "to": 65536}}`, message: "Parameter 'to' expects uint16_t", path: 'server.to' },
  { rule: 'range', name: 'blockdev-add', json: `{${NBD}, "server": {${INET}, "port": "1"}, "reconnect-delay": 4294967296}`, message: "Parameter 'reconnect-delay' expects uint32_t", path: 'reconnect-delay' },
  { rule: 'range', name: 'block-set-write-threshold', json: '{"node-name": "n", "write-threshold": 18446744073709551616}', message: "Parameter 'write-threshold' expects uint64", path: 'write-threshold' },
  { rule: 'range', name: 'migrate-set-parameters', json: '{"max-bandwidth": 18446744073709551616}', message: "Parameter 'max-bandwidth' expects uint64", path: 'max-bandwidth' },
  // unknown enum value
  { rule: 'enum', name: 'migrate-set-parameters', json: '{"backend-transfer": ["virtio-net-tap", "vhost-user"]}', message: "Parameter 'backend-transfer[1]' does not accept value 'vhost-user'", path: 'backend-transfer[1]' },
  { rule: 'enum', name: 'migrate-set-parameters', json: '{"multifd-compression": "lz4"}', message: "Parameter 'multifd-compression' does not accept value 'lz4'", path: 'multifd-compression' },
  { rule: 'enum', name: 'blockdev-add', json: '{"driver": "qcow2", "node-name": "n", "file": {"driver": "file", "filename": "f", "aio": "posix"}}', message: "Parameter 'file.aio' does not accept value 'posix'", path: 'file.aio' },
  // union with a bad tag
  { rule: 'union tag', name: 'blockdev-add', json: '{"driver": "ext4", "node-name": "n"}', message: "Parameter 'driver' does not accept value 'ext4'", path: 'driver' },
  { rule: 'union tag', name: 'blockdev-add', json: '{"node-name": "n"}', message: "Parameter 'driver' is missing", path: 'driver' },
  { rule: 'union tag', name: 'blockdev-add', json: `{${NBD}, "server": {"type": "tcp", "host": "h", "port": "1"}}`, message: "Parameter 'server.type' does not accept value 'tcp'", path: 'server.type' },
  { rule: 'union tag', name: 'blockdev-add', json: '{"driver": "qcow2", "node-name": "n", "file": {"driver": "__proto__"}}', message: "Parameter 'file.driver' does not accept value '__proto__'", path: 'file.driver' },
  // alternate whose JSON type matches no branch
  { rule: 'alternate', name: 'blockdev-add', json: '{"driver": "qcow2", "node-name": "n", "file": 5}', message: "Invalid parameter type for 'file', expected: BlockdevRef", path: 'file' },
  { rule: 'alternate', name: 'blockdev-add', json: '{"driver": "qcow2", "node-name": "n", "file": "f", "backing": false}', message: "Invalid parameter type for 'backing', expected: BlockdevRefOrNull", path: 'backing' },
  { rule: 'alternate', name: 'blockdev-add', json: '{"driver": "qcow2", "node-name": "n", "file": null}', message: "Invalid parameter type for 'file', expected: BlockdevRef", path: 'file' },
  { rule: 'alternate', name: 'migrate-set-parameters', json: '{"tls-creds": 1}', message: "Invalid parameter type for 'tls-creds', expected: StrOrNull", path: 'tls-creds' },
  { rule: 'alternate', name: 'blockdev-add', json: '{"driver": "qcow2", "node-name": "n", "file": {"driver": "qcow2", "file": {"driver": "raw", "file": []}}}', message: "Invalid parameter type for 'file.file.file', expected: BlockdevRef", path: 'file.file.file' },
];

describeFixture(QEMU_SCHEMA, 'strict input on QEMU 10.2.2-backend-transfer (generated code)', () => {
  let gen: Gen | undefined;
  beforeAll(async () => {
    gen = await generateAndImport(sharedPath(QEMU_SCHEMA), 'strict-qemu');
  }, 900_000);
  afterAll(() => {
    if (gen) rmSync(gen.out, { recursive: true, force: true });
  });
  const get = (): Gen => gen!;

  runTable(get, QEMU);

  it('accepts valid counterparts of the rows', () => {
    const { index, runtime } = get();
    const J = runtime.parseQmpJson;
    expect(index.decodeArguments('blockdev-add', J(`{${NBD}, "server": {${INET}, "port": "10809", "to": 65535}}`))).toEqual({
      driver: 'nbd',
      'node-name': 'n',
      server: { type: 'inet', host: 'h', port: '10809', to: 65535 },
    });
    expect(index.decodeArguments('blockdev-add', J('{"driver": "qcow2", "node-name": "n", "file": "f", "backing": null}'))).toMatchObject({ file: 'f', backing: null });
    expect(index.decodeArguments('migrate-set-parameters', J('{"tls-creds": null, "max-bandwidth": 0, "backend-transfer": ["virtio-net-tap"]}'))).toEqual({
      'tls-creds': null,
      'max-bandwidth': 0,
      'backend-transfer': ['virtio-net-tap'],
    });
    expect(index.decodeReturn('query-stats-schemas', J(STATS('{"name": "b", "type": "instant", "base": -128, "exponent": 32767}')), { strict: true })[0].stats[1]).toEqual({
      name: 'b',
      type: 'instant',
      base: -128,
      exponent: 32767,
    });
  });

  it('compat: backend-transfer under unstable-input=reject/crash, a deprecated member and command', () => {
    const { index, runtime } = get();
    const J = runtime.parseQmpJson;
    const attempt = (f: () => unknown): any => {
      try {
        return { value: f() };
      } catch (e) {
        return { error: e };
      }
    };
    const bt = J('{"backend-transfer": ["virtio-net-tap"]}');
    expect(attempt(() => index.decodeArguments('migrate-set-parameters', bt)).value).toEqual({ 'backend-transfer': ['virtio-net-tap'] });
    const rejected = attempt(() => index.decodeArguments('migrate-set-parameters', bt, { compat: runtime.parseCompatPolicy('unstable-input=reject') })).error;
    expect(rejected).toBeInstanceOf(runtime.QapiValueError);
    expect(rejected.message).toBe('Unstable parameter backend-transfer disabled by policy');
    const crashed = attempt(() => index.decodeArguments('migrate-set-parameters', bt, { compat: runtime.parseCompatPolicy('unstable-input=crash') })).error;
    expect(crashed).toBeInstanceOf(runtime.CompatPolicyCrash);

    const commit = J('{"device": "d", "base": "b"}');
    expect(attempt(() => index.decodeArguments('block-commit', commit)).value).toEqual({ device: 'd', base: 'b' });
    const dep = attempt(() => index.decodeArguments('block-commit', commit, { compat: runtime.parseCompatPolicy('deprecated-input=reject') })).error;
    expect(dep?.message).toBe('Deprecated parameter base disabled by policy');
    expect(dep.path).toBe('base');
    const cmd = attempt(() => index.decodeArguments('block-job-pause', J('{"device": "j"}'), { compat: runtime.parseCompatPolicy('deprecated-input=reject') })).error;
    expect(cmd?.message).toBe('Deprecated command block-job-pause disabled by policy');
    expect(cmd.errorClass).toBe('CommandNotFound');
  });
});
