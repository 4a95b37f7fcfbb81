#!/usr/bin/env node
/**
 * qapi-ts command line: argv to commands, nothing else.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { QapiError } from './source/source-info.js';
import { loadSchema, type QapiSchema } from './model/schema.js';
import { dumpSchema } from './model/dump.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Runs a command body; a schema error becomes QEMU's message on stderr and exit 1, never a stack trace. */
async function run(body: () => Promise<number> | number): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    if (err instanceof QapiError) {
      process.stderr.write(err.message + '\n');
      process.exitCode = 1;
    } else {
      process.stderr.write(`qapi-ts: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 2;
    }
  }
}

function load(schemaFile: string, opts: { lenientDocs?: boolean }): QapiSchema {
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
    run(() => {
      load(schema, opts);
      return 0;
    }),
  );

program
  .command('dump')
  .description("print the checked schema model in QEMU's test-suite format")
  .argument('<schema>', 'the schema file')
  .addOption(lenientDocs)
  .action((schema: string, opts: { lenientDocs?: boolean }) =>
    run(() => {
      const text = dumpSchema(load(schema, opts));
      process.stdout.write(text);
      return 0;
    }),
  );

await program.parseAsync(process.argv);
