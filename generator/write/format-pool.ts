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
let tsMorph = null;
const ready = Promise.all(workerData.moduleUrls.map((url) => import(url)));
if (workerData.preloadPrinter) tsMorph = import(workerData.tsMorphUrl);
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
  current: number | undefined;
}

interface Batch {
  readonly jobs: readonly FormatJob[];
  readonly order: number[];
  next: number;
  remaining: number;
  readonly outcomes: (FormatOutcome | undefined)[];
  readonly resolve: () => void;
  readonly reject: (err: Error) => void;
}

/**
 * Workers that format, started ahead of the work. `format` takes one batch
 * at a time; `close` terminates the workers, whatever state they are in.
 */
export class FormatPool {
  private readonly workers: PoolWorker[] = [];
  private batch: Batch | null = null;
  private failure: Error | null = null;
  private readonly preloadPrinter: boolean;

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
        workerData: { moduleUrls: PRETTIER_MODULE_URLS, options: PRETTIER_OPTIONS, tsMorphUrl: TS_MORPH_URL, preloadPrinter: this.preloadPrinter },
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
      const b = this.batch;
      if (b === null || msg.id === undefined || msg.id !== w.current) return;
      b.outcomes[msg.id] = msg.ok === true ? { ok: true, text: msg.text ?? '' } : { ok: false, error: msg.error ?? 'unknown error' };
      w.current = undefined;
      b.remaining--;
      if (b.remaining === 0) {
        this.batch = null;
        b.resolve();
      } else this.dispatch(w);
    });
    w.worker.on('error', (err) => {
      const b = this.batch;
      const path = b !== null && w.current !== undefined ? b.jobs[w.current]!.path : undefined;
      this.fail(new WriteOutputError(`prettier worker failed${path !== undefined ? ` while formatting '${path}'` : ''}: ${err.message}`, path, { cause: err }));
    });
    w.worker.on('exit', (code) => {
      if (this.batch !== null) this.fail(new WriteOutputError(`prettier worker exited unexpectedly (code ${code})`));
    });
  }

  private fail(err: Error): void {
    this.failure ??= err;
    const b = this.batch;
    if (b !== null) {
      this.batch = null;
      b.reject(err);
    }
  }

  private dispatch(w: PoolWorker): void {
    const b = this.batch;
    if (b === null || !w.ready || w.current !== undefined || b.next >= b.order.length) return;
    const id = b.order[b.next++]!;
    w.current = id;
    w.worker.postMessage({ id, source: b.jobs[id]!.source });
  }

  /**
   * Formats `jobs` and returns the outcomes in job order. Larger files are
   * dispatched first; each worker takes the next job when it is done with
   * one. Rejects (with a WriteOutputError) only if a worker itself fails; a
   * file prettier rejects is an `ok: false` outcome.
   */
  async format(jobs: readonly FormatJob[]): Promise<FormatOutcome[]> {
    if (this.failure !== null) throw this.failure;
    if (this.batch !== null) throw new WriteOutputError('the format pool is busy');
    const outcomes: (FormatOutcome | undefined)[] = new Array<FormatOutcome | undefined>(jobs.length);
    if (jobs.length > 0) {
      const size = (j: FormatJob): number => (typeof j.source === 'string' ? j.source.length : j.source.statements.length * 400);
      const order = jobs.map((_, i) => i).sort((a, b) => size(jobs[b]!) - size(jobs[a]!) || a - b);
      await new Promise<void>((resolve, reject) => {
        this.batch = { jobs, order, next: 0, remaining: jobs.length, outcomes, resolve, reject };
        for (const w of this.workers) this.dispatch(w);
      });
    }
    return outcomes.map((o, i) => o ?? { ok: false, error: formatErrorMessage(jobs[i]!.path, 'no result from worker') });
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
