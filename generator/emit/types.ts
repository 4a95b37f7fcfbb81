/**
 * emitTypes: one TypeScript file per schema module, built as ts-morph
 * structures. Enums become string-literal unions plus a documented const
 * object; structs become interfaces; unions become discriminated unions;
 * alternates become unions of their branch types; commands and events go
 * into per-module maps that index.ts joins into QmpCommands and QmpEvents.
 */
import type {
  ImportDeclarationStructure,
  InterfaceDeclarationStructure,
  JSDocStructure,
  OptionalKind,
  PropertySignatureStructure,
  StatementStructures,
  TypeAliasDeclarationStructure,
  VariableStatementStructure,
} from 'ts-morph';
import { CONST, Kind } from './structure-kind.js';
import {
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaCommand,
  SchemaDefinition,
  SchemaEvent,
  SchemaObjectType,
  type SchemaAlternateType,
  type SchemaEnumType,
  type SchemaFeature,
  type SchemaMember,
  type SchemaModule,
  type SchemaType,
} from '../model/entities.js';
import type { QapiSchema } from '../model/schema.js';
import type { SchemaVisitor } from '../model/visitor.js';
import { ImportBinder } from './binder.js';
import { DocIndex, isEmptyDoc, renderDoc, type DocBlock } from './docs.js';
import { ModulePaths, TypeNames, propertyKey, quote } from './naming.js';
import { DEFINE_PLANS, WALKS_TYPE, hasWalks } from './plan-table.js';
import { isEmptyPlaceholder, type ModulePlan, type SchemaPlans } from '../plan/plans.js';

export interface EmitOptions {
  /** How `int64`, `uint64` and `size` are typed. */
  int64: 'number' | 'bigint';
  /** Also emit specialized codecs per module (`--codecs`). */
  codecs?: boolean;
  /** Also emit the schema's introspection data, `introspection.ts` (`--introspection`). */
  introspection?: boolean;
  /** The build's `'if'` symbols: the introspection data is evaluated at generation (`--introspection-symbols`). */
  introspectionSymbols?: readonly string[];
  /**
   * The output is one entry point of several, in a directory of its own: it
   * imports the runtime from `../runtime/`, which it does not emit.
   */
  sharedRuntime?: boolean;
  /** The model spans several QEMU versions (`--oldest`): the runtime holds arguments to the newest. */
  versioned?: boolean;
}

/** What emitTypes produces for one output file, before printing. */
export interface ModuleOutput {
  path: string;
  /** The schema module it comes from, as the header names it. */
  source: string;
  statements: StatementStructures[];
  /** Names of this module's command and event maps, if it has any. */
  commandMap: string | null;
  eventMap: string | null;
}

/** Shared, resolved-once state for the types emitter: names and paths come from the plans. */
export class EmitContext {
  readonly names: TypeNames;
  readonly paths: ModulePaths;
  readonly docs: DocIndex;
  /** Definitions a doc comment can {@link}, by TypeScript name. */
  readonly linkable = new Map<string, SchemaDefinition>();
  constructor(
    readonly schema: QapiSchema,
    readonly options: EmitOptions,
    readonly plans: SchemaPlans,
  ) {
    this.names = plans.names;
    this.paths = plans.paths;
    for (const d of schema.definitions) {
      if (d instanceof SchemaBuiltinType || d.isImplicit() || d.meta === 'command' || d.meta === 'event') continue;
      this.linkable.set(this.names.of(d), d);
    }
    this.docs = new DocIndex(schema, (name) => {
      const d = schema.lookupEntity(name);
      const id = d ? this.names.of(d) : null;
      return id !== null && this.linkable.get(id) === d ? id : null;
    });
  }

  /** The definition that made an implicit type up: the command or event it is the arguments of, or the union it is the base of. */
  ownerOf(t: SchemaObjectType): SchemaDefinition | undefined {
    if (this.owners === null) {
      this.owners = new Map();
      for (const d of this.schema.definitions) {
        const implicit = d instanceof SchemaCommand || d instanceof SchemaEvent ? d.argType : d instanceof SchemaObjectType ? d.base : null;
        if (implicit && implicit.isImplicit() && !this.owners.has(implicit)) this.owners.set(implicit, d);
      }
    }
    return this.owners.get(t);
  }

  private owners: Map<SchemaObjectType, SchemaDefinition> | null = null;

  /** The plan of a module: its file names and map names. */
  modulePlan(m: SchemaModule): ModulePlan {
    return this.plans.byModule.get(m)!;
  }
}

