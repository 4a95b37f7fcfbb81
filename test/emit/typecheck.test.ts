/**
 * The generated code of every shared QEMU schema type-checks under the
 * strictest flags (@tsconfig/strictest's), both as `nodenext` (imports
 * carry `.js`) and under `moduleResolution: bundler`, with TypeScript 7
 * (the project's), and with TypeScript 5.9, which most users run; the
 * 10.2.2 `--codecs` output with both.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { generate } from '../../generator/api.js';
import { generateInto, runTsc, tempDir, writeTsconfig } from './generate-helpers.js';

const VERSIONS = ['7.2.0', '10.0.13', '10.2.2', '10.2.2-backend-transfer'];
const ENTRIES = ['qapi/qapi-schema.json', 'qga/qapi-schema.json', 'storage-daemon/qapi/qapi-schema.json'];
const SHORT: Record<string, string> = { 'qapi/qapi-schema.json': 'qmp', 'qga/qapi-schema.json': 'qga', 'storage-daemon/qapi/qapi-schema.json': 'qsd' };
/** The latest release's three entry points are one output with a shared runtime (`--schema qmp=… qga=… qsd=…`). */
const MULTI = '10.2.2';
const cases = VERSIONS.flatMap((v) =>
  ENTRIES.map((e) => ({ version: v, entry: e, rel: `qemu/${v}/${e}`, dir: v === MULTI ? `${v}/${SHORT[e]}` : `${v}/${e.replace(/\/qapi-schema\.json$/, '').replace(/\//g, '-')}` })),
);

function latestEntries(): { name: string; schema: string }[] {
  return cases.filter((c) => c.version === MULTI).map((c) => ({ name: SHORT[c.entry]!, schema: sharedPath(c.rel) }));
}

