/**
 * The lowering stage: the checked schema model → typed walk plans, one per
 * type, command and event, grouped by module, with the names and paths the
 * back ends need. Every back end reads plans: the plan-table emitter, the
 * codec emitter, `validate` (through the runtime's interpreter) and the
 * module fingerprints. Built-in type facts come from the runtime
 * (templates/runtime/plans.ts, ints.ts), where they are defined once.
 *
 * QEMU's two views of an object type are both here, typed: `local` (with
 * `base`) is what `visit_object_type` sees, `members` (base members first,
 * each with the type it came from) what `visit_object_type_flat` sees.
 */
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaCommand,
  SchemaDefinition,
  SchemaEnumType,
  SchemaEvent,
  SchemaObjectType,
  type SchemaFeature,
  type SchemaModule,
  type SchemaObjectTypeMember,
  type SchemaType,
} from '../model/entities.js';
import type { QapiSchema } from '../model/schema.js';
import { ModulePaths, TypeNames, pascalCase } from '../emit/naming.js';
import { INT_RANGES } from '../../templates/runtime/ints.js';
import { featureWord, visitorName, type FeatureWord } from '../../templates/runtime/plans.js';
import type { AlternateJsonType, IntKind } from '../../templates/runtime/visitor.js';

/** A reference to a type: its TypeScript name, or a built-in scalar's QAPI name (`str`, `int8`, …). */
export type TypeRef = string;

/** What every type plan has: its names, and where its declarations live. */
interface PlanBase {
  /** The QAPI name (`q_obj_migrate-arg`, `BackendTransfer`). */
  readonly qapiName: string;
  /** The TypeScript name (`MigrateArguments`), the key of the plan tables. */
  readonly tsName: string;
  /** The name of its exported visit function, or null for built-in scalars (the runtime has them). */
  readonly visitName: string | null;
  /** The types file that declares it (`migration.ts`), or null for built-in scalars. */
  readonly typesPath: string | null;
}

export interface ScalarPlan extends PlanBase {
  readonly kind: 'scalar';
  readonly scalar: 'str' | 'bool' | 'number' | 'null' | 'any';
}

export interface IntPlan extends PlanBase {
  readonly kind: 'int';
  readonly int: IntKind;
  /** The range, as the runtime checks it. */
  readonly min: bigint;
  readonly max: bigint;
  /** Held as `bigint` under `--int64 bigint`. */
  readonly wide: boolean;
}

export interface EnumValuePlan {
  readonly name: string;
  readonly features: FeatureWord | undefined;
  /** With bindings that span versions: the older versions that alone have this value (model/versions.ts). */
  readonly onlyIn: readonly string[];
}

export interface EnumPlan extends PlanBase {
  readonly kind: 'enum';
  readonly values: readonly EnumValuePlan[];
}

export interface ListPlan extends PlanBase {
  readonly kind: 'list';
  readonly element: TypeRef;
}

export interface MemberPlan {
  readonly name: string;
  readonly type: TypeRef;
  readonly optional: boolean;
  readonly features: FeatureWord | undefined;
  /** The type that declares the member (the struct itself, or a base). */
  readonly from: TypeRef;
  /** With bindings that span versions (model/versions.ts): older versions that lack it, or that alone have it. */
  readonly absentIn: readonly string[];
  readonly onlyIn: readonly string[];
}

export interface BranchPlan {
  /** The tag value. */
  readonly value: string;
  /** The type whose members the branch adds; null for a branch that adds none (QEMU's `q_empty`). */
  readonly type: TypeRef | null;
}

export interface ObjectPlan extends PlanBase {
  readonly kind: 'object';
  /** visit_object_type: the base, then the members declared here. */
  readonly base: TypeRef | null;
  readonly local: readonly MemberPlan[];
  /** visit_object_type_flat: every member, base members first. */
  readonly members: readonly MemberPlan[];
  /** A union's tag member and branches, in schema order. */
  readonly union: { readonly tag: string; readonly branches: readonly BranchPlan[] } | null;
}

