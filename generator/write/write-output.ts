/**
 * The write stage: format emitted files with the pinned prettier
 * configuration and write them into the output directory.
 *
 * - Atomic writes: each file goes to a uniquely named temp file in its own
 *   directory, then is renamed into place.
 * - Only files whose bytes change are written; others keep their mtime.
 * - `.qapi-ts-manifest.json` records every file written, with a sha256 of the
 *   emitter output and of the bytes written. A file whose emitter output and
 *   on-disk bytes both match the manifest is neither re-formatted nor
 *   rewritten (prettier is not even loaded when nothing needs formatting),
 *   so unchanged re-runs and `--check` on a fresh clone cost a few hashes.
 * - Stale files (in the old manifest, not emitted now) are removed, with the
 *   directories they leave empty. Files qapi-ts did not write are never
 *   touched; neither is a stale file that was modified after qapi-ts wrote it
 *   (it is left in place, with a warning).
 * - Paths that would leave the output directory are refused, whether they come
 *   from the emitters or from a (possibly tampered) manifest.
 * - A cold run with enough work can format on a worker_threads pool (see
 *   {@link WriteOptions.workers}).
 *
 * Order of a real run: read and hash everything, format what is needed (an
 * error here leaves the file system untouched), remove stale files, write all
 * temp files, rename them into place, then write the manifest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { WriteOutputError, canonicalJson, formatErrorMessage, formatTypeScript, formatterFingerprint } from './format.js';
import { formatInPool, type FormatJob, type FormatPool } from './format-pool.js';
import { printHere, type PrintJob } from './print.js';
import { MANIFEST_VERSION, parseManifest, serializeManifest, type Manifest, type ManifestEntry, type ParsedManifest } from './manifest.js';
import { MANIFEST_FILE, isInside, pathProblem, resolveInside } from './paths.js';
import { planFormat, type FormatPlan } from './reuse.js';

export { WriteOutputError, formatTypeScript } from './format.js';
export { MANIFEST_FILE } from './paths.js';
export { PRETTIER_OPTIONS } from './prettier-config.js';

/** One file produced by the emitters. */
export interface EmittedFile {
  /** Path relative to the output dir, POSIX separators, e.g. 'migration.ts', 'block/throttle.ts', 'runtime/visitor.ts'. */
  path: string;
  /** Emitter output before formatting: text, or (on demand) text or the structures it is printed from. */
  content: string | (() => string | PrintJob);
  /**
   * Stands in for the hash of `content` in the manifest's cache: when the
   * manifest recorded this key for the path and the file on disk is as
   * written, `content` (which may then be a function, emitting on demand)
   * is never produced. The caller guarantees: same key, same content.
   */
  sourceKey?: string;
  /** true: write content as is (e.g. runtime files copied from templates/, already formatted); default false: format with prettier. */
  verbatim?: boolean;
  /**
   * Text that follows the formatted content as it is: statements the
   * emitter printed in prettier's layout already (prettier formats a file
   * as its statements one by one, joined by blank lines), so prettier
   * need not parse them. Covered by `sourceKey` like the content.
   */
  formattedTail?: string;
}

/** How to write. */
export interface WriteOptions {
  /** The output directory; created if needed. */
  outDir: string;
  /** --check: write nothing, only report. */
  check: boolean;
  /** qapi-ts version, recorded in the manifest only (never in generated files). */
  generatorVersion: string;
  /** Optional extra data to record in the manifest (e.g. schema entry, options). Must be deterministic. */
  manifestInfo?: Record<string, string>;
  /**
   * Formatting threads. `0`: in-process. `n > 0`: a worker_threads pool of up
   * to `n` workers. `'auto'` (default): a pool of `availableParallelism() - 1`
   * workers (at most 8) on machines with at least 4 cores when there are more
   * than 4 files or 256 KiB to format; in-process otherwise. The output is
   * byte-identical either way.
   *
   * Why not on 2 cores: in-process prettier already keeps ~1.45 cores busy
   * (V8's concurrent GC and compiler threads), and each worker adds its own
   * JIT warm-up and heap (+30–45 % CPU in total). Measured here on 2 cores, 50
   * files / 50k input lines: in-process 3.3 s, pool of 2 3.6 s on an idle
   * machine; 5.7 s vs 7.5 s with other load.
   */
  workers?: number | 'auto';
  /**
   * A pool started ahead of time (api.ts starts one while it reads the
   * schema, so that prettier and ts-morph load meanwhile). When given, every
   * file is formatted there, the pool grown to what `workers` allows; the
   * caller closes it.
   */
  pool?: FormatPool;
}

