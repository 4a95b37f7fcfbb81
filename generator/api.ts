/**
 * The library entry points behind the CLI: read and check a schema, and
 * generate TypeScript for it into a directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchema, type QapiSchema } from './model/schema.js';
import { generateFiles } from './emit/generate.js';
import { writeOutput, type WriteResult } from './write/write-output.js';

export { loadSchema, type QapiSchema };

/** Every option of `qapi-ts generate`, with its default, in one place. */
export interface GenerateOptions {
  schema: string;
  out: string;
  int64?: 'number' | 'bigint';
  check?: boolean;
  lenientDocs?: boolean;
  warn?: (message: string) => void;
}

/** qapi-ts's version, from the package.json above this file (in dist/ or, under tests, in the source tree). */
export function generatorVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return '0.0.0';
}

/** Generates (or, with `check`, compares) the output for a schema. Throws QapiError on a bad schema. */
export async function generate(options: GenerateOptions): Promise<WriteResult> {
  const int64 = options.int64 ?? 'number';
  const schema = loadSchema(options.schema, { lenientDocs: options.lenientDocs === true, warn: options.warn ?? (() => {}) });
  const files = generateFiles(schema, { int64 });
  return writeOutput(files, {
    outDir: options.out,
    check: options.check === true,
    generatorVersion: generatorVersion(),
    manifestInfo: { int64 },
  });
}
