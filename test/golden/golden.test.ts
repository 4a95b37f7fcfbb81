/**
 * Golden tests: small schema snippets and the TypeScript they produce.
 * Regenerate the expected files with `npm run test:update` and review the diff.
 */
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSchema } from '../../generator/model/schema.js';
import { fileText, generateFiles } from '../../generator/emit/generate.js';
import { formatTypeScript } from '../../generator/write/format.js';

const casesDir = join(import.meta.dirname, 'cases');
const update = process.env.UPDATE_GOLDEN === '1';

/** All generated files of a case but the shared ones, formatted, in one reviewable text. */
async function render(schemaFile: string, int64: 'number' | 'bigint'): Promise<string> {
  const files = generateFiles(loadSchema(schemaFile), { int64 }, join(import.meta.dirname, '..', '..', 'templates', 'runtime'));
  const parts: string[] = [];
  for (const f of files) {
    if (f.path.startsWith('builtin.') || f.path === 'package.json' || f.path.startsWith('runtime/')) continue;
    parts.push(`//// ${f.path}\n${f.verbatim ? await fileText(f) : await formatTypeScript(await fileText(f), f.path)}`);
  }
  return parts.join('\n');
}

describe('golden output', () => {
  const cases = readdirSync(casesDir).filter((f) => f.endsWith('.json'));
  it('has cases', () => expect(cases.length).toBeGreaterThan(5));
  for (const file of cases) {
    it(file, async () => {
      const actual = await render(join(casesDir, file), file.includes('.bigint.') ? 'bigint' : 'number');
      const expectedFile = join(casesDir, file.replace(/\.json$/, '.expected.ts.txt'));
      if (update || !existsSync(expectedFile)) {
        writeFileSync(expectedFile, actual);
        if (!update) throw new Error(`${expectedFile} was missing and has been written; review it and run again`);
        return;
      }
      expect(actual).toBe(readFileSync(expectedFile, 'utf8'));
    });
  }
});
