/**
 * A small worker_threads pool that formats many files on several cores.
 *
 * The worker's code is a short script passed with `eval: true`, so there is
 * no worker file to locate: the same code runs from `dist/` and from the
 * TypeScript sources under vitest. Each worker imports prettier's standalone
 * build and the TypeScript plugins once, by the absolute URLs the main thread
 * resolved (`PRETTIER_MODULE_URLS`), and formats with the pinned options it
 * receives in `workerData`, exactly as `formatTypeScript` does in-process.
 */
import { Worker } from 'node:worker_threads';
import { PRETTIER_MODULE_URLS, WriteOutputError, formatErrorMessage } from './format.js';
import { PRETTIER_OPTIONS } from './prettier-config.js';

/** One file to format. */
export interface FormatJob {
  path: string;
  source: string;
}

/** The outcome for one job: formatted text, or prettier's error message. */
export type FormatOutcome = { ok: true; text: string } | { ok: false; error: string };

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
Promise.all(workerData.moduleUrls.map((url) => import(url))).then(
  ([standalone, ...pluginModules]) => {
    const plugins = pluginModules.map((m) => m.default ?? m);
    parentPort.on('message', (job) => {
      standalone.format(job.source, { ...workerData.options, plugins }).then(
        (text) => parentPort.postMessage({ id: job.id, ok: true, text }),
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

/**
 * Formats `jobs` on `workerCount` worker threads and returns the outcomes in
 * job order. Larger files are dispatched first; each worker takes the next
 * job when it is done with one. The workers are terminated before this
 * returns, whatever happens. Rejects (with a WriteOutputError) only if a
 * worker itself fails; a file prettier rejects is an `ok: false` outcome.
 */
export async function formatInPool(jobs: readonly FormatJob[], workerCount: number): Promise<FormatOutcome[]> {
  const outcomes: (FormatOutcome | undefined)[] = new Array<FormatOutcome | undefined>(jobs.length);
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.source.length - jobs[a]!.source.length || a - b);
  let next = 0;
  const count = Math.max(1, Math.min(workerCount, jobs.length));
  const workers: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let remaining = jobs.length;
      let failed = false;
      const fail = (err: Error): void => {
        if (!failed) {
          failed = true;
          reject(err);
        }
      };
      if (remaining === 0) {
        resolve();
        return;
      }
      for (let w = 0; w < count; w++) {
        const worker = new Worker(WORKER_SOURCE, {
          eval: true,
          workerData: { moduleUrls: PRETTIER_MODULE_URLS, options: PRETTIER_OPTIONS },
        });
        workers.push(worker);
        let current: number | undefined;
        const dispatch = (): void => {
          if (failed || next >= order.length) {
            current = undefined;
            return;
          }
          current = order[next++]!;
          worker.postMessage({ id: current, source: jobs[current]!.source });
        };
        worker.on('message', (msg: WorkerReply) => {
          if (msg.ready === true) {
            dispatch();
            return;
          }
          if (msg.id === undefined || msg.id !== current) return;
          outcomes[msg.id] = msg.ok === true ? { ok: true, text: msg.text ?? '' } : { ok: false, error: msg.error ?? 'unknown error' };
          remaining--;
          if (remaining === 0) resolve();
          else dispatch();
        });
        worker.on('error', (err) => {
          const where = current !== undefined ? ` while formatting '${jobs[current]!.path}'` : '';
          fail(new WriteOutputError(`prettier worker failed${where}: ${err.message}`, current !== undefined ? jobs[current]!.path : undefined, { cause: err }));
        });
        worker.on('exit', (code) => {
          if (remaining > 0) fail(new WriteOutputError(`prettier worker exited unexpectedly (code ${code})`));
        });
      }
    });
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return outcomes.map((o, i) => o ?? { ok: false, error: formatErrorMessage(jobs[i]!.path, 'no result from worker') });
}
