/**
 * Exact 64-bit integers end to end, on QEMU 7.2.0's schema (the one Debian's
 * QEMU 7.2 speaks) and a captured reply whose `max-bandwidth` (a `size`)
 * was set to 2^64-1: under `--int64 bigint` the value survives
 * read (parseQmpJson) → decode → encode → write (stringifyQmpJson) byte for
 * byte, and the generated types say `bigint`; under `--int64 number` it is
 * an error naming the path, never a rounded number.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { runTsc, writeTsconfig } from '../emit/generate-helpers.js';
import { runCliSync } from '../helpers/cli.js';
import { describeFixture, sharedPath, sharedPathFromRoot } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const SCHEMA = 'qemu/7.2.0/qapi/qapi-schema.json';
const FIXTURE_REL = join('test', 'fixtures', 'qemu-7.2', 'migrate-parameters-uint64.json');
const FIXTURE = join(REPO_ROOT, FIXTURE_REL);
const MAX = '18446744073709551615';

/** Every `"member": integer` of a JSON text, with the integer's digits as written. */
function integerTexts(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of text.matchAll(/"([\w-]+)"\s*:\s*(-?\d+)(?=\s*[,}\]])/g)) out.set(m[1]!, m[2]!);
  return out;
}

interface Gen {
  index: any;
  runtime: any;
}