export interface AlternativePlan {
  readonly name: string;
  readonly type: TypeRef;
  /** The JSON type the alternative takes, as the value's type picks it. */
  readonly json: AlternateJsonType;
}

export interface AlternatePlan extends PlanBase {
  readonly kind: 'alternate';
  readonly alternatives: readonly AlternativePlan[];
}

export type TypePlan = ScalarPlan | IntPlan | EnumPlan | ListPlan | ObjectPlan | AlternatePlan;

export interface CommandPlan {
  readonly name: string;
  readonly args: TypeRef | null;
  readonly returns: TypeRef | null;
  readonly features: FeatureWord | undefined;
  readonly allowOob: boolean;
  readonly successResponse: boolean;
  readonly gen: boolean;
}

export interface EventPlan {
  readonly name: string;
  readonly data: TypeRef | null;
  readonly features: FeatureWord | undefined;
}

/** One schema module's plans, and the names and paths of its generated files. */
export interface ModulePlan {
  /** The schema module, as headers name it (`migration.json`, `the built-in types`). */
  readonly source: string;
  readonly typesPath: string;
  readonly codecPath: string;
  /** The name of its plan table (`migrationPlans`). */
  readonly tableName: string;
  /** Its interface from type name to type, joined into QapiTypes (null when it declares no type). */
  readonly typeMap: string | null;
  /** The interface of its types' functions (`interface MigrationWalks extends ModuleWalks<MigrationTypes> {}`): set when it has a type that is not a list (so `typeMap` is set too), else null. */
  readonly walksType: string | null;
  readonly commandMap: string | null;
  readonly eventMap: string | null;
  /** Its types, in schema order (built-in scalars are not listed: the runtime has them). */
  readonly types: readonly TypePlan[];
  readonly commands: readonly CommandPlan[];
  readonly events: readonly EventPlan[];
}

/** The plans of a whole schema. */
export interface SchemaPlans {
  readonly modules: readonly ModulePlan[];
  /** Every type plan by TypeScript name, built-in scalars included. */
  readonly types: ReadonlyMap<TypeRef, TypePlan>;
  /** The module plan of each schema module. */
  readonly byModule: ReadonlyMap<SchemaModule, ModulePlan>;
  readonly names: TypeNames;
  readonly paths: ModulePaths;
}

/** The runtime's files, as they sit in the output directory. */
export const RUNTIME_DIR = 'runtime';

/** The file that goes with a module's types file. */
export function siblingPath(typesPath: string, kind: 'codec'): string {
  return typesPath.replace(/\.ts$/, `.${kind}.ts`);
}

function features(list: readonly SchemaFeature[]): FeatureWord | undefined {
  return featureWord(list.map((f) => f.name));
}

/** The empty type QEMU makes up for branches and commands without members: implicit, and with nothing in it. */
export function isEmptyPlaceholder(t: SchemaType): boolean {
  return t instanceof SchemaObjectType && t.isImplicit() && t.isEmpty();
}

const SCALARS = new Set(['str', 'bool', 'number', 'null', 'any']);

function isIntKind(name: string): name is IntKind {
  return Object.prototype.hasOwnProperty.call(INT_RANGES, name);
}

