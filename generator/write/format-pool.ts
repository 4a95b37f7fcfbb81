/**
 * A small worker_threads pool that prints and formats files on several
 * cores.
 *
 * The worker's code is a short script passed with `eval: true`, so there is
 * no worker file to locate: the same code runs from `dist/` and from the
 * TypeScript sources under vitest. Each worker imports prettier's standalone
 * build and the TypeScript plugins once, by the absolute URLs the main thread
 * resolved (`PRETTIER_MODULE_URLS`), and formats with the pinned options it
 * receives in `workerData`, exactly as `formatTypeScript` does in-process.
 * A job may come as ts-morph structures instead of text: the worker then
 * prints them first, with `printFile` (print.ts, passed as its source text)
 * and ts-morph, which it loads only then.
 *
 * A pool can be started before there is work (`startFormatPool`): the
 * workers load prettier and ts-morph while the main thread reads the
 * schema, which is most of the time of a one-module change.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PRETTIER_MODULE_URLS, WriteOutputError, formatErrorMessage } from './format.js';
import { PRETTIER_OPTIONS } from './prettier-config.js';
import { printFile, type PrintJob } from './print.js';

/** One file to format: its text, or the structures it is printed from. */
export interface FormatJob {
  path: string;
  source: string | PrintJob;
}

/** The outcome for one job: formatted text, or prettier's error message. */
export type FormatOutcome = { ok: true; text: string } | { ok: false; error: string };

