/**
 * Bad input: thousands of mutated schema texts, seeded deterministically
 * from QEMU 10.2.2's module files. Each must end in success or a clean
 * QapiError, in under 2 s; a sample also goes through the CLI process,
 * which must exit 0 or 1 without a stack trace.
 *
 * QAPI_TS_MUTATION_SEED=N explores other mutants; a failure report names the
 * seed file, the mutation and the mutant's index.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { QapiError } from '../../generator/source/source-info.js';
import { loadSchema } from '../../generator/model/schema.js';
import { describeFixture, itFixture, sharedPath } from '../helpers/fixtures.js';
import { runCli, stackTraceLines } from '../helpers/cli.js';

/** The line `qapi-ts check` adds after an error of QEMU 10.2's doc-comment rules alone. */
const LENIENT_HINT = "qapi-ts: hint: the schema breaks only QEMU 10.2's doc-comment rules (an older schema?); --lenient-docs makes them warnings";

const QAPI_DIR = 'qemu/10.2.2/qapi';
/** Small to medium modules; each is read after pragma.json, as QEMU's main schema file does. */
const SEEDS = ['sockets.json', 'job.json', 'introspect.json', 'dump.json', 'misc-i386.json', 'crypto.json', 'run-state.json', 'control.json', 'yank.json', 'accelerator.json'];
const MUTANTS_PER_SEED = 220;
const CLI_SAMPLE = 50;
const SEED = Number(process.env.QAPI_TS_MUTATION_SEED ?? 20251125);

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Mutant {
  label: string;
  /** Text, or raw bytes for mutations below the character level. */
  data: string | Buffer;
}

const TOKEN = /'(?:[^'\\\n]|\\.)*'|[{}[\]:,]|#[^\n]*|true|false/g;
const INTERESTING = ["'", '{', '}', '[', ']', ':', ',', '#', '\n', '\\', ' ', '\t', 'x', '0', '@', '*', '=', '\u00e9', '\u0000', '\u007f', '\u00a0', '\r', '"', '.'];

function mutate(text: string, rand: () => number): Mutant {
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(a: T[]): T => a[int(a.length)]!;
  const tokens = [...text.matchAll(TOKEN)].map((m) => ({ start: m.index, end: m.index + m[0].length, text: m[0] }));
  const strings = tokens.filter((t) => t.text.startsWith("'"));
  const lines = text.split('\n');
  const splice = (start: number, end: number, insert: string): string => text.slice(0, start) + insert + text.slice(end);
  const ops: [string, () => string | Buffer][] = [
    ['char-flip', () => {
      let t = text;
      for (let k = 1 + int(3); k > 0; k--) {
        const p = int(t.length);
        t = t.slice(0, p) + pick(INTERESTING) + t.slice(p + 1);
      }
      return t;
    }],
    ['bit-flip', () => {
      const buf = Buffer.from(text, 'utf8');
      for (let k = 1 + int(2); k > 0; k--) {
        const p = int(buf.length);
        buf[p] = buf[p]! ^ (1 << int(8));
      }
      return buf;
    }],
    ['truncate', () => text.slice(0, int(text.length))],
    ['token-swap', () => {
      const a = pick(tokens);
      const b = rand() < 0.5 ? pick(tokens) : (tokens[tokens.indexOf(a) + 1] ?? pick(tokens));
      const [x, y] = a.start < b.start ? [a, b] : [b, a];
      if (x === y || x.end > y.start) return text;
      return text.slice(0, x.start) + y.text + text.slice(x.end, y.start) + x.text + text.slice(y.end);
    }],
    ['token-delete', () => {
      const t = pick(tokens);
      return splice(t.start, t.end, '');
    }],
    ['token-duplicate', () => {
      const t = pick(tokens);
      return splice(t.start, t.end, t.text + (rand() < 0.5 ? ' ' : '') + t.text);
    }],
    ['string-replace', () => {
      // Another name from the same file: unknown types, clashes, wrong kinds.
      const t = pick(strings);
      return splice(t.start, t.end, pick(strings).text);
    }],
    ['line-delete', () => {
      const l = [...lines];
      l.splice(int(l.length), 1 + int(3));
      return l.join('\n');
    }],
    ['line-duplicate', () => {
      const l = [...lines];
      const i = int(l.length);
      l.splice(i, 0, ...l.slice(i, i + 1 + int(4)));
      return l.join('\n');
    }],
    ['line-swap', () => {
      const l = [...lines];
      const i = int(l.length);
      const j = int(l.length);
      [l[i], l[j]] = [l[j]!, l[i]!];
      return l.join('\n');
    }],
    ['doc-indent', () => {
      const docLines = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('#'));
      const [l, i] = pick(docLines);
      const copy = [...lines];
      copy[i] = rand() < 0.5 ? l.replace(/^# {0,4}/, '# ') : l.replace(/^#/, '#' + ' '.repeat(1 + int(6)));
      return copy.join('\n');
    }],
  ];
  const [label, op] = pick(ops);
  return { label, data: op() };
}

