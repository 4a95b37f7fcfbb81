/**
 * The formatting contract: every `.ts` file `qapi-ts generate` writes is
 * exactly what prettier, under the pinned options
 * (generator/write/prettier-config.ts), makes of it. The write stage runs
 * prettier over what ts-morph prints, but text the generator prints itself
 * (the plan tables, written as `formattedTail` after the formatted types)
 * never goes through prettier: this test is what holds it to prettier's
 * layout, in its file.
 *
 * The oracle is prettier's own Node API (not the standalone build and
 * plugins the generator loads), with PRETTIER_OPTIONS.
 *
 * All 12 shared entry points (QMP, guest agent and storage daemon of 10.2.2,
 * 10.2.2 with the seed, 10.0.13 and 7.2.0), in both `--int64` modes, plain
 * and (see below) with `--codecs`. To keep it affordable:
 *
 * - the emitters' files go through the real write stage (`writeOutput`,
 *   which formats them and appends the tails) into one directory per entry
 *   point kind, version after version and mode after mode, keyed by a hash
 *   of their content instead of the generator's source keys (which hold the
 *   `--int64` mode): so prettier runs once per distinct source text, and a
 *   module that is the same in both modes, or in two versions, is formatted
 *   once. A separate test checks that this writes exactly what
 *   `generate()` writes;
 * - each distinct written text is checked once.
 *
 * `--codecs` output is checked for the guest agent schemas only, unless
 * QAPI_TS_PRETTIER_FULL=1: the codec files of the QMP and storage-daemon
 * schemas are 3.5 and 1.8 MB per version and mode, all of it ts-morph
 * structures that prettier formats (nothing printed by hand), and checking
 * them all costs several minutes. runtime/ files are copied from
 * templates/runtime/ as they are; a separate test checks that, and reports
 * which of them are not prettier-clean.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { afterAll, expect, it } from 'vitest';
import { generate, loadSchema, packageRoot, type QapiSchema } from '../../generator/api.js';
import { generateFiles } from '../../generator/emit/generate.js';
import { PRETTIER_OPTIONS } from '../../generator/write/prettier-config.js';
import { MANIFEST_FILE, writeOutput, type EmittedFile, type WriteResult } from '../../generator/write/write-output.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { snapshot } from '../write/helpers.js';

const FULL = process.env.QAPI_TS_PRETTIER_FULL === '1';
// The newest and the oldest release by default (the other two are near copies of 10.2.2, and the
// type-check tests cover all 12 entry points); every release with QAPI_TS_PRETTIER_FULL=1.
const VERSIONS = FULL ? ['10.2.2', '10.2.2-backend-transfer', '10.0.13', '7.2.0'] : ['10.2.2', '7.2.0'];
const ENTRIES = ['qapi/qapi-schema.json', 'qga/qapi-schema.json', 'storage-daemon/qapi/qapi-schema.json'];
const RUNTIME_DIR = 'runtime/';
const TEMPLATES = join(packageRoot(), 'templates', 'runtime');

type Mode = { int64: 'number' | 'bigint'; codecs: boolean };

/** The modes an entry point is generated in; `flip` reverses them, so that a version starts where the one before left off. */
function modesFor(entry: string, flip: boolean): Mode[] {
  const codecs = FULL || entry.startsWith('qga/');
  const modes: Mode[] = [
    { int64: 'number', codecs: false },
    ...(codecs ? [{ int64: 'number' as const, codecs: true }, { int64: 'bigint' as const, codecs: true }] : []),
    { int64: 'bigint', codecs: false },
  ];
  return flip ? modes.reverse() : modes;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The files `generate()` would write for `schema` in `mode`, written by the
 * real write stage into `out`; each file's cache key is a hash of its own
 * content (what it is printed from, and its tail), so an identical file
 * from another mode or version is not formatted again.
 */
function writeMode(schema: QapiSchema, mode: Mode, out: string): Promise<WriteResult> {
  const files: EmittedFile[] = generateFiles(schema, mode, TEMPLATES).map((f) => {
    const content = typeof f.content === 'function' ? f.content() : f.content;
    const key = sha256(`${JSON.stringify(content)}\0${f.formattedTail ?? ''}`);
    return { ...f, content: () => content, sourceKey: key } as EmittedFile;
  });
  return writeOutput(files, { outDir: out, check: false, generatorVersion: 'prettier-contract' });
}

/** prettier's text for `text`, with the pinned options. */
function format(text: string): Promise<string> {
  return prettier.format(text, { ...PRETTIER_OPTIONS });
}

/** Where `actual` first departs from `expected`: the line number and a few lines of each around it. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const e = expected.split('\n');
  let i = 0;
  while (i < a.length && i < e.length && a[i] === e[i]) i++;
  const show = (lines: string[]): string =>
    lines
      .slice(Math.max(0, i - 2), i + 4)
      .map((l, k) => `  ${String(Math.max(0, i - 2) + k + 1).padStart(6)} | ${l}`)
      .join('\n');
  return `first difference at line ${i + 1}\n  generated:\n${show(a)}\n  prettier:\n${show(e)}`;
}

/** sha256 of a file text → null when prettier leaves it as it is, else where it differs. Shared by all tests. */
const verdicts = new Map<string, string | null>();
const stats = { generations: 0, filesSeen: 0, distinctChecked: 0, charsChecked: 0, formattedByWriteStage: 0, generateMs: 0, prettierMs: 0 };

async function verdict(text: string): Promise<string | null> {
  const key = sha256(text);
  let v = verdicts.get(key);
  if (v === undefined) {
    const t = performance.now();
    const formatted = await format(text);
    stats.prettierMs += performance.now() - t;
    stats.distinctChecked++;
    stats.charsChecked += text.length;
    v = formatted === text ? null : firstDifference(text, formatted);
    verdicts.set(key, v);
  }
  return v;
}

/** Every file below `dir` (relative path → text). */
function tree(dir: string): Map<string, string> {
  return new Map([...snapshot(dir)].filter(([, e]) => e.kind === 'file').map(([rel, e]) => [rel, e.content!]));
}

/** Every generated `.ts` file below `dir` but runtime/ (relative path → text). */
function generatedTs(dir: string): [string, string][] {
  return [...tree(dir)].filter(([rel]) => rel.endsWith('.ts') && !rel.startsWith(RUNTIME_DIR));
}

const cases = VERSIONS.flatMap((version) => ENTRIES.map((entry) => ({ version, entry, rel: `qemu/${version}/${entry}` })));

describeFixture(
  cases.map((c) => c.rel),
  'every generated .ts file is what prettier makes of it',
  () => {
    const cpuAtStart = process.cpuUsage();
    /** One output directory per entry point kind, reused across versions and modes. */
    const outDirs = new Map<string, string>();
    const outDir = (key: string): string => {
      let d = outDirs.get(key);
      if (d === undefined) {
        d = mkdtempSync(join(tmpdir(), 'qapi-ts-prettier-'));
        outDirs.set(key, d);
      }
      return d;
    };
    afterAll(() => {
      for (const d of outDirs.values()) rmSync(d, { recursive: true, force: true });
      const cpu = process.cpuUsage(cpuAtStart);
      console.info(
        `[prettier-contract] ${stats.generations} generations (${FULL ? 'every entry point with --codecs' : '--codecs for qga only'}): ${stats.filesSeen} generated .ts files, ` +
          `${stats.formattedByWriteStage} formatted by the write stage, ${stats.distinctChecked} distinct texts (${(stats.charsChecked / 1e6).toFixed(1)} MB) checked; ` +
          `emit+write ${(stats.generateMs / 1000).toFixed(1)} s, prettier check ${(stats.prettierMs / 1000).toFixed(1)} s; CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`,
      );
    });

    it('the write stage driven this way writes exactly what generate() writes (10.2.2 qga, --int64 bigint --codecs)', async () => {
      const rel = 'qemu/10.2.2/qga/qapi-schema.json';
      const schema = await loadSchema(sharedPath(rel));
      for (const int64 of ['bigint'] as const) {
        const ours = outDir(`same-as-generate ${int64}`);
        const theirs = outDir(`generate ${int64}`);
        await writeMode(schema, { int64, codecs: true }, ours);
        await generate({ schema: sharedPath(rel), out: theirs, int64, codecs: true });
        const a = tree(ours);
        const b = tree(theirs);
        a.delete(MANIFEST_FILE);
        b.delete(MANIFEST_FILE);
        expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
        for (const [file, text] of b) expect(a.get(file), `${file} (int64 ${int64})`).toBe(text);
      }
    }, 900_000);

    for (const [i, c] of cases.entries()) {
      const modes = modesFor(c.entry, Math.floor(i / ENTRIES.length) % 2 === 1);
      const label = modes.map((m) => `${m.int64}${m.codecs ? '+codecs' : ''}`).join(', ');
      it(`${c.version} ${c.entry} (${label})`, async () => {
        const schema = await loadSchema(sharedPath(c.rel), { lenientDocs: !c.version.startsWith('10.2'), warn: () => {} });
        const out = outDir(c.entry);
        const problems: string[] = [];
        for (const mode of modes) {
          const t = performance.now();
          const result = await writeMode(schema, mode, out);
          stats.generateMs += performance.now() - t;
          stats.generations++;
          stats.formattedByWriteStage += result.formatted.length;
          const files = generatedTs(out);
          expect(files.length).toBeGreaterThan(2);
          expect(files.some(([rel]) => rel.endsWith('.codec.ts')), `codec files iff --codecs`).toBe(mode.codecs);
          for (const [rel, text] of files) {
            stats.filesSeen++;
            const v = await verdict(text);
            if (v !== null) problems.push(`${rel} (int64 ${mode.int64}${mode.codecs ? ', --codecs' : ''}): ${v}`);
          }
        }
        expect(problems.slice(0, 5).join('\n\n') + (problems.length > 5 ? `\n\n…and ${problems.length - 5} more` : '')).toBe('');
      }, 900_000);
    }

    it('runtime/ files are the templates as they are after a two-line header, and prettier-clean too', async () => {
      const out = outDir('runtime');
      await writeMode(await loadSchema(sharedPath('qemu/10.2.2/qga/qapi-schema.json')), { int64: 'number', codecs: false }, out);
      const runtime = [...tree(join(out, 'runtime'))];
      // The guest agent's schema: its output has no fake QMP server, and runtime/index.ts does not re-export one.
      const expected = readdirSync(TEMPLATES).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'fake-qmp-server.ts');
      expect(runtime.map(([rel]) => rel).sort()).toEqual(expected.sort());
      const header = '// @ts-nocheck\n';
      const unclean: string[] = [];
      for (const [rel, text] of runtime) {
        let template = readFileSync(join(TEMPLATES, rel), 'utf8');
        if (rel === 'index.ts') template = template.replace("export * from './fake-qmp-server.js';\n", '');
        // Two header lines (@ts-nocheck, and why), then the template as it is.
        expect(text.startsWith(header), `runtime/${rel} starts with @ts-nocheck`).toBe(true);
        expect(text.slice(text.indexOf('\n', header.length) + 1), `runtime/${rel} is templates/runtime/${rel} after its header, byte for byte`).toBe(template);
        if ((await format(text)) !== text) unclean.push(rel);
      }
      expect(unclean, 'runtime/ files prettier would change').toEqual([]);
    }, 900_000);
  },
);
