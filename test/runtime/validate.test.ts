/**
 * `qapi-ts validate` against the generated code: on a corpus of good and
 * bad QMP messages (test/fixtures/qmp-messages/, options per file in its
 * manifest.json), the CLI prints for each file exactly the verdict and
 * message of the generated code's own `checkQmpMessage` for that schema
 * and those options; good files are ok, bad files fail with the error the
 * manifest expects (QEMU's wording for commands, words for a reply for
 * replies and events; the path). Also standard input, exit
 * codes, --compat, --strict, unreadable files.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { CLI, runCliSync, stackTraceLines } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/paths.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const CORPUS = join(REPO_ROOT, 'test', 'fixtures', 'qmp-messages');

interface FileOptions {
  compat?: string;
  replyTo?: string;
  strict?: boolean;
  int64?: 'number' | 'bigint';
  error?: string;
  errorPattern?: string;
}

interface Manifest {
  schema: string;
  files: Record<string, FileOptions>;
}

const manifest = JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as Manifest;
const SCHEMA = manifest.schema;

const corpusFiles = (dir: 'good' | 'bad'): string[] =>
  readdirSync(join(CORPUS, dir))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `${dir}/${f}`);
const GOOD = corpusFiles('good');
const BAD = corpusFiles('bad');
const ALL = [...GOOD, ...BAD];

/** The path the CLI is given and prints: relative to the repository root. */
const cliPath = (f: string): string => relative(REPO_ROOT, join(CORPUS, f));

function cliArgs(o: FileOptions): string[] {
  const args = ['validate', '--schema', SCHEMA];
  if (o.compat !== undefined) args.push('--compat', o.compat);
  if (o.replyTo !== undefined) args.push('--reply-to', o.replyTo);
  if (o.strict) args.push('--strict');
  if (o.int64 !== undefined) args.push('--int64', o.int64);
  return args;
}

const optionKey = (o: FileOptions): string => JSON.stringify(cliArgs(o));

type Gen = { index: any; runtime: any };
let root = '';
const gens: Record<'number' | 'bigint', Gen> = {} as any;

/** The generated code's verdict on a message text, under a file's options. */
function generatedVerdict(text: string, o: FileOptions): { ok: boolean; error?: string } {
  const g = gens[o.int64 ?? 'number'];
  return g.runtime.checkQmpMessage(text, g.index.qmpCommandTable, g.index.qmpEventTable, {
    int64: g.index.int64Mode,
    compat: g.runtime.parseCompatPolicy(o.compat ?? ''),
    ...(o.replyTo !== undefined ? { replyTo: o.replyTo } : {}),
    ...(o.strict ? { strict: true } : {}),
  });
}

const expectedLine = (file: string, v: { ok: boolean; error?: string }): string => (v.ok ? `${file}: ok` : `${file}: error: ${v.error}`);

