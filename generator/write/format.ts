/**
 * In-process formatting with prettier, and what the worker pool needs to do
 * the same thing in another thread.
 *
 * prettier is loaded lazily (a run whose files are all up to date never loads
 * it) from its standalone build plus the TypeScript and estree plugins, by
 * absolute file URL. The worker pool (`format-pool.ts`) imports exactly the
 * same modules and uses the same options, so both paths produce the same bytes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import type * as PrettierStandalone from 'prettier/standalone';
import { PRETTIER_OPTIONS } from './prettier-config.js';

/**
 * An error from the write stage: a path that is refused, emitter output that
 * prettier cannot parse, or a file system error. The message names the file.
 */
export class WriteOutputError extends Error {
  /** The output-relative path concerned, when there is one. */
  readonly path: string | undefined;
  constructor(message: string, path?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WriteOutputError';
    this.path = path;
  }
}

const require = createRequire(import.meta.url);

/** Absolute file URLs of prettier's standalone build and the two plugins TypeScript needs, in that order. */
export const PRETTIER_MODULE_URLS: readonly string[] = Object.freeze(
  ['prettier/standalone.mjs', 'prettier/plugins/typescript.mjs', 'prettier/plugins/estree.mjs'].map(
    (spec) => pathToFileURL(require.resolve(spec)).href,
  ),
);

let prettierVersion: string | undefined;

/** The installed prettier's version, read from its package.json without loading prettier. */
export function getPrettierVersion(): string {
  if (prettierVersion === undefined) {
    const pkg = JSON.parse(readFileSync(require.resolve('prettier/package.json'), 'utf8')) as { version?: unknown };
    prettierVersion = typeof pkg.version === 'string' ? pkg.version : 'unknown';
  }
  return prettierVersion;
}

/** Key-sorted JSON, the same for equal values whatever their key order. */
export function canonicalJson(value: unknown, indent?: number): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v !== null && typeof v === 'object') {
      const out = Object.create(null) as Record<string, unknown>; // a key '__proto__' stays a key
      for (const k of Object.keys(v).sort()) out[k] = sort((v as Record<string, unknown>)[k]);
      return out;
    }
    return v;
  };
  return JSON.stringify(sort(value), null, indent);
}

/**
 * Identifies the formatter: prettier's version and a hash of the pinned
 * options. Recorded in the manifest; when it changes, cached formatting is
 * not trusted and every file is re-formatted.
 */
export function formatterFingerprint(): string {
  const configHash = createHash('sha256').update(canonicalJson(PRETTIER_OPTIONS)).digest('hex').slice(0, 16);
  return `prettier@${getPrettierVersion()} config:${configHash}`;
}

/** The error message for emitter output prettier rejected; shared with the worker pool. */
export function formatErrorMessage(filepath: string, detail: string): string {
  return `cannot format '${filepath}': prettier rejected the emitter output (a generator bug): ${detail}`;
}

interface LoadedPrettier {
  format: typeof PrettierStandalone.format;
  plugins: unknown[];
}

let loaded: Promise<LoadedPrettier> | undefined;

function loadPrettier(): Promise<LoadedPrettier> {
  loaded ??= Promise.all(PRETTIER_MODULE_URLS.map((url) => import(url) as Promise<Record<string, unknown>>)).then(
    ([standalone, ...plugins]) => ({
      format: (standalone as unknown as typeof PrettierStandalone).format,
      plugins: plugins.map((p) => p['default'] ?? p),
    }),
  );
  return loaded;
}

/**
 * Formats TypeScript with the pinned prettier configuration, in this thread.
 *
 * @param source - emitter output
 * @param filepath - the file's output-relative path; used in error messages only
 * @returns the formatted text (LF line endings, final newline)
 * @throws WriteOutputError naming `filepath` when prettier cannot parse `source`
 */
export async function formatTypeScript(source: string, filepath: string): Promise<string> {
  const prettier = await loadPrettier();
  try {
    return await prettier.format(source, { ...PRETTIER_OPTIONS, plugins: prettier.plugins as never });
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new WriteOutputError(formatErrorMessage(filepath, detail), filepath, { cause: err });
  }
}
