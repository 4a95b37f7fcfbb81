/**
 * qapi-ts as a new user meets it: a package outside the repository installs
 * the packed tarball, runs its `qapi-ts` bin to generate QEMU 10.2.2's QMP
 * bindings (and the guest agent's, with `--int64 bigint`), and type-checks a
 * program with the strictest settings under TypeScript 7 and 5.9, then runs it.
 *
 * The program imports only from `./qapi/index.js` and `./qga/index.js`. Its
 * `@ts-expect-error` lines (a typo in migrate-set-parameters' arguments, a
 * wrong type to cloneMigrationParameters, a bad enum value) are proven twice:
 * a clean check means each one hides an error (else TS2578), and a copy with
 * the directives removed must fail exactly there, for the expected reason.
 *
 * The tarball is packed from a copy of the checkout (so the `prepare` build
 * does not rebuild this checkout's dist/ under other running tests), with the
 * repository's node_modules linked in for the build. The install needs the npm
 * registry or a warm npm cache (for the package's dependencies and @types/node).
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { writeTsconfig } from '../emit/generate-helpers.js';

const run = promisify(execFile);

const QMP_SCHEMA = 'qemu/10.2.2/qapi/qapi-schema.json';
const QGA_SCHEMA = 'qemu/10.2.2/qga/qapi-schema.json';

const TSC = {
  '7': join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
  '5.9': join(REPO_ROOT, 'node_modules', 'typescript-5.9', 'bin', 'tsc'),
};

/** Top-level entries of the checkout a fresh clone doesn't have, or the pack doesn't need. */
const NOT_COPIED = new Set(['node_modules', 'dist', 'tmp', 'coverage', '.git', 'generated']);

/** The consumer's program. `[tag]` after each @ts-expect-error names the check that line proves. */
const MAIN = `import {
  cloneMigrationParameters,
  encodeArguments,
  MigrationCapability,
  QapiError,
  QapiValueError,
  stringifyQmpJson,
  type JsonValue,
  type MigrationParameters,
} from './qapi/index.js';
import { decodeReturn, parseQmpJson } from './qga/index.js';

/** Never called: the lines the compiler must refuse, each under its @ts-expect-error. */
export function refusedAtCompileTime(params: MigrationParameters): void {
  // @ts-expect-error [typo] 'backend-transfers' is not an argument of migrate-set-parameters
  encodeArguments('migrate-set-parameters', { 'backend-transfers': ['virtio-net-tap'] });
  // @ts-expect-error [clone] max-bandwidth is a size (a number), not a string
  cloneMigrationParameters({ ...params, 'max-bandwidth': '1G' });
  // @ts-expect-error [enum] 'xbzrle-typo' is not a MigrationCapability
  encodeArguments('migrate-set-capabilities', { capabilities: [{ capability: 'xbzrle-typo', state: true }] });
  // @ts-expect-error [enum-const] nor is it a key of the enum's const
  params['cpu-throttle-tailslow'] = MigrationCapability['xbzrle-typo'] === 'xbzrle';
}

function report(key: string, value: JsonValue): void {
  console.log(key + ' ' + stringifyQmpJson(value));
}

function errorOf(f: () => unknown): JsonValue {
  try {
    f();
    return null;
  } catch (e) {
    if (!(e instanceof QapiValueError)) throw e;
    return { name: e.name, message: e.message, path: e.path, base: e instanceof QapiError };
  }
}

// Typed values: what the compiler accepts works.
const params: MigrationParameters = { 'max-bandwidth': 1048576, 'cpu-throttle-initial': 20 };
const copy: MigrationParameters = cloneMigrationParameters(params);
report('clone', { copy: copy['max-bandwidth'] ?? null, same: copy === params });
const cap: MigrationCapability = MigrationCapability.xbzrle;
report('capabilities', encodeArguments('migrate-set-capabilities', { capabilities: [{ capability: cap, state: true }] }) as JsonValue);

// Untyped input (JSON.parse gives any): an unknown member is an error that names its path.
report('typo', errorOf(() => encodeArguments('migrate-set-parameters', JSON.parse('{ "backend-transfers": ["virtio-net-tap"] }'))));
report('nested', errorOf(() => encodeArguments('migrate-set-capabilities', JSON.parse('{ "capabilities": [{ "capability": "xbzrle", "state": true, "stat": 1 }] }'))));

// The guest agent, generated with --int64 bigint: nanoseconds since 1970 (above 2^53), read exactly.
const reply = parseQmpJson('{ "return": 1764614400123456789 }');
if (typeof reply !== 'object' || reply === null || Array.isArray(reply)) throw new Error('the reply is not an object');
const ns: bigint = decodeReturn('guest-get-time', reply['return']);
report('guest-get-time', { digits: ns.toString(), exact: ns === 1764614400123456789n });

// QEMU's own device_add example: a 'gen': false command, so the driver's property mac is allowed.
report('device_add', encodeArguments('device_add', { driver: 'e1000', id: 'net1', mac: '52:54:00:12:34:56' }) as JsonValue);
`;

