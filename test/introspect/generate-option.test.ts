/**
 * `generate --introspection`: introspection.ts in the output (and only with
 * the option), type-checked with the rest, and evaluated to what a build
 * serves.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { evaluateIntrospection, type QmpSchemaInfo } from '../../templates/runtime/introspect.js';
import { generateInto, runTsc, writeTsconfig } from '../emit/generate-helpers.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';

const work = mkdtempSync(join(REPO_ROOT, 'tmp', 'introspection-option-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeFixture('qemu/10.2.2/qapi/qapi-schema.json', 'generate --introspection (QEMU 10.2.2)', () => {
  it('writes introspection.ts only when asked, and it type-checks and evaluates', async () => {
    const schema = sharedPath('qemu/10.2.2/qapi/qapi-schema.json');
    await generateInto(schema, join(work, 'plain'));
    expect(existsSync(join(work, 'plain', 'introspection.ts'))).toBe(false);
    await generateInto(schema, join(work, 'with'), { introspection: true });
    expect(existsSync(join(work, 'with', 'introspection.ts'))).toBe(true);
    expect(runTsc(writeTsconfig(work, 'nodenext', ['with']))).toBe('');
    const { qmpSchemaIntrospection } = (await import(join(work, 'with', 'introspection.ts'))) as typeof import('../../templates/runtime/introspect.js') & { qmpSchemaIntrospection: Parameters<typeof evaluateIntrospection>[0] };
    const linux = evaluateIntrospection(qmpSchemaIntrospection, new Set(['CONFIG_LINUX', 'CONFIG_FDT']));
    const windows = evaluateIntrospection(qmpSchemaIntrospection, new Set(['CONFIG_WIN32']));
    const names = (l: readonly QmpSchemaInfo[]) => new Set(l.filter((e) => e['meta-type'] === 'command').map((e) => e.name));
    expect(names(linux).has('query-status')).toBe(true);
    // dumpdtb has 'if': 'CONFIG_FDT': in one list, not the other.
    expect(names(linux).has('dumpdtb')).toBe(true);
    expect(names(windows).has('dumpdtb')).toBe(false);
  }, 900_000);

  it('with introspectionSymbols, the data is evaluated at generation: no condition left, the same list', async () => {
    const schema = sharedPath('qemu/10.2.2/qapi/qapi-schema.json');
    const symbols = ['CONFIG_LINUX', 'CONFIG_FDT'];
    await generateInto(schema, join(work, 'fixed'), { introspection: true, introspectionSymbols: symbols });
    const fixed = (await import(join(work, 'fixed', 'introspection.ts'))) as { qmpSchemaIntrospection: Parameters<typeof evaluateIntrospection>[0] };
    const full = (await import(join(work, 'with', 'introspection.ts'))) as { qmpSchemaIntrospection: Parameters<typeof evaluateIntrospection>[0] };
    // An annotated node is `{ value, if? }`: none has a condition left.
    const conditioned = (x: unknown): number =>
      Array.isArray(x)
        ? x.reduce((n: number, y) => n + conditioned(y), 0)
        : typeof x === 'object' && x !== null
          ? Object.values(x).reduce((n: number, y) => n + conditioned(y), 'value' in x && 'if' in x && Object.keys(x).length === 2 ? 1 : 0)
          : 0;
    expect(conditioned(full.qmpSchemaIntrospection)).toBeGreaterThan(0);
    expect(conditioned(fixed.qmpSchemaIntrospection)).toBe(0);
    expect(evaluateIntrospection(fixed.qmpSchemaIntrospection, new Set())).toEqual(evaluateIntrospection(full.qmpSchemaIntrospection, new Set(symbols)));
  }, 900_000);
});
