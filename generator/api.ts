/**
 * The library entry points behind the CLI: read and check a schema, and
 * generate TypeScript for it into a directory.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { QapiSchema } from './model/schema.js';
import { createHash } from 'node:crypto';
import { checkOutputCurrent, recordedInfo, writeOutput, type WriteResult } from './write/write-output.js';
import { startFormatPool } from './write/format-pool.js';
import { canonicalJson } from './write/format.js';
import type { PrintJob } from './write/print.js';
import { INPUT_KEY } from './write/manifest.js';

export type { QapiSchema };

/** Reads and checks a schema (QEMU's front end); throws QapiError on a bad one. */
export async function loadSchema(fname: string, options: { lenientDocs?: boolean; warn?: (message: string) => void } = {}): Promise<QapiSchema> {
  const model = await import('./model/schema.js');
  return model.loadSchema(fname, options);
}

/** One entry point of a generation with several (see {@link GenerateOptions.schema}). */
export interface GenerateEntry {
  /** The directory of the output it goes to: lower-case letters, digits and '-'. */
  readonly name: string;
  /** Its schema's entry file. */
  readonly schema: string;
}

/** Every option of `qapi-ts generate`, with its default, in one place. */
export interface GenerateOptions {
  /**
   * The schema's entry file; or several entry points, each generated into
   * its own directory of the output (`name`), all sharing one runtime in
   * `runtime/`, so that errors and values of one are `instanceof` the
   * classes of another: `[{ name: 'qmp', schema: 'qapi/qapi-schema.json' },
   * { name: 'qga', schema: 'qga/qapi-schema.json' }]`.
   */
  schema: string | readonly GenerateEntry[];
  out: string;
  int64?: 'number' | 'bigint';
  /** Also emit specialized codecs (`X.codec.ts`) from the same plans. */
  codecs?: boolean;
  /**
   * Also emit `introspection.ts`: the schema's `query-qmp-schema` data
   * (QEMU's masked `SchemaInfo` list, each item with its `'if'`). One file
   * for the whole schema, as QEMU numbers its masked type names across it:
   * any schema change touches it, hence an option.
   */
  introspection?: boolean;
  /**
   * With `introspection`: the `'if'` symbols of the build to describe
   * (`CONFIG_LINUX`, `TARGET_I386`, …). The data is then evaluated at
   * generation, conditions gone; without, every item keeps its condition
   * for `evaluateIntrospection` at run time.
   */
  introspectionSymbols?: readonly string[];
  check?: boolean;
  /**
   * Overwrite files in the output directory that qapi-ts did not write (not
   * in its manifest, or changed since it wrote them), replace a symlink at an
   * output path, and write into a directory without a manifest that looks
   * like a project. Default false: any of these stops the run before
   * anything is written, with an error naming the files.
   */
  force?: boolean;
  lenientDocs?: boolean;
  /**
   * The oldest QEMU the bindings must still read, per entry (by its name;
   * `''` for a single schema): an older release's schema file. Reply and
   * event types and decoders then take what any of the versions sends (a
   * member the older one lacks may be absent; what only it has is known and
   * typed), and arguments stay held to the newest (model/versions.ts). The
   * version is read from the `VERSION` file of the QEMU tree it is in.
   */
  oldest?: Readonly<Record<string, string>>;
  /**
   * Start a worker that loads prettier and ts-morph while the schema is
   * read, and format there: the fastest for one run in a fresh process
   * (the CLI). Off by default: in a long-lived process the formatter, once
   * loaded, stays loaded in this thread.
   */
  earlyWorker?: boolean;
  warn?: (message: string) => void;
}

/** The directory of qapi-ts's package.json, above this file (in dist/ or, under tests, in the source tree). */
export function packageRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error("qapi-ts: can't find its package.json");
}

/** qapi-ts's version. */
export function generatorVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}