/** What a run did (or, under `check`, would do). */
export interface WriteResult {
  /** Files that were (or, under check, would be) created or rewritten, relative paths, sorted. */
  changed: string[];
  /** Stale files from an earlier run that were (or would be) removed, sorted. */
  removed: string[];
  /** Number of files left untouched. */
  unchanged: number;
  /** Files that went through prettier in this run, sorted (empty when every file hit the manifest cache). */
  formatted: string[];
  /**
   * Whether the manifest was (or would be) written. It also changes without any
   * `changed` file, e.g. for a new generatorVersion or when a file's emitter
   * output changed but formats to the same bytes. It is not listed in `changed`.
   */
  manifestChanged: boolean;
  /** Things the caller should tell the user: an ignored manifest or entry, a modified stale file left in place. */
  warnings: string[];
}

/** The emitter output of a file, produced on first need when it is lazy. */
function contentOf(p: FilePlan): string | PrintJob {
  if (p.content === null) p.content = p.lazy!();
  return p.content;
}

/** The emitter output of a file as text (printed here if it came as structures). */
async function textOf(p: FilePlan): Promise<string> {
  const c = contentOf(p);
  return typeof c === 'string' ? c : printHere(c);
}

/** 'auto' uses the worker pool from this many cores, and this many files (or characters) to format. */
const POOL_MIN_CORES = 4;
const POOL_MIN_FILES = 5;
const POOL_MIN_CHARS = 256 * 1024;
const POOL_MAX_WORKERS = 8;

