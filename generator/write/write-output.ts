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
 * - Nothing qapi-ts did not write is overwritten or replaced, unless
 *   {@link WriteOptions.force}: before anything is written, every file about
 *   to be written that is already there must be in the old manifest with the
 *   hash it recorded (or hold exactly the new bytes: then it is adopted, not
 *   written). Otherwise the run stops, naming the files. A symlink is never
 *   written through, and a directory in the way is never removed.
 * - An output directory that looks like a project is refused (see
 *   {@link projectProblem}): with no manifest, one holding `.git`,
 *   `node_modules`, `src`, `tsconfig.json` or a `package.json` other than the
 *   one qapi-ts writes (unless `force`); and, always, any parent of the
 *   current directory, and the current directory itself when it holds `.git`
 *   or such a `package.json` (a project root).
 * - Temp files (`.NAME.PID.HEX.qapi-ts.tmp`, see paths.ts) left by a killed
 *   run are removed by the next run (and listed in `removed`; `--check`
 *   reports them). While files are renamed into place, the manifest on disk
 *   owns both their old and new bytes (see manifest.ts), so a killed run
 *   leaves every file as it was or as it should be, all of them owned.
 * - File-system errors become a WriteOutputError naming the path and the cause.
 * - Paths that would leave the output directory are refused, whether they come
 *   from the emitters or from a (possibly tampered) manifest.
 * - A cold run with enough work can format on a worker_threads pool (see
 *   {@link WriteOptions.workers}).
 *
 * Order of a real run: read and hash everything, format what is needed, check
 * that nothing would be overwritten that qapi-ts did not write (an error up
 * to here leaves the file system untouched), remove temp files of killed
 * runs and stale files, write all temp files, write the in-flight manifest,
 * rename the temp files into place, then write the final manifest.
 */
import { createHash, randomBytes } from 'node:crypto';
import { promises as fsp, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { WriteOutputError, canonicalJson, formatErrorMessage, formatTypeScript, formatterFingerprint } from './format.js';
import { formatInPool, type FormatJob, type FormatPool } from './format-pool.js';
import { printHere, type PrintJob } from './print.js';
import { MANIFEST_VERSION, parseManifest, serializeManifest, type Manifest, type ManifestEntry, type ParsedManifest } from './manifest.js';
import { MANIFEST_FILE, TEMP_FILE_PATTERN, isInside, pathProblem, resolveInside, tempFileName } from './paths.js';
import { planFormat, type FormatPlan } from './reuse.js';

export { WriteOutputError, formatTypeScript } from './format.js';
export { MANIFEST_FILE, TEMP_FILE_PATTERN } from './paths.js';
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
  /**
   * --force: overwrite files qapi-ts did not write (or that were changed since
   * it wrote them), replace a symlink at an output path, and write into a
   * directory without a manifest that looks like a project. Default false:
   * any of these stops the run before anything is written. Even with force,
   * a directory in the way is not removed, and the root of the current
   * project, or a parent of the current directory, is refused.
   */
  force?: boolean;
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
  /**
   * Stale files from an earlier run, and temp files a killed run left
   * (`.NAME.PID.HEX.qapi-ts.tmp`), that were (or would be) removed, sorted.
   */
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

/** A file's bytes: its formatted text, then its tail (already in prettier's layout) after a blank line. */
function withTail(p: FilePlan, formatted: string): Buffer {
  return Buffer.from(p.tail === '' ? formatted : `${formatted}\n${p.tail}`, 'utf8');
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
    let hash = '';
    if (st.isFile()) {
      try {
        hash = sha256(await fsp.readFile(abs));
      } catch (err) {
        throw new WriteOutputError(`cannot read stale '${rel}': ${errText(err)}`, rel, { cause: err });
      }
    }
    // previousSha256: a run was killed before it replaced the file; its old bytes are qapi-ts's too.
    if (hash === '' || (hash !== entry.sha256 && hash !== entry.previousSha256)) {
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
      mutation();
      await fsp.rmdir(d);
    } catch {
      return;
    }
  }
}

function tempPathFor(abs: string): string {
  return path.join(path.dirname(abs), tempFileName(path.basename(abs), process.pid, randomBytes(6).toString('hex')));
}

