/**
 * Formatting only what changed: a printed file's *units* (its header, each
 * run of imports, each other top-level statement) are keyed by a hash of
 * the structures they are printed from, and the manifest records, per file,
 * each unit's key and its number of lines in the formatted file. When a
 * file must be formatted again, the units whose key is unchanged are taken
 * from the file on disk as they are; only the others go through ts-morph
 * and prettier, printed together under the file's header.
 *
 * This rests on prettier's contract for these files: a file formats to its
 * statements formatted one by one, joined by blank lines (verified on every
 * file of QEMU's real schemas; test/emit/incremental.test.ts holds
 * incremental output byte-equal to a fresh run). Anything unexpected (a
 * file on disk that does not split as recorded, formatted text that does
 * not split into its units) and the whole file is formatted, as without a
 * record.
 */
import { createHash } from 'node:crypto';
import type { StatementStructures } from 'ts-morph';
import { Kind } from '../emit/structure-kind.js';
import type { PrintJob } from './print.js';

/** A file's units: the header, then runs of imports and single statements. */
interface Units {
  readonly keys: readonly string[];
  /** The statements of each unit after the header (index i + 1 of `keys`). */
  readonly statements: readonly (readonly StatementStructures[])[];
}

function key(text: string): string {
  // 48 bits: a key is only ever compared with the keys of the same file's units.
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** Splits a print job into units and keys them; null for a file without statements (printed specially). */
function unitsOf(job: PrintJob): Units | null {
  if (job.statements.length === 0) return null;
  const statements: StatementStructures[][] = [];
  for (const s of job.statements) {
    const last = statements[statements.length - 1];
    if (s.kind === Kind.ImportDeclaration && last !== undefined && last[0]!.kind === Kind.ImportDeclaration) last.push(s);
    else statements.push([s]);
  }
  return { keys: [key(`header\0${job.header}`), ...statements.map((u) => key(JSON.stringify(u)))], statements };
}

/**
 * Formatted text → its pieces: split at each blank line that is followed by
 * a line starting in column 0 (top-level statements start there; nothing
 * inside one does after a blank line). Null unless there are exactly
 * `count` pieces that join back into `text`.
 */
export function splitUnits(text: string, count: number): string[] | null {
  if (!text.endsWith('\n')) return null;
  const lines = text.slice(0, -1).split('\n');
  const pieces: string[] = [];
  let start = 0;
  for (let i = 1; i + 1 < lines.length; i++) {
    if (lines[i] === '' && lines[i - 1] !== '' && /^\S/.test(lines[i + 1]!)) {
      pieces.push(lines.slice(start, i).join('\n'));
      start = i + 1;
    }
  }
  pieces.push(lines.slice(start).join('\n'));
  if (pieces.length !== count || pieces.join('\n\n') + '\n' !== text) return null;
  return pieces;
}

/** The manifest's record of a formatted file's units: `key:lines` for each, space-separated. */
export function unitRecord(keys: readonly string[], pieces: readonly string[]): string {
  return keys.map((k, i) => `${k}:${pieces[i]!.split('\n').length}`).join(' ');
}

const RECORD = /^[0-9a-f]{12}:[1-9][0-9]*( [0-9a-f]{12}:[1-9][0-9]*)*$/;

/** Whether a manifest value is a well-formed unit record. */
export function isUnitRecord(value: unknown): value is string {
  return typeof value === 'string' && RECORD.test(value);
}

/** How a file is formatted: all of it, or only its new units (`job`), put back together by `assemble`. */
export interface FormatPlan {
  /** What goes to prettier; null when nothing does (every unit is reused). */
  readonly job: PrintJob | null;
  /** The formatted file (before its tail) and its unit record, from prettier's output for `job` ('' without one); null if that output does not split as it must. */
  assemble(formatted: string): { text: string; units: string | null } | null;
  /** Whether units are taken from the old file. */
  readonly reused: boolean;
}

/**
 * The format plan of a print job, given the file on disk and the unit
 * record the manifest has for it (both only when they can be trusted: same
 * formatter, a file with the recorded bytes).
 */
export function planFormat(job: PrintJob, disk: string | null, record: string | undefined): FormatPlan {
  const units = unitsOf(job);
  const whole: FormatPlan = {
    job,
    reused: false,
    assemble(formatted) {
      const pieces = units === null ? null : splitUnits(formatted, units.keys.length);
      return { text: formatted, units: pieces === null ? null : unitRecord(units!.keys, pieces) };
    },
  };
  if (units === null || disk === null || record === undefined) return whole;
  const old = oldUnits(disk, record);
  if (old === null) return whole;
  const missing: number[] = [];
  units.keys.forEach((k, i) => {
    if (i > 0 && !old.has(k)) missing.push(i);
  });
  const keys = units.keys;
  // A new header (a renamed module) and no statement to format with it: the whole file it is.
  if (!old.has(keys[0]!) && (missing.length === 0 || missing.length === keys.length - 1)) return whole;
  return {
    // The header is always printed: the job is a file of its own, and its head piece is dropped if unchanged.
    job: missing.length === 0 ? null : { header: job.header, statements: missing.flatMap((i) => units.statements[i - 1]!) },
    reused: true,
    assemble(formatted) {
      const fresh = missing.length === 0 ? [] : splitUnits(formatted, missing.length + 1);
      if (fresh === null) return null;
      const pieces = keys.map((k, i) => (i === 0 ? (old.get(k) ?? fresh[0]!) : (old.get(k) ?? null)));
      missing.forEach((i, j) => (pieces[i] = fresh[j + 1]!));
      const text = pieces.join('\n\n') + '\n';
      return { text, units: unitRecord(keys, pieces as string[]) };
    },
  };
}

/** The old file's units by key, cut from its text by the record's line counts; null if the text does not fit it. */
function oldUnits(disk: string, record: string): Map<string, string> | null {
  const lines = disk.split('\n');
  const out = new Map<string, string>();
  let at = 0;
  for (const entry of record.split(' ')) {
    const colon = entry.indexOf(':');
    const n = Number(entry.slice(colon + 1));
    if (at + n > lines.length) return null;
    // Units are separated by one blank line; the last is followed by one too (the tail) or by the end.
    if (at > 0 && lines[at - 1] !== '') return null;
    out.set(entry.slice(0, colon), lines.slice(at, at + n).join('\n'));
    at += n + 1;
  }
  if (at - 1 < lines.length && lines[at - 1] !== '') return null;
  return out;
}
