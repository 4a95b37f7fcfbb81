/**
 * Incremental generation gives exactly what a fresh generation gives, as a
 * property: a multi-module schema (test/helpers/evolving-schema.ts) goes
 * through random sequences of steps, each one or two small, valid edits
 * (now and then a change of `--int64`/`--codecs` for the same directory
 * instead, or as well); after every step,
 *
 * 1. `generate --check` on the previous output names what would change,
 *    and writes nothing;
 * 2. `generate` into that same directory changes exactly those files
 *    (added, rewritten or removed: a rewrite with the same bytes counts,
 *    since it is a write `--check` did not announce);
 * 3. a fresh `generate` into an empty directory gives the same tree, byte
 *    for byte, manifest included (it holds nothing run-specific: hashes of
 *    the files, the options, the generator's fingerprint, the entry's file
 *    name and a hash of each schema file by its path relative to the entry);
 * 4. `--check` then reports nothing.
 *
 * Everything runs in-process through `generate()` (generator/api.ts). The
 * first run applies every kind of edit; random runs follow while a time
 * budget lasts (at most QAPI_TS_INCREMENTAL_RUNS runs in all, 24 by default;
 * after QAPI_TS_INCREMENTAL_BUDGET_MS, 15 s by default, the remaining runs
 * pass without running, unless a run has failed and fast-check is
 * shrinking: that bounds the time, it asserts nothing). The seed is fixed
 * (QAPI_TS_INCREMENTAL_SEED=S replays a failure, =random draws a new one;
 * fast-check prints the seed and path).
 *
 * A named case pins the motivating bug: `Derived` in b.json has `'base':
 * 'Base'` from a.json; a member added to `Base` must reach `clone('Derived',
 * …)` of the regenerated output (and, with `--codecs`, b's codec file, which
 * inlines the base's members, must be rewritten).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { generate, packageRoot } from '../../generator/api.js';
import { MANIFEST_FILE as MANIFEST, type WriteResult } from '../../generator/write/write-output.js';
import { runCliSync } from '../helpers/cli.js';
import { ENTRY, EDIT_KINDS, applyEdit, initialModel, renderSchema, type Edit, type SchemaModel } from '../helpers/evolving-schema.js';
import { TempSchemaDir } from '../helpers/schema.js';
import { snapshot } from '../write/helpers.js';

const RUNS = Number(process.env.QAPI_TS_INCREMENTAL_RUNS ?? 24);
const BUDGET_MS = Number(process.env.QAPI_TS_INCREMENTAL_BUDGET_MS ?? 15_000);
/** A fixed seed by default, so that CI runs the same sequences every time; `random` for a new one. */
const SEED_TEXT = process.env.QAPI_TS_INCREMENTAL_SEED ?? '20261201';
const SEED = SEED_TEXT === 'random' ? undefined : Number(SEED_TEXT);

const made: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), `qapi-ts-incr-${prefix}-`));
  made.push(d);
  return d;
}
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface Mode {
  int64: 'number' | 'bigint';
  codecs: boolean;
}

/** Whether `--codecs` is accepted and gives `X.codec.ts` files (another engineer is implementing it). */
async function codecsAvailable(): Promise<boolean> {
  const schemaDir = new TempSchemaDir();
  const out = mkdtempSync(join(tmpdir(), 'qapi-ts-incr-probe-'));
  try {
    schemaDir.write({ 'probe.json': "{ 'struct': 'Probe', 'data': { 'x': 'int' } }\n" });
    await generate({ schema: schemaDir.path('probe.json'), out, codecs: true });
    return readdirSync(out).some((f) => f.endsWith('.codec.ts'));
  } catch {
    return false;
  } finally {
    schemaDir.cleanup();
    rmSync(out, { recursive: true, force: true });
  }
}

const CODECS = await codecsAvailable();
const NO_CODECS = '--codecs gives no X.codec.ts files yet';

