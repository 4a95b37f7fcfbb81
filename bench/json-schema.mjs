#!/usr/bin/env node
/**
 * An equivalent JSON Schema for a QAPI type, built from the qapi-ts model
 * (dist/generator), for ajv to validate the same values our generated
 * decoders check. Used by bench/runtime.mjs; run alone it prints a sanity
 * check on QEMU 7.2's captured replies:
 *
 *   node bench/json-schema.mjs
 *
 * Mapping (draft-07 with `$defs`, which ajv accepts):
 * - enum → {type: 'string', enum: [...]}
 * - struct → {type: 'object', properties, required}, plus
 *   `additionalProperties: false` in the strict variant;
 * - union → each branch flattened to one object (base members, branch
 *   members, tag `const`), chosen by ajv's `discriminator` keyword on the tag
 *   (it looks the tag up and validates only that branch, so it is the fast
 *   choice). Flattening is what lets `additionalProperties: false` see every
 *   member of the branch; a union branch that is itself a union nests;
 * - alternate → anyOf over its alternatives, whose JSON types differ;
 * - array → {type: 'array', items};
 * - int8 … uint64, size → {type: 'integer', minimum, maximum} (64-bit bounds
 *   are rounded to the nearest double: JSON.parse can't hold them exactly);
 *   number → number; str → string; bool → boolean; null → null; any → {}.
 * Named types are `$defs` reached by `$ref` (so recursive types work); only
 * types reachable from the root are emitted.
 *
 * Two variants: strict (`additionalProperties: false` on every object, as
 * the strict input visitor rejects unknown members) and lenient (without, as
 * the lenient one drops them). Unknown enum values and union tags are
 * rejected by both, as the input visitor does by default.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const INT_RANGES = {
  int: [-(2 ** 63), 2 ** 63 - 1],
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-(2 ** 63), 2 ** 63 - 1],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 2 ** 32 - 1],
  uint64: [0, 2 ** 64 - 1],
  size: [0, 2 ** 64 - 1],
};

function builtinSchema(name) {
  if (name in INT_RANGES) {
    const [minimum, maximum] = INT_RANGES[name];
    return { type: 'integer', minimum, maximum };
  }
  switch (name) {
    case 'str':
      return { type: 'string' };
    case 'number':
      return { type: 'number' };
    case 'bool':
      return { type: 'boolean' };
    case 'null':
      return { type: 'null' };
    case 'any':
      return {};
    default:
      throw new Error(`no JSON Schema for built-in type '${name}'`);
  }
}

/**
 * The JSON Schema of `typeName` in `schema` (a QapiSchema from
 * dist/generator/model/schema.js). `strict`: `additionalProperties: false`.
 */
export function buildJsonSchema(schema, typeName, { strict }) {
  const defs = {};
  const pending = [];

  const ref = (type) => {
    if (type.meta === 'built-in') return builtinSchema(type.name);
    if (!(type.name in defs)) {
      defs[type.name] = null; // reserved; filled below (recursion-safe)
      pending.push(type);
    }
    return { $ref: `#/$defs/${type.name}` };
  };

  /** The properties/required of `members`, added to `props`/`required`. */
  const addMembers = (members, props, required) => {
    for (const m of members) {
      props[m.name] = ref(m.type);
      if (!m.optional) required.push(m.name);
    }
  };

  /**
   * An object type, with `props`/`required` inherited from an enclosing
   * union branch (its base members and its tag `const`).
   */
  const objectSchema = (type, inheritedProps, inheritedRequired) => {
    const props = { ...inheritedProps };
    const required = [...inheritedRequired];
    addMembers(type.members, props, required);
    if (!type.branches) {
      const s = { type: 'object', properties: props };
      if (required.length) s.required = required;
      if (strict) s.additionalProperties = false;
      return s;
    }
    const tag = type.branches.tagName;
    const oneOf = type.branches.variants.map((v) => {
      const branchProps = { ...props, [tag]: { const: v.name } };
      // The branch type's own members (its base, if any, is part of members).
      return objectSchema(v.type, branchProps, required);
    });
    // The tag is required by every branch, which is what ajv's discriminator wants.
    const s = { type: 'object', discriminator: { propertyName: tag }, oneOf };
    // A nested union keeps its enclosing tag's const at its own level too,
    // so that an enclosing discriminator can map it.
    for (const [k, v] of Object.entries(inheritedProps)) {
      if (v && typeof v === 'object' && 'const' in v) {
        s.properties = { ...(s.properties ?? {}), [k]: v };
        s.required = [...(s.required ?? []), k];
      }
    }
    return s;
  };

  const definition = (type) => {
    switch (type.meta) {
      case 'enum':
        return { type: 'string', enum: type.members.map((m) => m.name) };
      case 'array':
        return { type: 'array', items: ref(type.elementType) };
      case 'struct':
      case 'union':
        return objectSchema(type, {}, []);
      case 'alternate':
        return { anyOf: type.alternatives.variants.map((v) => ref(v.type)) };
      default:
        throw new Error(`no JSON Schema for ${type.meta} type '${type.name}'`);
    }
  };

  const rootType = schema.lookupType(typeName);
  if (!rootType) throw new Error(`no type '${typeName}'`);
  const top = ref(rootType);
  while (pending.length) {
    const t = pending.shift();
    defs[t.name] = definition(t);
  }
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...top, $defs: defs };
}