/** The shape of every message QEMU's front end prints (a quoted 'undefined' or '@undefined' is a name, a bare one a bug). */
const CLEAN_ERROR =
  /^(?:In file included from [^\n]+:\d+:\n)*(?:[^\n]+: In [\w-]+ '[^\n]*':\n)?[^\n]+:\d+(?::\d+)?: (?!.*(?:(?<![\w'@-])(?:undefined|NaN)(?![\w'-])|\[object ))[^\n]+/;
const READ_ERROR = /^can't read schema file '[^']+': .+$/;

describeFixture(SEEDS.map((s) => `${QAPI_DIR}/${s}`).concat(`${QAPI_DIR}/pragma.json`), 'mutated schemas', () => {
  let dir: string;
  let mutants: Mutant[];

  beforeAll(() => {
    // A scratch copy of the modules, so that includes of the seeds resolve.
    dir = mkdtempSync(join(tmpdir(), 'qapi-ts-mutation-'));
    for (const f of readdirSync(sharedPath(QAPI_DIR))) if (f.endsWith('.json')) copyFileSync(join(sharedPath(QAPI_DIR), f), join(dir, f));
    const rand = prng(SEED);
    mutants = [];
    for (const seed of SEEDS) {
      const text = "{ 'include': 'pragma.json' }\n" + readFileSync(sharedPath(`${QAPI_DIR}/${seed}`), 'utf8');
      for (let i = 0; i < MUTANTS_PER_SEED; i++) {
        const m = mutate(text, rand);
        mutants.push({ label: `${seed} #${i} ${m.label} (seed ${SEED})`, data: m.data });
      }
    }
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  itFixture(SEEDS.map((s) => `${QAPI_DIR}/${s}`), 'the unmutated seeds are valid', () => {
    for (const seed of SEEDS) {
      const file = join(dir, `seed-${seed}`);
      writeFileSync(file, "{ 'include': 'pragma.json' }\n" + readFileSync(join(dir, seed), 'utf8'));
      expect(() => loadSchema(file), seed).not.toThrow();
    }
  });

  itFixture(
    `${QAPI_DIR}/pragma.json`,
    'at least 2,000 mutants end in success or a clean QapiError (the slowest is logged)',
    () => {
      expect(mutants.length).toBeGreaterThanOrEqual(2000);
      const file = join(dir, 'mutant.json');
      const failures: string[] = [];
      let rejected = 0;
      let slowest = 0;
      for (const m of mutants) {
        writeFileSync(file, m.data);
        const t0 = performance.now();
        try {
          loadSchema(file);
        } catch (err) {
          if (!(err instanceof QapiError)) {
            failures.push(`${m.label}: ${err instanceof Error ? err.stack : String(err)}`);
          } else {
            rejected++;
            const msg = err.message.split(dir + '/').join('');
            if (!CLEAN_ERROR.test(msg) && !READ_ERROR.test(msg)) failures.push(`${m.label}: unclean message: ${JSON.stringify(msg)}`);
          }
        }
        const ms = performance.now() - t0;
        slowest = Math.max(slowest, ms);
      }
      expect(failures).toEqual([]);
      // The mutations must actually exercise error paths (and not all of them).
      expect(rejected).toBeGreaterThan(mutants.length / 2);
      expect(rejected).toBeLessThan(mutants.length);
      // No wall-clock bound (a loaded machine must not fail a test); a hang hits the test's timeout.
      console.log(`[mutation] ${mutants.length} mutants, ${rejected} rejected; slowest ${slowest.toFixed(0)} ms`);
    },
    120_000,
  );

  itFixture(
    `${QAPI_DIR}/pragma.json`,
    `a sample of ${CLI_SAMPLE} mutants through the CLI: exit 0 or 1, no stack trace, the same error as in-process`,
    async () => {
      const step = Math.floor(mutants.length / CLI_SAMPLE);
      const sample = Array.from({ length: CLI_SAMPLE }, (_, i) => ({ m: mutants[i * step]!, file: join(dir, `cli-${i}.json`) }));
      const failures: string[] = [];
      const exits = new Set<number | null>();
      const check = async ({ m, file }: (typeof sample)[number]): Promise<void> => {
        writeFileSync(file, m.data);
        let expected: string | null = null;
        let hint = false;
        try {
          loadSchema(file);
        } catch (err) {
          expected = (err as Error).message;
          // A schema that fails on doc-comment rules alone: the CLI adds its --lenient-docs hint.
          try {
            loadSchema(file, { lenientDocs: true, warn: () => {} });
            hint = true;
          } catch {
            hint = false;
          }
        }
        const r = await runCli(['check', file]);
        exits.add(r.status);
        if (r.status !== 0 && r.status !== 1) failures.push(`${m.label}: exit ${r.status} (signal ${r.signal})`);
        if (stackTraceLines(r.stderr).length) failures.push(`${m.label}: stack trace:\n${r.stderr}`);
        const wanted = expected === null ? '' : expected + '\n' + (hint ? `${LENIENT_HINT}\n` : '');
        if (r.stderr !== wanted) failures.push(`${m.label}: stderr ${JSON.stringify(r.stderr)} but in-process ${JSON.stringify(wanted)}`);
        if (r.status !== (expected === null ? 0 : 1)) failures.push(`${m.label}: exit ${r.status} but in-process ${expected === null ? 'ok' : 'error'}`);
      };
      // Two at a time: this machine has two cores.
      for (let i = 0; i < sample.length; i += 2) await Promise.all(sample.slice(i, i + 2).map(check));
      expect(failures).toEqual([]);
      expect(exits.has(1)).toBe(true);
    },
    120_000,
  );
});