function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * One entry point of a generation: its schema file, and the directory of
 * the output it goes to (`''`: the output's root, for a single schema).
 */
interface Entry {
  readonly name: string;
  readonly schema: string;
}

/** An entry's files in the output (and its keys in the manifest) are under this prefix. */
function prefixOf(entry: Entry): string {
  return entry.name === '' ? '' : `${entry.name}/`;
}

/** The entries of the options: one at the root, or each named one in its own directory. */
function entriesOf(options: GenerateOptions): Entry[] {
  if (typeof options.schema === 'string') return [{ name: '', schema: options.schema }];
  const entries = options.schema.map((e) => ({ name: e.name, schema: e.schema }));
  if (entries.length === 0) throw new Error('--schema: at least one schema is needed');
  const seen = new Set<string>();
  for (const e of entries) {
    if (!/^[a-z][a-z0-9-]*$/.test(e.name) || e.name === RUNTIME_NAME)
      throw new Error(`--schema ${e.name}=…: an entry's name is a directory of the output: lower-case letters, digits and '-', and not '${RUNTIME_NAME}'`);
    if (seen.has(e.name)) throw new Error(`--schema ${e.name}=…: two entries named ${e.name}`);
    seen.add(e.name);
  }
  return entries;
}

/** The shared runtime's directory of an output with several entries (and what no entry may be called). */
const RUNTIME_NAME = 'runtime';

/**
 * What the output depends on besides the schema files: the options and the
 * generator's own code. The manifest records it with a hash of each schema
 * file read (one line each, so two changes to different modules touch
 * different lines), which lets an unchanged re-run, or `--check` of current
 * output, stop before the schema is even parsed.
 */
function manifestInfo(inputs: ReadonlyArray<readonly [Entry, ReadonlyMap<string, string>]>, flags: EmitFlags): Record<string, string> {
  const info: Record<string, string> = { int64: flags.int64, codecs: String(flags.codecs), generator: generatorFingerprint() };
  for (const [entry] of inputs) info[entry.name === '' ? 'entry' : `entry:${entry.name}`] = entryName(entry.schema);
  if (flags.introspection) info['introspection'] = flags.introspectionSymbols === undefined ? 'true' : `symbols ${flags.introspectionSymbols.join(',')}`;
  for (const [entry, files] of inputs) for (const [rel, hash] of files) info[INPUT_KEY + prefixOf(entry) + rel] = hash;
  return info;
}

/** A schema file's name as the manifest records it: relative to the entry's directory, POSIX separators. */
function inputName(base: string, file: string): string {
  return relative(base, resolve(file)).split('\\').join('/');
}

/** The schema files a schema was read from, each with the sha256 of its bytes. */
function inputHashes(schema: QapiSchema): Map<string, string> {
  const base = dirname(resolve(schema.fname));
  const files = new Map<string, string>();
  for (const file of schema.sourceFiles) files.set(inputName(base, file.name), sha256(readFileSync(resolve(file.name))));
  return files;
}

/** The options that decide what is emitted. */
interface EmitFlags {
  readonly int64: 'number' | 'bigint';
  readonly codecs: boolean;
  readonly introspection: boolean;
  readonly introspectionSymbols?: readonly string[];
}

/**
 * The info of the output's manifest (`recorded`), if it was made from these
 * very schema files (re-read and re-hashed) with these options; null
 * otherwise.
 */
function unchangedInputs(recorded: Record<string, string> | null, entries: readonly Entry[], flags: EmitFlags): Record<string, string> | null {
  if (recorded === null) return null;
  const inputs = entries.map((e) => [e, new Map<string, string>()] as const);
  for (const [key, hash] of Object.entries(recorded)) {
    if (!key.startsWith(INPUT_KEY)) continue;
    const path = key.slice(INPUT_KEY.length);
    const found = inputs.find(([e]) => path.startsWith(prefixOf(e)));
    if (found === undefined) return null;
    const [entry, files] = found;
    const rel = path.slice(prefixOf(entry).length);
    let bytes: Buffer;
    try {
      bytes = readFileSync(resolve(dirname(resolve(entry.schema)), rel));
    } catch {
      return null;
    }
    if (sha256(bytes) !== hash) return null;
    files.set(rel, hash);
  }
  for (const [entry, files] of inputs) if (!files.has(inputName(dirname(resolve(entry.schema)), entry.schema))) return null;
  // The same entries, options and generator: the info this run would record.
  const info = manifestInfo(inputs, flags);
  return canonicalJson(info) === canonicalJson(recorded) ? info : null;
}

/**
 * The QEMU version of a schema file: the `VERSION` file of the QEMU tree it
 * is in (a few directories up), else its path.
 */
function qemuVersionOf(schemaFile: string): string {
  let dir = dirname(resolve(schemaFile));
  for (let i = 0; i < 4 && dir !== dirname(dir); i++, dir = dirname(dir)) {
    const file = join(dir, 'VERSION');
    if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  }
  return schemaFile;
}

/** The entry file's name, as the manifest records it (no directory: output must not depend on where it was made). */
function entryName(schema: string): string {
  return resolve(schema).split(/[\\/]/).pop()!;
}

let generatorHash: string | null = null;

/**
 * A hash of qapi-ts's own code and runtime templates: a rebuilt generator
 * must not trust output made by another build, even under the same version.
 */
function generatorFingerprint(): string {
  if (generatorHash !== null) return generatorHash;
  const hash = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  const walk = (dir: string): void => {
    if (!existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(js|ts|mjs)$/.test(e.name)) hash.update(`${relative(here, p)}\n`).update(readFileSync(p));
    }
  };
  walk(here);
  walk(join(packageRoot(), 'templates', 'runtime'));
  generatorHash = hash.digest('hex');
  return generatorHash;
}