/** An Ajv instance as the bench uses it: first error only, discriminator on. */
export async function makeAjv() {
  const { default: Ajv } = await import('ajv');
  return new Ajv({ discriminator: true, allErrors: false, strict: true });
}

export async function loadModel(schemaFile) {
  const modelJs = join(root, 'dist', 'generator', 'model', 'schema.js');
  if (!existsSync(modelJs)) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  const { loadSchema } = await import(pathToFileURL(modelJs).href);
  return loadSchema(schemaFile, { lenientDocs: true });
}

export const SCHEMA_7_2 = resolve(root, '..', 'shared', 'qemu', '7.2.0', 'qapi', 'qapi-schema.json');
export const FIXTURES = join(root, 'test', 'fixtures', 'qemu-7.2');
export const PAYLOADS = [
  { name: 'query-qmp-schema', file: 'query-qmp-schema.json', type: 'SchemaInfoList' },
  { name: 'query-migrate-parameters', file: 'query-migrate-parameters.json', type: 'MigrationParameters' },
];

/**
 * The sanity check: both variants accept both captured replies; an unknown
 * member is refused by strict only; a bad enum value and a missing required
 * member are refused by both. Returns the lines it would print and whether
 * every verdict was as expected.
 */
export function sanity(ajv, model, payloads) {
  const lines = [];
  let ok = true;
  for (const p of payloads) {
    const value = JSON.parse(readFileSync(join(FIXTURES, p.file), 'utf8')).return;
    const vStrict = ajv.compile(buildJsonSchema(model, p.type, { strict: true }));
    const vLenient = ajv.compile(buildJsonSchema(model, p.type, { strict: false }));
    const first = (x) => (Array.isArray(x) ? x[0] : x);
    const mutations = [
      ['as captured', (x) => x, true, true],
      ['unknown member', (x) => void (first(x)['x-unknown'] = 1), false, true],
      [
        'bad enum value',
        (x) => {
          const o = first(x);
          if ('meta-type' in o) o['meta-type'] = 'no-such-meta-type';
          else o['multifd-compression'] = 'no-such-compression';
        },
        false,
        false,
      ],
      [
        'wrong JSON type',
        (x) => {
          const o = first(x);
          if ('name' in o) o.name = 42;
          else o['announce-max'] = 'x';
        },
        false,
        false,
      ],
      [
        'missing required member (migrate: out of range)',
        (x) => {
          const o = first(x);
          if ('name' in o) delete o.name;
          else o['multifd-channels'] = 300; // MigrationParameters has no required member: out of range instead (uint8; a negative size wraps, as in QEMU)
        },
        false,
        false,
      ],
    ];
    const parts = [];
    for (const [what, mutate, wantStrict, wantLenient] of mutations) {
      const x = structuredClone(value);
      mutate(x);
      const s = vStrict(x);
      const l = vLenient(x);
      const good = s === wantStrict && l === wantLenient;
      ok &&= good;
      parts.push(`${what}: strict=${s} lenient=${l}${good ? '' : ' (UNEXPECTED)'}`);
    }
    lines.push(`ajv sanity, ${p.name} (${p.type}): ${parts.join('; ')}`);
  }
  return { lines, ok };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const model = await loadModel(SCHEMA_7_2);
  const ajv = await makeAjv();
  if (process.argv.includes('--print')) {
    const type = process.argv[process.argv.indexOf('--print') + 1] ?? 'SchemaInfoList';
    console.log(JSON.stringify(buildJsonSchema(model, type, { strict: true }), null, 2));
  } else {
    const { lines, ok } = sanity(ajv, model, PAYLOADS);
    for (const l of lines) console.log(l);
    process.exit(ok ? 0 : 1);
  }
}
