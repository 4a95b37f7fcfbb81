/**
 * Names in the generated TypeScript: type identifiers, readable names for
 * QEMU's implicit types, property keys, and the output path of each module.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { SchemaCommand, SchemaEvent, SchemaModule, SchemaObjectType, type SchemaDefinition } from '../model/entities.js';
import type { QapiSchema } from '../model/schema.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Words that can't be bare property names in every position we use them. */
const RESERVED = new Set(['__proto__']);

/** A property key as written in an interface: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return IDENTIFIER.test(name) && !RESERVED.has(name) ? name : quote(name);
}

/** A single-quoted TypeScript string literal. */
export function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

/** `query-migrate-parameters` → `QueryMigrateParameters`, `BLOCK_JOB_READY` → `BlockJobReady`. */
export function pascalCase(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words
    .map((w) => {
      const lower = w === w.toUpperCase() ? w.toLowerCase() : w;
      return lower.charAt(0).toUpperCase() + lower.slice(1);
    })
    .join('');
}

function identifierOf(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_$]/g, '_');
  return /^[0-9]/.test(id) ? '_' + id : id;
}

/** Resolves every schema type to the TypeScript identifier that names it. */
export class TypeNames {
  private readonly names = new Map<string, string>();
  private readonly taken = new Set<string>();

  constructor(schema: QapiSchema) {
    for (const d of schema.definitions) this.taken.add(identifierOf(d.name));
    // Implicit argument and base types get readable names from their owner.
    for (const d of schema.definitions) {
      if (d instanceof SchemaCommand || d instanceof SchemaEvent) {
        if (d.argType && d.argType.isImplicit()) this.assign(d.argType.name, pascalCase(d.name) + (d instanceof SchemaCommand ? 'Arguments' : 'Data'));
      } else if (d instanceof SchemaObjectType && d.base && d.base.isImplicit()) {
        this.assign(d.base.name, identifierOf(d.name) + 'Base');
      }
    }
    // Maps in each module file also need names that don't clash.
  }

  private assign(qapiName: string, candidate: string): void {
    let name = candidate;
    for (let i = 2; this.taken.has(name); i++) name = `${candidate}${i}`;
    this.taken.add(name);
    this.names.set(qapiName, name);
  }

  /** A fresh identifier for something the generator adds (e.g. a module's command map). */
  reserve(candidate: string): string {
    let name = candidate;
    for (let i = 2; this.taken.has(name); i++) name = `${candidate}${i}`;
    this.taken.add(name);
    return name;
  }

  of(defn: SchemaDefinition | string): string {
    const name = typeof defn === 'string' ? defn : defn.name;
    return this.names.get(name) ?? identifierOf(name);
  }
}

/** Output file paths, one per module, relative to the output directory (POSIX separators). */
export class ModulePaths {
  private readonly paths = new Map<SchemaModule, string>();
  static readonly RESERVED = new Set(['index.ts', 'builtin.ts', 'schema.ts', 'introspection.ts']);

  /**
   * Where the runtime's files are, relative to this output's root: its own
   * `runtime/`, or `../runtime/` when several entry points share one.
   */
  readonly runtimeDir: string;

  constructor(schema: QapiSchema, runtimeDir = 'runtime') {
    this.runtimeDir = runtimeDir;
    const schemaDir = dirname(resolve(schema.fname));
    const modules = schema.modules.filter((m) => !m.isBuiltin());
    const abs = modules.map((m) => resolve(schemaDir, m.name));
    // Modules may live above the entry's directory (the storage daemon includes ../../qapi/);
    // paths are taken from the deepest directory holding them all.
    let root = dirname(abs[0] ?? schemaDir);
    for (const a of abs) while (!(a + sep).startsWith(root + sep) && root !== dirname(root)) root = dirname(root);
    const used = new Set(ModulePaths.RESERVED);
    for (const [i, m] of modules.entries()) {
      let p = relative(root, abs[i]!).split(sep).join('/').replace(/\.json$/, '') + '.ts';
      if (used.has(p)) p = p.replace(/\.ts$/, '-schema.ts');
      used.add(p);
      this.paths.set(m, p);
    }
    const builtin = schema.modules.find((m) => m.isBuiltin());
    if (builtin) this.paths.set(builtin, 'builtin.ts');
  }

  of(module: SchemaModule): string {
    return this.paths.get(module)!;
  }

  /** The path of a runtime file (`plans.ts`), as seen from this output's root. */
  runtime(file: string): string {
    return `${this.runtimeDir}/${file}`;
  }

  /** The import specifier from one generated file to another, with the `.js` extension nodenext wants. */
  static specifier(from: string, to: string): string {
    // Under a virtual root one level down, so that `to` may be `../runtime/…` (a shared runtime).
    let rel = relative(dirname('/out/' + from), '/out/' + to).split(sep).join('/');
    if (!rel.startsWith('.')) rel = './' + rel;
    return rel.replace(/\.ts$/, '.js');
  }
}