beforeAll(async () => {
  mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
  root = mkdtempSync(join(REPO_ROOT, 'tmp', 'validate-'));
  for (const int64 of ['number', 'bigint'] as const) {
    const out = join(root, int64);
    await generate({ schema: join(REPO_ROOT, SCHEMA), out, int64 });
    gens[int64] = { index: { ...(await import(join(out, 'index.ts'))), ...(await import(join(out, 'schema.ts'))) }, runtime: await import(join(out, 'runtime', 'index.ts')) };
  }
}, 900_000);
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the corpus', () => {
  it('has a dozen or more good and bad messages, every manifest entry names a file, every bad file has an expectation', () => {
    expect(GOOD.length).toBeGreaterThanOrEqual(12);
    expect(BAD.length).toBeGreaterThanOrEqual(12);
    for (const f of Object.keys(manifest.files)) expect(ALL, f).toContain(f);
    for (const f of BAD) {
      const o = manifest.files[f] ?? {};
      expect(o.error !== undefined || o.errorPattern !== undefined, `${f} needs "error" or "errorPattern"`).toBe(true);
    }
    for (const f of GOOD) expect(manifest.files[f]?.error, f).toBeUndefined();
    // Every kind of message is covered.
    const texts = ALL.map((f) => readFileSync(join(CORPUS, f), 'utf8'));
    for (const kind of ['"execute"', '"exec-oob"', '"return"', '"event"', '"error"']) expect(texts.some((t) => t.includes(kind)), kind).toBe(true);
  });

  it("the generated code's verdicts: good files ok, bad files the expected error", () => {
    for (const f of ALL) {
      const o = manifest.files[f] ?? {};
      const v = generatedVerdict(readFileSync(join(CORPUS, f), 'utf8'), o);
      if (f.startsWith('good/')) {
        expect(v, f).toEqual({ ok: true });
      } else {
        expect(v.ok, f).toBe(false);
        if (o.error !== undefined) expect(v.error, f).toBe(o.error);
        else expect(v.error, f).toMatch(new RegExp(o.errorPattern!));
      }
    }
  });

  it('the CLI prints exactly the generated verdict for every file (one run per option set), and exits 1 iff one failed', () => {
    const groups = new Map<string, { options: FileOptions; files: string[] }>();
    for (const f of ALL) {
      const o = manifest.files[f] ?? {};
      const key = optionKey(o);
      if (!groups.has(key)) groups.set(key, { options: o, files: [] });
      groups.get(key)!.files.push(f);
    }
    expect(groups.size).toBeGreaterThan(5);
    let compared = 0;
    for (const { options, files } of groups.values()) {
      const r = runCliSync([...cliArgs(options), ...files.map(cliPath)]);
      expect(r.stderr, `stderr for ${files.join(', ')}`).toBe('');
      const expected = files.map((f) => {
        const v = generatedVerdict(readFileSync(join(CORPUS, f), 'utf8'), options);
        return { line: expectedLine(cliPath(f), v), ok: v.ok };
      });
      expect(r.stdout.split('\n').slice(0, -1)).toEqual(expected.map((e) => e.line));
      expect(r.stdout.endsWith('\n')).toBe(true);
      expect(r.status).toBe(expected.every((e) => e.ok) ? 0 : 1);
      compared += files.length;
    }
    expect(compared).toBe(ALL.length);
  }, 900_000);

  it('errors from the visitors name the path in the CLI output', () => {
    const withPath = BAD.filter((f) => /^(Parameter|Invalid parameter type for) '/.test(manifest.files[f]?.error ?? ''));
    expect(withPath.length).toBeGreaterThanOrEqual(8);
    const r = runCliSync([...cliArgs({}), ...withPath.filter((f) => Object.keys(manifest.files[f]!).length === 1).map(cliPath)]);
    for (const line of r.stdout.trim().split('\n')) expect(line).toMatch(/: error: (Parameter|Invalid parameter type for) '[^']+'/);
  });
});