/** One tsc run: its diagnostics ('' when clean). */
async function tsc(version: keyof typeof TSC, cwd: string, args: string[]): Promise<string> {
  try {
    await run(process.execPath, [TSC[version], ...args, '--pretty', 'false'], { cwd, maxBuffer: 64 << 20 });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return (e.stdout ?? '') + (e.stderr ?? '') || e.message;
  }
}

async function sh(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(cmd, args, { cwd, maxBuffer: 64 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
}

describeFixture([QMP_SCHEMA, QGA_SCHEMA], 'the packed tarball in a new package (QEMU 10.2.2, strictest tsconfig, TypeScript 7 and 5.9)', () => {
  const root = mkdtempSync(join(tmpdir(), 'qapi-ts-tarball-'));
  const app = join(root, 'app');
  let tarball = '';
  let packed: string[] = [];
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeAll(async () => {
    const t0 = Date.now();
    // 1. npm pack (its prepare script builds dist/) from a copy of the checkout.
    const src = join(root, 'src');
    cpSync(REPO_ROOT, src, {
      recursive: true,
      filter: (from) => {
        const rel = relative(REPO_ROOT, from);
        return rel === '' || !NOT_COPIED.has(rel.split(sep)[0]!);
      },
    });
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(src, 'node_modules'), 'dir');
    await sh('npm', ['pack', '--silent', '--pack-destination', root], src);
    tarball = readdirSync(root).find((n) => n.endsWith('.tgz')) ?? '';
    expect(tarball).toMatch(/^qapi-ts-.*\.tgz$/);
    packed = (await sh('tar', ['-tzf', join(root, tarball)], root)).split('\n').filter(Boolean);
    const t1 = Date.now();
    // 2. A new package that depends on the tarball by path.
    const typesNode = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@types/node']!;
    cpSync(join(root, tarball), join(app, tarball));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({ name: 'qapi-ts-consumer', private: true, type: 'module', dependencies: { 'qapi-ts': `file:${tarball}` }, devDependencies: { '@types/node': typesNode } }, null, 2),
    );
    await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], app);
    const t2 = Date.now();
    // 3. Its bin, through npx, for QMP and the guest agent.
    await Promise.all([
      sh('npx', ['--no', 'qapi-ts', 'generate', '--schema', sharedPath(QMP_SCHEMA), '--out', 'qapi'], app),
      sh('npx', ['--no', 'qapi-ts', 'generate', '--schema', sharedPath(QGA_SCHEMA), '--out', 'qga', '--int64', 'bigint'], app),
    ]);
    console.log(`[tarball] pack ${((t1 - t0) / 1000).toFixed(1)} s, install ${((t2 - t1) / 1000).toFixed(1)} s, generate ${((Date.now() - t2) / 1000).toFixed(1)} s`);
    // 4. The program and a strictest tsconfig (the flags the type-check tests use; @types/node installed here).
    writeFileSync(join(app, 'main.ts'), MAIN);
    const config = JSON.parse(readFileSync(writeTsconfig(app, 'nodenext', ['qapi', 'qga']), 'utf8')) as { compilerOptions: Record<string, unknown>; include: string[] };
    delete config.compilerOptions['typeRoots'];
    delete config.compilerOptions['noEmit'];
    Object.assign(config.compilerOptions, { rootDir: '.', outDir: 'build' });
    config.include.push('main.ts');
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(config, null, 2));
    // The same program with the @ts-expect-error directives taken out (lines kept in place).
    writeFileSync(join(app, 'unguarded.ts'), MAIN.replaceAll('// @ts-expect-error', '// expected error:'));
    writeFileSync(join(app, 'tsconfig.unguarded.json'), JSON.stringify({ extends: './tsconfig.json', compilerOptions: { noEmit: true }, include: ['qapi/**/*.ts', 'qga/**/*.ts', 'unguarded.ts'] }, null, 2));
  }, 900_000);

  it('packs the bin, the compiled generator and the runtime templates, and nothing else', () => {
    expect(packed).toContain('package/dist/generator/cli.js');
    expect(packed).toContain('package/templates/runtime/index.ts');
    expect(packed).toContain('package/config.schema.json');
    expect(packed.filter((f) => !/^package\/(dist\/|templates\/|package\.json$|config\.schema\.json$|README\.md$|LICENSE)/.test(f))).toEqual([]);
    const bin = join(app, 'node_modules', 'qapi-ts', 'dist', 'generator', 'cli.js');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
    // The app got the generator's output, not a link into this checkout.
    expect(readdirSync(join(app, 'qapi'))).toContain('index.ts');
    expect(readdirSync(join(app, 'qga'))).toContain('index.ts');
  });

  it('type-checks clean with TypeScript 7 and 5.9, and the @ts-expect-error lines each hide the expected error', async () => {
    const [ts7, ts59, unguarded] = await Promise.all([
      tsc('7', app, ['-p', 'tsconfig.json']), // also emits build/
      tsc('5.9', app, ['-p', 'tsconfig.json', '--noEmit']),
      tsc('7', app, ['-p', 'tsconfig.unguarded.json']),
    ]);
    expect(ts7).toBe('');
    expect(ts59).toBe('');
    // Without the directives, each tagged line fails, for its own reason, and nothing else does.
    const lines = MAIN.split('\n');
    const expected: Record<string, RegExp> = {
      typo: /'backend-transfers'' does not exist in type 'MigrateSetParameters'/,
      clone: /Type 'string' is not assignable to type 'number'/,
      enum: /'"xbzrle-typo"' is not assignable to type 'MigrationCapability'/,
      'enum-const': /'"xbzrle-typo"' can't be used to index type/,
    };
    const byLine = new Map<number, string>();
    for (const m of unguarded.matchAll(/^unguarded\.ts\((\d+),\d+\): error (TS\d+: .*)$/gm)) byLine.set(Number(m[1]), (byLine.get(Number(m[1])) ?? '') + m[2] + '\n');
    const tagged = new Map<number, string>();
    lines.forEach((l, i) => {
      const tag = /@ts-expect-error \[([\w-]+)\]/.exec(l)?.[1];
      if (tag !== undefined) tagged.set(i + 2, tag); // the line below, 1-based
    });
    expect([...tagged.values()]).toEqual(Object.keys(expected));
    expect([...byLine.keys()].sort((a, b) => a - b)).toEqual([...tagged.keys()]);
    for (const [line, tag] of tagged) expect.soft(byLine.get(line), `${tag} (line ${line})`).toMatch(expected[tag]!);
    // Nothing outside main.ts failed in the unguarded check either.
    expect(unguarded.split('\n').filter((l) => l !== '' && !l.startsWith('unguarded.ts(') && !l.startsWith(' '))).toEqual([]);
  }, 900_000);

  it('runs: unknown members from untyped input name their path, guest-get-time is exact, device_add keeps mac', async () => {
    const out = await sh(process.execPath, [join('build', 'main.js')], app);
    const results = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf(' ')), JSON.parse(l.slice(l.indexOf(' ') + 1)) as unknown]));
    expect(results).toEqual({
      clone: { copy: 1048576, same: false },
      capabilities: { capabilities: [{ capability: 'xbzrle', state: true }] },
      typo: { name: 'QapiValueError', message: "Parameter 'backend-transfers' is unexpected", path: 'backend-transfers', base: true },
      nested: { name: 'QapiValueError', message: "Parameter 'capabilities[0].stat' is unexpected", path: 'capabilities[0].stat', base: true },
      'guest-get-time': { digits: '1764614400123456789', exact: true },
      device_add: { driver: 'e1000', id: 'net1', mac: '52:54:00:12:34:56' },
    });
  }, 900_000);

  describe('examples/downstream: the README\'s steps, from the tarball', () => {
    const pkg = join(root, 'downstream');
    const npx = (args: string[]) => sh('npx', ['--no', 'qapi-ts', ...args], pkg);
    const git = (args: string[]) => sh('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], pkg);

    beforeAll(async () => {
      // The example as it is in the repository, but its config, which `init` writes again.
      cpSync(join(REPO_ROOT, 'examples', 'downstream'), pkg, { recursive: true, filter: (f) => !/(node_modules|generated|schema|dist)$/.test(f) });
      rmSync(join(pkg, 'qapi-ts.config.json'));
      cpSync(join(root, tarball), join(pkg, tarball));
      const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
      manifest.devDependencies['qapi-ts'] = `file:${tarball}`;
      writeFileSync(join(pkg, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
      await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel', 'error'], pkg);
    }, 900_000);

    it('init writes the config the example ships; sync, codegen, then its own tests pass', async () => {
      const init = await npx(['init']);
      expect(init).toMatch(/wrote qapi-ts\.config\.json/);
      const written = JSON.parse(readFileSync(join(pkg, 'qapi-ts.config.json'), 'utf8')) as Record<string, unknown>;
      const shipped = JSON.parse(readFileSync(join(REPO_ROOT, 'examples', 'downstream', 'qapi-ts.config.json'), 'utf8')) as Record<string, unknown>;
      expect(written).toEqual(shipped);
      await npx(['sync', '--from', sharedPath('qemu/10.2.2')]);
      expect(JSON.parse(readFileSync(join(pkg, 'schema', 'qapi-ts.lock.json'), 'utf8')).qemuVersion).toBe('10.2.2');
      await sh('npm', ['run', '--silent', 'codegen'], pkg);
      for (const entry of ['qmp', 'qga', 'qsd']) expect(readdirSync(join(pkg, 'generated', entry))).toContain('index.ts');
      const test = await sh('npm', ['test', '--silent'], pkg);
      expect(test).toMatch(/# pass 1/);
      expect(test).toMatch(/# fail 0/);
    }, 600_000);

    it('a QEMU bump: diff reports it, only migration\'s files change, and the checks then pass', async () => {
      await git(['init', '-q']);
      writeFileSync(join(pkg, '.gitignore'), 'node_modules\ndist\n*.tgz\n');
      await git(['add', '-A']);
      await git(['commit', '-qm', 'QEMU 10.2.2']);
      await npx(['sync', '--from', sharedPath('qemu/10.2.2-backend-transfer')]);
      const diff = await npx(['diff', 'HEAD:schema', 'schema']);
      expect(diff).toMatch(/BackendTransfer/);
      await sh('npm', ['run', '--silent', 'codegen'], pkg);
      const changed = (await git(['status', '--porcelain'])).split('\n').filter(Boolean).map((l) => l.slice(3)).sort();
      expect(changed).toEqual(['generated/.qapi-ts-manifest.json', 'generated/qmp/migration.ts', 'schema/qapi-ts.lock.json', 'schema/qapi/migration.json']);
      const numstat = (await git(['diff', '--numstat'])).split('\n').filter(Boolean).map((l) => l.split('\t'));
      const lines = numstat.reduce((n, [added, removed]) => n + Number(added) + Number(removed), 0);
      console.log(`[downstream] 10.2.2 → 10.2.2-backend-transfer: ${changed.length} files, ${lines} lines changed (${numstat.map(([a, r, f]) => `${f} +${a}/-${r}`).join(', ')})`);
      expect(lines).toBeLessThan(400);
      // Again: nothing to do, and the CI checks agree.
      expect(await sh('npm', ['run', '--silent', 'codegen'], pkg)).toBe('');
      await npx(['generate', '--check']);
      await npx(['sync', '--check']);
    }, 600_000);
  });
});
