/**
 * Output-relative paths: what the write stage accepts, and how it maps them
 * into the output directory without ever leaving it.
 */
import * as path from 'node:path';
import { WriteOutputError } from './format.js';

/** The manifest's file name, in the output directory. */
export const MANIFEST_FILE = '.qapi-ts-manifest.json';

/**
 * Why `rel` is not an acceptable output-relative path, or null if it is.
 * Accepted: non-empty, POSIX separators, no empty, `.` or `..` segments, not
 * absolute (no leading `/`, no drive letter), no backslash or NUL.
 */
export function pathProblem(rel: unknown): string | null {
  if (typeof rel !== 'string' || rel === '') return 'the path is empty';
  if (rel.includes('\0')) return 'the path contains a NUL character';
  if (rel.includes('\\')) return "the path contains '\\' (use POSIX '/' separators)";
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return 'the path is absolute';
  for (const seg of rel.split('/')) {
    if (seg === '..') return "the path contains '..' and would escape the output directory";
    if (seg === '' || seg === '.') return "the path has an empty or '.' segment (not in canonical form)";
  }
  return null;
}

/**
 * The absolute path of `rel` inside `outAbs`.
 * @throws WriteOutputError if `rel` is not acceptable (see {@link pathProblem}) or would resolve outside `outAbs`.
 */
export function resolveInside(outAbs: string, rel: string, what = 'write'): string {
  const problem = pathProblem(rel);
  if (problem !== null) throw new WriteOutputError(`refusing to ${what} '${String(rel)}': ${problem}`, String(rel));
  const abs = path.join(outAbs, ...rel.split('/'));
  if (!isInside(outAbs, abs)) {
    throw new WriteOutputError(`refusing to ${what} '${rel}': it resolves outside the output directory`, rel);
  }
  return abs;
}

/** True if `abs` is strictly inside directory `dirAbs` (both absolute, normalized). */
export function isInside(dirAbs: string, abs: string): boolean {
  const rel = path.relative(dirAbs, abs);
  return rel !== '' && rel !== '..' && !rel.startsWith('..' + path.sep) && !path.isAbsolute(rel);
}

/**
 * Temp files: `.NAME.PID.HEX.qapi-ts.tmp` next to the file NAME they will
 * become (PID: the writing process, HEX: 12 random hex digits). A run
 * killed during its write phase can leave them behind; the next run removes
 * every regular file whose name matches {@link TEMP_FILE_PATTERN} exactly, in
 * the directories it writes (and `--check` reports them). No other file is
 * ever removed as a leftover.
 */
export const TEMP_FILE_PATTERN = /^\.(.+)\.([1-9][0-9]*)\.([0-9a-f]{12})\.qapi-ts\.tmp$/;

/** The temp file name for `name` (a base name), in the form {@link TEMP_FILE_PATTERN} matches. */
export function tempFileName(name: string, pid: number, hex: string): string {
  return `.${name}.${pid}.${hex}.qapi-ts.tmp`;
}
