/**
 * Bindings that span QEMU versions (`generate --oldest`, model/versions.ts):
 * two small schemas, "2.0.0" and an older "1.0.0", each in a tree with a
 * VERSION file. What the older one lacks may be absent, what only it has is
 * known and typed, in the types (with TSDoc) and in the run-time reading of
 * replies and events, strict included; arguments stay held to the newest.
 */
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { TempSchemaDir } from '../helpers/schema.js';
import { tempDir } from './generate-helpers.js';

const NEW = `{ 'enum': 'Mode', 'data': [ 'fast', 'safe' ] }
{ 'struct': 'Info', 'data': { 'name': 'str', 'size': 'int', '*mode': 'Mode' } }
{ 'enum': 'Kind', 'data': [ 'disk', 'net' ] }
{ 'union': 'Dev', 'base': { 'kind': 'Kind', 'id': 'str' }, 'discriminator': 'kind',
  'data': { 'disk': 'Info' } }
{ 'command': 'query-info', 'returns': 'Info' }
{ 'command': 'query-devs', 'returns': ['Dev'] }
{ 'command': 'set-info', 'data': 'Info' }
{ 'event': 'INFO_CHANGED', 'data': 'Info' }
`;

const OLD = `{ 'enum': 'Mode', 'data': [ 'fast', 'legacy' ] }
{ 'struct': 'Info', 'data': { 'name': 'str', '*mode': 'Mode', 'old-flag': 'bool' } }
{ 'enum': 'Kind', 'data': [ 'disk', 'net', 'floppy' ] }
{ 'union': 'Dev', 'base': { 'kind': 'Kind', 'id': 'str' }, 'discriminator': 'kind',
  'data': { 'disk': 'Info', 'floppy': 'Info' } }
{ 'command': 'query-info', 'returns': 'Info' }
{ 'command': 'query-devs', 'returns': ['Dev'] }
{ 'command': 'set-info', 'data': 'Info' }
{ 'event': 'INFO_CHANGED', 'data': 'Info' }
`;

describe('--oldest: one binding for 1.0.0 to 2.0.0', () => {
  const schemas = new TempSchemaDir();
  let out = '';
  let api: any;
  let types = '';

  beforeAll(async () => {
    schemas.write({ 'new/VERSION': '2.0.0\n', 'new/qapi/schema.json': NEW, 'old/VERSION': '1.0.0\n', 'old/qapi/schema.json': OLD });
    out = tempDir('versions');
    await generate({ schema: schemas.path('new/qapi/schema.json'), out, oldest: { '': schemas.path('old/qapi/schema.json') } });
    types = readFileSync(join(out, readdirTypes(out)), 'utf8');
    api = await import(pathToFileURL(join(out, 'index.ts')).href);
  }, 900_000);
  afterAll(() => {
    schemas.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  it('types: what 1.0.0 lacks may be absent, what only 1.0.0 has is there, each with its versions', () => {
    expect(types).toMatch(/Not in QEMU 1\.0\.0: a server of that version leaves it out\.\s*\*\/\s*size\?: number;/);
    expect(types).toMatch(/Only in QEMU 1\.0\.0: removed since, so only an older server sends it, and no argument may carry it\.\s*\*\/\s*'old-flag'\?: boolean;/);
    expect(types).toMatch(/export type Mode = 'fast' \| 'safe' \| 'legacy' \| QapiUnknownValue;/);
    expect(types).toMatch(/\{ kind: 'floppy' \} & Info\)/);
  });

  it('replies and events from either version read strictly; the older-only parts are typed', () => {
    const old = { name: 'a', mode: 'legacy', 'old-flag': true };
    expect(api.decodeReturn('query-info', old, { strict: true })).toEqual(old);
    expect(api.decodeReturn('query-info', { name: 'a', size: 1, mode: 'safe' }, { strict: true })).toEqual({ name: 'a', size: 1, mode: 'safe' });
    expect(api.decodeEvent('INFO_CHANGED', old, { strict: true })).toEqual(old);
    expect(api.decodeReturn('query-devs', [{ kind: 'floppy', id: 'f0', name: 'fd', 'old-flag': false }], { strict: true })).toEqual([{ kind: 'floppy', id: 'f0', name: 'fd', 'old-flag': false }]);
    // Typed: a wrong type in an older-only member is still an error naming its path.
    expect(() => api.decodeReturn('query-info', { name: 'a', 'old-flag': 'yes' })).toThrow(/return\.old-flag/);
    // And what neither version has is unknown: strict rejects it.
    expect(() => api.decodeReturn('query-info', { name: 'a', size: 1, other: 1 }, { strict: true })).toThrow(/other/);
  });

  it('arguments are held to the newest version', () => {
    expect(api.decodeArguments('set-info', { name: 'a', size: 1, mode: 'safe' })).toEqual({ name: 'a', size: 1, mode: 'safe' });
    expect(() => api.decodeArguments('set-info', { name: 'a', size: 1, 'old-flag': true })).toThrow("Parameter 'old-flag' is unexpected");
    expect(() => api.decodeArguments('set-info', { name: 'a' })).toThrow("Parameter 'size' is missing");
    expect(() => api.decodeArguments('set-info', { name: 'a', size: 1, mode: 'legacy' })).toThrow("Parameter 'mode' does not accept value 'legacy'");
    expect(() => api.encodeArguments('set-info', { name: 'a', size: 1, mode: 'legacy' })).toThrow("Parameter 'mode' does not accept value 'legacy'");
  });

  it('without --oldest the same 1.0.0 reply fails (the size is missing)', async () => {
    const plain = tempDir('versions-plain');
    try {
      await generate({ schema: schemas.path('new/qapi/schema.json'), out: plain });
      const p = await import(pathToFileURL(join(plain, 'index.ts')).href);
      expect(() => p.decodeReturn('query-info', { name: 'a', mode: 'fast', 'old-flag': true })).toThrow(/size/);
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  }, 900_000);

  it('--oldest names an entry; not with --codecs', async () => {
    await expect(generate({ schema: schemas.path('new/qapi/schema.json'), out: tempDir('v-bad'), oldest: { qmp: schemas.path('old/qapi/schema.json') } })).rejects.toThrow(/--oldest qmp=…: no such entry/);
    await expect(generate({ schema: schemas.path('new/qapi/schema.json'), out: tempDir('v-bad'), codecs: true, oldest: { '': schemas.path('old/qapi/schema.json') } })).rejects.toThrow(/not with --codecs/);
  });
});

/** The module file of the test schema (`qapi/schema.json` → `schema-schema.ts` or similar). */
function readdirTypes(out: string): string {
  const files = readdirSync(out).filter((f) => f.endsWith('.ts') && !['index.ts', 'schema.ts', 'builtin.ts'].includes(f));
  if (files.length !== 1) throw new Error(`expected one module file, got ${files.join(', ')}`);
  return files[0]!;
}
