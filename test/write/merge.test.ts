/**
 * Made for review: two branches that regenerate different schema modules
 * merge without conflict (the manifest included), and `--check` passes on
 * the merge; a stale manifest (a wrong resolution) makes `--check` fail.
 * The modules are a.json and b.json, neighbours in every sorted list the
 * manifest has.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCliSync } from '../helpers/cli.js';

const repo = mkdtempSync(join(tmpdir(), 'qapi-ts-merge-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));

const git = (...args: string[]): string =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' });

/** A documented struct; `members` as the schema writes them (`'*x': 'str'`). */
const struct = (name: string, members: string): string => {
  const names = [...members.matchAll(/'\*?([a-z0-9-]+)':/g)].map((m) => m[1]!);
  return `##\n# @${name}:\n#\n${names.map((n) => `# @${n}: the ${n}\n`).join('')}#\n# Since: 1.0\n##\n{ 'struct': '${name}', 'data': { ${members} } }\n`;
};

function writeSchema(a: string, b: string): void {
  writeFileSync(join(repo, 'schema', 'qapi-schema.json'), "{ 'include': 'a.json' }\n{ 'include': 'b.json' }\n{ 'include': 'c.json' }\n");
  writeFileSync(join(repo, 'schema', 'a.json'), a);
  writeFileSync(join(repo, 'schema', 'b.json'), b);
  writeFileSync(join(repo, 'schema', 'c.json'), struct('Cee', "'z': 'str'"));
}

const generate = (...extra: string[]) => runCliSync(['generate', '--schema', join(repo, 'schema', 'qapi-schema.json'), '--out', join(repo, 'out'), ...extra], { cwd: repo });

beforeAll(() => {
  git('init', '-q');
  execFileSync('mkdir', ['-p', join(repo, 'schema')]);
  writeSchema(struct('Aaa', "'x': 'int'"), struct('Bee', "'y': 'int'"));
  expect(generate().status).toBe(0);
  git('add', '-A');
  git('commit', '-qm', 'base');
  // Branch one changes a.json, branch two b.json; each regenerates.
  git('checkout', '-qb', 'one');
  writeSchema(struct('Aaa', "'x': 'int', '*x2': 'str'"), struct('Bee', "'y': 'int'"));
  expect(generate().status).toBe(0);
  git('commit', '-qam', 'one');
  git('checkout', '-q', 'main');
  git('checkout', '-qb', 'two');
  writeSchema(struct('Aaa', "'x': 'int'"), struct('Bee', "'y': 'int', '*y2': 'bool'"));
  expect(generate().status).toBe(0);
  git('commit', '-qam', 'two');
}, 900_000);

it('the branches merge without conflict, and --check passes on the merge', () => {
  git('merge', '-q', '--no-edit', 'one');
  expect(git('status', '--porcelain')).toBe('');
  const a = readFileSync(join(repo, 'out', 'a.ts'), 'utf8');
  const b = readFileSync(join(repo, 'out', 'b.ts'), 'utf8');
  expect(a).toContain('x2?: string');
  expect(b).toContain('y2?: boolean');
  const check = generate('--check');
  expect(check.stdout + check.stderr).toBe('');
  expect(check.status).toBe(0);
}, 900_000);

it('a stale manifest makes --check fail, and generate then rewrites it', () => {
  // A wrong resolution: b.ts's entry taken from the base, the file from the branch.
  const manifest = join(repo, 'out', '.qapi-ts-manifest.json');
  const merged = readFileSync(manifest, 'utf8');
  const base = git('show', 'main:out/.qapi-ts-manifest.json');
  const entry = (text: string) => /"b\.ts": \{[^}]*\}/.exec(text)![0];
  expect(entry(base)).not.toBe(entry(merged));
  writeFileSync(manifest, merged.replace(entry(merged), entry(base)));
  const check = generate('--check');
  expect(check.status).toBe(1);
  expect(check.stdout).toContain('.qapi-ts-manifest.json');
  expect(generate().status).toBe(0);
  expect(readFileSync(manifest, 'utf8')).toBe(merged);
}, 900_000);
