/**
 * The public surface of a generated index.ts (QEMU 10.2.2): per named type
 * at most four values (decodeFoo, encodeFoo, cloneFoo or the enum's const,
 * visitFoo), and a fixed set besides; nothing internal (plan tables, the
 * linked schema, the tables the runtime reads).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { generateInto } from './generate-helpers.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';

mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
const work = mkdtempSync(join(REPO_ROOT, 'tmp', 'public-api-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What index.ts exports besides the types' own functions and consts: the entry points and the runtime a program needs. */
const FIXED = [
  // entry points
  'clone', 'connect', 'createFakeServer', 'decode', 'decodeArguments', 'decodeEvent', 'decodeReturn', 'encode', 'encodeArguments', 'encodeText',
  'isQmpCommandName', 'isQmpEventName',
  // runtime
  'CompatPolicyCrash', 'DEFAULT_COMPAT_POLICY', 'ForwardingVisitor', 'InputVisitor', 'OutputVisitor', 'QapiError', 'QapiPathError', 'QapiValueError',
  'QmpCapabilities', 'QmpCapabilityPathError', 'QmpConnectionError', 'QmpError', 'QmpEventOverflowError', 'QmpJsonError', 'QmpProtocolError',
  'QmpReplyError', 'QmpTimeoutError', 'QmpUnsupportedError', 'cloneVisitor',
  'formatPath', 'isKnownValue', 'parseCompatPolicy', 'parseQmpJson', 'stringifyQmpJson',
].sort();

describeFixture('qemu/10.2.2/qapi/qapi-schema.json', 'the public surface of index.ts (QEMU 10.2.2)', () => {
  it('at most 4 values per named type plus a fixed set, and nothing internal', async () => {
    const out = join(work, 'out');
    await generateInto(sharedPath('qemu/10.2.2/qapi/qapi-schema.json'), out);
    const index = (await import(pathToFileURL(join(out, 'index.ts')).href)) as Record<string, unknown>;
    // The named types, from the modules' own tables (their default exports, which index.ts passes over).
    const named = new Map<string, 'enum' | 'other'>();
    for (const f of readdirSync(out).filter((n) => n.endsWith('.ts') && !['index.ts', 'schema.ts'].includes(n))) {
      const mod = (await import(pathToFileURL(join(out, f)).href)) as { default?: { table: { types?: Record<string, object> } } };
      for (const [name, row] of Object.entries(mod.default?.table.types ?? {})) if (!('list' in row)) named.set(name, 'enum' in row ? 'enum' : 'other');
    }
    const cap = (n: string): string => n.charAt(0).toUpperCase() + n.slice(1);
    const perType = new Set<string>();
    for (const [name, kind] of named) {
      const own = [`decode${cap(name)}`, `encode${cap(name)}`, `visit${cap(name)}`, kind === 'enum' ? name : `clone${cap(name)}`];
      for (const n of own) if (n in index) perType.add(n);
    }
    const values = Object.keys(index);
    const fixed = values.filter((n) => !perType.has(n) && !(named.has(n) && named.get(n) === 'enum')).sort();
    console.log(
      `[public-api] index.ts of QEMU 10.2.2: ${values.length} values for ${named.size} named types (${[...named.values()].filter((k) => k === 'enum').length} enums): ${perType.size} of the types' own (${(perType.size / named.size).toFixed(2)} a type), ${fixed.length} fixed`,
    );
    expect(fixed).toEqual(FIXED);
    expect(values.length).toBeLessThanOrEqual(4 * named.size + FIXED.length);
    // Nothing internal: no plan table, no linked schema.
    expect(values.filter((n) => /Plans$|^qapiSchema$|^qmp(Command|Event)Table$|^qmpBinding$|^int64Mode$/.test(n))).toEqual([]);
    // The functions work, typed or not.
    const decode = index['decodeMigrationParameters'] as (json: unknown) => unknown;
    expect(decode({ 'max-bandwidth': 1 })).toEqual({ 'max-bandwidth': 1 });
    const encodeArguments = index['encodeArguments'] as (name: string, args: unknown) => unknown;
    expect(() => encodeArguments('migrate-set-parameters', { 'backend-transfers': ['virtio-net-tap'] })).toThrow("Parameter 'backend-transfers' is unexpected");
    expect(encodeArguments('migrate-set-parameters', { 'max-bandwidth': 5 })).toEqual({ 'max-bandwidth': 5 });
  }, 900_000);

  it("a QMP schema's output has no guest-agent client, and the agent's no fake QMP server; runtime/index.ts re-exports what is there", async () => {
    const qmp = join(work, 'out');
    const qga = join(work, 'qga');
    await generateInto(sharedPath('qemu/10.2.2/qga/qapi-schema.json'), qga);
    const files = (dir: string): string[] => readdirSync(join(dir, 'runtime')).sort();
    expect(files(qmp)).toContain('fake-qmp-server.ts');
    expect(files(qmp)).not.toContain('qga-client.ts');
    expect(files(qga)).toContain('qga-client.ts');
    expect(files(qga)).not.toContain('fake-qmp-server.ts');
    // Every other runtime file is in both.
    expect(files(qmp).filter((f) => f !== 'fake-qmp-server.ts')).toEqual(files(qga).filter((f) => f !== 'qga-client.ts'));
    for (const [dir, present, absent] of [[qmp, 'fake-qmp-server', 'qga-client'], [qga, 'qga-client', 'fake-qmp-server']] as const) {
      const index = readFileSync(join(dir, 'runtime', 'index.ts'), 'utf8');
      expect(index).toContain(`export * from './${present}.js';`);
      expect(index).not.toContain(absent);
      // It loads: nothing it re-exports is missing.
      const rt = (await import(pathToFileURL(join(dir, 'runtime', 'index.ts')).href)) as Record<string, unknown>;
      expect(typeof rt['parseQmpJson']).toBe('function');
      expect(typeof rt[present === 'qga-client' ? 'connectQga' : 'createFakeQmpServer']).toBe('function');
    }
  }, 900_000);
});
