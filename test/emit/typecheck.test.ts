/**
 * The generated code of every shared QEMU schema type-checks under the
 * strictest flags (@tsconfig/strictest's), both as `nodenext` (imports
 * carry `.js`) and under `moduleResolution: bundler`, with TypeScript 7
 * (the project's), and with TypeScript 5.9, which most users run; the
 * 10.2.2 `--codecs` output with both.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
    const latest = cases.filter((c) => c.version === '10.2.2');
    beforeAll(async () => {
      root = tempDir('tsc');
      for (const c of cases) {
        await generateInto(sharedPath(c.rel), join(root, c.dir), { lenientDocs: !c.version.startsWith('10.2') });
      }
      for (const c of latest) await generateInto(sharedPath(c.rel), join(root, `codecs-${c.dir}`), { codecs: true });
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

    it('--codecs output of the 10.2.2 entry points passes tsc 7 with zero errors', () => {
      expect(runTsc(writeTsconfig(root, 'nodenext', latest.map((c) => `codecs-${c.dir}`)))).toBe('');
    }, 120_000);

    it('a program using the 10.2.2 bindings: typos, wrong types and bad enum values are compile errors; device_add is open (TS 7 and 5.9)', () => {
      const dir = join(root, 'probe');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(
        join(dir, 'probe.ts'),
        [
          "import { type QmpCommands, cloneMigrationParameters, encodeArguments, encodeMigrateSetParameters } from '../10.2.2/qapi/index.js';",
          '// @ts-expect-error a typo in a member name',
          "encodeArguments('migrate-set-parameters', { 'backend-transfers': ['virtio-net-tap'] });",
          "encodeArguments('migrate-set-parameters', { 'max-bandwidth': 1 });",
          '// @ts-expect-error a wrong type',
          "cloneMigrationParameters({ 'max-bandwidth': 'fast' });",
          '// @ts-expect-error a bad enum value',
          "encodeMigrateSetParameters({ mode: 'sideways' });",
          "// QEMU's own device_add example: 'gen': false, so the device's properties are allowed.",
          "export const nic: QmpCommands['device_add']['args'] = { driver: 'e1000', id: 'net1', mac: '52:54:00:12:34:56' };",
          '// @ts-expect-error the declared members stay typed',
          "export const noDriver: QmpCommands['device_add']['args'] = { id: 'net1' };",
          '',
        ].join('\n'),
      );
      const config = writeTsconfig(root, 'nodenext', ['probe']);
      expect(runTsc(config)).toBe('');
      expect(runTsc(config, '5.9')).toBe('');
    }, 240_000);

    it(`all ${cases.length} entry points pass TypeScript 5.9 with zero errors, and the 10.2.2 --codecs output too`, () => {
      const dirs = [...cases.map((c) => c.dir), ...latest.map((c) => `codecs-${c.dir}`)];
      expect(runTsc(writeTsconfig(root, 'nodenext', dirs), '5.9')).toBe('');
    }, 300_000);
  },
);
