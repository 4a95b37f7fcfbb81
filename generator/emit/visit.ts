/**
 * emitVisitors: per schema module, a `.visit.ts` file with one visit
 * function per type (QEMU's visit_type_Foo), a `Members` function per
 * object type (visit_type_Foo_members), enum and alternate descriptions,
 * and the module's command and event tables for the runtime.
 *
 * Only function declarations are exported, never function-valued consts:
 * declarations are hoisted, so modules that import each other in a cycle
 * can use each other's visit functions while they load.
 */
import { StructureKind, type StatementStructures } from 'ts-morph';
import {
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaEnumType,
  SchemaObjectType,
  type SchemaAlternateType,
  type SchemaCommand,
  type SchemaEvent,
  type SchemaFeature,
  type SchemaModule,
  type SchemaType,
} from '../model/entities.js';
import type { SchemaVisitor } from '../model/visitor.js';
import { ImportBinder } from './binder.js';
import { pascalCase, quote } from './naming.js';
import type { EmitContext } from './types.js';
import { codecName, codecPath } from './codec.js';

/** The runtime's files, as they sit in the output directory. */
export const RUNTIME_DIR = 'runtime';

const INT_KINDS = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'size']);

/** The `.visit.ts` file that goes with a module's types file. */
export function visitPath(typesPath: string): string {
  return typesPath.replace(/\.ts$/, '.visit.ts');
}

/** Lower-case names can't clash with the CamelCase names of schema types. */
export function visitName(ctx: EmitContext, t: SchemaType): string {
  if (t instanceof SchemaBuiltinType || (t instanceof SchemaArrayType && t.elementType instanceof SchemaBuiltinType)) return `visit_${t.name}`;
  return `visit${ctx.names.of(t)}`;
}

function featureFlags(features: readonly SchemaFeature[]): 'NO_FEATURES' | 'F_DEPRECATED' | 'F_UNSTABLE' | 'F_DEPRECATED_UNSTABLE' {
  const d = features.some((f) => f.name === 'deprecated');
  const u = features.some((f) => f.name === 'unstable');
  return d && u ? 'F_DEPRECATED_UNSTABLE' : d ? 'F_DEPRECATED' : u ? 'F_UNSTABLE' : 'NO_FEATURES';
}

const FEATURE_CONSTS: Record<string, string> = {
  F_DEPRECATED: '{ deprecated: true }',
  F_UNSTABLE: '{ unstable: true }',
  F_DEPRECATED_UNSTABLE: '{ deprecated: true, unstable: true }',
};

class VisitFile extends ImportBinder {
  readonly statements: StatementStructures[] = [];
  readonly featureConsts = new Set<string>();
  readonly commands: string[] = [];
  readonly events: string[] = [];
  constructor(
    readonly module: SchemaModule,
    readonly typesPath: string,
  ) {
    super(visitPath(typesPath));
  }
}

class VisitEmitter implements SchemaVisitor {
  readonly files: VisitFile[] = [];
  private file!: VisitFile;

  constructor(private readonly ctx: EmitContext) {}

  private runtime(name: string, typeOnly: boolean): string {
    this.file.use(`${RUNTIME_DIR}/visitor.ts`, name, typeOnly);
    return name;
  }