/** The TypeScript types of the built-in scalars; integers are the plans' business (see typeRef). */
const SCALAR_TS: Record<string, string> = {
  str: 'string',
  number: 'number',
  bool: 'boolean',
  null: 'null',
  any: 'unknown',
};

const EMPTY_OBJECT = 'Record<string, never>';

function jsDoc(block: DocBlock): OptionalKind<JSDocStructure>[] {
  if (isEmptyDoc(block)) return [];
  return [{ description: block.description ? block.description + (block.tags.length ? '\n' : '') : '', tags: block.tags }];
}

/** Collects one file's declarations and the imports its references need. */
class ModuleFile extends ImportBinder {
  readonly statements: StatementStructures[] = [];
  commandMap: PropertySignatureStructure[] = [];
  typeMap: PropertySignatureStructure[] = [];
  eventMap: PropertySignatureStructure[] = [];

  constructor(
    readonly module: SchemaModule,
    path: string,
    private readonly paths: ModulePaths,
  ) {
    super(path);
  }

  /** A type the runtime exports, imported (type-only) into this file; its name. */
  useRuntime(file: string, name: string): string {
    this.use(this.paths.runtime(file), name, true);
    return name;
  }

  /** `walks`: the module's table is followed by its types' functions (hasWalks), typed by the runtime's ModuleWalks. */
  importStatements(walks: boolean): ImportDeclarationStructure[] {
    // Every module file holds its plan table, which needs the runtime's definePlans.
    this.use(this.paths.runtime(DEFINE_PLANS.file), DEFINE_PLANS.name, false);
    if (walks) this.use(this.paths.runtime(WALKS_TYPE.file), WALKS_TYPE.name, true);
    return this.importDeclarations();
  }
}

class TypesEmitter implements SchemaVisitor {
  readonly files: ModuleFile[] = [];
  private file!: ModuleFile;

  constructor(private readonly ctx: EmitContext) {}

  /** The TypeScript type for a schema type, noting the import it needs. */
  private typeRef(t: SchemaType): string {
    if (t instanceof SchemaBuiltinType) {
      // The 64-bit kinds follow --int64; `int` stays a number (its plan says which are wide).
      const p = this.ctx.plans.types.get(t.name);
      if (p?.kind === 'int') return p.wide ? this.ctx.options.int64 : 'number';
      return SCALAR_TS[t.name]!;
    }
    if (isEmptyPlaceholder(t)) return EMPTY_OBJECT;
    const name = this.ctx.names.of(t);
    if (t.module) this.file.use(this.ctx.paths.of(t.module), name);
    return name;
  }

