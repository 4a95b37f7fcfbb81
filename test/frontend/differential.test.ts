/**
 * Differential test of the front end against QEMU 10.2.2's own: the core of
 * scripts/fuzz-frontend.mjs with a fixed seed. Every mutated schema must get
 * the same verdict from both, and on rejection the same stderr, byte for
 * byte (QEMU crashing is matched by any clean qapi-ts error).
 *
 * Needs ../shared (QEMU's generator, the conformance cases, the 10.2.2 tree)
 * and python3: skipped with the reason when either is missing, failing
 * instead with QAPI_TS_REQUIRE_FIXTURES=1.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { itFixture, requireFixtures } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';

const FIXTURES = ['qemu-generator/scripts/qapi/parser.py', 'conformance/qapi-schema/doc-good.json', 'qemu/10.2.2/qapi/qapi-schema.json'];
/** Cases per CI run: about 15 s of work on an idle 2-core machine. */
const CASES = 800;
const SEED = 20260213;

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const pythonMissing = python.error || python.status !== 0 ? 'python3 is not installed (needed to run QEMU\'s front end)' : null;

interface FuzzResult {
  counts: Map<string, number>;
  rules: Map<string, number>;
  diffs: { cls: string; case: number; qemu: unknown; ts: unknown }[];
  cliMismatches: unknown[];
}

describe('front end against QEMU 10.2.2 (differential, fixed seed)', () => {
  if (pythonMissing !== null) {
    if (requireFixtures) {
      it('requires python3', () => {
        throw new Error(`${pythonMissing} (QAPI_TS_REQUIRE_FIXTURES=1)`);
      });
    } else {
      console.warn(`[skip] ${pythonMissing} (set QAPI_TS_REQUIRE_FIXTURES=1 to make this an error)`);
      it.skip(`skipped: ${pythonMissing}`, () => {});
    }
    return;
  }
  itFixture(
    FIXTURES,
    `${CASES} mutated schemas: same verdicts and messages, no differences`,
    async () => {
      const fuzz = (await import(pathToFileURL(join(REPO_ROOT, 'scripts', 'fuzz-frontend.mjs')).href)) as {
        runFuzz(o: object): Promise<FuzzResult>;
        formatCounts(r: FuzzResult): string;
      };
      const result = await fuzz.runFuzz({ seed: SEED, count: CASES, treeRatio: 0.02, fullRatio: 0, minimize: false, cliSample: 3 });
      const report = fuzz.formatCounts(result);
      const firstDiffs = result.diffs.slice(0, 5).map((d) => `case ${d.case}: ${d.cls}\n  QEMU: ${JSON.stringify(d.qemu)}\n  qapi-ts: ${JSON.stringify(d.ts)}`);
      expect(result.diffs.length, `${report}\n${firstDiffs.join('\n')}\n(reproduce: node scripts/fuzz-frontend.mjs --seed ${SEED} --count ${CASES} --tree-ratio 0.02 --full-ratio 0)`).toBe(0);
      // The in-process result is what the CLI prints.
      expect(result.cliMismatches).toEqual([]);
      // Not vacuous: both verdicts occur, and the doc rules are reached.
      expect(result.counts.get('agree/accept') ?? 0).toBeGreaterThan(CASES / 20);
      expect(result.counts.get('agree/reject') ?? 0).toBeGreaterThan(CASES / 4);
      for (const rule of ['Use two spaces between sentences', 'documentation line longer than 70 characters', 'stray \'…\'']) {
        expect(result.rules.get(rule) ?? 0, `${rule}\n${report}`).toBeGreaterThan(0);
      }
    },
    180_000,
  );
});
