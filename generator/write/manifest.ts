/**
 * The manifest: `.qapi-ts-manifest.json` in the output directory, listing
 * every file qapi-ts wrote there.
 *
 * ```json
 * {
 *   "files": {
 *     "migration.ts": { "sha256": "…", "sourceSha256": "…" },
 *     "runtime/visitor.ts": { "sha256": "…", "verbatim": true }
 *   },
 *   "formatter": "prettier@3.10.1 config:0123456789abcdef",
 *   "generator": "qapi-ts",
 *   "generatorVersion": "0.1.0",
 *   "info": { … },
 *   "manifestVersion": 1
 * }
 * ```
 *
 * `sha256` is the hash of the bytes written; `sourceSha256` the hash of the
 * emitter output before formatting (UTF-8), left out for a file written as
 * it is (`verbatim`), whose source is its bytes. Keys are sorted, two-space
 * indented, with a final newline; no timestamps and no absolute paths, so
 * the manifest can be committed with the output and diffs one line per file.
 *
 * While a run renames its files into place, the manifest on disk is the new
 * one with `previousSha256` on each file being replaced (the hash of the bytes
 * it replaces), so that a run killed in the middle leaves a manifest that
 * owns every file whichever of its two versions is on disk. The run's last
 * step writes the manifest without them; a manifest that still has one is
 * never taken as current.
 */
import { canonicalJson } from './format.js';
import { pathProblem } from './paths.js';
import { isUnitRecord } from './reuse.js';

export const MANIFEST_VERSION = 1;

/** What the manifest records about one file. */
export interface ManifestEntry {
  /** sha256 (hex) of the bytes written. */
  sha256: string;
  /** sha256 (hex) of the emitter output before formatting. */
  sourceSha256: string;
  /** Present (true) if the file was written as is, without formatting. */
  verbatim?: true;
  /** A file printed from structures: its units' keys and line counts (see reuse.ts), so that a later run formats only new units. */
  units?: string;
  /** Only while a run is renaming files into place: sha256 (hex) of the bytes this file is replacing. */
  previousSha256?: string;
}

export interface Manifest {
  files: Record<string, ManifestEntry>;
  formatter: string;
  generator: 'qapi-ts';
  generatorVersion: string;
  info: Record<string, string>;
  manifestVersion: number;
}

/** An old manifest as read back: only entries that are safe to act on. */
export interface ParsedManifest {
  files: Map<string, ManifestEntry>;
  formatter: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** The prefix of the `info` keys that hold a schema file's hash (`input migration.json`). */
export const INPUT_KEY = 'input ';

/**
 * Serializes a manifest deterministically (sorted keys, final newline).
 * The schema files' hashes in `info` are one a line with a blank line
 * between (JSON allows it): two branches that change different schema
 * files then touch lines with an unchanged one between, and git merges
 * them. File entries already have unchanged lines between them.
 */
export function serializeManifest(manifest: Manifest): string {
  // A file written as it is has one hash: its source is its bytes (parseManifest puts it back).
  const files: Record<string, Partial<ManifestEntry>> = {};
  for (const [rel, e] of Object.entries(manifest.files)) {
    if (e.verbatim === true && e.sourceSha256 === e.sha256) {
      const { sourceSha256: _, ...rest } = e;
      files[rel] = rest;
    } else files[rel] = e;
  }
  const lines = canonicalJson({ ...manifest, files }, 2).split('\n');
  const input = new RegExp(`^ {4}"${INPUT_KEY}[^\\n]*",?$`);
  const out: string[] = [];
  for (const [i, line] of lines.entries()) {
    out.push(line);
    if (input.test(line) && input.test(lines[i + 1] ?? '')) out.push('');
  }
  return out.join('\n') + '\n';
}

/**
 * Reads a manifest's text. Anything unexpected is dropped with a warning:
 * an unparseable manifest yields no entries (nothing is then removed as
 * stale and every file is re-formatted), and an entry whose path is not a
 * safe relative path, or whose hashes are malformed, is ignored.
 */
export function parseManifest(text: string, warn: (msg: string) => void): ParsedManifest {
  const result: ParsedManifest = { files: new Map(), formatter: null };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    warn(`ignoring the manifest: it is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
    return result;
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    warn('ignoring the manifest: it is not a JSON object');
    return result;
  }
  const obj = data as Record<string, unknown>;
  if (obj['manifestVersion'] !== MANIFEST_VERSION) {
    warn(`ignoring the manifest: unsupported manifestVersion ${JSON.stringify(obj['manifestVersion'])}`);
    return result;
  }
  if (typeof obj['formatter'] === 'string') result.formatter = obj['formatter'];
  const files = obj['files'];
  if (files === null || typeof files !== 'object' || Array.isArray(files)) {
    warn("ignoring the manifest: 'files' is not an object");
    return result;
  }
  for (const [rel, raw] of Object.entries(files as Record<string, unknown>)) {
    const problem = pathProblem(rel);
    if (problem !== null) {
      warn(`ignoring manifest entry ${JSON.stringify(rel)}: ${problem}`);
      continue;
    }
    const e = raw as Record<string, unknown> | null;
    if (
      e === null ||
      typeof e !== 'object' ||
      typeof e['sha256'] !== 'string' ||
      !HEX64.test(e['sha256']) ||
      (e['sourceSha256'] === undefined
        ? e['verbatim'] !== true
        : typeof e['sourceSha256'] !== 'string' || !HEX64.test(e['sourceSha256']))
    ) {
      warn(`ignoring manifest entry ${JSON.stringify(rel)}: malformed hashes`);
      continue;
    }
    // A verbatim file's source hash is left out when it is its own hash.
    const entry: ManifestEntry = { sha256: e['sha256'], sourceSha256: typeof e['sourceSha256'] === 'string' ? e['sourceSha256'] : e['sha256'] };
    if (e['verbatim'] === true) entry.verbatim = true;
    if (isUnitRecord(e['units'])) entry.units = e['units'];
    if (typeof e['previousSha256'] === 'string' && HEX64.test(e['previousSha256'])) entry.previousSha256 = e['previousSha256'];
    result.files.set(rel, entry);
  }
  return result;
}
