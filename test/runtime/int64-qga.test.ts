/**
 * QAPI's `int` is C's `int64_t`: under `--int64 bigint` it is a `bigint`
 * like every 64-bit kind. The guest agent's `guest-get-time` returns
 * nanoseconds since 1970, always beyond 2^53: exact under bigint, and under
 * number an error that names the option that fixes it.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { generateInto, tempDir } from '../emit/generate-helpers.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';

const root = tempDir('int64-qga');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const REPLY = '{"return": 1764614400123456789}';

describeFixture('qemu/10.2.2/qga/qapi-schema.json', "guest-get-time's nanoseconds (QEMU 10.2.2 guest agent)", () => {
  it('decode exactly under --int64 bigint, and fail naming --int64 bigint under number', async () => {
    const gen: Record<string, Record<string, (...a: unknown[]) => unknown>> = {};
    for (const int64 of ['bigint', 'number'] as const) {
      const out = join(root, int64);
      await generateInto(sharedPath('qemu/10.2.2/qga/qapi-schema.json'), out, { int64 });
      gen[int64] = (await import(pathToFileURL(join(out, 'index.ts')).href)) as Record<string, (...a: unknown[]) => unknown>;
    }
    const reply = (g: Record<string, (...a: unknown[]) => unknown>) => (g['parseQmpJson']!(REPLY) as { return: unknown }).return;
    expect(gen['bigint']!['decodeReturn']!('guest-get-time', reply(gen['bigint']!))).toBe(1764614400123456789n);
    expect(() => gen['number']!['decodeReturn']!('guest-get-time', reply(gen['number']!))).toThrow(/1764614400123456789 .*--int64 bigint/);
  }, 900_000);
});
