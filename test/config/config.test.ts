/**
 * The downstream config: `qapi-ts init` sets a package up, `generate` with
 * no flags reads qapi-ts.config.json (flags override it), and a bad config
 * gets an error that names the key path and what was expected, with nothing
 * written.
 */
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readConfig, generateOptionsOf, ConfigError } from '../../generator/config/config.js';
import { init } from '../../generator/config/command.js';
import { runCliSync, stackTraceLines } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { tempDir } from '../emit/generate-helpers.js';

/** The small hand-written schema of the tests. */
const SMALL_SCHEMA = join(REPO_ROOT, 'test', 'fixtures', 'small-schema');

let dir = '';
beforeEach(() => {
  dir = tempDir('config');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, value: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
};

describe('qapi-ts init', () => {
  it('writes the config and adds the codegen script, keeping the rest of package.json', () => {
    write('package.json', '{\n    "name": "vm-manager",\n    "scripts": { "test": "vitest" }\n}\n');
    expect(init(dir)).toEqual(['wrote qapi-ts.config.json', 'added "codegen": "qapi-ts generate" to package.json']);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toEqual({ name: 'vm-manager', scripts: { test: 'vitest', codegen: 'qapi-ts generate' } });
    // Its indentation is kept.
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toMatch(/^ {4}"name"/m);
    const config = JSON.parse(readFileSync(join(dir, 'qapi-ts.config.json'), 'utf8'));
    expect(config.entries).toEqual({ qmp: 'qapi/qapi-schema.json', qga: 'qga/qapi-schema.json', qsd: 'storage-daemon/qapi/qapi-schema.json' });
    expect(config.out).toBe('generated');
    expect(existsSync(join(dir, config.$schema))).toBe(true);
    // Again: nothing to do.
    expect(init(dir)).toEqual(['kept qapi-ts.config.json (it exists; --force rewrites it)']);
  });

  it('refuses to replace another codegen script (nothing written), and needs a package.json', () => {
    write('package.json', { name: 'x', scripts: { codegen: 'make bindings' } });
    expect(() => init(dir)).toThrow(/a "codegen" script exists already \("make bindings"\); --force replaces it/);
    expect(existsSync(join(dir, 'qapi-ts.config.json'))).toBe(false);
    rmSync(join(dir, 'package.json'));
    expect(() => init(dir)).toThrow(/no package.json/);
  });

  it('the written config is valid against the published schema', async () => {
    write('package.json', { name: 'x' });
    init(dir);
    const config = await readConfig(join(dir, 'qapi-ts.config.json'));
    const options = generateOptionsOf(config, join(dir, 'qapi-ts.config.json'));
    expect(options.out).toBe(join(dir, 'generated'));
    expect(options.schema).toEqual([
      { name: 'qmp', schema: join(dir, 'schema', 'qapi/qapi-schema.json') },
      { name: 'qga', schema: join(dir, 'schema', 'qga/qapi-schema.json') },
      { name: 'qsd', schema: join(dir, 'schema', 'storage-daemon/qapi/qapi-schema.json') },
    ]);
  });
});

describe('config errors name the key path and what was expected', () => {
  const cases: Array<[string, unknown, RegExp]> = [
    ['an unknown key', { entries: { qmp: 'a.json' }, out: 'g', int46: 'bigint' }, /: unknown key 'int46'/],
    ['an unknown nested key', { entries: { qmp: 'a.json' }, out: 'g', client: { timeOut: 5 } }, /client: unknown key 'timeOut'/],
    ['a wrong type', { entries: { qmp: 'a.json' }, out: 7 }, /out: expected string, got 7/],
    ['a wrong enum value', { entries: { qmp: 'a.json' }, out: 'g', int64: 'float' }, /int64: expected one of "number", "bigint", got "float"/],
    ['a wrong type deep down', { entries: { qmp: 3 }, out: 'g' }, /entries\.qmp: expected string, got 3/],
    ['a missing key', { entries: { qmp: 'a.json' } }, /missing key 'out'/],
    ['a bad entry name', { entries: { runtime: 'a.json' }, out: 'g' }, /entries: the entry name 'runtime' is not a directory name/],
    ['a bad compat value', { entries: { qmp: 'a.json' }, out: 'g', compat: { 'deprecated-input': 'drop' } }, /compat\.deprecated-input: expected one of "accept", "reject", "crash", got "drop"/],
    ['a list item', { entries: { qmp: 'a.json' }, out: 'g', ifSymbols: ['CONFIG_LINUX', 'not a symbol'] }, /ifSymbols\[1\]: must match pattern/],
  ];
  it.each(cases)('%s', async (_what, config, message) => {
    const file = write('qapi-ts.config.json', config);
    const err = await readConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message.startsWith(file)).toBe(true);
  });

  it('not JSON', async () => {
    const file = write('qapi-ts.config.json', '{ "out": "g", }');
    await expect(readConfig(file)).rejects.toThrow(/qapi-ts\.config\.json: not JSON/);
  });

  it('every problem at once', async () => {
    const file = write('qapi-ts.config.json', { entries: { qmp: 'a.json' }, out: 'g', int64: 1, codecs: 'yes' });
    const message = ((await readConfig(file).catch((e: unknown) => e)) as Error).message;
    expect(message).toMatch(/int64: /);
    expect(message).toMatch(/codecs: expected boolean, got "yes"/);
  });
});

describe('generate reads the config', () => {
  /** A package with the repository's small schema synced into schema/. */
  function setUp(config: Record<string, unknown>): void {
    write('package.json', { name: 'downstream', type: 'module' });
    mkdirSync(join(dir, 'schema'));
    cpSync(SMALL_SCHEMA, join(dir, 'schema', 'small'), { recursive: true });
    write('qapi-ts.config.json', { entries: { '.': 'small/qapi-schema.json' }, out: 'generated', ...config });
  }

  it('with no flags; flags override it; --check agrees; a bad config stops before anything is written', () => {
    setUp({ int64: 'bigint' });
    const r = runCliSync(['generate'], { cwd: dir, timeout: 600_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'generated', 'schema.ts'), 'utf8')).toMatch(/int64Mode = 'bigint'/);
    expect(runCliSync(['generate', '--check'], { cwd: dir, timeout: 600_000 }).status).toBe(0);
    // A flag wins over the config.
    expect(runCliSync(['generate', '--check', '--int64', 'number'], { cwd: dir, timeout: 600_000 }).status).toBe(1);
    const before = readdirSync(join(dir, 'generated')).sort();
    write('qapi-ts.config.json', { entries: { '.': 'small/qapi-schema.json' }, out: 'generated', int64: 'double' });
    const bad = runCliSync(['generate'], { cwd: dir, timeout: 600_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^qapi-ts: .*qapi-ts\.config\.json: int64: expected one of "number", "bigint", got "double"\n$/);
    expect(stackTraceLines(bad.stderr)).toEqual([]);
    expect(readdirSync(join(dir, 'generated')).sort()).toEqual(before);
  }, 600_000);

  it('without a config or --schema, says what is missing', () => {
    write('package.json', { name: 'x' });
    const r = runCliSync(['generate'], { cwd: dir, timeout: 600_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/which schema\? \(or run `qapi-ts init`/);
  }, 600_000);
});
