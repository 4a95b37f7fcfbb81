/**
 * The downstream config file, `qapi-ts.config.json`: read, checked against
 * the published JSON Schema (`config.schema.json` in the package, the same
 * file editors complete from), and turned into `generate` options. Flags on
 * the command line override it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { packageRoot, type GenerateOptions } from '../api.js';

/** The config file's name, looked for in the current directory. */
export const CONFIG_FILE = 'qapi-ts.config.json';

/** The config, as the JSON Schema describes it. */
export interface QapiTsConfig {
  readonly $schema?: string;
  readonly schemaDir?: string;
  readonly entries: Readonly<Record<string, string>>;
  readonly out: string;
  readonly int64?: 'number' | 'bigint';
  readonly codecs?: boolean;
  readonly introspection?: boolean;
  readonly ifSymbols?: readonly string[];
  readonly lenientDocs?: boolean;
  readonly compat?: Readonly<Record<'deprecated-input' | 'unstable-input' | 'deprecated-output' | 'unstable-output', string>>;
  readonly oldest?: Readonly<Record<string, string>>;
  readonly client?: { readonly timeout?: number; readonly strictReplies?: boolean; readonly refuseUnsupported?: boolean };
}

/** A config that is not valid JSON, or does not fit the schema: the message names the file, the key path and what was expected. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function configSchemaPath(): string {
  return join(packageRoot(), 'config.schema.json');
}

type Validate = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  schema?: unknown;
}

let validator: Validate | undefined;

async function validate(): Promise<Validate> {
  if (validator === undefined) {
    // ajv only when a config is read: `generate` with flags never loads it.
    const { default: Ajv2020 } = (await import('ajv/dist/2020.js')) as unknown as { default: new (o: object) => { compile(s: object): Validate } };
    const schema = JSON.parse(readFileSync(configSchemaPath(), 'utf8')) as object;
    validator = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  }
  return validator;
}

/** `/entries/qmp` → `entries.qmp`; the root is `(the config)`. */
function keyPath(pointer: string): string {
  if (pointer === '') return '(the config)';
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i === 0 ? p : `.${p}`))
    .join('');
}

function describeError(e: AjvError, data: unknown): string {
  const at = keyPath(e.instancePath);
  const got = (): string => {
    let v: unknown = data;
    for (const p of e.instancePath.split('/').slice(1)) v = (v as Record<string, unknown>)?.[p.replace(/~1/g, '/').replace(/~0/g, '~')];
    return JSON.stringify(v);
  };
  switch (e.keyword) {
    case 'additionalProperties':
      return `${at === '(the config)' ? '' : `${at}: `}unknown key '${String(e.params['additionalProperty'])}'`;
    case 'required':
      return `${at === '(the config)' ? '' : `${at}: `}missing key '${String(e.params['missingProperty'])}'`;
    case 'enum':
      return `${at}: expected one of ${(e.params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${got()}`;
    case 'type':
      return `${at}: expected ${String(e.params['type'])}, got ${got()}`;
    case 'propertyNames':
      return `${at}: the entry name '${String(e.params['propertyName'])}' is not a directory name (lower-case letters, digits and '-', not 'runtime'; or '.')`;
    default:
      return `${at}: ${e.message ?? e.keyword}${e.keyword === 'pattern' || e.keyword === 'minimum' || e.keyword === 'minLength' ? `, got ${got()}` : ''}`;
  }
}

/** Reads and checks a config file; throws ConfigError naming every problem. */
export async function readConfig(file: string): Promise<QapiTsConfig> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`${file}: cannot read it: ${(e as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not JSON: ${(e as Error).message}`);
  }
  const check = await validate();
  if (!check(data)) {
    // A bad entry name fails `propertyNames` and its sub-keyword: one line per problem.
    const errors = (check.errors ?? []).filter((e) => !(e.params['propertyName'] !== undefined && e.keyword !== 'propertyNames'));
    const lines = [...new Set(errors.map((e) => describeError(e, data)))];
    throw new ConfigError(`${file}: ${lines.length === 1 ? lines[0] : `\n  ${lines.join('\n  ')}`}`);
  }
  return data as QapiTsConfig;
}

/** The config file to use: `explicit`, or `qapi-ts.config.json` in `cwd` when it exists; null when none. */
export function findConfig(explicit: string | undefined, cwd: string = process.cwd()): string | null {
  if (explicit !== undefined) return resolve(cwd, explicit);
  const here = join(cwd, CONFIG_FILE);
  return existsSync(here) ? here : null;
}

/** What a config says `generate` should do (paths resolved against the config's directory). */
export function generateOptionsOf(config: QapiTsConfig, file: string): GenerateOptions {
  const base = dirname(resolve(file));
  const schemaDir = resolve(base, config.schemaDir ?? 'schema');
  const names = Object.keys(config.entries);
  const schema =
    names.length === 1 && names[0] === '.'
      ? resolve(schemaDir, config.entries['.']!)
      : names.map((name) => {
          if (name === '.') throw new ConfigError(`${file}: entries: '.' (no subdirectory) must be the only entry`);
          return { name, schema: resolve(schemaDir, config.entries[name]!) };
        });
  return {
    schema,
    out: resolve(base, config.out),
    ...(config.int64 === undefined ? {} : { int64: config.int64 }),
    ...(config.codecs === undefined ? {} : { codecs: config.codecs }),
    ...(config.introspection === undefined && config.ifSymbols === undefined ? {} : { introspection: config.introspection ?? config.ifSymbols !== undefined }),
    ...(config.ifSymbols === undefined ? {} : { introspectionSymbols: config.ifSymbols }),
    ...(config.lenientDocs === undefined ? {} : { lenientDocs: config.lenientDocs }),
    ...(config.oldest === undefined
      ? {}
      : { oldest: Object.fromEntries(Object.entries(config.oldest).map(([name, f]) => [name === '.' ? '' : name, resolve(base, f)])) }),
  };
}

/** The config `qapi-ts init` writes: the three entry points of a synced QEMU tree. */
export function initialConfig(cwd: string): QapiTsConfig {
  const schemaRef = relative(cwd, configSchemaPath()).split('\\').join('/');
  return {
    $schema: schemaRef.startsWith('.') ? schemaRef : `./${schemaRef}`,
    schemaDir: 'schema',
    entries: { qmp: 'qapi/qapi-schema.json', qga: 'qga/qapi-schema.json', qsd: 'storage-daemon/qapi/qapi-schema.json' },
    out: 'generated',
    int64: 'number',
  };
}
