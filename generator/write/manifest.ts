/**
 * The manifest: `.qapi-ts-manifest.json` in the output directory, listing
 * every file qapi-ts wrote there.
 *
 * ```json
 * {
 *   "files": {
 *     "migration.ts": { "sha256": "…", "sourceSha256": "…" },
 *     "runtime/visitor.ts": { "sha256": "…", "sourceSha256": "…", "verbatim": true }
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
 * emitter output before formatting (UTF-8). Keys are sorted, two-space
 * indented, with a final newline; no timestamps and no absolute paths, so
 * the manifest can be committed with the output and diffs one line per file.
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

/** Serializes a manifest deterministically (sorted keys, final newline). */
export function serializeManifest(manifest: Manifest): string {
  return canonicalJson(manifest, 2) + '\n';
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
      typeof e['sourceSha256'] !== 'string' ||
      !HEX64.test(e['sourceSha256'])
    ) {
      warn(`ignoring manifest entry ${JSON.stringify(rel)}: malformed hashes`);
      continue;
    }
    const entry: ManifestEntry = { sha256: e['sha256'], sourceSha256: e['sourceSha256'] };
    if (e['verbatim'] === true) entry.verbatim = true;
    if (isUnitRecord(e['units'])) entry.units = e['units'];
    result.files.set(rel, entry);
  }
  return result;
}
