#!/usr/bin/env node
/**
 * qapi-ts command line: argv to commands, nothing else.
 */
import { readFileSync } from 'node:fs';
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
async function run(body: () => Promise<number> | number, warnings?: DocWarnings): Promise<void> {
  try {
    process.exitCode = await body();
    warnings?.flush();
  } catch (err) {
    warnings?.flush();
    if (err instanceof QapiError) {
      process.stderr.write(err.message + '\n');
      const hint = (err as { lenientHint?: string }).lenientHint;
      if (hint !== undefined) process.stderr.write(hint + '\n');
      process.exitCode = 1;
    } else if (err instanceof Error && (err.name === 'WriteOutputError' || err.name === 'ConfigError' || err instanceof SyntaxError || err.constructor.name === 'CompatPolicySyntaxError' || err.message.startsWith('--'))) {
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

/** How many --lenient-docs warnings the summary shows in full. */
const SHOWN_WARNINGS = 5;

/**
 * The warnings of --lenient-docs. An older schema breaks the 10.2 rules
 * thousands of times, so by default they end as a summary: the count per
 * rule and the first few, with file and line. --verbose prints each one as
 * it comes.
 */
class DocWarnings {
  private readonly held: string[] = [];
  private flushed = false;
  constructor(private readonly verbose: boolean) {}

  readonly warn = (msg: string): void => {
    if (this.verbose) process.stderr.write(msg + '\n');
    else this.held.push(msg);
  };

  /** The rule a warning (`FILE:LINE: warning: message`) is about: its message, names (and a de-indent's width) left out. */
  static ruleOf(warning: string): string {
    const at = warning.indexOf(': warning: ');
    const msg = at < 0 ? warning : warning.slice(at + ': warning: '.length);
    return msg.replace(/'[^' ]*'/g, "'…'").replace(/at least \d+ spaces/, 'at least N spaces');
  }

  flush(): void {
    if (this.flushed) return;
    this.flushed = true;
    const all = this.held;
    if (all.length <= SHOWN_WARNINGS) {
      for (const w of all) process.stderr.write(w + '\n');
      return;
    }
    const byRule = new Map<string, number>();
    for (const w of all) byRule.set(DocWarnings.ruleOf(w), (byRule.get(DocWarnings.ruleOf(w)) ?? 0) + 1);
    const width = String(all.length).length;
    const lines = [
      `qapi-ts: warning: ${all.length} violations of QEMU 10.2's doc-comment rules (--lenient-docs), by rule:`,
      ...[...byRule].sort((a, b) => b[1] - a[1]).map(([rule, n]) => `  ${String(n).padStart(width)}  ${rule}`),
      `the first ${SHOWN_WARNINGS}:`,
      ...all.slice(0, SHOWN_WARNINGS),
      `qapi-ts: warning: --verbose lists all ${all.length}`,
    ];
    process.stderr.write(lines.join('\n') + '\n');
  }
}

/**
 * A schema that fails on QEMU 10.2's doc-comment rules alone (it loads
 * with --lenient-docs) gets a hint after QEMU's message.
 */
async function addLenientHint(schemaFile: string, err: unknown): Promise<void> {
  if (!(err instanceof QapiError)) return;
  const { loadSchema } = await import('./model/schema.js');
  try {
    loadSchema(schemaFile, { lenientDocs: true, warn: () => {} });
  } catch {
    return;
  }
  (err as { lenientHint?: string }).lenientHint =
    "qapi-ts: hint: the schema breaks only QEMU 10.2's doc-comment rules (an older schema?); --lenient-docs makes them warnings";
}

/**
 * The config's generate options: from `--config`, or ./qapi-ts.config.json
 * when --schema is not given (then one is needed). Flags override them.
 */
async function configuredOptions(opts: { schema?: string[]; config?: string }): Promise<import('./api.js').GenerateOptions | undefined> {
  if (opts.schema !== undefined && opts.config === undefined) return undefined;
  const { findConfig, readConfig, generateOptionsOf } = await import('./config/config.js');
  const file = findConfig(opts.config);
  if (file === null) throw new Error('--schema: which schema? (or run `qapi-ts init` for a qapi-ts.config.json)');
  return generateOptionsOf(await readConfig(file), file);
}

/** `--oldest` values: `name=file` per entry, or one file for a single schema. */
function oldestEntries(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const m = /^([a-z][a-z0-9-]*)=(.+)$/.exec(v);
    if (m === null) out[''] = v;
    else out[m[1]!] = m[2]!;
  }
  return out;
}

/** `--schema` values: one file, or each `name=file`. */
function schemaEntries(values: readonly string[]): string | { name: string; schema: string }[] {
  if (values.length === 1 && !/^[a-z][a-z0-9-]*=/.test(values[0]!)) return values[0]!;
  return values.map((v) => {
    const m = /^([^=/\\]+)=(.+)$/.exec(v);
    if (m === null) throw new Error(`--schema ${v}: with several schemas, each is name=file`);
    return { name: m[1]!, schema: m[2]! };
  });
}

/** The front end is loaded when a command needs it: an unchanged `generate` never does. */
async function load(schemaFile: string, opts: { lenientDocs?: boolean }, warnings: DocWarnings, hint = true): Promise<QapiSchema> {
  const { loadSchema } = await import('./model/schema.js');
  try {
    return loadSchema(schemaFile, { lenientDocs: opts.lenientDocs === true, warn: warnings.warn });
  } catch (err) {
    if (hint && opts.lenientDocs !== true) await addLenientHint(schemaFile, err);
    throw err;
  }
}

/** `qapi-ts check`: read and check a schema. */
function check(schema: string, opts: { lenientDocs?: boolean; verbose?: boolean }): Promise<void> {
  const warnings = new DocWarnings(opts.verbose === true);
  return run(async () => {
    await load(schema, opts, warnings);
    return 0;
  }, warnings);
}

/**
 * Fast path: a plain `check SCHEMA [--lenient-docs] [--verbose]` runs
 * without loading commander and the other commands' modules (a third of a
 * short run's start-up). Anything else (help, other spellings, errors in
 * the arguments) goes through commander as before.
 */
const fastCheck = ((argv: string[]): { schema: string; opts: { lenientDocs?: boolean; verbose?: boolean } } | null => {
  if (argv[0] !== 'check') return null;
  const opts: { lenientDocs?: boolean; verbose?: boolean } = {};
  let schema: string | undefined;
  for (const a of argv.slice(1)) {
    if (a === '--lenient-docs') opts.lenientDocs = true;
    else if (a === '--verbose') opts.verbose = true;
    else if (schema === undefined && a !== '' && !a.startsWith('-')) schema = a;
    else return null;
  }
  return schema === undefined ? null : { schema, opts };
})(process.argv.slice(2));

if (fastCheck !== null) {
  // The whole run is one short phase of cold code: TurboFan's compiles would
  // cost more than they save (a third of the front end's CPU), except for the
  // lexer's loop (chevrotain's tokenizeInternal), which runs long enough to
  // pay back: TurboFan is kept for it alone.
  const v8 = await import('node:v8');
  v8.setFlagsFromString('--turbo-filter=tokenizeInternal');
  await check(fastCheck.schema, fastCheck.opts);
  v8.setFlagsFromString('--turbo-filter=*');
} else {
  await commandLine();
}

/** The full command line, with commander (loaded only here). */
async function commandLine(): Promise<void> {
const [{ Command, Option }, { initCommand }, { diffCommand }, { syncCommand }] = await Promise.all([
  import('commander'),
  import('./config/command.js'),
  import('./diff/command.js'),
  import('./sync/command.js'),
]);

const lenientDocs = new Option('--lenient-docs', "turn violations of QEMU 10.2's doc-comment rules into warnings (older schemas); a summary of them is printed");
const verbose = new Option('--verbose', 'with --lenient-docs: print every warning, not a summary');

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
  .addOption(verbose)
  .action(check);

program
  .command('dump')
  .description("print the checked schema model in QEMU's test-suite format")
  .argument('<schema>', 'the schema file')
  .addOption(lenientDocs)
  .addOption(verbose)
  .action((schema: string, opts: { lenientDocs?: boolean; verbose?: boolean }) => {
    const warnings = new DocWarnings(opts.verbose === true);
    return run(async () => {
      const { dumpSchema } = await import('./model/dump.js');
      // No hint: dump's stderr is exactly QEMU's test-suite output (.err files).
      const text = dumpSchema(await load(schema, opts, warnings, false));
      process.stdout.write(text);
      return 0;
    }, warnings);
  });

program
  .command('generate')
  .description('generate TypeScript for a schema into a directory, one set of files per schema module')
  .option('--schema <[name=]file...>', "the schema file (entry point); or several as name=file (qmp=qapi/qapi-schema.json qga=qga/qapi-schema.json): each goes to the output's directory name/, and they share one runtime")
  .option('--out <dir>', 'output directory')
  .option('--config <file>', `the config file (default: ./qapi-ts.config.json, read when --schema is not given; flags override it)`)
  .addOption(new Option('--int64 <type>', 'TypeScript type for int64, uint64 and size').choices(['number', 'bigint']))
  .option('--codecs', 'also emit specialized codecs per module (X.codec.ts): faster decode, encode and clone, more code')
  .option('--introspection', "also emit introspection.ts: the schema's query-qmp-schema data, with 'if' conditions (one file for the whole schema)")
  .option('--introspection-symbols <list>', "with --introspection: the build's 'if' symbols, comma-separated (CONFIG_LINUX,TARGET_I386); the data is evaluated at generation")
  .option('--oldest <[name=]file...>', "the oldest QEMU the bindings must still read: an older release's schema (per entry: qmp=old/qapi/qapi-schema.json); replies and events then take what any version in between sends, arguments stay the newest's")
  .option('--check', 'write nothing; exit 1 and list the files that would change')
  .option('--force', 'overwrite files in the output directory that qapi-ts did not write, or that were changed since (default: stop and name them)')
  .addOption(lenientDocs)
  .addOption(verbose)
  .action((opts: { schema?: string[]; oldest?: string[]; out?: string; config?: string; int64?: 'number' | 'bigint'; codecs?: boolean; introspection?: boolean; introspectionSymbols?: string; check?: boolean; force?: boolean; lenientDocs?: boolean; verbose?: boolean }) => {
    const warnings = new DocWarnings(opts.verbose === true);
    return run(async () => {
      const { generate } = await import('./api.js');
      const fromConfig = await configuredOptions(opts);
      const entries = opts.schema === undefined ? fromConfig!.schema : schemaEntries(opts.schema);
      const out = opts.out ?? fromConfig?.out;
      if (out === undefined) throw new Error('--out: where to write? (or a qapi-ts.config.json with "out")');
      const symbols = opts.introspectionSymbols?.split(',').map((x) => x.trim()).filter(Boolean) ?? fromConfig?.introspectionSymbols;
      const result = await generate({
        schema: entries,
        out,
        int64: opts.int64 ?? fromConfig?.int64 ?? 'number',
        codecs: opts.codecs === true || fromConfig?.codecs === true,
        introspection: opts.introspection === true || opts.introspectionSymbols !== undefined || fromConfig?.introspection === true,
        ...(symbols === undefined ? {} : { introspectionSymbols: symbols }),
        check: opts.check === true,
        force: opts.force === true,
        lenientDocs: opts.lenientDocs === true || fromConfig?.lenientDocs === true,
        ...(opts.oldest !== undefined ? { oldest: oldestEntries(opts.oldest) } : fromConfig?.oldest !== undefined ? { oldest: fromConfig.oldest } : {}),
        // One run in a fresh process: let a worker load the formatter while the schema is read.
        earlyWorker: true,
        warn: warnings.warn,
      }).catch(async (err: unknown) => {
        if (opts.lenientDocs !== true) {
          // The hint is about the schema that failed: the first that does not load as is.
          const { loadSchema } = await import('./model/schema.js');
          const failing = typeof entries === 'string' ? entries : entries.find((e) => {
            try {
              loadSchema(e.schema, { warn: () => {} });
              return false;
            } catch {
              return true;
            }
          })?.schema;
          if (failing !== undefined) await addLenientHint(failing, err);
        }
        throw err;
      });
      warnings.flush();
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
    }, warnings);
  });

program
  .command('validate')
  .description('check QMP messages (one JSON message per file, - for stdin) against a schema')
  .requiredOption('--schema <file>', 'the schema file (entry point)')
  .addOption(lenientDocs)
  .addOption(verbose)
  .option('--compat <policy>', "compat policy, as QEMU's -compat: e.g. unstable-input=reject,deprecated-output=hide")
  .option('--reply-to <command>', 'the command a {"return": ...} message answers')
  .option('--strict', 'check replies strictly (unknown members are errors)')
  .addOption(new Option('--int64 <type>', 'how the generated code holds int64, uint64 and size').choices(['number', 'bigint']).default('number'))
  .argument('<message-files...>', 'files holding one QMP message each, or - for standard input')
  .action(
    (
      files: string[],
      opts: { schema: string; lenientDocs?: boolean; verbose?: boolean; compat?: string; replyTo?: string; strict?: boolean; int64: 'number' | 'bigint' },
    ) => {
      const warnings = new DocWarnings(opts.verbose === true);
      return run(async () => {
        const schema = await load(opts.schema, opts, warnings);
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
      }, warnings);
    },
  );

// init, sync and diff define their own options and actions.
program.addCommand(initCommand());
program.addCommand(syncCommand());
program.addCommand(diffCommand());

await program.parseAsync(process.argv);
}