/** The schema files of `model` written over `dir` (module files no longer included are deleted). */
function writeSchema(dir: TempSchemaDir, model: SchemaModel, previous: Record<string, string> | null): Record<string, string> {
  const files = renderSchema(model);
  for (const name of Object.keys(previous ?? {})) if (!(name in files)) unlinkSync(dir.path(name));
  dir.write(files);
  return files;
}

/** Time spent in generate() by kind of call, for the report line (no assertion on it). */
const timing = { check: 0, incremental: 0, fresh: 0, recheck: 0 };

async function timed<T>(what: keyof typeof timing, body: () => Promise<T>): Promise<T> {
  const t = performance.now();
  try {
    return await body();
  } finally {
    timing[what] += performance.now() - t;
  }
}

/** Runs generate(), turning a rejected schema into a failure that shows the schema (the edit generator is wrong then). */
async function run(schemaDir: TempSchemaDir, files: Record<string, string>, out: string, mode: Mode, check: boolean, history: string[]): Promise<WriteResult> {
  try {
    return await generate({ schema: schemaDir.path(ENTRY), out, int64: mode.int64, codecs: mode.codecs, check });
  } catch (err) {
    const text = Object.entries(files)
      .map(([name, t]) => `--- ${name}\n${t}`)
      .join('\n');
    throw new Error(`generate${check ? ' --check' : ''} failed after [${history.join('; ')}]: ${schemaDir.relative(err instanceof Error ? err.message : String(err))}\n${text}`, { cause: err });
  }
}

/** path → content, inode and mtime of every file under `dir` (no directories). */
function files(dir: string): Map<string, { content: string; ino: number; mtimeMs: number }> {
  const out = new Map<string, { content: string; ino: number; mtimeMs: number }>();
  if (!existsSync(dir)) return out;
  for (const [rel, e] of snapshot(dir)) if (e.kind === 'file') out.set(rel, { content: e.content!, ino: e.ino, mtimeMs: e.mtimeMs });
  return out;
}

function contents(dir: string): Record<string, string> {
  return Object.fromEntries([...files(dir)].map(([rel, e]) => [rel, e.content]));
}

/** Files (not the manifest) added, removed, or rewritten (new bytes, inode or mtime) between two snapshots. */
function touched(before: ReturnType<typeof files>, after: ReturnType<typeof files>): string[] {
  const out: string[] = [];
  for (const [rel, a] of after) {
    const b = before.get(rel);
    if (b === undefined || b.content !== a.content || b.ino !== a.ino || b.mtimeMs !== a.mtimeMs) out.push(rel);
  }
  for (const rel of before.keys()) if (!after.has(rel)) out.push(rel);
  return out.filter((f) => f !== MANIFEST).sort();
}

/** The runtime templates, as generate() reads them. */
const TEMPLATES = join(packageRoot(), 'templates', 'runtime');
function templatesText(): string {
  return readdirSync(TEMPLATES)
    .sort()
    .map((f) => `${f}\0${readFileSync(join(TEMPLATES, f), 'utf8')}`)
    .join('\0');
}

/**
 * Compares two trees file by file, so a failure names the first differing
 * file (not a 200 kB object diff); the manifest last, since a stale file
 * also shows there as a hash.
 */
function expectSameTree(actual: Record<string, string>, expected: Record<string, string>, context: string): void {
  expect(Object.keys(actual).sort(), `${context}: the same file list`).toEqual(Object.keys(expected).sort());
  const order = Object.keys(expected).sort((a, b) => Number(a === MANIFEST) - Number(b === MANIFEST) || (a < b ? -1 : 1));
  for (const rel of order) expect(actual[rel], `${context}: ${rel} equals a fresh generation`).toBe(expected[rel]);
}

/**
 * One step: --check on the previous output, then the incremental run into
 * it, then a fresh run; checks the four properties of the file comment.
 * Returns the files the incremental run changed.
 */
