/**
 * The library entry points behind the CLI: read and check a schema, and
 * generate TypeScript for it into a directory.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSchema, type QapiSchema } from './model/schema.js';
import { createHash } from 'node:crypto';
import { checkOutputCurrent, writeOutput, type WriteResult } from './write/write-output.js';

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

/**
 * A fingerprint of everything the output depends on: the text of every
 * schema file read, and the options. The manifest records it, so that an
 * unchanged re-run (or --check of current output) needs no emitting at all.
 */
function inputFingerprint(schema: QapiSchema, int64: string): string {
  const hash = createHash('sha256').update(`int64=${int64}\n`);
  // Names relative to the entry point, so the same schema gives the same fingerprint from any directory.
  const base = dirname(resolve(schema.fname));
  for (const file of schema.sourceFiles) hash.update(`${relative(base, resolve(file.name))}\n${file.text.length}\n`).update(file.text);
  return hash.digest('hex');
}

/** Generates (or, with `check`, compares) the output for a schema. Throws QapiError on a bad schema. */
export async function generate(options: GenerateOptions): Promise<WriteResult> {
  const int64 = options.int64 ?? 'number';
  const schema = loadSchema(options.schema, { lenientDocs: options.lenientDocs === true, warn: options.warn ?? (() => {}) });
  const writeOptions = {
    outDir: options.out,
    check: options.check === true,
    generatorVersion: generatorVersion(),
    manifestInfo: { int64, inputs: inputFingerprint(schema, int64) },
  };
  const current = await checkOutputCurrent(writeOptions);
  if (current) return current;
  // Emitting needs ts-morph, which takes a while to load: only load it when there is work.
  const { generateFiles } = await import('./emit/generate.js');
  return writeOutput(generateFiles(schema, { int64 }), writeOptions);
}
