/**
 * The QMP client against a real qemu-storage-daemon (Debian's 7.2, from
 * the same build as qemu-system-x86), with bindings generated from
 * ../shared/qemu/7.2.0/storage-daemon (`--introspection`) through the real
 * pipeline: every live argument-less query- command decoded strictly, a
 * blockdev-add / query-named-block-nodes / blockdev-del round trip, and the
 * introspection data equal to the daemon's query-qmp-schema structurally
 * (the method of introspection-live.test.ts). Skipped (saying why) without
 * the daemon; failing with QAPI_TS_REQUIRE_QEMU=1.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildIntrospection } from '../../generator/emit/introspect.js';
import { loadSchema } from '../../generator/model/schema.js';
import { evaluateIntrospection, introspectionSymbols, type IntrospectionTree } from '../../templates/runtime/introspect.js';
import { generateInto, tempDir } from '../emit/generate-helpers.js';
import { sharedPath } from '../helpers/fixtures.js';
import { compareStructurally, decideSymbols, probeBinary, SYMBOLS, unexplainedOrphans, unreached, type Info } from '../helpers/introspection-compare.js';
import { describeWith, findQemu, findStorageDaemon, startStorageDaemon, type Qemu } from '../helpers/qemu.js';

const QSD_72 = 'qemu/7.2.0/storage-daemon/qapi/qapi-schema.json';

describeWith(findStorageDaemon() !== null && findQemu() !== null, "qemu-storage-daemon not found (install Debian's qemu-system-x86)", 'real qemu-storage-daemon 7.2', () => {
  let outDir = '';
  let daemon: Qemu;
  let api: any;
  let tree: IntrospectionTree;

  beforeAll(async () => {
    outDir = tempDir('qsd-72');
    await generateInto(sharedPath(QSD_72), outDir, { lenientDocs: true, introspection: true });
    api = await import(pathToFileURL(join(outDir, 'index.ts')).href);
    tree = buildIntrospection(loadSchema(sharedPath(QSD_72), { lenientDocs: true, warn: () => {} }));
    daemon = await startStorageDaemon();
  }, 900_000);

  afterAll(async () => {
    await daemon?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  /** The daemon serves one monitor connection at a time: each test connects, and closes before the next. */
  async function withClient<T>(fn: (c: any) => Promise<T>, options: object = {}): Promise<T> {
    const client = await api.connect(daemon.socket, options);
    try {
      return await fn(client);
    } finally {
      await client.close();
    }
  }

  it('every live query- command without arguments decodes strictly', async () => {
    await withClient(
      async (c) => {
        expect(c.greeting.version.qemu.major).toBe(7);
        const live = ((await c.execute('query-commands')) as { name: string }[]).map((x) => x.name);
        expect(live.filter((n) => !api.isQmpCommandName(n)), 'live commands the binding lacks').toEqual([]);
        // The storage daemon's schema has no system commands.
        expect(api.isQmpCommandName('query-status')).toBe(false);
        const argless = live.filter((n) => n.startsWith('query-')).filter((n) => {
          try {
            api.decodeArguments(n, {});
            return true;
          } catch {
            return false;
          }
        }).sort();
        const failures: string[] = [];
        const daemonErrors: string[] = [];
        let decoded = 0;
        for (const name of argless) {
          try {
            await c.execute(name);
            decoded++;
          } catch (e) {
            if (e instanceof api.QmpError && (e as { fromServer: boolean }).fromServer) daemonErrors.push(`${name}: ${(e as Error).message}`);
            else failures.push(`${name}: ${(e as Error).message}`);
          }
        }
        console.log(`[qemu-storage-daemon] ${decoded} of ${argless.length} query- commands decoded strictly (${argless.join(', ')}); errors from the daemon: ${daemonErrors.join('; ') || 'none'}`);
        expect(failures).toEqual([]);
        expect(decoded).toBe(argless.length);
        expect(decoded).toBeGreaterThanOrEqual(10);
      },
      { decode: { strict: true } },
    );
  });

  it('blockdev-add, query-named-block-nodes, blockdev-del round-trip', async () => {
    await withClient(async (c) => {
      const before = (await c.execute('query-named-block-nodes')) as { 'node-name': string }[];
      expect(before.map((n) => n['node-name'])).toEqual(['null0']);
      await c.execute('blockdev-add', { driver: 'null-co', 'node-name': 'scratch', size: 1048576, 'read-zeroes': true });
      const nodes = (await c.execute('query-named-block-nodes', { flat: true })) as { 'node-name': string; drv: string; image: { 'virtual-size': number } }[];
      const scratch = nodes.find((n) => n['node-name'] === 'scratch');
      expect(scratch?.drv).toBe('null-co');
      expect(scratch?.image['virtual-size']).toBe(1048576);
      await c.execute('blockdev-del', { 'node-name': 'scratch' });
      const after = (await c.execute('query-named-block-nodes')) as { 'node-name': string }[];
      expect(after.map((n) => n['node-name'])).toEqual(['null0']);
      // The daemon's own error for a node that is gone.
      const err = await c.execute('blockdev-del', { 'node-name': 'scratch' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(api.QmpError);
      expect((err as Error).message).toMatch(/scratch/);
    });
  });

  it('the introspection data, evaluated for this build, equals the live query-qmp-schema structurally', async () => {
    const live = (await withClient((c) => c.execute('query-qmp-schema'))) as Info[];
    const names = (kind: string) => new Set(live.filter((e) => e['meta-type'] === kind).map((e) => e.name));
    const decided = decideSymbols(probeBinary(findQemu()!), { commands: names('command'), events: names('event'), tree });
    const mentioned = introspectionSymbols(tree);
    expect(mentioned.filter((s) => !(s in SYMBOLS)), 'symbols of the storage daemon tree that are not decided').toEqual([]);
    // The generated module holds the same tree.
    const generated = await import(pathToFileURL(join(outDir, 'introspection.ts')).href);
    const data = evaluateIntrospection(generated.qmpSchemaIntrospection, (s) => decided.get(s)!.defined);
    expect(data).toEqual(evaluateIntrospection(tree, (s) => decided.get(s)!.defined));
    const r = compareStructurally(data, live);
    console.log(`[qemu-storage-daemon] introspection: ${data.length} entities in the data, ${live.length} live, ${r.differences.length} differences${r.differences.length ? `:\n  ${r.differences.join('\n  ')}` : ''}`);
    expect(r.differences).toEqual([]);
    const orphans = unreached(data, r.reached.data);
    expect(unexplainedOrphans(tree, (s) => decided.get(s)!.defined, orphans)).toEqual([]);
    expect(unreached(live, r.reached.live).length).toBe(orphans.length);
    // The symbols matter here too.
    expect(compareStructurally(evaluateIntrospection(tree, () => true), live).differences.length).toBeGreaterThan(0);
  });
});
