/**
 * The generated code of every shared QEMU schema type-checks under the
 * strictest flags, both as `nodenext` (imports carry `.js`) and under
 * `moduleResolution: bundler`.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { generateInto, runTsc, tempDir, writeTsconfig } from './generate-helpers.js';

const VERSIONS = ['7.2.0', '10.0.13', '10.2.2', '10.2.2-backend-transfer'];
const ENTRIES = ['qapi/qapi-schema.json', 'qga/qapi-schema.json', 'storage-daemon/qapi/qapi-schema.json'];
const cases = VERSIONS.flatMap((v) => ENTRIES.map((e) => ({ version: v, entry: e, rel: `qemu/${v}/${e}`, dir: `${v}/${e.replace(/\/qapi-schema\.json$/, '').replace(/\//g, '-')}` })));

describeFixture(
  cases.map((c) => c.rel),
  'generated code of every shared schema',
  () => {
    let root = '';
    beforeAll(async () => {
      root = tempDir('tsc');
      for (const c of cases) {
        await generateInto(sharedPath(c.rel), join(root, c.dir), { lenientDocs: !c.version.startsWith('10.2') });
      }
    }, 300_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('would notice a type error (the check is not vacuous)', () => {
      const dir = cases[0]!.dir;
      writeFileSync(join(root, dir, 'zz-negative-control.ts'), "import type { QmpCommands } from './index.js';\nexport const x: keyof QmpCommands = 'no-such-command';\n");
      try {
        expect(runTsc(writeTsconfig(root, 'nodenext', [dir]))).toMatch(/zz-negative-control\.ts\(2,14\): error TS2322/);
      } finally {
        rmSync(join(root, dir, 'zz-negative-control.ts'));
      }
    }, 60_000);

    for (const mode of ['nodenext', 'bundler'] as const) {
      it(`passes tsc --noEmit (${mode}) with zero errors for all ${cases.length} entry points`, () => {
        const out = runTsc(writeTsconfig(root, mode, cases.map((c) => c.dir)));
        const perEntry = cases.map((c) => ({ dir: c.dir, errors: out.split('\n').filter((l) => l.includes(`${c.dir}/`)).length }));
        expect(perEntry.filter((p) => p.errors > 0)).toEqual([]);
        expect(out).toBe('');
      }, 120_000);
    }
  },
);