interface FilePlan {
  rel: string;
  abs: string;
  /** The emitter output, or null until `lazy` produces it. */
  content: string | PrintJob | null;
  lazy: (() => string | PrintJob) | null;
  verbatim: boolean;
  /** Already formatted text that follows the formatted content. */
  tail: string;
  sourceSha256: string;
  /** On-disk bytes, null if there is no regular file there. */
  disk: Buffer | null;
  /** Bytes to write, when computed (null on a cache hit). */
  output: Buffer | null;
  sha256: string;
  needsFormat: boolean;
  /** For a file printed from structures: which of its units prettier gets (see reuse.ts). */
  format: FormatPlan | null;
  /** The unit record for the manifest, when the formatted file split into its units. */
  units: string | null;
  changed: boolean;
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Reads a regular file; null if it does not exist or something other than a file is there. */
async function readIfFile(abs: string): Promise<Buffer | null> {
  try {
    return await fsp.readFile(abs);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return null;
    throw err;
  }
}

function validate(files: readonly EmittedFile[], options: WriteOptions, outAbs: string): FilePlan[] {
  if (typeof options.outDir !== 'string' || options.outDir === '') throw new WriteOutputError('outDir must be a non-empty path');
  if (typeof options.generatorVersion !== 'string') throw new WriteOutputError('generatorVersion must be a string');
  for (const [k, v] of Object.entries(options.manifestInfo ?? {})) {
    if (typeof v !== 'string') throw new WriteOutputError(`manifestInfo.${k} must be a string`);
  }
  const w = options.workers;
  if (w !== undefined && w !== 'auto' && !(Number.isInteger(w) && w >= 0)) {
    throw new WriteOutputError(`workers must be 'auto' or a non-negative integer, not ${String(w)}`);
  }
  const plans: FilePlan[] = [];
  const byLower = new Map<string, string>();
  const dirs = new Set<string>();
  for (const f of files) {
    const abs = resolveInside(outAbs, f.path);
    if (f.path === MANIFEST_FILE) throw new WriteOutputError(`refusing to write '${f.path}': it is the manifest's name`, f.path);
    if (typeof f.content !== 'string' && typeof f.content !== 'function') throw new WriteOutputError(`content of '${f.path}' is not a string`, f.path);
    if (typeof f.content === 'function' && f.sourceKey === undefined) throw new WriteOutputError(`'${f.path}' has lazy content but no sourceKey`, f.path);
    const lower = f.path.toLowerCase();
    const prev = byLower.get(lower);
    if (prev !== undefined) {
      throw new WriteOutputError(
        prev === f.path ? `'${f.path}' is emitted twice` : `'${prev}' and '${f.path}' differ only in case (they clash on case-insensitive file systems)`,
        f.path,
      );
    }
    byLower.set(lower, f.path);
    const segs = f.path.split('/');
    for (let i = 1; i < segs.length; i++) dirs.add(segs.slice(0, i).join('/'));
    plans.push({
      rel: f.path,
      abs,
      content: typeof f.content === 'string' ? f.content : null,
      lazy: typeof f.content === 'function' ? f.content : null,
      verbatim: f.verbatim === true,
      tail: f.formattedTail ?? '',
      sourceSha256: f.sourceKey ?? '',
      disk: null,
      output: null,
      sha256: '',
      needsFormat: false,
      format: null,
      units: null,
      changed: false,
    });
  }
  for (const p of plans) {
    if (dirs.has(p.rel)) throw new WriteOutputError(`'${p.rel}' is emitted both as a file and as a directory`, p.rel);
  }
  return plans;
}

/** The number of pool workers for these jobs (0: format in-process). Exported for tests. */
export function resolveWorkers(option: number | 'auto' | undefined, jobs: readonly FormatJob[], cores = availableParallelism()): number {
  if (jobs.length === 0) return 0;
  if (typeof option === 'number') return Math.min(option, jobs.length);
  const chars = jobs.reduce((n, j) => n + (typeof j.source === 'string' ? j.source.length : j.source.statements.length * 400), 0);
  if (cores < POOL_MIN_CORES || jobs.length < 2 || (jobs.length < POOL_MIN_FILES && chars < POOL_MIN_CHARS)) return 0;
  return Math.min(cores - 1, POOL_MAX_WORKERS, jobs.length);
}

/** Formats the jobs; all prettier errors are collected into one WriteOutputError. */
async function formatAll(jobs: readonly FormatJob[], workers: number, pool: FormatPool | undefined, keys: readonly string[]): Promise<string[]> {
  const failures: { path: string; message: string }[] = [];
  const texts: string[] = [];
  if (pool !== undefined || workers > 0) {
    if (pool !== undefined) pool.grow(workers);
    const outcomes = pool !== undefined ? await pool.format(jobs, keys) : await formatInPool(jobs, workers);
    outcomes.forEach((o, i) => {
      if (o.ok) texts.push(o.text);
      else failures.push({ path: jobs[i]!.path, message: formatErrorMessage(jobs[i]!.path, o.error) });
    });
  } else {
    for (const job of jobs) {
      try {
        texts.push(await formatTypeScript(typeof job.source === 'string' ? job.source : await printHere(job.source), job.path));
      } catch (err) {
        failures.push({ path: job.path, message: errText(err) });
      }
    }
  }
  if (failures.length > 0) {
    failures.sort((a, b) => (a.path < b.path ? -1 : 1));
    const more = failures.length > 1 ? `\n(and ${failures.length - 1} more file(s): ${failures.slice(1).map((f) => f.path).join(', ')})` : '';
    throw new WriteOutputError(`${failures[0]!.message}${more}\nNothing was written.`, failures[0]!.path);
  }
  return texts;
}

/** Stale files: in the old manifest, not emitted now, still holding exactly what qapi-ts wrote. */
async function findStale(
  old: ParsedManifest,
  emitted: ReadonlySet<string>,
  outAbs: string,
  realOutAbs: string | null,
  warnings: string[],
): Promise<string[]> {
  if (realOutAbs === null) return [];
  const removed: string[] = [];
  for (const [rel, entry] of old.files) {
    if (emitted.has(rel)) continue;
    let abs: string;
    try {
      abs = resolveInside(outAbs, rel, 'remove');
    } catch (err) {
      warnings.push(`ignoring manifest entry '${rel}': ${errText(err)}`);
      continue;
    }
    let realDir: string;
    try {
      realDir = await fsp.realpath(path.dirname(abs));
    } catch {
      continue; // its directory is gone, so is the file
    }
    if (realDir !== realOutAbs && !isInside(realOutAbs, realDir)) {
      warnings.push(`not removing stale '${rel}': its directory resolves outside the output directory`);
      continue;
    }
    let st;
    try {
      st = await fsp.lstat(abs);
    } catch (err) {
      if (errCode(err) === 'ENOENT' || errCode(err) === 'ENOTDIR') continue;
      throw new WriteOutputError(`cannot inspect stale '${rel}': ${errText(err)}`, rel, { cause: err });
    }
    if (!st.isFile() || sha256(await fsp.readFile(abs)) !== entry.sha256) {
      warnings.push(`not removing stale '${rel}': it was modified after qapi-ts wrote it`);
      continue;
    }
    removed.push(rel);
  }
  return removed.sort();
}

/** Removes `dir` and its parents up to (not including) `stopAbs` while they are empty. */
async function pruneEmptyDirs(dir: string, stopAbs: string): Promise<void> {
  for (let d = dir; isInside(stopAbs, d); d = path.dirname(d)) {
    try {
      await fsp.rmdir(d);
    } catch {
      return;
    }
  }
}

function tempPathFor(abs: string): string {
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${randomBytes(6).toString('hex')}.qapi-ts.tmp`);
}

/** Writes `data` to a new temp file next to `abs` (exclusive create) and returns its path. */
async function writeTemp(abs: string, data: Buffer, temps: string[], mode: number | undefined): Promise<string> {
  for (;;) {
    const tmp = tempPathFor(abs);
    temps.push(tmp);
    try {
      await fsp.writeFile(tmp, data, { flag: 'wx' });
      if (mode !== undefined) await fsp.chmod(tmp, mode);
      return tmp;
    } catch (err) {
      if (errCode(err) === 'EEXIST') {
        temps.pop(); // someone else's file: not ours to clean up
        continue;
      }
      throw err;
    }
  }
}

/** Creates `dir` (recursively) and checks it really is inside the output directory. */
async function ensureDir(dir: string, realOutAbs: string, created: [string, string][], rel: string): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true });
  if (first !== undefined) created.push([dir, path.dirname(first)]);
  const real = await fsp.realpath(dir);
  if (real !== realOutAbs && !isInside(realOutAbs, real)) {
    throw new WriteOutputError(`refusing to write '${rel}': its directory resolves outside the output directory`, rel);
  }
}

/** Writes `text` to `abs` atomically (temp file in the same directory, then rename). */
async function writeAtomic(abs: string, data: Buffer): Promise<void> {
  const temps: string[] = [];
  try {
    const tmp = await writeTemp(abs, data, temps, undefined);
    await fsp.rename(tmp, abs);
  } catch (err) {
    await Promise.all(temps.map((t) => fsp.rm(t, { force: true })));
    throw err;
  }
}

async function applyChanges(
  plans: readonly FilePlan[],
  removed: readonly string[],
  outAbs: string,
  manifestText: string | null,
): Promise<void> {
  await fsp.mkdir(outAbs, { recursive: true });
  const realOutAbs = await fsp.realpath(outAbs);

  // 1. Stale files (first, so a stale file or directory cannot be in the way of a new one).
  for (const rel of removed) {
    const abs = path.join(outAbs, ...rel.split('/'));
    try {
      await fsp.rm(abs, { force: true });
    } catch (err) {
      throw new WriteOutputError(`cannot remove stale '${rel}': ${errText(err)}`, rel, { cause: err });
    }
    await pruneEmptyDirs(path.dirname(abs), outAbs);
  }

  // 2. Temp files for everything that changes; any failure removes them all.
  const toWrite = plans.filter((p) => p.changed);
  const temps: string[] = [];
  const createdDirs: [dir: string, stop: string][] = [];
  const tempOf = new Map<FilePlan, string>();
  const cleanup = async (): Promise<void> => {
    await Promise.all(temps.map((t) => fsp.rm(t, { force: true }).catch(() => undefined)));
    createdDirs.sort((a, b) => b[0].length - a[0].length); // deepest first
    for (const [dir, stop] of createdDirs) await pruneEmptyDirs(dir, stop);
  };
  try {
    const dirsDone = new Map<string, Promise<void>>();
    const results = await Promise.allSettled(
      toWrite.map(async (p) => {
        try {
          const dir = path.dirname(p.abs);
          let ready = dirsDone.get(dir);
          if (ready === undefined) {
            ready = ensureDir(dir, realOutAbs, createdDirs, p.rel);
            dirsDone.set(dir, ready);
          }
          await ready;
          let mode: number | undefined;
          if (p.disk !== null) mode = (await fsp.stat(p.abs).catch(() => null))?.mode;
          tempOf.set(p, await writeTemp(p.abs, p.output!, temps, mode === undefined ? undefined : mode & 0o7777));
        } catch (err) {
          if (err instanceof WriteOutputError) throw err;
          throw new WriteOutputError(`cannot write '${p.rel}': ${errText(err)}`, p.rel, { cause: err });
        }
      }),
    );
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure !== undefined) throw failure.reason;

    // 3. Rename into place.
    for (const p of toWrite) {
      try {
        await fsp.rename(tempOf.get(p)!, p.abs);
      } catch (err) {
        throw new WriteOutputError(`cannot write '${p.rel}': ${errText(err)}`, p.rel, { cause: err });
      }
      temps.splice(temps.indexOf(tempOf.get(p)!), 1);
    }
  } catch (err) {
    await cleanup();
    throw err;
  }

  // 4. The manifest, last: an interrupted run leaves the old one, which the next run copes with.
  if (manifestText !== null) {
    try {
      await writeAtomic(path.join(outAbs, MANIFEST_FILE), Buffer.from(manifestText, 'utf8'));
    } catch (err) {
      throw new WriteOutputError(`cannot write '${MANIFEST_FILE}': ${errText(err)}`, MANIFEST_FILE, { cause: err });
    }
  }
}

/**
 * Formats and writes the emitted files into `options.outDir`, or (with
 * `check`) works out what that would change without writing anything.
 *
 * @param files - the complete set of files for this output directory; anything
 *   the previous run wrote that is not in this set is stale
 * @param options - see {@link WriteOptions}
 * @returns what changed; `changed` and `removed` are the same for a check and
 *   for the real run that follows it
 * @throws WriteOutputError naming the file, for a refused path, emitter output
 *   prettier cannot parse (then nothing is written), or a file system error
 *   (temp files are removed; files already renamed into place stay, and the
 *   next run picks up from there)
 */
export async function writeOutput(files: EmittedFile[], options: WriteOptions): Promise<WriteResult> {
  const outAbs = path.resolve(String(options.outDir));
  const plans = validate(files, options, outAbs);
  const warnings: string[] = [];

  // The output directory and the old manifest.
  let outExists = false;
  try {
    const st = await fsp.stat(outAbs);
    if (!st.isDirectory()) throw new WriteOutputError(`output directory '${options.outDir}' exists and is not a directory`);
    outExists = true;
  } catch (err) {
    if (err instanceof WriteOutputError) throw err;
    if (errCode(err) !== 'ENOENT') throw new WriteOutputError(`cannot access output directory '${options.outDir}': ${errText(err)}`, undefined, { cause: err });
  }
  const realOutAbs = outExists ? await fsp.realpath(outAbs) : null;
  let oldText: string | null = null;
  if (outExists) {
    const buf = await readIfFile(path.join(outAbs, MANIFEST_FILE));
    oldText = buf === null ? null : buf.toString('utf8');
  }
  const old: ParsedManifest = oldText === null ? { files: new Map(), formatter: null } : parseManifest(oldText, (w) => warnings.push(w));
  const fingerprint = formatterFingerprint();
  const cacheUsable = old.formatter === fingerprint;

  // Hash the emitter output and what is on disk; decide what needs prettier.
  await Promise.all(
    plans.map(async (p) => {
      // Only text comes without a sourceKey (validate refuses lazy content without one).
      if (p.sourceSha256 === '') p.sourceSha256 = sha256(p.tail === '' ? (p.content as string) : `${p.content as string}\0${p.tail}`);
      try {
        p.disk = outExists ? await readIfFile(p.abs) : null;
      } catch (err) {
        throw new WriteOutputError(`cannot read '${p.rel}': ${errText(err)}`, p.rel, { cause: err });
      }
      if (p.verbatim) {
        p.output = Buffer.from(await textOf(p), 'utf8');
        p.sha256 = sha256(p.output);
        p.changed = p.disk === null || !p.disk.equals(p.output);
        return;
      }
      const entry: ManifestEntry | undefined = old.files.get(p.rel);
      if (cacheUsable && entry !== undefined && entry.verbatim !== true && entry.sourceSha256 === p.sourceSha256 && p.disk !== null && sha256(p.disk) === entry.sha256) {
        p.sha256 = entry.sha256; // cache hit: neither formatted nor rewritten
        return;
      }
      p.needsFormat = true;
      const c = contentOf(p);
      if (typeof c !== 'string') {
        // The file on disk as recorded, under the same formatter: its unchanged units are kept as they are.
        const trusted = cacheUsable && entry !== undefined && p.disk !== null && sha256(p.disk) === entry.sha256;
        p.format = planFormat(c, trusted ? p.disk!.toString('utf8') : null, trusted ? entry.units : undefined);
      }
    }),
  );

  // Format (pool or in-process); an error here has touched nothing. A file whose units are
  // reused sends only its new units, or nothing at all.
  const pending = plans.filter((p) => p.needsFormat);
  const sent = pending.filter((p) => p.format === null || p.format.job !== null);
  const texts = await formatAll(
    sent.map((p) => ({ path: p.rel, source: p.format?.job ?? contentOf(p) })),
    resolveWorkers(options.workers, sent.map((p) => ({ path: p.rel, source: p.format?.job ?? contentOf(p) }))),
    options.pool,
    // A prefetched result is the whole file's: it stands in only for a whole-file job.
    sent.map((p) => (p.format?.reused === true ? '' : p.sourceSha256)),
  );
  const formatted = new Map(sent.map((p, i) => [p, texts[i]!]));
  // Reused units that do not fit what prettier returned (never seen): the whole file again.
  const refit: FilePlan[] = [];
  for (const p of pending) {
    const text = formatted.get(p) ?? '';
    if (p.format === null) {
      p.output = Buffer.from(p.tail === '' ? text : `${text}\n${p.tail}`, 'utf8');
      continue;
    }
    const r = p.format.assemble(text);
    if (r === null) {
      refit.push(p);
      continue;
    }
    p.units = r.units;
    p.output = Buffer.from(p.tail === '' ? r.text : `${r.text}\n${p.tail}`, 'utf8');
  }
  if (refit.length > 0) {
    const again = await formatAll(
      refit.map((p) => ({ path: p.rel, source: contentOf(p) })),
      0,
      options.pool,
      refit.map(() => ''),
    );
    refit.forEach((p, i) => {
      p.format = planFormat(contentOf(p) as PrintJob, null, undefined);
      const r = p.format.assemble(again[i]!)!;
      p.units = r.units;
      p.output = Buffer.from(p.tail === '' ? r.text : `${r.text}\n${p.tail}`, 'utf8');
    });
  }
  for (const p of pending) {
    p.sha256 = sha256(p.output!);
    p.changed = p.disk === null || !p.disk.equals(p.output!);
  }

  const removed = await findStale(old, new Set(plans.map((p) => p.rel)), outAbs, realOutAbs, warnings);

  const manifest: Manifest = {
    files: Object.create(null) as Record<string, ManifestEntry>,
    formatter: fingerprint,
    generator: 'qapi-ts',
    generatorVersion: options.generatorVersion,
    info: { ...(options.manifestInfo ?? {}) },
    manifestVersion: MANIFEST_VERSION,
  };
  for (const p of plans) {
    const entry: ManifestEntry = { sha256: p.sha256, sourceSha256: p.sourceSha256 };
    if (p.verbatim) entry.verbatim = true;
    // A file left as it was keeps its record.
    const units = p.needsFormat ? p.units : (old.files.get(p.rel)?.units ?? null);
    if (units !== null) entry.units = units;
    manifest.files[p.rel] = entry;
  }
  const manifestText = serializeManifest(manifest);
  const manifestChanged = manifestText !== oldText;

  if (!options.check) await applyChanges(plans, removed, outAbs, manifestChanged ? manifestText : null);

  const changed = plans.filter((p) => p.changed).map((p) => p.rel).sort();
  return {
    changed,
    removed,
    unchanged: plans.length - changed.length,
    formatted: pending.map((p) => p.rel).sort(),
    manifestChanged,
    warnings,
  };
}

/**
 * Fast path for unchanged inputs: when the manifest in outDir was written
 * for exactly these inputs (same `manifestInfo`, which the caller makes
 * carry a hash of the schema text and options, same generator version and
 * formatter) and every file it lists is still on disk with the bytes it
 * recorded, nothing needs emitting, formatting or writing. Returns the
 * result of such a no-op run, or null when a real run is needed.
 */
/** The `info` of the manifest in `outDir`, or null when there is none that can be read. */
export async function recordedInfo(outDir: string): Promise<Record<string, string> | null> {
  try {
    const data = JSON.parse(await fsp.readFile(path.join(path.resolve(outDir), MANIFEST_FILE), 'utf8')) as Partial<Manifest> | null;
    const info = data?.info;
    if (info === null || typeof info !== 'object') return null;
    return Object.values(info).every((v) => typeof v === 'string') ? (info as Record<string, string>) : null;
  } catch {
    return null;
  }
}

export async function checkOutputCurrent(options: WriteOptions): Promise<WriteResult | null> {
  const outAbs = path.resolve(options.outDir);
  let data: unknown;
  try {
    data = JSON.parse(await fsp.readFile(path.join(outAbs, MANIFEST_FILE), 'utf8'));
  } catch {
    return null;
  }
  if (data === null || typeof data !== 'object') return null;
  const m = data as Partial<Manifest>;
  if (m.generatorVersion !== options.generatorVersion || m.formatter !== formatterFingerprint()) return null;
  if (canonicalJson(m.info ?? {}) !== canonicalJson(options.manifestInfo ?? {})) return null;
  const entries = Object.entries(m.files ?? {});
  for (const [rel, entry] of entries) {
    if (pathProblem(rel) !== null || typeof entry?.sha256 !== 'string') return null;
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(resolveInside(outAbs, rel, 'read'));
    } catch {
      return null;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) return null;
  }
  return { changed: [], removed: [], unchanged: entries.length, formatted: [], manifestChanged: false, warnings: [] };
}
