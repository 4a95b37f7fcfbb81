/**
 * Bindings that span versions, against the real QEMU 7.2 (Debian's
 * qemu-system-x86): QEMU 10.2.2's bindings with 7.2.0 as the oldest version
 * (`--oldest`) read every live argument-less query- reply strictly, with
 * zero failures; 10.2.2's bindings alone fail on some of them, listed.
 * Skipped (saying why) without QEMU; failing with QAPI_TS_REQUIRE_QEMU=1.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { connectQmp, type QmpSchemaBinding } from '../../templates/runtime/qmp-client.js';
import { QmpError } from '../../templates/runtime/qmp.js';
import { tempDir } from '../emit/generate-helpers.js';
import { sharedPath } from '../helpers/fixtures.js';
import { describeQemu, startQemu, type Qemu } from '../helpers/qemu.js';
import type { Commands, Events } from './helpers.js';

const NEWEST = 'qemu/10.2.2/qapi/qapi-schema.json';
const OLDEST = 'qemu/7.2.0/qapi/qapi-schema.json';

describeQemu('10.2.2 bindings against the real QEMU 7.2', () => {
  let out = '';
  let qemu: Qemu;
  const bindings: { spanning?: QmpSchemaBinding; newestOnly?: QmpSchemaBinding } = {};

  beforeAll(async () => {
    out = tempDir('versions-live');
    await generate({ schema: [{ name: 'spanning', schema: sharedPath(NEWEST) }, { name: 'newest', schema: sharedPath(NEWEST) }], out, oldest: { spanning: sharedPath(OLDEST) } });
    for (const [key, dir] of [['spanning', 'spanning'], ['newestOnly', 'newest']] as const) {
      const mod = await import(pathToFileURL(join(out, dir, 'schema.ts')).href);
      bindings[key] = mod.qmpBinding as QmpSchemaBinding;
    }
    qemu = await startQemu();
  }, 900_000);
  afterAll(async () => {
    await qemu?.stop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  /** Every live argument-less query- command, run with `binding`, strictly: the failures by command. */
  async function strictQueries(binding: QmpSchemaBinding): Promise<{ decoded: number; failures: string[]; skipped: string[] }> {
    const client = await connectQmp<Commands, Events>(binding, qemu.socket, { decode: { strict: true } });
    try {
      const live = ((await client.execute('query-commands')) as { name: string }[]).map((c) => c.name).filter((n) => n.startsWith('query-')).sort();
      const failures: string[] = [];
      const skipped: string[] = [];
      let decoded = 0;
      for (const name of live) {
        // Commands the binding lacks (removed since 7.2), and those with required arguments, are not asked.
        if (!Object.prototype.hasOwnProperty.call(binding.commands, name)) {
          skipped.push(name);
          continue;
        }
        try {
          await client.execute(name);
          decoded++;
        } catch (e) {
          if (e instanceof QmpError && !e.fromServer && /missing/.test(e.message)) skipped.push(name);
          else if (e instanceof QmpError && e.fromServer) skipped.push(`${name} (QEMU: ${e.message})`);
          else failures.push(`${name}: ${(e as Error).message}`);
        }
      }
      return { decoded, failures, skipped };
    } finally {
      await client.close();
    }
  }

  it('with 7.2.0 as the oldest version: every reply decodes strictly; without, some fail', async () => {
    const spanning = await strictQueries(bindings.spanning!);
    const newest = await strictQueries(bindings.newestOnly!);
    console.log(`[versions, live] 10.2.2 with --oldest 7.2.0: ${spanning.decoded} decoded strictly, ${spanning.failures.length} failures; not asked: ${spanning.skipped.join(', ')}`);
    console.log(`[versions, live] 10.2.2 alone: ${newest.decoded} decoded strictly, ${newest.failures.length} failures:\n  ${newest.failures.join('\n  ')}`);
    expect(spanning.failures, spanning.failures.join("\n")).toEqual([]);
    expect(spanning.decoded).toBeGreaterThanOrEqual(40);
    expect(newest.failures.length).toBeGreaterThan(0);
    // The ones the issue names: query-machines (acpi) and the block queries (active, children).
    expect(newest.failures.some((f) => f.startsWith('query-machines:'))).toBe(true);
    expect(newest.failures.some((f) => f.startsWith('query-named-block-nodes:') || f.startsWith('query-block:'))).toBe(true);
    expect(spanning.decoded).toBe(newest.decoded + newest.failures.length);
  });
});