async function step(schemaDir: TempSchemaDir, schemaFiles: Record<string, string>, out: string, mode: Mode, history: string[]): Promise<string[]> {
  const context = `after [${history.join('; ')}] (int64 ${mode.int64}${mode.codecs ? ', codecs' : ''})`;
  for (let attempt = 1; ; attempt++) {
    // generate() copies templates/runtime/ from disk each time: an edit to it in the checkout
    // during the step would make runtime/ files differ for that reason alone. Then the step is
    // done again (from the output as it now is, which is as good a starting point).
    const templates = templatesText();
    const before = files(out);
    const check = await timed('check', () => run(schemaDir, schemaFiles, out, mode, true, history));
    const afterCheck = files(out);
    const result = await timed('incremental', () => run(schemaDir, schemaFiles, out, mode, false, history));
    const after = files(out);
    const fresh = tempDir('fresh');
    await timed('fresh', () => run(schemaDir, schemaFiles, fresh, mode, false, history));
    const freshTree = contents(fresh);
    rmSync(fresh, { recursive: true, force: true });
    if (templatesText() !== templates) {
      if (attempt < 3) continue;
      throw new Error('templates/runtime/ kept changing while this test ran (edits in the checkout): run it again');
    }

    expect(touched(before, afterCheck), `${context}: --check wrote nothing`).toEqual([]);
    expect(afterCheck.get(MANIFEST), `${context}: --check left the manifest alone`).toEqual(before.get(MANIFEST));
    const announced = [...check.changed, ...check.removed].sort();
    expect({ changed: result.changed, removed: result.removed }, `${context}: the run did what --check said`).toEqual({ changed: check.changed, removed: check.removed });
    expect(touched(before, after), `${context}: the files --check named are exactly the files that changed`).toEqual(announced);
    expect(after.get(MANIFEST)?.content !== before.get(MANIFEST)?.content, `${context}: manifestChanged`).toBe(check.manifestChanged);
    expectSameTree(contents(out), freshTree, context);

    const again = await timed('recheck', () => run(schemaDir, schemaFiles, out, mode, true, history));
    expect([...again.changed, ...again.removed], `${context}: --check after the run`).toEqual([]);
    return announced;
  }
}

const editArb: fc.Arbitrary<Edit> = fc.record({ kind: fc.constantFrom(...EDIT_KINDS), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) });
const modeArb: fc.Arbitrary<Mode> = fc.record({ int64: fc.constantFrom('number' as const, 'bigint' as const), codecs: CODECS ? fc.boolean() : fc.constant(false) });

/** One step: one or two edits, and now and then other options for the same output directory (or only that). */
interface Step {
  edits: Edit[];
  mode: Mode | null;
}
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ edits: fc.array(editArb, { minLength: 1, maxLength: 2 }), mode: fc.constant(null) }) },
  { weight: 1, arbitrary: fc.record({ edits: fc.array(editArb, { maxLength: 1 }), mode: modeArb }) },
);

/** Statistics for the report: how many steps and edits of each kind ran, how many files they changed. */
const stats = { runs: 0, steps: 0, edits: 0, modeSwitches: 0, kinds: new Map<string, number>(), noOps: 0, changedFiles: 0 };