  /** Doc links to definitions in other modules need those names in scope. */
  private linkImports(block: DocBlock): DocBlock {
    const all = [block.description, ...block.tags.map((t) => t.text ?? '')].join('\n');
    for (const m of all.matchAll(/\{@link ([A-Za-z0-9_$]+)(?:\s*\|[^}]*)?\}/g)) {
      const d = this.ctx.linkable.get(m[1]!);
      if (d?.module) this.file.use(this.ctx.paths.of(d.module), m[1]!);
    }
    return block;
  }

  /** A declared type goes into the module's type map too. */
  private declared(name: string): void {
    this.file.typeMap.push({ kind: Kind.PropertySignature, name: propertyKey(name), type: name });
  }

  private doc(block: DocBlock): OptionalKind<JSDocStructure>[] {
    return jsDoc(this.linkImports(block));
  }

  visitModule(module: SchemaModule): void {
    this.file = new ModuleFile(module, this.ctx.paths.of(module), this.ctx.paths);
    this.files.push(this.file);
  }

  visitEnumType(t: SchemaEnumType): void {
    const name = this.ctx.names.of(t);
    const docs = this.doc(this.ctx.docs.forDefinition(t.doc, t.ifcond, t.features));
    // A newer QEMU's value, kept by lenient reads (runtime/unknown.ts): visible, so a switch needs a default.
    const unknown = this.file.useRuntime('unknown.ts', 'QapiUnknownValue');
    const type: TypeAliasDeclarationStructure = {
      kind: Kind.TypeAlias,
      name,
      isExported: true,
      type: [...t.members.map((m) => quote(m.name)), unknown].join(' | '),
      docs,
    };
    // No imports for links in these docs: tsc does not count a link in the doc of an object
    // literal's property as a use, so an import made for it alone would fail noUnusedLocals.
    const entries = t.members
      .map((m) => `${renderDoc(withVersions(this.ctx.docs.forMember(m, m.features), m))}${propertyKey(m.name)}: ${quote(m.name)},`)
      .join('\n');
    const values: VariableStatementStructure = {
      kind: Kind.VariableStatement,
      isExported: true,
      declarationKind: CONST,
      docs: [{ description: `The values of {@link ${name}}.` }],
      declarations: [{ name, initializer: `{\n${entries}\n} as const` }],
    };
    this.file.statements.push(type, values);
    this.declared(name);
  }

  visitArrayType(t: SchemaArrayType): void {
    this.declared(this.ctx.names.of(t));
    const element = this.typeRef(t.elementType);
    const named = !(t.elementType instanceof SchemaBuiltinType);
    this.file.statements.push({
      kind: Kind.TypeAlias,
      name: this.ctx.names.of(t),
      isExported: true,
      type: `${element}[]`,
      docs: [{ description: named ? `A list of {@link ${element}}.` : `A list of \`${t.elementType.name}\`.` }],
    });
  }

  visitObjectType(t: SchemaObjectType): void {
    if (isEmptyPlaceholder(t)) return;
    const name = this.ctx.names.of(t);
    this.declared(name);
    const owner = t.isImplicit() ? this.implicitOwnerDoc(t) : null;
    const docs = owner ?? this.doc(this.ctx.docs.forDefinition(t.doc, t.ifcond, t.features));
    if (!t.branches) {
      const iface: InterfaceDeclarationStructure = {
        kind: Kind.Interface,
        name,
        isExported: true,
        extends: t.base ? [this.typeRef(t.base)] : [],
        properties: t.localMembers.map((m) => ({
          kind: Kind.PropertySignature,
          name: propertyKey(m.name),
          // Bindings that span versions: what an older server may leave out, or alone sends, is optional.
          hasQuestionToken: m.optional || m.absentIn.length > 0 || m.onlyIn.length > 0,
          type: this.typeRef(m.type),
          docs: this.doc(withVersions(this.ctx.docs.forMember(m, m.features), m)),
        })),
        docs,
      };
      this.file.statements.push(iface);
      return;
    }
    const base = this.typeRef(t.base!);
    const tag = propertyKey(t.branches.tagMember!.name);
    // Each arm replaces the tag (whose enum type includes QapiUnknownValue) with its one value, so
    // that the tag stays a discriminant and `if (x.tag === 'a')` narrows.
    const common = `Omit<${base}, ${quote(t.branches.tagMember!.name)}>`;
    const arms = t.branches.variants.map((v) => {
      const parts = [common, `{ ${tag}: ${quote(v.name)} }`];
      if (!isEmptyPlaceholder(v.type)) parts.push(this.typeRef(v.type));
      return `(${parts.join(' & ')})`;
    });
    // A branch a newer QEMU has and the binding doesn't: the common members, kept by lenient reads.
    arms.push(`(${common} & { ${tag}: ${this.file.useRuntime('unknown.ts', 'QapiUnknownTag')} })`);
    const conditional = t.branches.variants.filter((v) => v.ifcond.isPresent());
    const block = this.ctx.docs.forDefinition(t.doc, t.ifcond, t.features);
    if (conditional.length) {
      const notes = conditional.map((v) => `- \`${v.name}\`: only if \`${v.ifcond.describe()}\``).join('\n');
      block.description = [block.description, `Conditional branches:\n${notes}`].filter(Boolean).join('\n\n');
    }
    this.file.statements.push({
      kind: Kind.TypeAlias,
      name,
      isExported: true,
      type: arms.map((a) => `\n  | ${a}`).join(''),
      docs: this.doc(block),
    });
  }

  /** Implicit argument and base types are documented by their owner. */
  private implicitOwnerDoc(t: SchemaObjectType): OptionalKind<JSDocStructure>[] {
    const owner = this.ctx.ownerOf(t);
    if (!owner) return [];
    const what = owner instanceof SchemaObjectType ? 'The common members of' : owner.meta === 'event' ? 'The data of event' : 'The arguments of command';
    const ref = owner.meta === 'command' || owner.meta === 'event' ? '`' + owner.name + '`' : `{@link ${this.ctx.names.of(owner)}}`;
    return [{ description: `${what} ${ref}.` }];
  }

  visitAlternateType(t: SchemaAlternateType): void {
    this.declared(this.ctx.names.of(t));
    const block = this.ctx.docs.forDefinition(t.doc, t.ifcond, t.features);
    const branches = t.alternatives.variants.map((v) => {
      const text = this.ctx.docs.textOf(v);
      const cond = v.ifcond.isPresent() ? ` (only if \`${v.ifcond.describe()}\`)` : '';
      return `- \`${v.name}\`${cond}${text ? ': ' + this.ctx.docs.convert(text, []) : ''}`;
    });
    block.description = [block.description, `Alternatives:\n${branches.join('\n')}`].filter(Boolean).join('\n\n');
    this.file.statements.push({
      kind: Kind.TypeAlias,
      name: this.ctx.names.of(t),
      isExported: true,
      type: t.alternatives.variants.map((v) => this.typeRef(v.type)).join(' | '),
      docs: this.doc(block),
    });
  }

  private featureNames(features: SchemaFeature[]): string {
    return features.length ? [...new Set(features.map((f) => quote(f.name)))].join(' | ') : 'never';
  }

  visitCommand(c: SchemaCommand): void {
    // 'gen': false: QEMU hands the arguments to the command unchecked (device_add takes any
    // device property), so the declared members stay typed and others are allowed.
    const declared = c.argType ? this.typeRef(c.argType) : EMPTY_OBJECT;
    const args = c.gen ? declared : `${declared} & { readonly [property: string]: unknown }`;
    const returns = c.retType ? this.typeRef(c.retType) : 'void';
    // The flags only where they differ from QMP's defaults (QmpCommandSignature): no features,
    // no out-of-band, a reply on success.
    const fields = [
      `args: ${args};`,
      `returns: ${returns};`,
      ...(c.features.length ? [`features: ${this.featureNames(c.features)};`] : []),
      ...(c.allowOob ? ['allowOob: true;'] : []),
      ...(c.successResponse ? [] : ['successResponse: false;']),
    ];
    this.file.commandMap.push({
      kind: Kind.PropertySignature,
      name: quote(c.name),
      type: `{\n${fields.join('\n')}\n}`,
      docs: this.doc(this.ctx.docs.forDefinition(c.doc, c.ifcond, c.features, { returns: true })),
    });
  }

  visitEvent(e: SchemaEvent): void {
    this.file.eventMap.push({
      kind: Kind.PropertySignature,
      name: quote(e.name),
      type: e.argType ? this.typeRef(e.argType) : EMPTY_OBJECT,
      docs: this.doc(this.ctx.docs.forDefinition(e.doc, e.ifcond, e.features)),
    });
  }
}

