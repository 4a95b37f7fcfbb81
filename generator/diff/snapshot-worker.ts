/**
 * A worker thread that reads one schema and posts its API snapshot (plain
 * data), so that `qapi-ts diff` reads its two schemas side by side: the
 * front end is most of a diff's time.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { QapiError } from '../source/source-info.js';
import { loadSchema } from '../model/schema.js';
import { snapshotOf } from './snapshot.js';

/** What the worker posts back. */
export type WorkerReply = { ok: true; snapshot: ReturnType<typeof snapshotOf> } | { ok: false; qapi: boolean; message: string; code?: string; syscall?: string };

const { entry } = workerData as { entry: string };
let reply: WorkerReply;
try {
  reply = { ok: true, snapshot: snapshotOf(loadSchema(entry, { lenientDocs: true, warn: () => {} })) };
} catch (err) {
  const e = err as NodeJS.ErrnoException;
  reply = {
    ok: false,
    qapi: err instanceof QapiError,
    message: err instanceof Error ? err.message : String(err),
    ...(typeof e?.code === 'string' ? { code: e.code } : {}),
    ...(typeof e?.syscall === 'string' ? { syscall: e.syscall } : {}),
  };
}
parentPort!.postMessage(reply);