describeFixture(
  cases.map((c) => c.rel),
  'generated code of every shared schema',
  () => {
    let root = '';
    const latest = cases.filter((c) => c.version === '10.2.2');
    beforeAll(async () => {
      root = tempDir('tsc');
      for (const c of cases) {
        if (c.version !== MULTI) await generateInto(sharedPath(c.rel), join(root, c.dir), { lenientDocs: !c.version.startsWith('10.2') });
      }
      await generate({ schema: latestEntries(), out: join(root, MULTI) });
      for (const c of latest) await generateInto(sharedPath(c.rel), join(root, `codecs-${c.dir}`), { codecs: true });
      expect(existsSync(join(root, MULTI, 'runtime', 'qga-client.ts'))).toBe(true);
      expect(existsSync(join(root, MULTI, 'qga', 'runtime'))).toBe(false);
    }, 900_000);
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('would notice a type error (the check is not vacuous)', () => {
      const dir = cases[0]!.dir;
      writeFileSync(join(root, dir, 'zz-negative-control.ts'), "import type { QmpCommands } from './index.js';\nexport const x: keyof QmpCommands = 'no-such-command';\n");
      try {
        expect(runTsc(writeTsconfig(root, 'nodenext', [dir]))).toMatch(/zz-negative-control\.ts\(2,14\): error TS2322/);
      } finally {
        rmSync(join(root, dir, 'zz-negative-control.ts'));
      }
    }, 900_000);

    // nodenext for every entry point; bundler resolution (no `.js` rules of its own to break) for the latest.
    for (const mode of ['nodenext', 'bundler'] as const) {
      const checked = mode === 'nodenext' ? cases : latest;
      it(`passes tsc --noEmit (${mode}) with zero errors for ${checked.length === cases.length ? `all ${cases.length}` : `the ${checked.length} latest`} entry points`, () => {
        const out = runTsc(writeTsconfig(root, mode, checked.map((c) => c.dir)));
        const perEntry = checked.map((c) => ({ dir: c.dir, errors: out.split('\n').filter((l) => l.includes(`${c.dir}/`)).length }));
        expect(perEntry.filter((p) => p.errors > 0)).toEqual([]);
        expect(out).toBe('');
      }, 900_000);
    }

    it('--codecs output of the 10.2.2 entry points passes tsc 7 with zero errors', () => {
      expect(runTsc(writeTsconfig(root, 'nodenext', latest.map((c) => `codecs-${c.dir}`)))).toBe('');
    }, 900_000);

    it('a program using the 10.2.2 bindings: typos, wrong types and bad enum values are compile errors; device_add is open (TS 7 and 5.9)', () => {
      const dir = join(root, 'probe');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
      writeFileSync(
        join(dir, 'probe.ts'),
        [
          "import { type QmpCommands, QapiError, cloneMigrationParameters, connect, encodeArguments, encodeMigrateSetParameters } from '../10.2.2/qmp/index.js';",
          "import { connect as connectAgent, QapiError as AgentQapiError } from '../10.2.2/qga/index.js';",
          "import { OnOffAuto, isKnownValue, type Known, type MemoryDeviceInfo } from '../10.2.2/qmp/index.js';",
          '// A newer QEMU may send a value these bindings lack: the types say so, and an exhaustive switch needs a default.',
          'export function transferName(b: OnOffAuto): string {',
          '  switch (b) {',
          "    case 'on':",
          "    case 'off':",
          "    case 'auto':",
          "      return b;",
          '    default: {',
          '      // @ts-expect-error not exhaustive: an unknown value is still possible',
          '      const none: never = b;',
          '      return none;',
          '    }',
          '  }',
          '}',
          'export function knownName(b: Known<OnOffAuto>): string {',
          '  switch (b) {',
          "    case 'on':",
          "    case 'off':",
          "    case 'auto':",
          "      return b;",
          '    default: {',
          '      const none: never = b;',
          '      return none;',
          '    }',
          '  }',
          '}',
          'export const narrowed = (b: OnOffAuto): string | null => (isKnownValue(OnOffAuto, b) ? knownName(b) : null);',
          '// @ts-expect-error a plain string is no unknown value: typos stay errors',
          "export const typo: OnOffAuto = 'of';",
          '// An unknown branch of a union has the common members only.',
          "export const kind = (d: MemoryDeviceInfo): string => (d.type === 'dimm' ? d.data.memdev : String(d.type));",
          'export function kinds(d: MemoryDeviceInfo): string {',
          '  switch (d.type) {',
          "    case 'dimm':",
          "    case 'nvdimm':",
          '      return d.data.memdev;',
          "    case 'virtio-pmem':",
          "    case 'virtio-mem':",
          "    case 'sgx-epc':",
          "    case 'hv-balloon':",
          '      return String(d.data.memdev);',
          '    default: {',
          '      // @ts-expect-error an unknown branch is still possible',
          '      const none: never = d;',
          '      return none;',
          '    }',
          '  }',
          '}',
          "import { connect as connectDaemon } from '../10.2.2/qsd/index.js';",
          '// One runtime: the error classes of the three are the same class.',
          'export const same: typeof QapiError = AgentQapiError;',
          'export async function agent(): Promise<bigint | number> {',
          "  const ga = await connectAgent('/run/ga.sock', { syncTimeout: 1000 });",
          "  const info = await ga.execute('guest-get-osinfo');",
          "  const name: string | undefined = info.name;",
          '  void name;',
          "  // @ts-expect-error guest-exec needs its path",
          "  await ga.execute('guest-exec', {});",
          "  // @ts-expect-error the agent has no query-status",
          "  await ga.execute('query-status');",
          "  const vm = await connect('/run/qmp.sock');",
          "  await ga.execute('guest-shutdown', { mode: 'powerdown' }, { until: { shutdownOf: vm } });",
          "  const qsd = await connectDaemon('/run/qsd.sock');",
          "  // @ts-expect-error the storage daemon has no query-status either",
          "  await qsd.execute('query-status');",
          "  await qsd.execute('blockdev-del', { 'node-name': 'x' });",
          "  return ga.execute('guest-get-time');",
          '}',
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
    }, 900_000);

    // The output's runtime files start with `// @ts-nocheck` (a user's compiler need not check them
    // again): here they are checked, header removed, by both compilers with the strictest flags.
    it('the runtime as the output holds it, its @ts-nocheck header removed, passes TypeScript 7 and 5.9 with zero errors', () => {
      const from = join(root, MULTI, 'runtime');
      const to = join(root, 'runtime-checked', 'runtime');
      mkdirSync(to, { recursive: true });
      const files = readdirSync(from).filter((f) => f.endsWith('.ts'));
      expect(files).toContain('qga-client.ts');
      for (const f of files) {
        const text = readFileSync(join(from, f), 'utf8');
        const lines = text.split('\n');
        expect(lines[0], f).toBe('// @ts-nocheck');
        writeFileSync(join(to, f), lines.slice(2).join('\n'));
      }
      writeFileSync(join(root, 'runtime-checked', 'package.json'), '{ "type": "module" }\n');
      const config = writeTsconfig(join(root, 'runtime-checked'), 'nodenext', [to]);
      expect(runTsc(config)).toBe('');
      expect(runTsc(config, '5.9')).toBe('');
      // Not vacuous: an error in a runtime file is reported once its header is gone.
      writeFileSync(join(to, 'zz-negative-control.ts'), "export const x: number = 'not a number';\n");
      try {
        expect(runTsc(config)).toMatch(/zz-negative-control\.ts\(1,14\): error TS2322/);
      } finally {
        rmSync(join(to, 'zz-negative-control.ts'));
      }
    }, 900_000);

    // TypeScript 5.9, which most users run, on the oldest and the newest release (the two between are
    // near copies of 10.2.2, and TS 7 checks them above), and on the --codecs output.
    const with59 = cases.filter((c) => c.version === '7.2.0' || c.version === MULTI);
    it(`the ${with59.length} entry points of 7.2.0 and 10.2.2 pass TypeScript 5.9 with zero errors, and the 10.2.2 --codecs output too`, () => {
      const dirs = [...with59.map((c) => c.dir), ...latest.map((c) => `codecs-${c.dir}`)];
      expect(runTsc(writeTsconfig(root, 'nodenext', dirs), '5.9')).toBe('');
    }, 900_000);
  },
);