/**
 * Test-only hook: `QAPI_TS_TEST_KILL_AT=N` makes the process SIGKILL itself
 * right before the Nth file-system mutation of a real run's write phase
 * (mkdir, unlink, rmdir, temp write, chmod, rename; a temp write is cut off
 * halfway first), so that tests can check what a killed run leaves. Read
 * once per {@link writeOutput} call; unset (or 0), it costs a comparison.
 * A run that ends before the Nth prints how many there were, on stderr.
 */
let killAt = 0;
let mutations = 0;

function mutation(partial?: () => void): void {
  if (killAt === 0 || ++mutations !== killAt) return;
  try {
    partial?.();
  } catch {
    // the kill is what matters
  }
  process.kill(process.pid, 'SIGKILL');
}

/** Writes `data` to a new temp file next to `abs` (exclusive create) and returns its path. */
async function writeTemp(abs: string, data: Buffer, temps: string[], mode: number | undefined): Promise<string> {
  for (;;) {
    const tmp = tempPathFor(abs);
    temps.push(tmp);
    try {
      mutation(() => writeFileSync(tmp, data.subarray(0, data.length >> 1), { flag: 'wx' }));
      await fsp.writeFile(tmp, data, { flag: 'wx' });
      if (mode !== undefined) {
        mutation();
        await fsp.chmod(tmp, mode);
      }
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
  mutation();
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
    mutation();
    await fsp.rename(tmp, abs);
  } catch (err) {
    await Promise.all(temps.map((t) => fsp.rm(t, { force: true })));
    throw err;
  }
}

/** True if something (of any kind, a dangling symlink too) is at `abs`. */
async function present(abs: string): Promise<boolean> {
  try {
    await fsp.lstat(abs);
    return true;
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw new WriteOutputError(`cannot inspect '${abs}': ${errText(err)}`, undefined, { cause: err });
  }
}

/** Names whose presence (in an output directory without a manifest) says "this is a project". */
export const PROJECT_MARKERS: readonly string[] = ['.git', 'node_modules', 'package.json', 'src', 'tsconfig.json'];

/**
 * Why the output directory must not be written into, or null. Refused, even
 * with `force`: the current directory's parents, and the current directory
 * itself when it holds `.git` or a `package.json` qapi-ts did not write (a
 * project root). Refused unless `force`: a directory without a manifest that
 * holds any of {@link PROJECT_MARKERS} (a `package.json` byte-identical to
 * the one this run writes excepted).
 */
async function projectProblem(plans: readonly FilePlan[], old: ParsedManifest, options: WriteOptions, realOutAbs: string, hasManifest: boolean): Promise<string | null> {
  const mine = plans.find((p) => p.rel === 'package.json');
  /** Whether `dir/package.json` is a file this run writes as it is, or one the manifest records. */
  const ownPackageJson = async (dir: string, recorded: ManifestEntry | undefined): Promise<boolean> => {
    const abs = path.join(dir, 'package.json');
    try {
      if (!(await fsp.lstat(abs)).isFile()) return false;
      const bytes = await fsp.readFile(abs);
      return (mine?.output != null && bytes.equals(mine.output)) || (recorded !== undefined && sha256(bytes) === recorded.sha256);
    } catch {
      return false;
    }
  };
  const where = `refusing to write into '${options.outDir}'`;
  let realCwd: string | null = null;
  try {
    realCwd = await fsp.realpath(process.cwd());
  } catch {
    // no current directory to protect
  }
  if (realCwd !== null && isInside(realOutAbs, realCwd)) {
    return `${where}: it is a parent of the current directory (${realCwd}). Nothing was written. Choose another --out: a directory of its own.`;
  }
  if (realCwd === realOutAbs) {
    const git = await present(path.join(realOutAbs, '.git'));
    if (git || ((await present(path.join(realOutAbs, 'package.json'))) && !(await ownPackageJson(realOutAbs, old.files.get('package.json'))))) {
      return `${where}: it is the root of the project you are in (it holds ${git ? '.git' : 'a package.json qapi-ts did not write'}). Nothing was written. Choose another --out: a directory of its own.`;
    }
  }
  if (hasManifest || options.force === true) return null;
  const found: string[] = [];
  for (const name of PROJECT_MARKERS) {
    if (!(await present(path.join(realOutAbs, name)))) continue;
    if (name === 'package.json' && (await ownPackageJson(realOutAbs, undefined))) continue;
    found.push(name);
  }
  if (found.length === 0) return null;
  return (
    `${where}: it holds ${found.join(', ')} but no ${MANIFEST_FILE}, so it looks like a project qapi-ts did not write. ` +
    'Nothing was written. Choose another --out (a new or empty directory), or run again with --force to write into it anyway.'
  );
}

/** True if the directory `abs` holds nothing but files in `going` (output-relative paths removed before files are written), in non-empty subdirectories. */
async function onlyGoing(abs: string, rel: string, going: ReadonlySet<string>): Promise<boolean> {
  const entries = await fsp.readdir(abs, { withFileTypes: true });
  if (entries.length === 0) return false;
  for (const e of entries) {
    const r = `${rel}/${e.name}`;
    if (e.isDirectory() ? !(await onlyGoing(path.join(abs, e.name), r, going)) : !going.has(r)) return false;
  }
  return true;
}

/**
 * Stops the run (a WriteOutputError naming every file) if a file about to be
 * written is already there and qapi-ts did not write it: not in the old
 * manifest, or not with a hash it records, or a symlink or other non-file.
 * `force` lets these be overwritten; a directory in the way is refused even
 * then (unless it holds only files the run removes first).
 */
async function refuseConflicts(plans: readonly FilePlan[], old: ParsedManifest, options: WriteOptions, going: ReadonlySet<string>): Promise<void> {
  const refusals: { rel: string; why: string; forceable: boolean }[] = [];
  await Promise.all(
    plans
      .filter((p) => p.changed)
      .map(async (p) => {
        let st;
        try {
          st = await fsp.lstat(p.abs);
        } catch (err) {
          const code = errCode(err);
          if (code === 'ENOENT' || code === 'ENOTDIR') return; // nothing there (a file in the way of its directory fails as an I/O error)
          throw new WriteOutputError(`cannot inspect '${p.rel}': ${errText(err)}`, p.rel, { cause: err });
        }
        if (st.isSymbolicLink()) refusals.push({ rel: p.rel, why: 'is a symbolic link (qapi-ts writes only regular files, never through a link)', forceable: true });
        else if (st.isDirectory()) {
          let ok: boolean;
          try {
            ok = await onlyGoing(p.abs, p.rel, going);
          } catch (err) {
            throw new WriteOutputError(`cannot inspect '${p.rel}': ${errText(err)}`, p.rel, { cause: err });
          }
          if (!ok) refusals.push({ rel: p.rel, why: 'is a directory, where a file is to be written (directories are never removed)', forceable: false });
        } else if (!st.isFile()) refusals.push({ rel: p.rel, why: 'is not a regular file', forceable: true });
        else {
          const entry = old.files.get(p.rel);
          const h = p.disk === null ? '' : sha256(p.disk);
          if (entry === undefined) refusals.push({ rel: p.rel, why: 'was not written by qapi-ts (it is not in the manifest)', forceable: true });
          else if (h !== entry.sha256 && h !== entry.previousSha256) refusals.push({ rel: p.rel, why: 'was changed after qapi-ts wrote it', forceable: true });
        }
      }),
  );
  const blocking = (options.force === true ? refusals.filter((r) => !r.forceable) : refusals).sort((a, b) => (a.rel < b.rel ? -1 : 1));
  if (blocking.length === 0) return;
  const n = blocking.length;
  const them = n === 1 ? 'it' : 'them';
  const how = blocking.every((r) => r.forceable)
    ? `Run again with --force to overwrite ${them}, or choose another --out.`
    : blocking.some((r) => r.forceable)
      ? 'Move the directories away (--force overwrites files, never directories), or choose another --out.'
      : `Move ${them} away, or choose another --out.`;
  throw new WriteOutputError(
    `${options.check ? 'generate would refuse' : 'refusing'} to write into '${options.outDir}': ${n === 1 ? 'a file' : `${n} files`} there ${n === 1 ? 'is' : 'are'} not as qapi-ts wrote ${them}:\n` +
      blocking.map((r) => `  ${r.rel} ${r.why}`).join('\n') +
      `\nNothing was written. ${how}`,
    blocking[0]!.rel,
  );
}

/**
 * Temp files a killed run left (regular files named as {@link TEMP_FILE_PATTERN}
 * says), output-relative and sorted, in the directories this run writes or the
 * old manifest lists (each checked to be inside the output directory).
 */
async function findLeftovers(plans: readonly FilePlan[], old: ParsedManifest, outAbs: string, realOutAbs: string): Promise<string[]> {
  const dirs = new Set<string>(['']);
  for (const rel of [...plans.map((p) => p.rel), ...old.files.keys()]) {
    const i = rel.lastIndexOf('/');
    if (i > 0) dirs.add(rel.slice(0, i));
  }
  const found: string[] = [];
  await Promise.all(
    [...dirs].map(async (rel) => {
      const abs = rel === '' ? outAbs : path.join(outAbs, ...rel.split('/'));
      let entries;
      try {
        const real = await fsp.realpath(abs);
        if (real !== realOutAbs && !isInside(realOutAbs, real)) return;
        entries = await fsp.readdir(abs, { withFileTypes: true });
      } catch (err) {
        const code = errCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw new WriteOutputError(`cannot read the directory '${rel === '' ? outAbs : rel}': ${errText(err)}`, rel === '' ? undefined : rel, { cause: err });
      }
      for (const e of entries) if (e.isFile() && TEMP_FILE_PATTERN.test(e.name)) found.push(rel === '' ? e.name : `${rel}/${e.name}`);
    }),
  );
  return found.sort();
}

/** What a real run changes on disk, worked out before anything is written. */
interface Changes {
  /** Temp files a killed run left, output-relative. */
  leftovers: readonly string[];
  /** Stale files to remove, output-relative. */
  removed: readonly string[];
  /** The manifest to write while files are renamed into place (when any is). */
  inflightText: string;
  /** The final manifest. */
  manifestText: string;
  manifestChanged: boolean;
}

async function applyChanges(plans: readonly FilePlan[], outAbs: string, outLabel: string, outExists: boolean, c: Changes): Promise<void> {
  if (!outExists) {
    mutation();
    try {
      await fsp.mkdir(outAbs, { recursive: true });
    } catch (err) {
      throw new WriteOutputError(`cannot create the output directory '${outLabel}': ${errText(err)}`, undefined, { cause: err });
    }
  }
  let realOutAbs: string;
  try {
    realOutAbs = await fsp.realpath(outAbs);
  } catch (err) {
    throw new WriteOutputError(`cannot access the output directory '${outLabel}': ${errText(err)}`, undefined, { cause: err });
  }

  // 0. Temp files of a killed run (findLeftovers checked their directories are inside).
  for (const rel of c.leftovers) {
    mutation();
    try {
      await fsp.rm(path.join(outAbs, ...rel.split('/')), { force: true });
    } catch (err) {
      throw new WriteOutputError(`cannot remove the leftover temp file '${rel}': ${errText(err)}`, rel, { cause: err });
    }
  }

  // 1. Stale files (first, so a stale file or directory cannot be in the way of a new one).
  for (const rel of c.removed) {
    const abs = path.join(outAbs, ...rel.split('/'));
    mutation();
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
  let inflight = false;
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

    // 3. The in-flight manifest: from here on, a killed run leaves each file old or new, and owned either way.
    if (toWrite.length > 0) {
      try {
        await writeAtomic(path.join(outAbs, MANIFEST_FILE), Buffer.from(c.inflightText, 'utf8'));
      } catch (err) {
        throw new WriteOutputError(`cannot write '${MANIFEST_FILE}': ${errText(err)}`, MANIFEST_FILE, { cause: err });
      }
      inflight = true;
    }

    // 4. Rename into place.
    for (const p of toWrite) {
      mutation();
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

  // 5. The manifest, last: an interrupted run leaves the old or the in-flight one, which the next run copes with.
  if (c.manifestChanged || inflight) {
    try {
      await writeAtomic(path.join(outAbs, MANIFEST_FILE), Buffer.from(c.manifestText, 'utf8'));
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
 *   prettier cannot parse, a file qapi-ts did not write in the way, or an
 *   output directory that looks like a project (for all of these nothing is
 *   written, under `check` too), or a file system error, with its path and
 *   cause (temp files are removed; files already renamed into place stay,
 *   and the next run picks up from there)
 */
export async function writeOutput(files: EmittedFile[], options: WriteOptions): Promise<WriteResult> {
  const outAbs = path.resolve(String(options.outDir));
  const plans = validate(files, options, outAbs);
  const warnings: string[] = [];
  const killEnv = Number.parseInt(process.env['QAPI_TS_TEST_KILL_AT'] ?? '', 10);
  killAt = options.check || !(killEnv > 0) ? 0 : killEnv;
  mutations = 0;

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
  let realOutAbs: string | null = null;
  let oldText: string | null = null;
  if (outExists) {
    try {
      realOutAbs = await fsp.realpath(outAbs);
      const buf = await readIfFile(path.join(outAbs, MANIFEST_FILE));
      oldText = buf === null ? null : buf.toString('utf8');
    } catch (err) {
      throw new WriteOutputError(`cannot read the output directory '${options.outDir}': ${errText(err)}`, undefined, { cause: err });
    }
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
      // The file on disk as recorded, under the same formatter.
      const trusted = cacheUsable && entry !== undefined && p.disk !== null && sha256(p.disk) === entry.sha256;
      if (trusted && entry.verbatim !== true && entry.sourceSha256 === p.sourceSha256) {
        p.sha256 = entry.sha256; // cache hit: neither formatted nor rewritten
        return;
      }
      p.needsFormat = true;
      const c = contentOf(p);
      // A trusted file's unchanged units are kept as they are.
      if (typeof c !== 'string') p.format = planFormat(c, trusted ? p.disk!.toString('utf8') : null, trusted ? entry.units : undefined);
    }),
  );

  // A project's directory is refused before any formatting (what is verbatim, such as package.json, is known by now).
  if (realOutAbs !== null) {
    const problem = await projectProblem(plans, old, options, realOutAbs, oldText !== null);
    if (problem !== null) throw new WriteOutputError(problem);
  }

  // Format (pool or in-process); an error here has touched nothing. A file whose units are
  // reused sends only its new units, or nothing at all.
  const pending = plans.filter((p) => p.needsFormat);
  const sent = pending.filter((p) => p.format === null || p.format.job !== null);
  const jobs: FormatJob[] = sent.map((p) => ({ path: p.rel, source: p.format?.job ?? contentOf(p) }));
  const texts = await formatAll(
    jobs,
    resolveWorkers(options.workers, jobs),
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
      p.output = withTail(p, text);
      continue;
    }
    const r = p.format.assemble(text);
    if (r === null) {
      refit.push(p);
      continue;
    }
    p.units = r.units;
    p.output = withTail(p, r.text);
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
      p.output = withTail(p, r.text);
    });
  }
  for (const p of pending) {
    p.sha256 = sha256(p.output!);
    p.changed = p.disk === null || !p.disk.equals(p.output!);
  }

  const removed = await findStale(old, new Set(plans.map((p) => p.rel)), outAbs, realOutAbs, warnings);

  // Nothing qapi-ts did not write may be overwritten: stop here, before anything is written.
  const leftovers = realOutAbs === null ? [] : await findLeftovers(plans, old, outAbs, realOutAbs);
  if (realOutAbs !== null) await refuseConflicts(plans, old, options, new Set([...removed, ...leftovers]));

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

  if (!options.check) {
    // The in-flight manifest: the new one, with the hash of the bytes each file being written replaces.
    const inflight: Manifest = { ...manifest, files: Object.create(null) as Record<string, ManifestEntry> };
    for (const p of plans) {
      const entry = manifest.files[p.rel]!;
      inflight.files[p.rel] = p.changed && p.disk !== null ? { ...entry, previousSha256: sha256(p.disk) } : entry;
    }
    await applyChanges(plans, outAbs, options.outDir, outExists, { leftovers, removed, inflightText: serializeManifest(inflight), manifestText, manifestChanged });
    // The test hook, not triggered: say how many points there were.
    if (killAt > 0) process.stderr.write(`qapi-ts: QAPI_TS_TEST_KILL_AT: ${mutations} file-system mutations\n`);
  }

  const changed = plans.filter((p) => p.changed).map((p) => p.rel).sort();
  return {
    changed,
    removed: [...leftovers, ...removed].sort(),
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
  const dirs = new Set<string>([outAbs]);
  for (const [rel, entry] of entries) {
    // An in-flight manifest (a run was killed while renaming) is never current.
    if (pathProblem(rel) !== null || typeof entry?.sha256 !== 'string' || entry.previousSha256 !== undefined) return null;
    dirs.add(path.dirname(resolveInside(outAbs, rel, 'read')));
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(resolveInside(outAbs, rel, 'read'));
    } catch {
      return null;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) return null;
  }
  // Temp files a killed run left: a real run removes them (and --check reports them).
  for (const dir of dirs) {
    try {
      if ((await fsp.readdir(dir)).some((name) => TEMP_FILE_PATTERN.test(name))) return null;
    } catch {
      return null;
    }
  }
  return { changed: [], removed: [], unchanged: entries.length, formatted: [], manifestChanged: false, warnings: [] };
}