/**
 * With bindings that span QEMU versions (`--oldest`): which versions lack a
 * member or value, or alone have it, added to its doc.
 */
function withVersions(block: DocBlock, m: SchemaMember): DocBlock {
  const note = m.onlyIn.length
    ? `Only in QEMU ${m.onlyIn.join(', ')}: removed since, so only an older server sends it, and no argument may carry it.`
    : m.absentIn.length
      ? `Not in QEMU ${m.absentIn.join(', ')}: a server of ${m.absentIn.length > 1 ? 'those versions' : 'that version'} leaves it out.`
      : '';
  if (note === '') return block;
  return { ...block, description: block.description === '' ? note : `${block.description}\n\n${note}` };
}

/** Runs the types emitter over the schema; one ModuleOutput per module. */
export function emitTypes(ctx: EmitContext, module?: SchemaModule): ModuleOutput[] {
  const emitter = new TypesEmitter(ctx);
  if (module) module.visit(emitter);
  else ctx.schema.visit(emitter);
  return emitter.files.map((f) => {
    const mp = ctx.modulePlan(f.module);
    const statements: StatementStructures[] = [...f.importStatements(hasWalks(mp)), ...f.statements];
    const { commandMap, eventMap, typeMap } = mp;
    if (typeMap) {
      statements.push({
        kind: Kind.Interface,
        name: typeMap,
        isExported: true,
        properties: f.typeMap,
        docs: [{ description: "This module's types, by name." }],
      });
    }
    if (commandMap) {
      statements.push({
        kind: Kind.Interface,
        name: commandMap,
        isExported: true,
        properties: f.commandMap,
        docs: [{ description: "This module's commands, by name (see QmpCommandSignature)." }],
      });
    }
    if (eventMap) {
      statements.push({
        kind: Kind.Interface,
        name: eventMap,
        isExported: true,
        properties: f.eventMap,
        docs: [{ description: "This module's events, by name: the type of their data." }],
      });
    }
    return { path: f.path, source: f.module.isBuiltin() ? 'the built-in types' : f.module.name, statements, commandMap, eventMap };
  });
}