  /** The visit function for a type, imported if it lives elsewhere. */
  private ref(t: SchemaType): string {
    const name = visitName(this.ctx, t);
    if (t.module) this.file.use(visitPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  private membersRef(t: SchemaObjectType): string {
    const name = `${visitName(this.ctx, t)}Members`;
    if (t.module) this.file.use(visitPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  private features(features: readonly SchemaFeature[]): string {
    const flags = featureFlags(features);
    if (flags === 'NO_FEATURES') return this.runtime('NO_FEATURES', false);
    this.file.featureConsts.add(flags);
    return flags;
  }

  private fn(name: string, params: string, body: string, doc: string): void {
    this.file.statements.push({
      kind: StructureKind.Function,
      name,
      isExported: true,
      parameters: params.split(', ').map((p) => {
        const [n, t] = p.split(': ');
        return { name: n!, type: t! };
      }),
      returnType: name.endsWith('Members') ? 'void' : 'unknown',
      statements: body,
      docs: [{ description: doc }],
    });
  }

  private visitFnParams(): string {
    this.runtime('Visitor', true);
    this.runtime('Key', true);
    return 'v: Visitor, key: Key, value: unknown';
  }

  visitModule(module: SchemaModule): void {
    this.file = new VisitFile(module, this.ctx.paths.of(module));
    this.files.push(this.file);
  }

  visitBuiltinType(t: SchemaBuiltinType): void {
    const call =
      t.name === 'str'
        ? 'v.str(key, value)'
        : t.name === 'bool'
          ? 'v.bool(key, value)'
          : t.name === 'number'
            ? 'v.number(key, value)'
            : t.name === 'null'
              ? 'v.null(key, value)'
              : t.name === 'any'
                ? 'v.any(key, value)'
                : INT_KINDS.has(t.name)
                  ? `v.int(key, value, ${quote(t.name)})`
                  : null;
    if (call === null) return;
    this.fn(visitName(this.ctx, t), this.visitFnParams(), `return ${call};`, `Visits a \`${t.name}\`.`);
  }

  visitEnumType(t: SchemaEnumType): void {
    const info = `enumInfo${this.ctx.names.of(t)}`;
    this.runtime('EnumInfo', true);
    const valueFeatures = t.members
      .filter((m) => featureFlags(m.features) !== 'NO_FEATURES')
      .map((m) => `${quote(m.name)}: ${FEATURE_CONSTS[featureFlags(m.features)]}`);
    this.file.statements.push({
      kind: StructureKind.VariableStatement,
      isExported: true,
      declarationKind: 'const' as never,
      declarations: [
        {
          name: info,
          type: 'EnumInfo',
          initializer: `{ name: ${quote(t.name)}, values: [${t.members.map((m) => quote(m.name)).join(', ')}], valueFeatures: { ${valueFeatures.join(', ')} } }`,
        },
      ],
      docs: [{ description: `The values of enum \`${t.name}\` and their special features.` }],
    });
    this.fn(visitName(this.ctx, t), this.visitFnParams(), `return v.enumValue(key, value, ${info});`, `Visits a \`${t.name}\` value.`);
  }

  visitArrayType(t: SchemaArrayType): void {
    this.fn(visitName(this.ctx, t), this.visitFnParams(), `return v.list(key, value, ${this.ref(t.elementType)});`, `Visits a list of \`${t.elementType.name}\`.`);
  }

  visitObjectType(t: SchemaObjectType): void {
    if (t.name === 'q_empty') return;
    this.runtime('StructScope', true);
    const lines: string[] = [];
    if (t.base) lines.push(`${this.membersRef(t.base)}(v, s);`);
    for (const m of t.localMembers) {
      const call = `v.member(s, ${quote(m.name)}, ${this.features(m.features)}, ${this.ref(m.type)});`;
      lines.push(m.optional ? `if (v.optional(s, ${quote(m.name)})) ${call}` : call);
    }
    if (t.branches) {
      const tag = quote(t.branches.tagMember!.name);
      lines.push(`switch (v.memberValue(s, ${tag})) {`);
      for (const b of t.branches.variants) {
        const body = b.type.name === 'q_empty' ? 'break;' : `${this.membersRef(b.type as SchemaObjectType)}(v, s);\nbreak;`;
        lines.push(`case ${quote(b.name)}:\n${body}`);
      }
      lines.push(`default:\nv.unknownBranch(s, ${tag});\n}`);
    }
    const name = visitName(this.ctx, t);
    this.fn(`${name}Members`, 'v: Visitor, s: StructScope', lines.join('\n'), `Visits the members of \`${t.name}\` into the struct being visited.`);
    this.fn(
      name,
      this.visitFnParams(),
      `const s = v.startStruct(key, value, ${quote(t.name)});\n${name}Members(v, s);\nv.checkStruct(s);\nreturn v.endStruct(s);`,
      `Visits a \`${t.name}\`.`,
    );
  }

  visitAlternateType(t: SchemaAlternateType): void {
    this.runtime('AlternateBranch', true);
    const branches = t.alternatives.variants.map((b) => {
      const type = b.type;
      const json = type.alternateJsonType()!;
      const enumValues = type instanceof SchemaEnumType ? `, enumValues: [${type.members.map((m) => quote(m.name)).join(', ')}]` : '';
      return `{ name: ${quote(b.name)}, jsonType: ${quote(json)}${enumValues}, visit: ${this.ref(type)} }`;
    });
    const branchesName = `alternatives${this.ctx.names.of(t)}`;
    this.file.statements.push({
      kind: StructureKind.VariableStatement,
      declarationKind: 'const' as never,
      declarations: [{ name: branchesName, type: 'readonly AlternateBranch[]', initializer: `[${branches.join(',\n')}]` }],
    });
    this.fn(visitName(this.ctx, t), this.visitFnParams(), `return v.alternate(key, value, ${quote(t.name)}, ${branchesName});`, `Visits a \`${t.name}\` (an alternate).`);
  }

  /** The specialized input walk of a type, when it has one (built-in scalars and enums don't). */
  private decodeRef(t: SchemaType): string | null {
    if (!(t instanceof SchemaObjectType || t instanceof SchemaArrayType || t.meta === 'alternate')) return null;
    const name = codecName(this.ctx, 'decode', t);
    if (t.module) this.file.use(codecPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  visitCommand(c: SchemaCommand): void {
    const args = c.argType ? this.ref(c.argType) : 'null';
    const returns = c.retType ? this.ref(c.retType) : 'null';
    const decodeArgs = c.argType ? this.decodeRef(c.argType) : null;
    const decodeReturns = c.retType ? this.decodeRef(c.retType) : null;
    const fast = [decodeArgs ? `decodeArgs: ${decodeArgs}, ` : '', decodeReturns ? `decodeReturns: ${decodeReturns}, ` : ''].join('');
    this.file.commands.push(
      `${quote(c.name)}: { args: ${args}, returns: ${returns}, ${fast}features: ${this.features(c.features)}, allowOob: ${c.allowOob}, successResponse: ${c.successResponse}${c.gen ? '' : ', gen: false'} }`,
    );
  }

  visitEvent(e: SchemaEvent): void {
    const data = e.argType ? this.ref(e.argType) : 'null';
    const decodeData = e.argType ? this.decodeRef(e.argType) : null;
    this.file.events.push(`${quote(e.name)}: { data: ${data}, ${decodeData ? `decodeData: ${decodeData}, ` : ''}features: ${this.features(e.features)} }`);
  }
}

export interface VisitOutput {
  path: string;
  source: string;
  statements: StatementStructures[];
}

/** The names of a module's command and event tables (index.ts joins them). */
export function tableNames(typesPath: string): { commands: string; events: string } {
  const base = pascalCase(typesPath.replace(/\.ts$/, ''));
  return { commands: `commands${base}`, events: `events${base}` };
}

export function emitVisitors(ctx: EmitContext, module?: SchemaModule): VisitOutput[] {
  const emitter = new VisitEmitter(ctx);
  if (module) module.visit(emitter);
  else ctx.schema.visit(emitter);
  return emitter.files.map((f) => {
    const names = tableNames(f.typesPath);
    const tables: StatementStructures[] = [];
    if (f.commands.length) {
      f.use(`${RUNTIME_DIR}/tables.ts`, 'CommandTable');
      tables.push({
        kind: StructureKind.VariableStatement,
        isExported: true,
        declarationKind: 'const' as never,
        declarations: [{ name: names.commands, type: 'CommandTable', initializer: `{\n${f.commands.join(',\n')}\n}` }],
        docs: [{ description: 'The commands of this module, for the runtime: how to visit arguments and return values.' }],
      });
    }
    if (f.events.length) {
      f.use(`${RUNTIME_DIR}/tables.ts`, 'EventTable');
      tables.push({
        kind: StructureKind.VariableStatement,
        isExported: true,
        declarationKind: 'const' as never,
        declarations: [{ name: names.events, type: 'EventTable', initializer: `{\n${f.events.join(',\n')}\n}` }],
        docs: [{ description: 'The events of this module, for the runtime: how to visit their data.' }],
      });
    }
    const consts: StatementStructures[] = [...f.featureConsts].sort().map((name) => ({
      kind: StructureKind.VariableStatement,
      declarationKind: 'const' as never,
      declarations: [{ name, type: 'Features', initializer: `Object.freeze(${FEATURE_CONSTS[name]})` }],
    }));
    if (consts.length) f.use(`${RUNTIME_DIR}/visitor.ts`, 'Features');
    const statements = [...f.importDeclarations(), ...consts, ...f.statements, ...tables];
    return { path: f.path, source: f.module.isBuiltin() ? 'the built-in types' : f.module.name, statements };
  });
}