describeFixture(SCHEMA, 'exact 64-bit integers (QEMU 7.2.0 schema)', () => {
  let root = '';
  let big: Gen;
  let num: Gen;

  beforeAll(async () => {
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    root = mkdtempSync(join(REPO_ROOT, 'tmp', 'exactness-'));
    const load = async (dir: string): Promise<Gen> => ({
      index: { ...(await import(join(dir, 'index.ts'))), ...(await import(join(dir, 'schema.ts'))) },
      runtime: await import(join(dir, 'runtime', 'index.ts')),
    });
    await generate({ schema: sharedPath(SCHEMA), out: join(root, 'big'), lenientDocs: true, int64: 'bigint' });
    await generate({ schema: sharedPath(SCHEMA), out: join(root, 'num'), lenientDocs: true, int64: 'number' });
    big = await load(join(root, 'big'));
    num = await load(join(root, 'num'));
  }, 900_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('the fixture holds 2^64-1 in max-bandwidth, which JSON.parse would round', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    expect(integerTexts(text).get('max-bandwidth')).toBe(MAX);
    expect(String(JSON.parse(text).return['max-bandwidth'])).not.toBe(MAX);
    expect(big.index.int64Mode).toBe('bigint');
    expect(num.index.int64Mode).toBe('number');
  });

  it('--int64 bigint: read → decode → encode → write keeps every integer byte for byte', () => {
    const { index, runtime } = big;
    const text = readFileSync(FIXTURE, 'utf8');
    const msg = runtime.parseQmpJson(text);
    expect(msg.return['max-bandwidth']).toBe(2n ** 64n - 1n);

    const decoded = index.decodeReturn('query-migrate-parameters', msg.return);
    expect(decoded['max-bandwidth']).toBe(2n ** 64n - 1n);
    // 64-bit kinds are bigint throughout, even when small; narrower ones stay number.
    expect(decoded['xbzrle-cache-size']).toBe(67108864n);
    expect(decoded['downtime-limit']).toBe(300n);
    expect(decoded['multifd-channels']).toBe(2);
    // Strict decoding (the whole reply is valid for 7.2) gives the same.
    expect(index.decodeReturn('query-migrate-parameters', msg.return, { strict: true })).toEqual(decoded);

    // Encode with the plan's output walk and with the visitor walk: both exact.
    const encodings = [
      index.encode('MigrationParameters', decoded),
      runtime.encodeValue(index.visitMigrationParameters, decoded, 'bigint'),
      index.encode('MigrationParameters', index.clone('MigrationParameters', decoded)),
    ];
    const inputInts = integerTexts(text);
    expect(inputInts.size).toBeGreaterThan(15);
    for (const encoded of encodings) {
      const written = runtime.stringifyQmpJson({ return: encoded });
      expect(written).toContain(`"max-bandwidth":${MAX}`);
      // Every integer member is written with the very digits it was read with.
      expect(integerTexts(written)).toEqual(inputInts);
      // And the whole message reads back as the same value.
      expect(runtime.parseQmpJson(written)).toEqual(msg);
    }
  });

  it('--int64 bigint: a uint64 argument at 2^64-1 is taken strictly and written back exactly', () => {
    const { index, runtime } = big;
    const text = `{"downtime-limit": ${MAX}, "max-bandwidth": ${MAX}, "xbzrle-cache-size": 0}`;
    const args = index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson(text));
    expect(args['downtime-limit']).toBe(2n ** 64n - 1n);
    const written = runtime.stringifyQmpJson(index.encode('MigrateSetParameters', args));
    expect(integerTexts(written)).toEqual(integerTexts(text));
    // One more is out of range, not wrapped.
    expect(() => index.decodeArguments('migrate-set-parameters', runtime.parseQmpJson('{"downtime-limit": 18446744073709551616}'))).toThrow(
      "Parameter 'downtime-limit' expects uint64",
    );
  });

  it('--int64 number: 2^64-1 is a clear error with the path, never a rounded number', () => {
    const { index, runtime } = num;
    const text = readFileSync(FIXTURE, 'utf8');
    const msg = runtime.parseQmpJson(text);
    let error: any;
    try {
      index.decodeReturn('query-migrate-parameters', msg.return);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(runtime.QapiValueError);
    expect(error.path).toBe('max-bandwidth');
    expect(error.code).toBe('inexact');
    expect(error.message).toBe(`Parameter 'max-bandwidth' value ${MAX} cannot be represented exactly as a number (generate with --int64 bigint)`);

    // The whole-message check says the same.
    expect(runtime.checkQmpMessage(text, index.qmpCommandTable, index.qmpEventTable, { int64: 'number', replyTo: 'query-migrate-parameters' })).toEqual({
      ok: false,
      error: error.message,
    });

    // The largest safe integer is fine; one beyond it is refused too.
    const safe = index.decodeReturn('query-migrate-parameters', runtime.parseQmpJson('{"max-bandwidth": 9007199254740991}'));
    expect(safe['max-bandwidth']).toBe(9007199254740991);
    expect(() => index.decodeReturn('query-migrate-parameters', runtime.parseQmpJson('{"max-bandwidth": 9007199254740993}'))).toThrow(
      "Parameter 'max-bandwidth' value 9007199254740993 cannot be represented exactly as a number (generate with --int64 bigint)",
    );

    // Encoding an unsafe number is refused as well, with the path (its digits may already be rounded).
    let encodeError: any;
    try {
      index.encode('MigrationParameters', { 'max-bandwidth': 2 ** 64 });
    } catch (e) {
      encodeError = e;
    }
    expect(encodeError).toBeInstanceOf(runtime.QapiValueError);
    expect(encodeError.path).toBe('max-bandwidth');
  });

  it('qapi-ts validate agrees: error with the path under number, ok under bigint', () => {
    const base = ['validate', '--schema', sharedPathFromRoot(SCHEMA), '--lenient-docs', '--reply-to', 'query-migrate-parameters'];
    const n = runCliSync([...base, '--int64', 'number', FIXTURE_REL]);
    expect(n.stdout).toBe(`${FIXTURE_REL}: error: Parameter 'max-bandwidth' value ${MAX} cannot be represented exactly as a number (generate with --int64 bigint)\n`);
    expect(n.status).toBe(1);
    const b = runCliSync([...base, '--int64', 'bigint', FIXTURE_REL]);
    expect(b.stdout).toBe(`${FIXTURE_REL}: ok\n`);
    expect(b.status).toBe(0);
  });

  it('the generated types: bigint for size/uint64/int64 under bigint, number otherwise (read and type-checked)', () => {
    const bigText = readFileSync(join(root, 'big', 'migration.ts'), 'utf8');
    const numText = readFileSync(join(root, 'num', 'migration.ts'), 'utf8');
    const memberType = (text: string, iface: string, member: string): string | undefined => {
      const body = new RegExp(`export interface ${iface} \\{([\\s\\S]*?)\\n\\}`).exec(text)?.[1] ?? '';
      return new RegExp(`'${member}'\\?: ([^;]+);`).exec(body)?.[1];
    };
    expect(memberType(bigText, 'MigrationParameters', 'max-bandwidth')).toBe('bigint');
    expect(memberType(bigText, 'MigrationParameters', 'downtime-limit')).toBe('bigint');
    expect(memberType(bigText, 'MigrationParameters', 'multifd-channels')).toBe('number');
    expect(memberType(numText, 'MigrationParameters', 'max-bandwidth')).toBe('number');

    mkdirSync(join(root, 'check'));
    writeFileSync(join(root, 'check', 'package.json'), '{ "type": "module" }\n');
    writeFileSync(
      join(root, 'check', 'types.ts'),
      `import type { MigrationParameters, MigrateSetParameters } from '../big/index.js';
import type { MigrationParameters as NumParameters } from '../num/index.js';
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
export function assertType<T extends true>(): T | undefined {
  return undefined;
}
assertType<Equals<NonNullable<MigrationParameters['max-bandwidth']>, bigint>>();
assertType<Equals<NonNullable<MigrationParameters['downtime-limit']>, bigint>>();
assertType<Equals<NonNullable<MigrateSetParameters['max-bandwidth']>, bigint>>();
assertType<Equals<NonNullable<MigrationParameters['multifd-channels']>, number>>();
assertType<Equals<NonNullable<NumParameters['max-bandwidth']>, number>>();
export const ok: MigrationParameters = { 'max-bandwidth': 18446744073709551615n };
// @ts-expect-error a number is not a bigint
export const bad: MigrationParameters = { 'max-bandwidth': 1 };
`,
    );
    expect(runTsc(writeTsconfig(root, 'nodenext', ['check', 'big', 'num'], { target: 'ES2022' }))).toBe('');
  }, 900_000);
});
