/**
 * Small schemas written to a temporary directory and read with the front
 * end in-process. Messages are returned with the directory stripped, so a
 * test compares them with QEMU's text for a file named as given.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { QapiError } from '../../generator/source/source-info.js';
import { loadSchema, type QapiSchema } from '../../generator/model/schema.js';
import { dumpSchema } from '../../generator/model/dump.js';

/** A temporary directory of schema files; call `cleanup()` when done. */
export class TempSchemaDir {
  readonly dir = mkdtempSync(join(tmpdir(), 'qapi-ts-test-'));

  /** Writes `files` (relative name -> text); returns the directory. */
  write(files: Record<string, string>): string {
    for (const [name, text] of Object.entries(files)) {
      const p = join(this.dir, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    return this.dir;
  }

  path(name: string): string {
    return join(this.dir, name);
  }

  /** Strips this directory from messages (`/tmp/x/a.json:1` -> `a.json:1`). */
  relative(text: string): string {
    return text.split(this.dir + '/').join('');
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface LoadOutcome {
  schema: QapiSchema | null;
  /** The QapiError message (directory stripped), or null on success. */
  error: string | null;
  /** Warnings (directory stripped), in order. */
  warnings: string[];
}

/**
 * Loads `files[main]` (default: the only/first file, named `schema.json`
 * when `files` is a string). Any exception that is not a QapiError is
 * re-thrown, so the test fails on crashes.
 */
export function load(files: string | Record<string, string>, opts: { main?: string; lenientDocs?: boolean } = {}): LoadOutcome {
  const map = typeof files === 'string' ? { 'schema.json': files } : files;
  const main = opts.main ?? Object.keys(map)[0]!;
  const tmp = new TempSchemaDir();
  const warnings: string[] = [];
  try {
    tmp.write(map);
    try {
      const schema = loadSchema(tmp.path(main), { lenientDocs: opts.lenientDocs === true, warn: (w) => warnings.push(tmp.relative(w)) });
      return { schema, error: null, warnings };
    } catch (err) {
      if (err instanceof QapiError) return { schema: null, error: tmp.relative(err.message), warnings };
      throw err;
    }
  } finally {
    tmp.cleanup();
  }
}

/** The error QEMU would print for `files`; fails the test if the schema is accepted. */
export function errorOf(files: string | Record<string, string>, opts: { main?: string; lenientDocs?: boolean } = {}): string {
  const r = load(files, opts);
  if (r.error === null) throw new Error('expected the schema to be rejected, but it was accepted');
  return r.error;
}

/** The checked schema; fails the test with the message if it is rejected. */
export function accept(files: string | Record<string, string>, opts: { main?: string; lenientDocs?: boolean } = {}): QapiSchema {
  const r = load(files, opts);
  if (r.error !== null) throw new Error(`expected the schema to be accepted, got:\n${r.error}`);
  return r.schema!;
}

/** `dump` output for an accepted schema. */
export function dumpOf(files: string | Record<string, string>, opts: { main?: string; lenientDocs?: boolean } = {}): string {
  return dumpSchema(accept(files, opts));
}

/** The lines of `text` (without a trailing empty line). */
export function lines(text: string): string[] {
  const l = text.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}
