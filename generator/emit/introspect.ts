/**
 * Introspection data: the `SchemaInfo` list QEMU's `query-qmp-schema`
 * serves for a schema, as the annotated tree of the runtime's
 * introspect.ts (each list item with its `'if'` condition). The same list,
 * item for item, as QEMU's generated `qapi-introspect.c`:
 *
 * - commands and events first, in schema order (module by module), then
 *   every type they use, transitively, in the order first used; types
 *   nothing uses are left out;
 * - type names are masked as numbers, in the order types are first used
 *   (unless `unmask`); built-in types keep their names, arrays are `[T]`
 *   of their element's name; every integer type is `int`, and every
 *   array of one `[int]`;
 * - a command or event without arguments (or a command without a return
 *   value) refers to the empty object type;
 * - conditions are kept on entities, object members, enum values (in both
 *   `members` and `values`), union branches, alternatives and features;
 *   an array has its element type's condition, an implicit type (command
 *   arguments, a union's inline base) that of its definition;
 * - an optional member has `default: null`; `allow-oob` is present only
 *   when true; `features`, `tag` and `variants` only when there are any;
 * - object keys are sorted, as QEMU prints them.
 */
import type { QapiSchema } from '../model/schema.js';
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaCommand,
  SchemaEnumType,
  SchemaEvent,
  SchemaObjectType,
  type IfCond,
  type SchemaEntity,
  type SchemaFeature,
  type SchemaType,
} from '../model/entities.js';
import type { ExprValue } from '../parse/parser.js';
import type { Annotated, AnnotatedObject, AnnotatedValue, IfCondition, IntrospectionTree } from '../../templates/runtime/introspect.js';

export interface IntrospectionOptions {
  /** Keep type names as they are in the schema (QEMU's `qapi-gen.py -u`). Default: masked, as QEMU builds do. */
  unmask?: boolean;
}

/** The model's condition (string, or a Map of all/any/not) as plain JSON; null for none. */
export function conditionOf(ifcond: IfCond): IfCondition | null {
  if (!ifcond.isPresent()) return null;
  const convert = (c: ExprValue): IfCondition => {
    if (typeof c === 'string') return c;
    if (c instanceof Map && c.size === 1) {
      const [op, arg] = [...c][0]!;
      if (op === 'not') return { not: convert(arg) };
      if ((op === 'all' || op === 'any') && Array.isArray(arg)) {
        const args = arg.map(convert);
        return op === 'all' ? { all: args } : { any: args };
      }
    }
    throw new Error(`qapi-ts: unexpected 'if' condition ${JSON.stringify(c)}`);
  };
  return convert(ifcond.ifcond!);
}

function annotate<T>(value: T, ifcond: IfCond | null): Annotated<T> {
  const cond = ifcond ? conditionOf(ifcond) : null;
  return cond === null ? { value } : { value, if: cond };
}