/** Lowers a checked schema into walk plans. */
export function planSchema(schema: QapiSchema, runtimeDir: string = RUNTIME_DIR): SchemaPlans {
  const names = new TypeNames(schema);
  const paths = new ModulePaths(schema, runtimeDir);
  const types = new Map<TypeRef, TypePlan>();
  const byModule = new Map<SchemaModule, ModulePlan>();
  const ref = (t: SchemaType): TypeRef => (t instanceof SchemaBuiltinType ? t.name : names.of(t));
  const base = (t: SchemaDefinition, visit: boolean): PlanBase => {
    const tsName = ref(t as SchemaType);
    const builtinScalar = t instanceof SchemaBuiltinType;
    return {
      qapiName: t.name,
      tsName,
      visitName: builtinScalar || !visit ? null : visitorName(tsName),
      typesPath: builtinScalar || !t.module ? null : paths.of(t.module),
    };
  };
  const member = (m: SchemaObjectTypeMember, from: SchemaType): MemberPlan => ({
    name: m.name,
    type: ref(m.type),
    optional: m.optional,
    features: features(m.features),
    from: ref(from),
    absentIn: m.absentIn,
    onlyIn: m.onlyIn,
  });
  /** Members with the type that declares each: walk the base chain. */
  const flat = (t: SchemaObjectType): MemberPlan[] => [...(t.base ? flat(t.base) : []), ...t.localMembers.map((m) => member(m, t))];

  const lower = (t: SchemaType): TypePlan | null => {
    if (t instanceof SchemaBuiltinType) {
      if (SCALARS.has(t.name)) return { ...base(t, false), kind: 'scalar', scalar: t.name as ScalarPlan['scalar'] };
      if (isIntKind(t.name)) {
        const r = INT_RANGES[t.name];
        return { ...base(t, false), kind: 'int', int: t.name, min: r.min, max: r.max, wide: r.wide };
      }
      return null;
    }
    if (t instanceof SchemaEnumType) return { ...base(t, true), kind: 'enum', values: t.members.map((m) => ({ name: m.name, features: features(m.features), onlyIn: m.onlyIn })) };
    if (t instanceof SchemaArrayType) return { ...base(t, true), kind: 'list', element: ref(t.elementType) };
    if (t instanceof SchemaObjectType) {
      if (isEmptyPlaceholder(t)) return null;
      const branches = t.branches;
      return {
        ...base(t, true),
        kind: 'object',
        base: t.base ? ref(t.base) : null,
        local: t.localMembers.map((m) => member(m, t)),
        members: flat(t),
        union: branches
          ? { tag: branches.tagMember!.name, branches: branches.variants.map((v) => ({ value: v.name, type: isEmptyPlaceholder(v.type) ? null : ref(v.type) })) }
          : null,
      };
    }
    if (t instanceof SchemaAlternateType) {
      return {
        ...base(t, true),
        kind: 'alternate',
        alternatives: t.alternatives.variants.map((v) => ({ name: v.name, type: ref(v.type), json: v.type.alternateJsonType()! })),
      };
    }
    return null;
  };

  for (const m of schema.modules) {
    const typesPath = paths.of(m);
    const stem = pascalCase(typesPath.replace(/\.ts$/, ''));
    const moduleTypes: TypePlan[] = [];
    const commands: CommandPlan[] = [];
    const events: EventPlan[] = [];
    for (const e of m.entities) {
      if (e instanceof SchemaCommand) {
        commands.push({
          name: e.name,
          args: e.argType && !isEmptyPlaceholder(e.argType) ? ref(e.argType) : null,
          returns: e.retType ? ref(e.retType) : null,
          features: features(e.features),
          allowOob: e.allowOob,
          successResponse: e.successResponse,
          gen: e.gen,
        });
      } else if (e instanceof SchemaEvent) {
        events.push({ name: e.name, data: e.argType && !isEmptyPlaceholder(e.argType) ? ref(e.argType) : null, features: features(e.features) });
      } else if (e instanceof SchemaDefinition) {
        const p = lower(e as SchemaType);
        if (p === null) continue;
        types.set(p.tsName, p);
        if (p.visitName !== null) moduleTypes.push(p);
      }
    }
    const lowerStem = stem.charAt(0).toLowerCase() + stem.slice(1);
    byModule.set(m, {
      source: m.isBuiltin() ? 'the built-in types' : m.name,
      typesPath,
      codecPath: siblingPath(typesPath, 'codec'),
      tableName: names.reserve(`${lowerStem}Plans`),
      typeMap: moduleTypes.length ? names.reserve(`${stem}Types`) : null,
      walksType: moduleTypes.some((t) => t.kind !== 'list') ? names.reserve(`${stem}Walks`) : null,
      commandMap: commands.length ? names.reserve(`${stem}Commands`) : null,
      eventMap: events.length ? names.reserve(`${stem}Events`) : null,
      types: moduleTypes,
      commands,
      events,
    });
  }
  return { modules: schema.modules.map((m) => byModule.get(m)!), types, byModule, names, paths };
}
