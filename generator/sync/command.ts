/**
 * `qapi-ts sync`: the command line of the schema sync (see sync.ts).
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { QapiError } from '../source/source-info.js';

interface SyncCliOptions {
  from?: string;
  ref?: string;
  entry?: string[];
  schemaDir?: string;
  lock?: string;
  versionName?: string;
  force?: boolean;
  check?: boolean;
}

/** A Node.js system error (EACCES, ENOSPC, …): its message names the call, the path and the cause. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

async function runSync(opts: SyncCliOptions): Promise<number> {
  // The front end is loaded only when sync runs: the CLI's other commands do not pay for it.
  const { syncSchema, checkSchemaDir } = await import('./sync.js');
  if (opts.from === undefined) {
    if (opts.check !== true) throw new Error('--from SOURCE is required (or --check, to compare the schema dir with the lock)');
    for (const [flag, v] of [['--ref', opts.ref], ['--entry', opts.entry], ['--version-name', opts.versionName], ['--force', opts.force]] as const) {
      if (v !== undefined) throw new Error(`${flag} needs --from SOURCE`);
    }
    // Without --schema-dir, the lock (by default schema/qapi-ts.lock.json) says where the schema dir is.
    const r = checkSchemaDir({ ...(opts.schemaDir !== undefined ? { schemaDir: opts.schemaDir } : {}), ...(opts.lock !== undefined ? { lock: opts.lock } : {}) });
    if (r.ok) {
      process.stdout.write(`${r.schemaDir} matches ${r.lockPath}: ${r.lock.files.length} files of QEMU ${r.lock.qemuVersion}\n`);
      return 0;
    }
    const lines = [...r.missing.map((f) => `missing ${join(r.schemaDir, f)}`), ...r.changed.map((f) => `changed ${join(r.schemaDir, f)}`)].sort();
    process.stdout.write(lines.join('\n') + '\n');
    process.stderr.write(`qapi-ts: ${r.schemaDir} does not match ${r.lockPath} (${r.missing.length} missing, ${r.changed.length} changed); qapi-ts sync --from SOURCE restores it\n`);
    return 1;
  }
  const dryRun = opts.check === true;
  let r;
  try {
    r = await syncSchema({
      from: opts.from,
      ...(opts.schemaDir !== undefined ? { schemaDir: opts.schemaDir } : {}),
      ...(opts.ref !== undefined ? { ref: opts.ref } : {}),
      ...(opts.entry !== undefined ? { entries: opts.entry } : {}),
      ...(opts.lock !== undefined ? { lock: opts.lock } : {}),
      ...(opts.versionName !== undefined ? { versionName: opts.versionName } : {}),
      force: opts.force === true,
      dryRun,
    });
  } catch (err) {
    if (err instanceof QapiError) {
      process.stderr.write(err.message + '\n');
      throw new Error(`the schema from ${opts.from} is invalid; nothing was changed`);
    }
    throw err;
  }
  const verb = dryRun ? ['would write', 'would remove'] : ['wrote', 'removed'];
  const lines = [...r.written.map((f) => `${verb[0]} ${join(r.schemaDir, f)}`), ...r.removed.map((f) => `${verb[1]} ${join(r.schemaDir, f)}`)];
  if (r.lockChanged) lines.push(`${verb[0]} ${r.lockPath}`);
  if (lines.length) process.stdout.write(lines.join('\n') + '\n');
  const summary = `${r.lock.files.length} files of QEMU ${r.lock.qemuVersion} (${r.lock.entries.join(', ')}): ${r.written.length} ${dryRun ? 'to write' : 'written'}, ${r.removed.length} ${dryRun ? 'to remove' : 'removed'}, ${r.unchanged.length} unchanged`;
  process.stdout.write(`${dryRun ? (lines.length ? 'out of date' : 'up to date') : 'synced'}: ${summary}\n`);
  return dryRun && lines.length > 0 ? 1 : 0;
}

/** The `sync` command, for the CLI's program. */
export function syncCommand(): Command {
  return new Command('sync')
    .description(
      "copy the schema files QEMU's entry points need (following includes) from a QEMU source into the schema dir, byte for byte, and record them with their sha256 in a lock file; with --check (and no --from), tell whether the schema dir matches the lock",
    )
    .option('--from <source>', 'a QEMU source dir; a release tarball .tar.xz/.tar.gz (path or http(s) URL); or a git repository as git+URL#REF')
    .option('--ref <ref>', 'with --from URL: the git tag, branch or commit to fetch (same as git+URL#REF)')
    .option('--entry <paths...>', 'entry points relative to the QEMU source root (default: those of qapi/qapi-schema.json, qga/qapi-schema.json, storage-daemon/qapi/qapi-schema.json the source has)')
    .option('--schema-dir <dir>', 'the schema dir; it mirrors the QEMU tree (schema/qapi/*.json, …) (default: schema; with --check and --lock, the one the lock names)')
    .option('--lock <file>', 'the lock file (default: <schema-dir>/qapi-ts.lock.json)')
    .option('--version-name <version>', 'the QEMU version to record when the source has no VERSION file (default: from the directory, tarball or ref name)')
    .option('--force', 'overwrite files in the schema dir that the lock does not list')
    .option('--check', 'write nothing: without --from, exit 1 unless every file the lock lists is in the schema dir with its hash; with --from, exit 1 if a sync would change anything')
    .action(async (opts: SyncCliOptions) => {
      try {
        process.exitCode = await runSync(opts);
      } catch (err) {
        // QEMU's message as is for a schema error (file and line); ours (or the system's: path and cause) otherwise.
        if (err instanceof QapiError) process.stderr.write(err.message + '\n');
        else if (err instanceof Error && (err.name === 'SyncError' || isSystemError(err) || err.constructor === Error)) process.stderr.write(`qapi-ts: ${err.message}\n`);
        else process.stderr.write(`qapi-ts: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 1;
      }
    });
}