describe('options, standard input and exit codes', () => {
  const file = (f: string): string => join(CORPUS, f);

  function runStdin(args: string[], input: string): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, input, encoding: 'utf8', timeout: 900_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('reads standard input for -', () => {
    const good = readFileSync(file('good/cmd-migrate.json'), 'utf8');
    const ok = runStdin([...cliArgs({}), '-'], good);
    expect(ok).toEqual({ status: 0, stdout: '-: ok\n', stderr: '' });
    const badText = readFileSync(file('bad/cmd-bad-enum-in-list.json'), 'utf8');
    const bad = runStdin([...cliArgs({}), '-'], badText);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe(`${expectedLine('-', generatedVerdict(badText, {}))}\n`);
    expect(bad.stdout).toBe("-: error: Parameter 'backend-transfer[1]' does not accept value 'virtio-net-tapx'\n");
    // Mixed with files, in order.
    const mixed = runStdin([...cliArgs({}), cliPath('good/cmd-migrate.json'), '-', cliPath('good/error-reply.json')], badText);
    expect(mixed.stdout.split('\n')).toEqual([`${cliPath('good/cmd-migrate.json')}: ok`, bad.stdout.trimEnd(), `${cliPath('good/error-reply.json')}: ok`, '']);
    expect(mixed.status).toBe(1);
  });

  it('--compat: the same message accepted by default, refused under the policy; a bad policy is a usage error', () => {
    const f = cliPath('bad/cmd-backend-transfer-unstable-reject.json');
    expect(runCliSync([...cliArgs({}), f])).toMatchObject({ status: 0, stdout: `${f}: ok\n` });
    expect(runCliSync([...cliArgs({ compat: 'unstable-input=accept' }), f])).toMatchObject({ status: 0, stdout: `${f}: ok\n` });
    expect(runCliSync([...cliArgs({ compat: 'unstable-input=reject' }), f])).toMatchObject({
      status: 1,
      stdout: `${f}: error: Unstable parameter backend-transfer disabled by policy\n`,
    });
    // Crash policy: QEMU aborts; validate reports it without a stack trace.
    const crash = runCliSync([...cliArgs({ compat: 'unstable-input=crash' }), f]);
    expect(crash.status).not.toBe(0);
    expect(stackTraceLines(crash.stderr)).toEqual([]);
    expect(crash.stdout + crash.stderr).toMatch(/Unstable parameter backend-transfer disabled by policy/);
    const badPolicy = runCliSync([...cliArgs({ compat: 'unstable-input=maybe' }), f]);
    expect(badPolicy.status).not.toBe(0);
    expect(badPolicy.stdout).toBe('');
    expect(badPolicy.stderr).toMatch(/unstable-input does not accept 'maybe'/);
  });

  it('--strict: a reply with an unknown member is ok leniently, an error strictly', () => {
    const f = cliPath('good/reply-query-migrate-parameters-unknown-member.json');
    const text = readFileSync(join(REPO_ROOT, f), 'utf8');
    const lenient = runCliSync([...cliArgs({ replyTo: 'query-migrate-parameters' }), f]);
    expect(lenient).toMatchObject({ status: 0, stdout: `${f}: ok\n` });
    const strict = runCliSync([...cliArgs({ replyTo: 'query-migrate-parameters', strict: true }), f]);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toBe(`${expectedLine(f, generatedVerdict(text, { replyTo: 'query-migrate-parameters', strict: true }))}\n`);
    expect(strict.stdout).toBe(
      `${f}: error: The reply to query-migrate-parameters does not fit its type: return.x-from-the-future: not a member of its type (received an object)\n`,
    );
  });

  it('an unknown --reply-to command, a missing file, a missing schema', () => {
    const f = cliPath('good/reply-migrate-empty.json');
    const unknown = runCliSync([...cliArgs({ replyTo: 'no-such-command' }), f]);
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/the command no-such-command has not been found/);
    expect(stackTraceLines(unknown.stderr)).toEqual([]);
    const missing = runCliSync([...cliArgs({}), 'test/fixtures/qmp-messages/nope.json', cliPath('good/cmd-migrate.json')]);
    expect(missing.status).toBe(1);
    expect(missing.stdout).toBe(`test/fixtures/qmp-messages/nope.json: error: can't read: ENOENT\n${cliPath('good/cmd-migrate.json')}: ok\n`);
    const noSchema = runCliSync(['validate', '--schema', 'schema/nope.json', cliPath('good/cmd-migrate.json')]);
    expect(noSchema.status).not.toBe(0);
    expect(stackTraceLines(noSchema.stderr)).toEqual([]);
  });

  it('a deeply nested message within the reader limit (1000 levels of backing) gets a verdict, not an internal error', () => {
    let text = '{"node-name": "leaf", "format": "zero"}';
    for (let i = 0; i < 1000; i++) text = `{"node-name": "n", "format": "qcow2", "file": "f", "encrypt-format": "none", "backing": ${text}}`;
    const f = join(root, 'deep.json');
    writeFileSync(f, `{"execute": "blockdev-attach", "arguments": ${text}}`);
    const r = runCliSync([...cliArgs({}), relative(REPO_ROOT, f)]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(new RegExp(`^${relative(REPO_ROOT, f).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (ok|error: .*)\n$`));
  });
});