describe('incremental generation equals fresh generation', () => {
  it('the starting schema is valid, and generates the same twice', async () => {
    const schemaDir = new TempSchemaDir();
    try {
      const model = initialModel();
      const schemaFiles = writeSchema(schemaDir, model, null);
      const out = tempDir('start');
      const mode: Mode = { int64: 'number', codecs: false };
      const first = await run(schemaDir, schemaFiles, out, mode, false, ['start']);
      expect(first.changed).toEqual(expect.arrayContaining(['a.ts', 'b.ts', 'c.ts', 'd.ts', 'index.ts', 'schema.ts']));
      const text = contents(out);
      // The cross-module references the edits play with are there to begin with.
      expect(text['b.ts']).toMatch(/export interface Derived extends Base \{/);
      expect(text['b.ts']).toMatch(/import type \{[^}]*\bBase\b[^}]*\} from '\.\/a\.js';/);
      expect(text['d.ts']).toMatch(/from '\.\/c\.js'/);
      expect(await step(schemaDir, schemaFiles, out, mode, ['unchanged'])).toEqual([]);
    } finally {
      schemaDir.cleanup();
    }
  }, 900_000);

  it(`after every step of random edit sequences, --check names exactly what the incremental run changes, and that equals a fresh run (1 run with every kind of edit, then up to ${RUNS - 1} random ones in ${BUDGET_MS / 1000} s${CODECS ? '' : `; ${NO_CODECS}, so without it`})`, async () => {
    // Every kind of edit, two per step; then the same schema with other options (into the same directory).
    const everyKind: Step[] = [];
    EDIT_KINDS.forEach((kind, i) => {
      if (i % 2 === 0) everyKind.push({ edits: [], mode: null });
      everyKind[everyKind.length - 1]!.edits.push({ kind, a: 7 * i + 1, b: 3 * i + 2, c: 5 * i });
    });
    everyKind.push({ edits: [], mode: { int64: 'number', codecs: CODECS } });
    const started = performance.now();
    let failed = false;
    await fc.assert(
      fc.asyncProperty(modeArb, fc.array(stepArb, { minLength: 1, maxLength: 4 }), async (startMode, steps) => {
        // The time budget: the first run (every kind of edit) always runs; so does shrinking once a run failed.
        if (stats.runs > 0 && !failed && performance.now() - started > BUDGET_MS) return;
        stats.runs++;
        const schemaDir = new TempSchemaDir();
        try {
          const model = initialModel();
          let schemaFiles = writeSchema(schemaDir, model, null);
          const out = tempDir('incr');
          let mode = startMode;
          await run(schemaDir, schemaFiles, out, mode, false, ['start']);
          const history: string[] = [];
          for (const s of steps) {
            for (const edit of s.edits) {
              history.push(applyEdit(model, edit));
              stats.edits++;
              stats.kinds.set(edit.kind, (stats.kinds.get(edit.kind) ?? 0) + 1);
            }
            if (s.mode !== null) {
              mode = s.mode;
              history.push(`switch to --int64 ${mode.int64}${mode.codecs ? ' --codecs' : ''}`);
              stats.modeSwitches++;
            }
            stats.steps++;
            schemaFiles = writeSchema(schemaDir, model, schemaFiles);
            const changed = await step(schemaDir, schemaFiles, out, mode, history);
            if (!changed.length) stats.noOps++;
            stats.changedFiles += changed.length;
          }
          rmSync(out, { recursive: true, force: true });
        } catch (err) {
          failed = true;
          throw err;
        } finally {
          schemaDir.cleanup();
        }
      }),
      {
        numRuns: RUNS,
        ...(SEED !== undefined ? { seed: SEED } : {}),
        // Without --codecs until the last step: a codecs step costs twice as much (random runs have them half the time).
        examples: [[{ int64: 'bigint', codecs: false }, everyKind]],
      },
    );
    console.info(
      `[incremental] ${stats.runs} runs, ${stats.steps} steps: ${stats.edits} edits, ${stats.modeSwitches} option switches (${stats.noOps} steps changed no file, ${stats.changedFiles} file changes in all); by kind: ${[...stats.kinds]
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}; generate() time: ${Object.entries(timing)
        .map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`)
        .join(', ')}`,
    );
  }, BUDGET_MS + 240_000);
});

describe('a member added to Base (a.json) reaches Derived (b.json, base Base)', () => {
  const A1 = "##\n# @Base:\n#\n# The base.\n#\n# @name: The name.\n#\n# Since: 1.0\n##\n{ 'struct': 'Base', 'data': { 'name': 'str' } }\n";
  const A2 =
    "##\n# @Base:\n#\n# The base.\n#\n# @name: The name.\n#\n# @added: A new member.\n#\n# Since: 1.0\n##\n{ 'struct': 'Base', 'data': { 'name': 'str', 'added': 'int' } }\n";
  const B = "##\n# @Derived:\n#\n# Derived from `Base`.\n#\n# @extra: Something extra.\n#\n# Since: 1.0\n##\n{ 'struct': 'Derived', 'base': 'Base', 'data': { 'extra': 'bool' } }\n";
  const ENTRY_TEXT = "{ 'pragma': { 'doc-required': true } }\n{ 'include': 'a.json' }\n{ 'include': 'b.json' }\n";

  for (const codecs of [false, true]) {
    const name = `regenerating keeps the new member in clone('Derived', …)${codecs ? ' and cloneDerived, and rewrites b.codec.ts' : ''}; --check named the changed files; equals a fresh run${codecs ? ' (--codecs)' : ''}`;
    const test = codecs && !CODECS ? it.skip : it;
    test(codecs && !CODECS ? `${name} — skipped: ${NO_CODECS}` : name, async () => {
      const schemaDir = new TempSchemaDir();
      try {
        schemaDir.write({ [ENTRY]: ENTRY_TEXT, 'a.json': A1, 'b.json': B });
        const out = tempDir(codecs ? 'base-codecs' : 'base');
        const mode: Mode = { int64: 'number', codecs };
        await run(schemaDir, {}, out, mode, false, ['start']);
        const before = files(out);

        schemaDir.write({ 'a.json': A2 });
        // --check in-process (the generator that wrote the output: its source keys apply) …
        const check = await run(schemaDir, {}, out, mode, true, ['add Base.added']);
        const announced = [...check.changed, ...check.removed].sort();
        // … and through the CLI (a build of its own, whose keys differ: it compares bytes), which must exit 1.
        const cli = runCliSync(['generate', '--schema', schemaDir.path(ENTRY), '--out', out, '--check', ...(codecs ? ['--codecs'] : [])]);
        expect(cli.stderr).toBe('');
        expect(cli.status).toBe(1);
        const named = cli.stdout
          .trim()
          .split('\n')
          .map((l) => l.replace(/^would (write|remove) /, ''))
          .sort();
        expect(named).toContain('a.ts');
        if (codecs) expect(named, 'b.codec.ts inlines the members of Base').toEqual(expect.arrayContaining(['a.codec.ts', 'b.codec.ts']));
        else expect(named).toEqual(['a.ts']); // b.ts only says `extends Base`: it must not change
        expect(announced, 'in-process --check names what the CLI names').toEqual(named);
        expect(touched(before, files(out)), '--check wrote nothing').toEqual([]);

        const result = await run(schemaDir, {}, out, mode, false, ['add Base.added']);
        expect([...result.changed, ...result.removed].sort()).toEqual(named);
        expect(touched(before, files(out)), 'exactly the files --check named changed').toEqual(named);

        const fresh = tempDir('base-fresh');
        await run(schemaDir, {}, fresh, mode, false, ['add Base.added']);
        expectSameTree(contents(out), contents(fresh), 'after adding Base.added');

        const index = (await import(pathToFileURL(join(out, 'index.ts')).href)) as {
          clone: (type: string, value: unknown) => unknown;
          [name: string]: unknown;
        };
        const value = { name: 'n', added: 42, extra: true };
        const cloned = index.clone('Derived', value);
        expect(cloned).toEqual(value);
        expect(cloned).not.toBe(value);
        if (codecs) {
          const codec = (await import(pathToFileURL(join(out, 'b.codec.ts')).href)) as { cloneDerived?: (v: unknown) => unknown };
          expect(typeof codec.cloneDerived, 'b.codec.ts exports cloneDerived').toBe('function');
          const fast = codec.cloneDerived!(value);
          expect(fast).toEqual(value);
          expect(fast).not.toBe(value);
        }
      } finally {
        schemaDir.cleanup();
      }
    }, 900_000);
  }
});