/** An object with its keys in QEMU's order (sorted); undefined values left out. */
function sorted(entries: Record<string, AnnotatedValue | undefined>): AnnotatedObject {
  const out: Record<string, AnnotatedValue> = {};
  for (const key of Object.keys(entries).sort()) {
    const v = entries[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

function features(list: readonly SchemaFeature[]): Annotated<AnnotatedValue>[] | undefined {
  return list.length ? list.map((f) => annotate<AnnotatedValue>(f.name, f.ifcond)) : undefined;
}

/** The condition of a type as QEMU has it: an array's is its element type's. */
function typeCondition(typ: SchemaType): IfCond {
  return typ instanceof SchemaArrayType ? typ.elementType.ifcond : typ.ifcond;
}

/**
 * The introspection data of a checked schema: what QEMU's
 * `qmp_schema_qlit` holds, as a tree for the runtime's
 * `evaluateIntrospection`. Pure: the schema is only read.
 */
export function buildIntrospection(schema: QapiSchema, options: IntrospectionOptions = {}): IntrospectionTree {
  const unmask = options.unmask === true;
  const trees: Annotated<AnnotatedObject>[] = [];
  const used: SchemaType[] = [];
  const usedSet = new Set<SchemaType>();
  const names = new Map<string, string>();
  const intType = schema.lookupType('int')!;
  const intList = schema.lookupType('intList')!;
  const emptyObject = schema.lookupType('q_empty')!;

  const maskedName = (name: string): string => {
    if (unmask) return name;
    let n = names.get(name);
    if (n === undefined) {
      n = String(names.size);
      names.set(name, n);
    }
    return n;
  };

  const useType = (given: SchemaType): string => {
    let typ = given;
    if (typ.jsonType() === 'int') typ = intType;
    else if (typ instanceof SchemaArrayType && typ.elementType.jsonType() === 'int') typ = intList;
    if (!usedSet.has(typ)) {
      usedSet.add(typ);
      used.push(typ);
    }
    if (typ instanceof SchemaBuiltinType) return typ.name;
    if (typ instanceof SchemaArrayType) return `[${useType(typ.elementType)}]`;
    return maskedName(typ.name);
  };

  const push = (name: string, meta: string, fields: Record<string, AnnotatedValue | undefined>, ifcond: IfCond | null, feats: readonly SchemaFeature[]): void => {
    const shown = meta === 'command' || meta === 'event' || meta === 'builtin' || meta === 'array' ? name : maskedName(name);
    trees.push(annotate(sorted({ ...fields, name: shown, 'meta-type': meta, features: features(feats) }), ifcond));
  };

  const visitType = (typ: SchemaType): void => {
    if (typ instanceof SchemaBuiltinType) {
      push(typ.name, 'builtin', { 'json-type': typ.jsonType() }, null, []);
    } else if (typ instanceof SchemaEnumType) {
      const members = typ.members.map((m) => annotate<AnnotatedValue>(sorted({ name: m.name, features: features(m.features) }), m.ifcond));
      const values = typ.members.map((m) => annotate<AnnotatedValue>(m.name, m.ifcond));
      push(typ.name, 'enum', { members, values }, typ.ifcond, typ.features);
    } else if (typ instanceof SchemaArrayType) {
      const element = useType(typ.elementType);
      push(`[${element}]`, 'array', { 'element-type': element }, typeCondition(typ), []);
    } else if (typ instanceof SchemaObjectType) {
      const members = typ.members!.map((m) =>
        annotate<AnnotatedValue>(sorted({ name: m.name, type: useType(m.type), default: m.optional ? null : undefined, features: features(m.features) }), m.ifcond),
      );
      const fields: Record<string, AnnotatedValue | undefined> = { members };
      if (typ.branches) {
        fields['tag'] = typ.branches.tagMember!.name;
        fields['variants'] = typ.branches.variants.map((v) => annotate<AnnotatedValue>(sorted({ case: v.name, type: useType(v.type) }), v.ifcond));
      }
      push(typ.name, 'object', fields, typ.ifcond, typ.features);
    } else if (typ instanceof SchemaAlternateType) {
      const members = typ.alternatives.variants.map((v) => annotate<AnnotatedValue>(sorted({ type: useType(v.type) }), v.ifcond));
      push(typ.name, 'alternate', { members }, typ.ifcond, typ.features);
    } else {
      throw new Error(`qapi-ts: no introspection for ${typ.describe()}`);
    }
  };

  // Commands and events, module by module in schema order (types come later, as used).
  const visitEntity = (ent: SchemaEntity): void => {
    if (ent instanceof SchemaCommand) {
      const fields = {
        'arg-type': useType(ent.argType ?? emptyObject),
        'ret-type': useType(ent.retType ?? emptyObject),
        'allow-oob': ent.allowOob ? true : undefined,
      };
      push(ent.name, 'command', fields, ent.ifcond, ent.features);
    } else if (ent instanceof SchemaEvent) {
      push(ent.name, 'event', { 'arg-type': useType(ent.argType ?? emptyObject) }, ent.ifcond, ent.features);
    }
  };
  for (const mod of schema.modules) for (const ent of mod.entities) visitEntity(ent);
  // The work queue grows while it is walked: each type visited may use new ones.
  for (let i = 0; i < used.length; i++) visitType(used[i]!);
  return trees;
}

export interface IntrospectionModuleOptions {
  /** The module specifier of the runtime's introspect.ts from the emitted file, e.g. `'./runtime/introspect.js'`. */
  runtimeSpecifier: string;
  /** The first lines of the file (the generated-code header), ending in a newline. */
  header?: string;
  /** The name of the exported tree. Default `qmpSchemaIntrospection`. */
  exportName?: string;
  /** The schema's file name, for the doc comment. */
  schemaName?: string;
}

/** A JSON text as a single-quoted TypeScript string literal (as prettier, with singleQuote, keeps it). */
function singleQuoted(json: string): string {
  return `'${json.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;
}

/**
 * The text of a TypeScript module that exports the tree: one JSON string
 * per entity (a line each, so a schema change touches the lines of the
 * entities it changes), parsed once when the module loads: JSON.parse is
 * faster to load than the same data as an object literal. The text is in
 * the pinned prettier's layout already, so it can be written verbatim.
 */
export function emitIntrospectionModule(tree: IntrospectionTree, options: IntrospectionModuleOptions): string {
  const name = options.exportName ?? 'qmpSchemaIntrospection';
  const lines = tree.map((t) => `  ${singleQuoted(JSON.stringify(t))},`);
  const what = options.schemaName ? ` of ${options.schemaName}` : '';
  return [
    `${options.header ?? ''}import type { IntrospectionTree } from ${singleQuoted(options.runtimeSpecifier)};`,
    '',
    ...(lines.length ? ['const ENTITIES: readonly string[] = [', ...lines, '];'] : ['const ENTITIES: readonly string[] = [];']),
    '',
    '/**',
    ` * The introspection data${what}: the \`SchemaInfo\` list that`,
    " * `query-qmp-schema` serves, each item with its `'if'` condition.",
    ' * `evaluateIntrospection` gives the list of a build.',
    ' */',
    `export const ${name}: IntrospectionTree = JSON.parse(`,
    "  `[${ENTITIES.join(',')}]`,",
    ') as IntrospectionTree;',
    '',
  ].join('\n');
}