/** Generates (or, with `check`, compares) the output for a schema. Throws QapiError on a bad schema. */
export async function generate(options: GenerateOptions): Promise<WriteResult> {
  const flags: EmitFlags = {
    int64: options.int64 ?? 'number',
    codecs: options.codecs === true,
    introspection: options.introspection === true,
    ...(options.introspectionSymbols === undefined ? {} : { introspectionSymbols: [...new Set(options.introspectionSymbols)].sort() }),
  };
  const entries = entriesOf(options);
  const oldest = options.oldest ?? {};
  for (const name of Object.keys(oldest)) {
    if (!entries.some((e) => e.name === name)) throw new Error(`--oldest ${name === '' ? '' : `${name}=`}…: no such entry${name === '' ? ' (with several schemas, name it: NAME=FILE)' : ''}`);
  }
  if (Object.keys(oldest).length && options.codecs === true) throw new Error('--oldest: not with --codecs (a specialized codec holds one version)');
  const lenientDocs = options.lenientDocs === true;
  const warn = options.warn ?? (() => {});
  const writeOptions = { outDir: options.out, check: options.check === true, force: options.force === true, generatorVersion: generatorVersion() };
  // The schema files are those of the last run, unchanged, and so is the output: nothing to do.
  // Under --lenient-docs the schema's doc warnings are still wanted, so they are derived again.
  // The output's manifest is read once, here; the write stage reads it again for its own checks.
  const recorded = await recordedInfo(options.out);
  // With --oldest the older schemas count too: no shortcut (the write stage still rewrites nothing that is current).
  const known = Object.keys(oldest).length ? null : unchangedInputs(recorded, entries, flags);
  if (known !== null) {
    const current = await checkOutputCurrent({ ...writeOptions, manifestInfo: known });
    if (current) {
      if (lenientDocs) for (const e of entries) await loadSchema(e.schema, { lenientDocs, warn });
      return current;
    }
  }
  // There is work, or a comparison to make: one worker may start loading prettier and ts-morph
  // now, while this thread reads the schema and builds the structures it will print.
  const pool = options.earlyWorker === true ? startFormatPool(1, true) : undefined;
  try {
    const schemas: Array<readonly [Entry, QapiSchema]> = [];
    for (const e of entries) schemas.push([e, await loadSchema(e.schema, { lenientDocs, warn })]);
    const info = manifestInfo(schemas.map(([e, schema]) => [e, inputHashes(schema)] as const), flags);
    for (const [e, schema] of schemas) {
      const older = oldest[e.name];
      if (older === undefined) continue;
      // An older release's schema: its doc comments follow older rules, and are not what is emitted.
      const old = await loadSchema(older, { lenientDocs: true, warn: () => {} });
      const version = qemuVersionOf(older);
      const { spanVersions } = await import('./model/versions.js');
      spanVersions(schema, qemuVersionOf(e.schema), [{ version, schema: old }]);
      const files = [...inputHashes(old)].map(([f, h]) => `${f} ${h}`).join('\n');
      info[e.name === '' ? 'oldest' : `oldest:${e.name}`] = `${version} ${sha256(files)}`;
    }
    const full = { ...writeOptions, manifestInfo: info, ...(pool ? { pool } : {}) };
    const current = await checkOutputCurrent(full);
    if (current) return current;
    const { generateFiles, protocolOf, sharedRuntimeFiles } = await import('./emit/generate.js');
    const templates = join(packageRoot(), 'templates', 'runtime');
    // A first run formats whole files: the early worker starts on them as they are emitted. After
    // that, a file's unchanged units are reused (write/reuse.ts) and the worker gets only new ones.
    const early = pool && recorded === null ? (key: string, path: string, job: PrintJob) => pool.prefetch(key, { path, source: job }) : undefined;
    if (entries.length === 1 && entries[0]!.name === '') {
      return await writeOutput(generateFiles(schemas[0]![1], { ...flags, versioned: oldest[''] !== undefined }, templates, generatorFingerprint(), early), full);
    }
    // Several entry points: each in its directory, importing one runtime (so `instanceof` holds across them).
    const files = schemas.flatMap(([e, schema]) => {
      const prefix = prefixOf(e);
      const prefixed = early && ((key: string, path: string, job: PrintJob) => early(key, prefix + path, job));
      return generateFiles(schema, { ...flags, sharedRuntime: true, versioned: oldest[e.name] !== undefined }, templates, generatorFingerprint(), prefixed).map((f) => ({ ...f, path: prefix + f.path }));
    });
    return await writeOutput([...files, ...sharedRuntimeFiles(templates, new Set(schemas.map(([, schema]) => protocolOf(schema))))], full);
  } finally {
    await pool?.close();
  }
}