const require = createRequire(import.meta.url);
const TS_MORPH_URL = pathToFileURL(require.resolve('ts-morph')).href;

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const printFile = (${printFile.toString()});
// ts-morph first: a job comes as structures to print before it is text to format.
let tsMorph = workerData.preloadPrinter ? import(workerData.tsMorphUrl) : null;
const ready = Promise.all(workerData.moduleUrls.map((url) => import(url)));
ready.then(
  ([standalone, ...pluginModules]) => {
    const plugins = pluginModules.map((m) => m.default ?? m);
    parentPort.on('message', (job) => {
      const text = typeof job.source === 'string'
        ? Promise.resolve(job.source)
        : (tsMorph ??= import(workerData.tsMorphUrl)).then((m) => printFile(job.source, m.printStructure, m.StructureKind));
      text.then((source) => standalone.format(source, { ...workerData.options, plugins })).then(
        (formatted) => parentPort.postMessage({ id: job.id, ok: true, text: formatted }),
        (err) => parentPort.postMessage({ id: job.id, ok: false, error: err && err.message ? String(err.message) : String(err) }),
      );
    });
    parentPort.postMessage({ ready: true });
  },
  (err) => { throw err; },
);
`;

interface WorkerReply {
  id?: number;
  ready?: boolean;
  ok?: boolean;
  text?: string;
  error?: string;
}

interface PoolWorker {
  readonly worker: Worker;
  ready: boolean;
  /** The job it is working on. */
  current: Pending | undefined;
}

/** A job waiting for, or at, a worker. */
interface Pending {
  readonly id: number;
  readonly job: FormatJob;
  readonly resolve: (o: FormatOutcome) => void;
  readonly reject: (err: Error) => void;
}

/**
 * Workers that format, started ahead of the work. Jobs queue up and each
 * worker takes the next when it is done with one, so a job can be sent
 * before the rest of its batch is known (`prefetch`); `close` terminates
 * the workers, whatever state they are in.
 */
export class FormatPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: Pending[] = [];
  private readonly prefetched = new Map<string, Promise<FormatOutcome>>();
  private failure: Error | null = null;
  private readonly preloadPrinter: boolean;
  private nextId = 0;

  constructor(count: number, preloadPrinter: boolean) {
    this.preloadPrinter = preloadPrinter;
    for (let i = 0; i < count; i++) this.add();
  }

  /** How many workers the pool has. */
  get size(): number {
    return this.workers.length;
  }

  /** Grows the pool to `count` workers (a pool never shrinks). */
  grow(count: number): void {
    while (this.workers.length < count) this.add();
  }

  private add(): void {
    const w: PoolWorker = {
      worker: new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: {
          moduleUrls: PRETTIER_MODULE_URLS,
          options: PRETTIER_OPTIONS,
          tsMorphUrl: TS_MORPH_URL,
          preloadPrinter: this.preloadPrinter,
        },
      }),
      ready: false,
      current: undefined,
    };
    this.workers.push(w);
    w.worker.on('message', (msg: WorkerReply) => {
      if (msg.ready === true) {
        w.ready = true;
        this.dispatch(w);
        return;
      }
      const p = w.current;
      if (p === undefined || msg.id !== p.id) return;
      w.current = undefined;
      p.resolve(msg.ok === true ? { ok: true, text: msg.text ?? '' } : { ok: false, error: msg.error ?? 'unknown error' });
      this.dispatch(w);
    });
    w.worker.on('error', (err) => {
      const path = w.current?.job.path;
      this.fail(new WriteOutputError(`prettier worker failed${path !== undefined ? ` while formatting '${path}'` : ''}: ${err.message}`, path, { cause: err }));
    });
    w.worker.on('exit', (code) => {
      if (w.current !== undefined || this.queue.length > 0) this.fail(new WriteOutputError(`prettier worker exited unexpectedly (code ${code})`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const w of this.workers) {
      w.current?.reject(err);
      w.current = undefined;
    }
    for (const p of this.queue.splice(0)) p.reject(err);
  }

  private dispatch(w: PoolWorker): void {
    if (!w.ready || w.current !== undefined) return;
    const p = this.queue.shift();
    if (p === undefined) return;
    w.current = p;
    w.worker.postMessage({ id: p.id, source: p.job.source });
  }

  private submit(job: FormatJob): Promise<FormatOutcome> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<FormatOutcome>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, job, resolve, reject });
      for (const w of this.workers) this.dispatch(w);
    });
  }

  /**
   * Starts formatting a job now, ahead of its batch: a later `format` of a
   * job with the same `key` takes this result. The caller guarantees: same
   * key, same job.
   */
  prefetch(key: string, job: FormatJob): void {
    if (this.prefetched.has(key)) return;
    const outcome = this.submit(job);
    outcome.catch(() => {}); // a failure is reported by the format() that takes it
    this.prefetched.set(key, outcome);
  }

  /**
   * Formats `jobs` and returns the outcomes in job order; `keys[i]`, when
   * given, names a prefetched result for job i. Larger files are queued
   * first. Rejects (with a WriteOutputError) only if a worker itself fails;
   * a file prettier rejects is an `ok: false` outcome.
   */
  async format(jobs: readonly FormatJob[], keys: readonly (string | undefined)[] = []): Promise<FormatOutcome[]> {
    if (this.failure !== null) throw this.failure;
    const size = (j: FormatJob): number => (typeof j.source === 'string' ? j.source.length : j.source.statements.length * 400);
    const order = jobs.map((_, i) => i).sort((a, b) => size(jobs[b]!) - size(jobs[a]!) || a - b);
    const outcomes: Promise<FormatOutcome>[] = new Array<Promise<FormatOutcome>>(jobs.length);
    for (const i of order) {
      const key = keys[i];
      const early = key === undefined ? undefined : this.prefetched.get(key);
      outcomes[i] = early ?? this.submit(jobs[i]!);
    }
    return Promise.all(outcomes);
  }

  /** Terminates every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}

/**
 * Starts `count` workers now, before there is work for them; with
 * `preloadPrinter` they load ts-morph as well as prettier.
 */
export function startFormatPool(count: number, preloadPrinter = false): FormatPool {
  return new FormatPool(count, preloadPrinter);
}

/** Formats `jobs` on a pool of `workerCount` workers started for them, and closes it. */
export async function formatInPool(jobs: readonly FormatJob[], workerCount: number): Promise<FormatOutcome[]> {
  const pool = new FormatPool(Math.max(1, Math.min(workerCount, jobs.length)), false);
  try {
    return await pool.format(jobs);
  } finally {
    await pool.close();
  }
}
