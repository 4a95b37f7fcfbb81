#!/usr/bin/env node
/**
 * qapi-ts command line: argv to commands, nothing else.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { QapiError } from './source/source-info.js';
import type { QapiSchema } from './model/schema.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }; // cli.js sits in dist/generator/

/** A Node.js file-system error (EACCES, ENOSPC, EROFS, ENOTDIR, …): its message names the call, the path and the cause. */
function isSystemError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && /^E[A-Z0-9]+$/.test((err as NodeJS.ErrnoException).code!) && typeof (err as NodeJS.ErrnoException).syscall === 'string';
}

/**
 * Runs a command body; a schema error becomes QEMU's message on stderr and
 * exit 1, a write-stage or file-system error its message (path and cause)
 * and exit 1, never a stack trace.
 */
async function run(body: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    if (err instanceof QapiError) {
      process.stderr.write(err.message + '\n');
      process.exitCode = 1;
    } else if (err instanceof Error && (err.name === 'WriteOutputError' || err instanceof SyntaxError || err.constructor.name === 'CompatPolicySyntaxError' || err.message.startsWith('--'))) {
      process.stderr.write(`qapi-ts: ${err.message}\n`);
      process.exitCode = 1;
    } else if (isSystemError(err)) {
      process.stderr.write(`qapi-ts: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`qapi-ts: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    }
  }
}

/** The front end is loaded when a command needs it: an unchanged `generate` never does. */
async function load(schemaFile: string, opts: { lenientDocs?: boolean }): Promise<QapiSchema> {
  const { loadSchema } = await import('./model/schema.js');
  return loadSchema(schemaFile, {
    lenientDocs: opts.lenientDocs === true,
    warn: (msg) => process.stderr.write(msg + '\n'),
  });
}

const lenientDocs = new Option('--lenient-docs', "turn violations of QEMU 10.2's doc-comment rules into warnings (older schemas)");

const program = new Command()
  .name('qapi-ts')
  .description("TypeScript code generator for QEMU's QAPI schema")
  .version(pkg.version)
  .showHelpAfterError();

program
  .command('check')
  .description('read and check a schema; print QEMU\'s error and exit 1 if it is invalid')
  .argument('<schema>', 'the schema file (entry point, e.g. qapi/qapi-schema.json)')
  .addOption(lenientDocs)
  .action((schema: string, opts: { lenientDocs?: boolean }) =>
    run(async () => {
      await load(schema, opts);
      return 0;
    }),
  );

program
  .command('dump')
  .description("print the checked schema model in QEMU's test-suite format")
  .argument('<schema>', 'the schema file')
  .addOption(lenientDocs)
  .action((schema: string, opts: { lenientDocs?: boolean }) =>
    run(async () => {
      const { dumpSchema } = await import('./model/dump.js');
      const text = dumpSchema(await load(schema, opts));
      process.stdout.write(text);
      return 0;
    }),
  );

program
  .command('generate')
  .description('generate TypeScript for a schema into a directory, one set of files per schema module')
  .requiredOption('--schema <file>', 'the schema file (entry point)')
  .requiredOption('--out <dir>', 'output directory')
  .addOption(new Option('--int64 <type>', 'TypeScript type for int64, uint64 and size').choices(['number', 'bigint']).default('number'))
  .option('--codecs', 'also emit specialized codecs per module (X.codec.ts): faster decode, encode and clone, more code')
  .option('--introspection', "also emit introspection.ts: the schema's query-qmp-schema data, with 'if' conditions (one file for the whole schema)")
  .option('--introspection-symbols <list>', "with --introspection: the build's 'if' symbols, comma-separated (CONFIG_LINUX,TARGET_I386); the data is evaluated at generation")
  .option('--check', 'write nothing; exit 1 and list the files that would change')
  .option('--force', 'overwrite files in the output directory that qapi-ts did not write, or that were changed since (default: stop and name them)')
  .addOption(lenientDocs)
  .action((opts: { schema: string; out: string; int64: 'number' | 'bigint'; codecs?: boolean; introspection?: boolean; introspectionSymbols?: string; check?: boolean; force?: boolean; lenientDocs?: boolean }) =>
    run(async () => {
      const { generate } = await import('./api.js');
      const result = await generate({
        schema: opts.schema,
        out: opts.out,
        int64: opts.int64,
        codecs: opts.codecs === true,
        introspection: opts.introspection === true || opts.introspectionSymbols !== undefined,
        ...(opts.introspectionSymbols === undefined ? {} : { introspectionSymbols: opts.introspectionSymbols.split(',').map((x) => x.trim()).filter(Boolean) }),
        check: opts.check === true,
        force: opts.force === true,
        lenientDocs: opts.lenientDocs === true,
        // One run in a fresh process: let a worker load the formatter while the schema is read.
        earlyWorker: true,
        warn: (msg) => process.stderr.write(msg + '\n'),
      });
      for (const w of result.warnings) process.stderr.write(`qapi-ts: warning: ${w}\n`);
      const lines = [...result.changed.map((f) => `${opts.check ? 'would write' : 'wrote'} ${f}`), ...result.removed.map((f) => `${opts.check ? 'would remove' : 'removed'} ${f}`)];
      if (opts.check) {
        // A manifest that generate would rewrite, while every file is as it should be, is stale
        // (a wrong merge resolution, say): that fails too. (With files to write, it goes with them.)
        if (result.manifestChanged && lines.length === 0) lines.push('would write .qapi-ts-manifest.json');
        if (lines.length) process.stdout.write(lines.join('\n') + '\n');
        return lines.length ? 1 : 0;
      }
      if (lines.length) process.stdout.write(lines.join('\n') + '\n');
      return 0;
    }),
  );

program
  .command('validate')
  .description('check QMP messages (one JSON message per file, - for stdin) against a schema')
  .requiredOption('--schema <file>', 'the schema file (entry point)')
  .addOption(lenientDocs)
  .option('--compat <policy>', "compat policy, as QEMU's -compat: e.g. unstable-input=reject,deprecated-output=hide")
  .option('--reply-to <command>', 'the command a {"return": ...} message answers')
  .option('--strict', 'check replies strictly (unknown members are errors)')
  .addOption(new Option('--int64 <type>', 'how the generated code holds int64, uint64 and size').choices(['number', 'bigint']).default('number'))
  .argument('<message-files...>', 'files holding one QMP message each, or - for standard input')
  .action(
    (
      files: string[],
      opts: { schema: string; lenientDocs?: boolean; compat?: string; replyTo?: string; strict?: boolean; int64: 'number' | 'bigint' },
    ) =>
      run(async () => {
        const schema = await load(opts.schema, opts);
        const { validateFiles } = await import('./validate/validate.js');
        const verdicts = validateFiles(schema, files, {
          int64: opts.int64,
          ...(opts.compat !== undefined ? { compat: opts.compat } : {}),
          ...(opts.replyTo !== undefined ? { replyTo: opts.replyTo } : {}),
          ...(opts.strict ? { strict: true } : {}),
        });
        for (const { file, verdict } of verdicts) {
          process.stdout.write(verdict.ok ? `${file}: ok\n` : `${file}: error: ${verdict.error}\n`);
        }
        return verdicts.every((v) => v.verdict.ok) ? 0 : 1;
      }),
  );

await program.parseAsync(process.argv);
