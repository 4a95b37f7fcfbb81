/**
 * `qapi-ts diff`: the command line of the API diff (see diff.ts).
 *
 *   qapi-ts diff [--entry PATH] [--format markdown|json] [--fail-on CLASS] OLD NEW
 *
 * Exit status, as diff(1)'s: 0 when the diff ran (and nothing reached
 * --fail-on), 1 when a change of --fail-on's class or a more severe one was
 * found, 2 for an error (a bad OLD or NEW, a schema error, a usage error).
 */
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { Command, Option } from 'commander';
import { QapiError } from '../source/source-info.js';
import { DEFAULT_ENTRY, DiffInputError, resolveInput, type SchemaInput } from './inputs.js';
import { CLASSES, severity, type ChangeClass } from './rules.js';
import type { ApiSnapshot } from './snapshot.js';
import type { WorkerReply } from './snapshot-worker.js';

/** Exit status for an error: distinct from --fail-on's 1. */
export const EXIT_ERROR = 2;

interface DiffOptions {
  entry?: string;
  format: 'markdown' | 'json';
  failOn?: ChangeClass;
}

/** The `diff` command, for the CLI's program. */
export function diffCommand(): Command {
  return new Command('diff')
    .description(
      'report the API changes between two schemas, classed by QAPI\'s compatibility rules (breaking, review, compatible, notice). OLD and NEW are each a schema file, a directory (its ' +
        DEFAULT_ENTRY +
        '), or REV:PATH in the current git repository (git:REV for its root)',
    )
    .argument('<old>', 'the old schema: file, directory or REV:PATH')
    .argument('<new>', 'the new schema: file, directory or REV:PATH')
    .option('--entry <path>', `the entry point inside a directory or git tree (default: ${DEFAULT_ENTRY}, else qapi-schema.json)`)
    .addOption(new Option('--format <format>', 'markdown (for a pull-request comment) or json').choices(['markdown', 'json']).default('markdown'))
    .addOption(new Option('--fail-on <class>', 'exit 1 when a change of this class or a more severe one is found (breaking > review > compatible > notice)').choices([...CLASSES]))
    .addHelpText('after', '\nExit status: 0 done, 1 a change reached --fail-on, 2 error.\n')
    // Usage errors exit 2 too, so that 1 always means "changes found".
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT_ERROR))
    .action(async (oldArg: string, newArg: string, opts: DiffOptions) => {
      process.exitCode = await runDiff(oldArg, newArg, opts);
    });
}

/** Runs the diff and prints the report; returns the exit status. Errors are printed, never thrown. */
export async function runDiff(oldArg: string, newArg: string, opts: DiffOptions): Promise<number> {
  const inputs: SchemaInput[] = [];
  let current: SchemaInput | null = null;
  try {
    const entry = opts.entry === undefined ? {} : { entry: opts.entry };
    const oldInput = resolveInput(oldArg, 'OLD', entry);
    inputs.push(oldInput);
    const newInput = resolveInput(newArg, 'NEW', entry);
    inputs.push(newInput);
    // The old schema is read in a worker while this thread reads the new one.
    const oldSnap = snapshotInWorker(oldInput.entry);
    oldSnap.catch(() => {});
    const { loadSchema } = await import('../model/schema.js');
    const { snapshotOf } = await import('./snapshot.js');
    // Older schemas (7.2, 10.0) break 10.2's doc-comment rules; the API does not depend on them.
    let newSnap: ApiSnapshot;
    try {
      newSnap = snapshotOf(loadSchema(newInput.entry, { lenientDocs: true, warn: () => {} }));
    } catch (err) {
      // The old side's error comes first, as if read first.
      current = oldInput;
      await oldSnap;
      current = newInput;
      throw err;
    }
    current = oldInput;
    const a = await oldSnap;
    current = null;
    const { diffSnapshots } = await import('./diff.js');
    const { jsonReport, markdownReport } = await import('./report.js');
    const changes = diffSnapshots(a, newSnap);
    process.stdout.write(opts.format === 'json' ? jsonReport(changes, oldArg, newArg) : markdownReport(changes, oldArg, newArg));
    if (opts.failOn !== undefined && changes.some((c) => severity(c.class) >= severity(opts.failOn!))) return 1;
    return 0;
  } catch (err) {
    const relabel = current?.relabel ?? ((m: string) => m);
    if (err instanceof QapiError || (err instanceof WorkerError && err.qapi)) process.stderr.write(relabel(err.message) + '\n');
    else if (err instanceof DiffInputError || isSystemError(err)) process.stderr.write(`qapi-ts: ${relabel((err as Error).message)}\n`);
    else process.stderr.write(`qapi-ts: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_ERROR;
  } finally {
    for (const i of inputs) i.cleanup();
  }
}

/** An error from the worker, printed as the same error in this thread would be. */
class WorkerError extends Error {
  constructor(
    message: string,
    readonly qapi: boolean,
    readonly code?: string,
    readonly syscall?: string,
  ) {
    super(message);
  }
}

/** The snapshot of `entry`, read in a worker thread (in this thread on a busy machine or one core, or when run from sources without the built worker). */
async function snapshotInWorker(entry: string): Promise<ApiSnapshot> {
  const url = new URL('./snapshot-worker.js', import.meta.url);
  // A worker pays only with a free core: it loads the front end and warms the JIT
  // again (measured: +0.3 s CPU for 7.2.0 → 10.2.2). On a busy machine, or one
  // core, reading both here is faster. The report is the same either way.
  // QAPI_TS_DIFF_WORKER=always|never overrides the choice (the tests take both paths).
  const cores = availableParallelism();
  const choice = process.env.QAPI_TS_DIFF_WORKER;
  const inThread = choice === 'never' || (choice !== 'always' && (cores < 2 || loadavg()[0]! > cores - 1));
  if (!existsSync(fileURLToPath(url)) || inThread) {
    const { loadSchema } = await import('../model/schema.js');
    const { snapshotOf } = await import('./snapshot.js');
    return snapshotOf(loadSchema(entry, { lenientDocs: true, warn: () => {} }));
  }
  const reply = await new Promise<WorkerReply>((resolve, reject) => {
    const w = new Worker(url, { workerData: { entry } });
    w.once('message', resolve);
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`the schema reader stopped (exit ${code})`)));
  });
  if (reply.ok) return reply.snapshot;
  throw new WorkerError(reply.message, reply.qapi, reply.code, reply.syscall);
}

function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}
