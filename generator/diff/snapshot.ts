/**
 * The API surface of a checked schema as plain data, for the diff: what a
 * QMP client can see (commands, events, the named types they use), keyed by
 * QAPI name. Implicit types are folded into their owners (a command's
 * `q_obj_X-arg` is its arguments, a union's `q_obj_X-base` its members), and
 * array types are written `[T]`, as in the schema.
 *
 * Plain data (no model classes) so that the comparison does not depend on
 * the front end's classes and a snapshot can cross a worker boundary.
 */
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaCommand,
  SchemaEnumType,
  SchemaEvent,
  SchemaObjectType,
  type IfCond,
  type SchemaFeature,
  type SchemaObjectTypeMember,
  type SchemaType,
} from '../model/entities.js';
import type { QapiSchema } from '../model/schema.js';

/** A type as the schema writes it: `str`, `Foo`, `[Foo]`. */
export type TypeRef = string;

export interface FeatureSnap {
  name: string;
  /** The `'if'` condition in words (IfCond.describe()), or null. */
  if: string | null;
}

interface Conditional {
  if: string | null;
  features: FeatureSnap[];
}

export interface MemberSnap extends Conditional {
  name: string;
  type: TypeRef;
  optional: boolean;
  /** The named type that defines it (its own type, or a named base), or null for an implicit type's member. */
  definedIn: string | null;
}

export interface EnumValueSnap extends Conditional {
  name: string;
}

/** A union branch or an alternate's alternative; `type` is null for a branch without members (QEMU's q_empty). */
export interface BranchSnap {
  name: string;
  type: TypeRef | null;
  if: string | null;
}

interface DefinitionSnap extends Conditional {
  name: string;
}

export interface EnumSnap extends DefinitionSnap {
  meta: 'enum';
  values: EnumValueSnap[];
}

export interface ObjectSnap extends DefinitionSnap {
  meta: 'struct' | 'union';
  /** Named bases, nearest first (an implicit union base is not named). */
  bases: string[];
  /** All members, base members first (what goes on the wire, before branches). */
  members: MemberSnap[];
  discriminator: string | null;
  branches: BranchSnap[];
}

export interface AlternateSnap extends DefinitionSnap {
  meta: 'alternate';
  alternatives: BranchSnap[];
}

export type TypeSnap = EnumSnap | ObjectSnap | AlternateSnap;

/** A command's arguments or an event's data. */
export interface DataSnap {
  /** The named type (`'data': 'Foo'`), or null for inline members. */
  type: string | null;
  members: MemberSnap[];
  /** A boxed union: it has branches too (compared through its named type). */
  hasBranches: boolean;
}

export interface CommandSnap extends DefinitionSnap {
  meta: 'command';
  args: DataSnap | null;
  returns: TypeRef | null;
  allowOob: boolean;
  allowPreconfig: boolean;
}

export interface EventSnap extends DefinitionSnap {
  meta: 'event';
  data: DataSnap | null;
}

export interface ApiSnapshot {
  commands: CommandSnap[];
  events: EventSnap[];
  /** Named types (not built-in, not implicit), in schema order. */
  types: TypeSnap[];
}

function ifText(c: IfCond): string | null {
  return c.isPresent() ? c.describe() : null;
}

function features(fs: readonly SchemaFeature[]): FeatureSnap[] {
  return fs.map((f) => ({ name: f.name, if: ifText(f.ifcond) }));
}

function typeRef(t: SchemaType): TypeRef {
  return t instanceof SchemaArrayType ? `[${typeRef(t.elementType)}]` : t.name;
}

function member(m: SchemaObjectTypeMember, implicitOwner: boolean): MemberSnap {
  return {
    name: m.name,
    type: typeRef(m.type),
    optional: m.optional,
    if: ifText(m.ifcond),
    features: features(m.features),
    definedIn: implicitOwner || m.definedIn === null || m.definedIn.startsWith('q_') ? null : m.definedIn,
  };
}

function data(t: SchemaObjectType | null): DataSnap | null {
  if (t === null) return null;
  return { type: t.isImplicit() ? null : t.name, members: t.members!.map((m) => member(m, t.isImplicit())), hasBranches: t.branches !== null };
}

/** The API surface of `schema`. */
export function snapshotOf(schema: QapiSchema): ApiSnapshot {
  const snap: ApiSnapshot = { commands: [], events: [], types: [] };
  for (const d of schema.definitions) {
    const common = { name: d.name, if: ifText(d.ifcond), features: features(d.features) };
    if (d instanceof SchemaCommand) {
      snap.commands.push({
        ...common,
        meta: 'command',
        args: data(d.argType),
        returns: d.retType === null ? null : typeRef(d.retType),
        allowOob: d.allowOob,
        allowPreconfig: d.allowPreconfig,
      });
    } else if (d instanceof SchemaEvent) {
      snap.events.push({ ...common, meta: 'event', data: data(d.argType) });
    } else if (d instanceof SchemaEnumType) {
      if (d.isImplicit()) continue;
      snap.types.push({ ...common, meta: 'enum', values: d.members.map((v) => ({ name: v.name, if: ifText(v.ifcond), features: features(v.features) })) });
    } else if (d instanceof SchemaObjectType) {
      if (d.isImplicit()) continue;
      const bases: string[] = [];
      for (let b = d.base; b !== null; b = b.base) if (!b.isImplicit()) bases.push(b.name);
      snap.types.push({
        ...common,
        meta: d.branches ? 'union' : 'struct',
        bases,
        members: d.members!.map((m) => member(m, false)),
        discriminator: d.branches?.tagName ?? null,
        branches: (d.branches?.variants ?? []).map((v) => ({ name: v.name, type: v.type.name === 'q_empty' ? null : typeRef(v.type), if: ifText(v.ifcond) })),
      });
    } else if (d instanceof SchemaAlternateType) {
      snap.types.push({
        ...common,
        meta: 'alternate',
        alternatives: d.alternatives.variants.map((v) => ({ name: v.name, type: typeRef(v.type), if: ifText(v.ifcond) })),
      });
    }
  }
  return snap;
}
