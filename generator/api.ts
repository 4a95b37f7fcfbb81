/**
 * The library entry points behind the CLI: read and check a schema, and
 * generate TypeScript for it into a directory.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
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
  /** Also emit specialized codecs (`X.codec.ts`) from the same plans. */
  codecs?: boolean;
  check?: boolean;
  lenientDocs?: boolean;
  warn?: (message: string) => void;
}

/** The directory of qapi-ts's package.json, above this file (in dist/ or, under tests, in the source tree). */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error("qapi-ts: can't find its package.json");
}

/** qapi-ts's version. */
export function generatorVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * A fingerprint of everything the output depends on: the text of every
 * schema file read, and the options. The manifest records it, so that an
 * unchanged re-run (or --check of current output) needs no emitting at all.
 */
function inputFingerprint(schema: QapiSchema, int64: string, codecs: boolean): string {
  const hash = createHash('sha256').update(`int64=${int64}\ncodecs=${codecs}\ngenerator=${generatorFingerprint()}\n`);
  // Names relative to the entry point, so the same schema gives the same fingerprint from any directory.
  const base = dirname(resolve(schema.fname));
  for (const file of schema.sourceFiles) hash.update(`${relative(base, resolve(file.name))}\n${file.text.length}\n`).update(file.text);
  return hash.digest('hex');
}

let generatorHash: string | null = null;

/**
 * A hash of qapi-ts's own code and runtime templates: a rebuilt generator
 * must not trust output made by another build, even under the same version.
 */
function generatorFingerprint(): string {
  if (generatorHash !== null) return generatorHash;
  const hash = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts|mjs)$/.test(e.name)) hash.update(`${relative(here, p)}\n`).update(readFileSync(p));
    }
  };
  walk(here);
  walk(join(packageRoot(), 'templates', 'runtime'));
  generatorHash = hash.digest('hex');
  return generatorHash;
}

/** Generates (or, with `check`, compares) the output for a schema. Throws QapiError on a bad schema. */
export async function generate(options: GenerateOptions): Promise<WriteResult> {
  const int64 = options.int64 ?? 'number';
  const codecs = options.codecs === true;
  const schema = loadSchema(options.schema, { lenientDocs: options.lenientDocs === true, warn: options.warn ?? (() => {}) });
  const writeOptions = {
    outDir: options.out,
    check: options.check === true,
    generatorVersion: generatorVersion(),
    manifestInfo: { int64, codecs: String(codecs), inputs: inputFingerprint(schema, int64, codecs) },
  };
  const current = await checkOutputCurrent(writeOptions);
  if (current) return current;
  // Emitting needs ts-morph, which takes a while to load: only load it when there is work.
  const { generateFiles } = await import('./emit/generate.js');
  return writeOutput(generateFiles(schema, { int64, codecs }, join(packageRoot(), 'templates', 'runtime'), generatorFingerprint()), writeOptions);
}
