// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * Walk plans: the compact tables generated code is made of, and the
 * interpreter that turns them into walks.
 *
 * Each schema module's file (`X.ts`, after its types) holds one table: its types (members,
 * tags and branches, enum values, list elements, alternatives), commands
 * and events, each referring to other types by their TypeScript name.
 * `index.ts` links every module's table into one {@link PlanSchema}. On a
 * type's first use the schema builds closures from its plan, once:
 *
 * - `visit`: the generic walk with any {@link Visitor} (QEMU's
 *   visit_type_Foo), which every other walk falls back to;
 * - `check`: whether the input walk would give back a value unchanged,
 *   which is what makes decoding fast (see codec-support.ts);
 * - `encode`: the output walk without the visitor indirection;
 * - `clone`: a fast copy that gives up on anything unexpected, and lets the
 *   walk decide.
 *
 * The fast closures give exactly the generic walk's results and errors: a
 * property test holds them to it. Nothing here evaluates code (no `eval`,
 * no `new Function`), so the runtime works under a strict CSP.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import {
  GIVE_UP,
  checkedOrWidened,
  cloneFast,
  decodeFast,
  decodeWidening,
  intCounts,
  isJsonData,
  pristine,
  widenInt,
} from './codec-support.js';
import {
  DEFAULT_COMPAT_POLICY,
  SPECIAL_FEATURES,
  checksInput,
  hidesOutput,
  isHiddenByPolicy,
  type CompatPolicy,
} from './compat.js';
import { addKey, wrongType } from './errors.js';
import { INT_RANGES } from './ints.js';
import type { InputVisitor } from './input-visitor.js';
import type { OutputVisitor } from './output-visitor.js';
import { holdsJsonFloat, stringifyQmpJson, stringifyWithBigints, type JsonValue } from './json.js';
import { decodeWith, encodeToText, encodeWith, type DecodeOptions } from './qmp.js';
import type { CommandInfo, CommandTable, DecodeFn, EventInfo, EventTable } from './tables.js';
import {
  NO_FEATURES,
  copyJsonValue,
  hasOwn,
  setOwn,
  type AlternateBranch,
  type AlternateJsonType,
  type EnumInfo,
  type Features,
  type IntKind,
  type PlainObject,
  type StructScope,
  type VisitFn,
  type Visitor,
} from './visitor.js';

// ---------------------------------------------------------------------------
// The table format.
// ---------------------------------------------------------------------------

/** The special features of a member, enum value, command or event, as a table writes them. */
export type FeatureWord = 'deprecated' | 'unstable' | 'deprecated unstable';

/**
 * A member of a struct, as one string: `'name type'`, the name starred when
 * the member is optional (`'*backend-transfer BackendTransferList'`, as the
 * schema writes it), then its special features (`… unstable`). Names and
 * types never hold a space.
 */
export type MemberRow = string;

/** An enum value: `'name'`, then its special features (`'virtio-net-tap unstable'`). */
export type EnumValueRow = string;

/**
 * An enum type: its values, or, when none has features or version marks,
 * the module's values object (`const Foo`, its keys and values the names).
 */
export interface EnumRow {
  readonly enum: readonly EnumValueRow[] | { readonly [name: string]: string };
}

/** An enum row's values, as {@link EnumValueRow}s. */
export function enumValueRows(row: EnumRow): readonly EnumValueRow[] {
  return Array.isArray(row.enum) ? row.enum : Object.values(row.enum);
}

/** A list type: the type of its elements. */
export interface ListRow {
  readonly list: string;
}

/**
 * A struct or union: its base (whose members come first), its own members,
 * and for a union the tag member and the branches, each `'value Type'`
 * (`'value'` alone for a branch that adds no members).
 */
export interface ObjectRow {
  readonly base?: string;
  readonly members?: readonly MemberRow[];
  readonly tag?: string;
  readonly branches?: readonly string[];
}

/** An alternate: its alternatives, each `'name Type'`; `name` is its QAPI name where that isn't the key. */
export interface AlternateRow {
  readonly alternate: readonly string[];
  readonly name?: string;
}

/** One type's plan, as a table holds it. */
export type TypeRow = EnumRow | ListRow | ObjectRow | AlternateRow;

/** A command: its argument and return types, and the flags that differ from the defaults. */
export interface CommandRow {
  readonly args?: string;
  readonly returns?: string;
  readonly features?: FeatureWord;
  /** `allow-oob`. */
  readonly oob?: true;
  /** `success-response: false`: QEMU sends no reply when the command succeeds. */
  readonly noReply?: true;
  /** `'gen': false`: QEMU hands the arguments to the command unchecked. */
  readonly gen?: false;
}

/** An event: the type of its data. */
export interface EventRow {
  readonly data?: string;
  readonly features?: FeatureWord;
}

/** The table of one schema module. */
export interface PlanTable {
  readonly types?: { readonly [tsName: string]: TypeRow };
  readonly commands?: { readonly [name: string]: CommandRow };
  readonly events?: { readonly [name: string]: EventRow };
}

// ---------------------------------------------------------------------------
// Built-in facts, once.
// ---------------------------------------------------------------------------

/** The words of a row: what it names, then the rest. */
function words(row: string): string[] {
  return row.split(' ');
}

/** The features object for the feature words at the end of a row. */
function rowFeatures(rest: readonly string[]): Features {
  return rest.length === 0 ? NO_FEATURES : featuresOf(featureWord(rest));
}

/** The feature word for a list of feature names (their special ones), or undefined when none is special. */
export function featureWord(names: readonly string[]): FeatureWord | undefined {
  const [deprecated, unstable] = SPECIAL_FEATURES;
  const d = names.includes(deprecated!);
  const u = names.includes(unstable!);
  return d && u ? 'deprecated unstable' : d ? 'deprecated' : u ? 'unstable' : undefined;
}

const FEATURES: { readonly [W in FeatureWord]: Features } = Object.freeze({
  deprecated: Object.freeze({ deprecated: true }),
  unstable: Object.freeze({ unstable: true }),
  'deprecated unstable': Object.freeze({ deprecated: true, unstable: true }),
});

/** The runtime's features object for a feature word. */
export function featuresOf(word: FeatureWord | undefined): Features {
  return word === undefined ? NO_FEATURES : FEATURES[word];
}

/** The scalar built-in types, by QAPI name: what the plan tables refer to without defining. */
export const BUILTIN_SCALARS: readonly string[] = Object.freeze([
  'str',
  'bool',
  'number',
  'null',
  'any',
  ...Object.keys(INT_RANGES),
]);

/** The JSON type of each built-in scalar, as an alternate dispatches on it (`any` can't be an alternative). */
const BUILTIN_JSON: { readonly [name: string]: AlternateJsonType } = Object.freeze({
  str: 'string',
  bool: 'boolean',
  number: 'number',
  null: 'null',
  ...Object.fromEntries(Object.keys(INT_RANGES).map((k) => [k, 'number'])),
});

/** Names a plain object inherits from Object.prototype: reading them needs hasOwn. */
const INHERITED: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Whether `x` is a plain object (Object.prototype its prototype). */
function isPlain(x: object): boolean {
  return Object.getPrototypeOf(x) === Object.prototype;
}

// ---------------------------------------------------------------------------
// Linking.
// ---------------------------------------------------------------------------

/**
 * A module's table, as the module's file exports it. Its visit functions resolve
 * through the schema the table is linked into (index.ts links every table
 * when it loads).
 */
export class ModulePlans {
  /** The table, as generated. */
  readonly table: PlanTable;
  /** @internal The schema this table is linked into. */
  schema: PlanSchema | null = null;

  constructor(table: PlanTable) {
    this.table = table;
  }

  /**
   * The visit functions of this module's types (QEMU's visit_type_Foo), as
   * `visitFoo` for type `Foo`: each walks a value with any visitor. `T` is
   * the module's type map, which names them for the type checker.
   */
  visitors<T>(): {
    readonly [K in keyof T & string as `visit${Capitalize<K>}`]: VisitFn;
  } {
    const out: { [name: string]: VisitFn } = {};
    for (const tsName of Object.keys(this.table.types ?? {}))
      out[visitorName(tsName)] = this.visitor(tsName);
    return out as {
      readonly [K in keyof T & string as `visit${Capitalize<K>}`]: VisitFn;
    };
  }

  /**
   * The functions of this module's types, by name: for a named type `Foo`,
   * `decodeFoo(json, options)` (strict unless told otherwise, with QEMU's
   * errors), `encodeFoo(value, compat)` (typed value → JSON value),
   * `cloneFoo(value)` (QEMU's QAPI_CLONE; not for enums, whose values are
   * strings) and `visitFoo(v, key, value)`. List types have none: the
   * schema's `decode('FooList', …)` and the like walk them. `T` is the
   * module's type map: `W` is the module's interface that extends
   * `ModuleWalks<T>` (`interface MigrationWalks extends
   * ModuleWalks<MigrationTypes> {}`), whose members a compiler resolves
   * once. They resolve through the linked schema on first use.
   */
  walks<W>(): W {
    const out: { [name: string]: unknown } = {};
    for (const [tsName, row] of Object.entries(this.table.types ?? {})) {
      if ('list' in row) continue;
      const suffix = visitorName(tsName).slice('visit'.length);
      out[`decode${suffix}`] = (json: unknown, options?: DecodeOptions) =>
        this.linked(tsName).decode(tsName, json, options);
      out[`encode${suffix}`] = (value: unknown, compat?: CompatPolicy) => {
        const schema = this.linked(tsName);
        return encodeWith(schema.encodeFn(tsName), value, schema.int64, compat);
      };
      // Every type's; the module's destructuring (and ModuleWalks) leave out those of strings.
      out[`clone${suffix}`] = (value: unknown) => this.linked(tsName).cloneFn(tsName)(value);
      out[`visit${suffix}`] = this.visitor(tsName);
    }
    return out as W;
  }

  private linked(tsName: string): PlanSchema {
    if (this.schema === null)
      throw new Error(
        `qapi-ts: the plans of ${tsName} are not linked; import the generated index.js`,
      );
    return this.schema;
  }

  /** The visit function of one of this module's types; it resolves through the linked schema on first use. */
  visitor(tsName: string): VisitFn {
    let fn: VisitFn | null = null;
    return (v, key, value) => {
      if (fn === null) {
        if (this.schema === null)
          throw new Error(
            `qapi-ts: the plans of ${tsName} are not linked; import the generated index.js`,
          );
        fn = this.schema.visitFn(tsName);
      }
      return fn(v, key, value);
    };
  }
}

/**
 * What {@link ModulePlans.walks} gives for type map `T`. Its keys are every
 * type's, list types' and enums' clones included, though the object has no
 * walks of list types and no clones of strings: a module exports only the
 * names it destructures, which are the ones there. (Leaving those keys out
 * in the type takes a conditional type per key, which costs a user's
 * compiler a second on QEMU's schema.)
 */
export type ModuleWalks<T> = {
  readonly [K in keyof T & string as `visit${Capitalize<K>}`]: VisitFn;
} & {
  readonly [K in keyof T & string as `decode${Capitalize<K>}`]: (
    json: unknown,
    options?: DecodeOptions,
  ) => T[K];
} & {
  readonly [K in keyof T & string as `encode${Capitalize<K>}`]: (
    value: T[K],
    compat?: CompatPolicy,
  ) => unknown;
} & {
  readonly [K in keyof T & string as `clone${Capitalize<K>}`]: (value: T[K]) => T[K];
};

/** The name of a type's visit function: `visit` and the type's name, capitalized as TypeScript's `Capitalize` does. */
export function visitorName(tsName: string): string {
  return `visit${tsName.charAt(0).toUpperCase()}${tsName.slice(1)}`;
}

/**
 * A type's row as a generated table writes it, with the fields of every
 * kind of row ({@link TypeRow}) optional. {@link definePlans} takes rows of
 * this one shape: a user's compiler then checks each row of the table
 * against one interface, not against each kind of the union in turn (which
 * costs it a third of a second on QEMU's schema).
 */
export interface TableRow {
  readonly enum?: EnumRow['enum'];
  readonly list?: string;
  readonly base?: string;
  readonly members?: readonly MemberRow[];
  readonly tag?: string;
  readonly branches?: readonly string[];
  readonly alternate?: readonly string[];
  readonly name?: string;
}

/** A module's table as {@link definePlans} takes it: a {@link PlanTable} whose rows are {@link TableRow}s. */
export interface TableInput {
  readonly types?: { readonly [tsName: string]: TableRow };
  readonly commands?: { readonly [name: string]: CommandRow };
  readonly events?: { readonly [name: string]: EventRow };
}

/** Wraps a generated table (each module's file calls this); the generator writes each row as one kind of {@link TypeRow}. */
export function definePlans(table: TableInput): ModulePlans {
  return new ModulePlans(table as PlanTable);
}

/** Specialized codecs (`--codecs`), by type: the schema uses them instead of its own closures. */
export interface CodecEntry {
  /** Whether decoding `x` would give back `x` (`strict`: unknown members are errors). */
  readonly check?: (x: unknown, strict: boolean) => boolean;
  readonly decode?: (c: InputVisitor, x: unknown) => unknown;
  readonly encode?: (c: OutputVisitor, x: unknown) => unknown;
  readonly clone?: (x: unknown) => unknown;
}

/** How the schema was generated. */
export interface PlanSchemaOptions {
  /** How 64-bit integers are typed (`--int64`). */
  readonly int64: 'number' | 'bigint';
  /** Generated codecs (`--codecs`), by TypeScript type name. */
  readonly codecs?: { readonly [tsName: string]: CodecEntry };
  /**
   * The tables span several QEMU versions (`--oldest`): some members and
   * enum values are marked as in some versions only. Command arguments are
   * then always checked by the generic walk, which holds them to the newest
   * version (the fast paths read what any version sends).
   */
  readonly versioned?: boolean;
}

/** Links the tables of every module of one schema. */
export function linkPlans(modules: readonly ModulePlans[], options: PlanSchemaOptions): PlanSchema {
  return new PlanSchema(modules, options);
}

type CheckFn = (x: unknown, strict: boolean) => boolean;
type EncodeFn = (c: OutputVisitor, x: unknown, clean?: boolean) => unknown;
type CopyFn = (x: unknown) => unknown;
type MembersVisitFn = (v: Visitor, s: StructScope) => void;

/** A member, resolved. */
interface Member {
  readonly name: string;
  readonly type: string;
  /** Optional when reading what a server sends (the newest version's `*`, or a version mark). */
  readonly optional: boolean;
  /** `?`: required by the newest version, absent from an older one the tables span. Arguments must have it. */
  readonly argRequired: boolean;
  /** `~`: only in older versions the tables span. Arguments must not have it. */
  readonly olderOnly: boolean;
  readonly features: Features;
  /** Object.prototype has a property of this name: only hasOwn tells whether it was sent. */
  readonly inherited: boolean;
}

/** A struct or union, resolved. */
interface ObjectPlan {
  readonly kind: 'object';
  readonly name: string;
  readonly base: string | null;
  readonly local: readonly Member[];
  /** Every member, base members first: what the fast clone copies. */
  readonly all: readonly Member[];
  readonly tag: string | null;
  /** Tag value → branch type (null: a branch that adds no members). */
  readonly branches: ReadonlyMap<string, string | null> | null;
}

interface EnumPlan {
  readonly kind: 'enum';
  readonly info: EnumInfo;
  readonly values: ReadonlySet<string>;
}

interface ListPlan {
  readonly kind: 'list';
  readonly element: string;
}

interface AlternatePlan {
  readonly kind: 'alternate';
  readonly name: string;
  readonly branches: readonly {
    readonly name: string;
    readonly type: string;
  }[];
}

interface ScalarPlan {
  readonly kind: 'scalar';
  readonly name: string;
}

type Plan = ObjectPlan | EnumPlan | ListPlan | AlternatePlan | ScalarPlan;

function memberOf(row: MemberRow): Member {
  const [marked, type, ...rest] = words(row);
  // `*` optional; `?` and `~` are version marks (see Member), optional when reading a server's values.
  const mark = marked!.charCodeAt(0);
  const optional = mark === 42 || mark === 63 || mark === 126;
  const name = optional ? marked!.slice(1) : marked!;
  return {
    name,
    type: type!,
    optional,
    argRequired: mark === 63,
    olderOnly: mark === 126,
    features: rowFeatures(rest),
    inherited: INHERITED.has(name),
  };
}

/** The value for `key` in `map`, built and kept on first use. */
function cached<K, V>(map: Map<K, V>, key: K, build: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = build();
    map.set(key, v);
  }
  return v;
}

/** A cache of closures by type name; a type met again while its closure is built gets a forwarder. */
class Closures<F extends (...args: never[]) => unknown> {
  private readonly done = new Map<string, F>();
  private readonly build: (name: string) => F;
  constructor(build: (name: string) => F) {
    this.build = build;
  }

  get(name: string): F {
    const f = this.done.get(name);
    if (f !== undefined) return f;
    let real: F | null = null;
    const forward = ((...args: never[]) => (real as F)(...args)) as F;
    this.done.set(name, forward);
    try {
      real = this.build(name);
    } catch (e) {
      this.done.delete(name);
      throw e;
    }
    this.done.set(name, real);
    return real;
  }
}

/**
 * Every type, command and event of one schema, linked: the generic walk
 * and the fast closures of each type, built on first use.
 */
export class PlanSchema {
  /** How 64-bit integers are typed (`--int64`). */
  readonly int64: 'number' | 'bigint';
  /** Every command, for the runtime: how to visit its arguments and return value. */
  readonly commands: CommandTable;
  /** Every event, for the runtime: how to visit its data. */
  readonly events: EventTable;

  private readonly rows = new Map<string, TypeRow>();
  private readonly plans = new Map<string, Plan>();
  private readonly codecs: { readonly [tsName: string]: CodecEntry };
  private readonly versioned: boolean;
  private readonly visits = new Closures<VisitFn>((n) => this.buildVisit(this.plan(n)));
  private readonly memberVisits = new Closures<MembersVisitFn>((n) =>
    this.buildMembersVisit(this.objectPlan(n)),
  );
  private readonly checks = new Closures<CheckFn>((n) => this.buildCheck(this.plan(n)));
  private readonly encodes = new Closures<EncodeFn>((n) => this.buildEncode(n));
  private readonly copies = new Closures<CopyFn>((n) => this.buildCopy(this.plan(n), false));
  private readonly widens = new Closures<CopyFn>((n) => this.buildCopy(this.plan(n), true));
  /** Whether a wide integer can be reached from a type (holdsWide). */
  private readonly wide = new Map<string, boolean>();
  private readonly slots = new Map<string, Slot>();
  private readonly shapes = new Map<string, Shape>();
  private readonly decodes = new Closures<DecodeFn>((n) => this.buildDecode(n));
  private readonly clones = new Closures<CopyFn>((n) => this.buildClone(n));

  constructor(modules: readonly ModulePlans[], options: PlanSchemaOptions) {
    this.int64 = options.int64;
    this.codecs = options.codecs ?? {};
    this.versioned = options.versioned === true;
    const commands: { [name: string]: CommandInfo } = Object.create(null) as {
      [name: string]: CommandInfo;
    };
    const events: { [name: string]: EventInfo } = Object.create(null) as {
      [name: string]: EventInfo;
    };
    for (const m of modules) {
      m.schema = this;
      const t = m.table;
      for (const name of Object.keys(t.types ?? {})) this.rows.set(name, t.types![name]!);
      for (const name of Object.keys(t.commands ?? {}))
        commands[name] = this.commandInfo(t.commands![name]!);
      for (const name of Object.keys(t.events ?? {}))
        events[name] = this.eventInfo(t.events![name]!);
    }
    this.commands = commands;
    this.events = events;
  }

  /** Whether the schema has a type of this name (a TypeScript name, or a built-in's). */
  has(name: string): boolean {
    return this.rows.has(name) || BUILTIN_SCALARS.includes(name);
  }

  /** The generic walk of a type with any visitor (QEMU's visit_type_Foo). */
  visitFn(name: string): VisitFn {
    return this.visits.get(name);
  }

  /** Whether the input walk of a type would give back `x` unchanged (`strict`: unknown members are errors). */
  checkFn(name: string): CheckFn {
    return this.checks.get(name);
  }

  /** The input walk of a type: `x` itself when the check allows, else the generic walk with the input visitor `c`. */
  decodeFn(name: string): DecodeFn {
    return this.decodes.get(name);
  }

  /** The output walk of a type, with the output visitor `c`. */
  encodeFn(name: string): (c: OutputVisitor, x: unknown) => unknown {
    const codec = this.codecs[name]?.encode;
    return codec ?? this.encodes.get(name);
  }

  /**
   * A JSON value decoded as a type, strictly unless told otherwise. When no
   * input policy applies and the fast check says the input walk would give
   * the value back, it is the result, and no visitor is even made;
   * otherwise the input walk (qmp.ts).
   */
  decode(name: string, value: unknown, options: DecodeOptions = {}): unknown {
    const strict = options.strict ?? true;
    if (
      this.codecs[name]?.decode === undefined &&
      !checksInput(options.compat ?? DEFAULT_COMPAT_POLICY) &&
      pristine()
    ) {
      const widen = this.int64 === 'bigint' ? this.widens.get(name) : null;
      const fast = checkedOrWidened(value, strict, this.checkFn(name), widen);
      if (fast !== GIVE_UP) return fast;
    }
    return decodeWith(this.decodeFn(name), value, this.int64, options);
  }

  /**
   * A typed value as QMP JSON text. When the fast check says the output
   * walk would give the value back as it is (key order aside), the value is
   * written as it is: JSON.stringify, or the exact writer if it holds a
   * bigint. Otherwise the output walk (a generated codec's, if any), then
   * the writer (qmp.ts). With codecs the check is the codec's: the same
   * answer, faster.
   */
  encodeText(name: string, value: unknown, compat: CompatPolicy = DEFAULT_COMPAT_POLICY): string {
    if (!hidesOutput(compat) && pristine()) {
      const codecCheck = this.codecs[name]?.check;
      wideInts = 0;
      if (!givesBack(codecCheck ?? this.checkFn(name), value))
        return encodeToText(this.encodeFn(name), value, this.int64, compat);
      // Bigints where the check met them (bigint mode; a codec's check counts none, the type tells):
      // JSON.stringify would throw on them (and a TypeError costs more than the write), so the
      // writer made for them. An `any` may hold one too: JSON.stringify throws, and the exact
      // writer takes over.
      if (codecCheck === undefined ? wideInts > 0 : this.int64 === 'bigint' && this.holdsWide(name))
        return stringifyWithBigints(value as JsonValue);
      try {
        return JSON.stringify(value);
      } catch {
        return stringifyQmpJson(value as JsonValue);
      }
    }
    return encodeToText(this.encodeFn(name), value, this.int64, compat);
  }

  /** The clone (QAPI_CLONE) of a value of a type: a deep copy that shares no object with it. */
  cloneFn(name: string): (x: unknown) => unknown {
    return this.clones.get(name);
  }

  // ---- plans -----------------------------------------------------------

  private plan(name: string): Plan {
    return cached(this.plans, name, () => this.resolve(name));
  }

  private objectPlan(name: string): ObjectPlan {
    const p = this.plan(name);
    if (p.kind !== 'object') throw new Error(`qapi-ts: ${name} is not a struct or union`);
    return p;
  }

  private resolve(name: string): Plan {
    const row = this.rows.get(name);
    if (row === undefined) {
      if (BUILTIN_SCALARS.includes(name)) return { kind: 'scalar', name };
      throw new Error(`qapi-ts: no type ${name} in the plans`);
    }
    if ('enum' in row) {
      const values: string[] = [];
      const valueFeatures: { [value: string]: Features } = Object.create(null) as {
        [value: string]: Features;
      };
      const olderOnly: string[] = [];
      for (const v of enumValueRows(row)) {
        const [marked, ...rest] = words(v);
        // `~value`: only in older versions the tables span (never accepted in arguments).
        const value = marked!.startsWith('~') ? marked!.slice(1) : marked!;
        if (value !== marked) olderOnly.push(value);
        values.push(value);
        if (rest.length) valueFeatures[value] = rowFeatures(rest);
      }
      return {
        kind: 'enum',
        info: Object.freeze({
          name,
          values: Object.freeze(values),
          valueFeatures: Object.freeze(valueFeatures),
          ...(olderOnly.length ? { olderOnly: Object.freeze(olderOnly) } : {}),
        }),
        values: new Set(values),
      };
    }
    if ('list' in row) return { kind: 'list', element: row.list };
    if ('alternate' in row) {
      const branches = row.alternate.map((a) => {
        const [n, type] = words(a);
        return { name: n!, type: type! };
      });
      return { kind: 'alternate', name: row.name ?? name, branches };
    }
    const local = (row.members ?? []).map(memberOf);
    const base = row.base ?? null;
    const all = base === null ? local : [...this.objectPlan(base).all, ...local];
    const branches = row.branches
      ? new Map(
          row.branches.map((b) => {
            const [value, type] = words(b);
            return [value!, type ?? null] as const;
          }),
        )
      : null;
    return {
      kind: 'object',
      name,
      base,
      local,
      all,
      tag: row.tag ?? null,
      branches,
    };
  }

  /** The JSON type a value of the type has, as an alternate dispatches on it. */
  private jsonType(name: string): AlternateJsonType {
    const p = this.plan(name);
    switch (p.kind) {
      case 'scalar': {
        const j = BUILTIN_JSON[p.name];
        if (j === undefined) throw new Error(`qapi-ts: ${name} can't be an alternative`);
        return j;
      }
      case 'enum':
        return 'string';
      case 'list':
        return 'array';
      case 'object':
        return 'object';
      case 'alternate':
        throw new Error(`qapi-ts: an alternate can't be an alternative (${name})`);
    }
  }

  private alternateBranches(p: AlternatePlan, visit: (type: string) => VisitFn): AlternateBranch[] {
    return p.branches.map((b) => {
      const t = this.plan(b.type);
      const branch: AlternateBranch = {
        name: b.name,
        jsonType: this.jsonType(b.type),
        visit: visit(b.type),
      };
      return t.kind === 'enum' ? { ...branch, enumValues: t.info.values } : branch;
    });
  }

  // ---- the generic walk ------------------------------------------------

  private buildVisit(p: Plan): VisitFn {
    switch (p.kind) {
      case 'scalar':
        return scalarVisit(p.name);
      case 'enum': {
        const info = p.info;
        return (v, k, x) => v.enumValue(k, x, info);
      }
      case 'list': {
        const element = this.visitFn(p.element);
        return (v, k, x) => v.list(k, x, element);
      }
      case 'alternate': {
        const name = p.name;
        const branches = this.alternateBranches(p, (t) => this.visitFn(t));
        return (v, k, x) => v.alternate(k, x, name, branches);
      }
      case 'object': {
        const name = p.name;
        const members = this.memberVisits.get(name);
        return (v, k, x) => {
          const s = v.startStruct(k, x, name);
          members(v, s);
          v.checkStruct(s);
          return v.endStruct(s);
        };
      }
    }
  }

  /** QEMU's visit_type_Foo_members: base first, then the local members, then the branch. */
  private buildMembersVisit(p: ObjectPlan): MembersVisitFn {
    const base = p.base === null ? null : this.memberVisits.get(p.base);
    const local = p.local.map((m) => ({ ...m, visit: this.visitFn(m.type) }));
    const tag = p.tag;
    const branches =
      p.branches === null
        ? null
        : new Map(
            [...p.branches].map(([value, type]) => [
              value,
              type === null ? null : this.memberVisits.get(type),
            ]),
          );
    const visitBranch = (v: Visitor, s: StructScope): void => {
      const value = v.memberValue(s, tag!);
      const branch = typeof value === 'string' ? branches!.get(value) : undefined;
      if (branch === undefined) v.unknownBranch(s, tag!);
      else if (branch !== null) branch(v, s);
    };
    const tagMayBeAbsent = tag !== null && p.all.some((m) => m.name === tag && m.argRequired);
    if (tagMayBeAbsent || local.some((m) => m.argRequired || m.olderOnly)) {
      // Version marks: what a server sends may come from any version; arguments are the newest's.
      return (v, s) => {
        const args = (v as { forArguments?: boolean }).forArguments === true;
        // A union whose tag an older version lacks (it was a struct then): no tag, no branch, and
        // the older version's own members; with a tag, a newer server's value, without them.
        const older = !args && (branches === null || (tagMayBeAbsent && !v.optional(s, tag!)));
        if (base !== null) base(v, s);
        for (const m of local) {
          // Not the newest's: left for the unknown-member check, which rejects it (strictly).
          if (m.olderOnly && !older) continue;
          if (m.optional && !(args && m.argRequired) && !v.optional(s, m.name)) continue;
          v.member(s, m.name, m.features, m.visit);
        }
        if (branches !== null && !(older && tagMayBeAbsent)) visitBranch(v, s);
      };
    }
    return (v, s) => {
      if (base !== null) base(v, s);
      for (const m of local) {
        if (m.optional && !v.optional(s, m.name)) continue;
        v.member(s, m.name, m.features, m.visit);
      }
      if (branches !== null) {
        const value = v.memberValue(s, tag!);
        const branch = typeof value === 'string' ? branches.get(value) : undefined;
        if (branch === undefined) v.unknownBranch(s, tag!);
        else if (branch !== null) branch(v, s);
      }
    };
  }

  // ---- the fast paths: shapes ------------------------------------------
  //
  // A fast path reads an object once, with `for…in` (V8 reads `o[k]` there
  // by the enum cache, without a keyed lookup), and finds each key's member
  // through the shape's order cache: the keys of the last object of that
  // shape, in their order (a QEMU sends one type's members in one order,
  // its hash order, every time), else the shape's index. Leaves (strings,
  // integers, enums…) are checked inline by a switch on their slot code;
  // only lists, objects and alternates go through a closure. A copy is made
  // by object spread, which V8 does by copying the source's layout, then
  // only the members that hold objects are replaced; so a copy keeps the
  // sender's key order (the generic walk writes the type's: key order of a
  // QMP object carries no meaning). Whatever a fast path does not expect,
  // it leaves to the generic walk, which gives the exact result or error.

  /** How fast paths treat a value of a type. */
  private slot(type: string): Slot {
    return cached(this.slots, type, () => this.buildSlot(type));
  }

  private buildSlot(type: string): Slot {
    const p = this.plan(type);
    switch (p.kind) {
      case 'scalar': {
        if (isIntKind(p.name)) {
          const r = INT_RANGES[p.name];
          const wide = this.int64 === 'bigint' && r.wide;
          return makeSlot(
            wide ? LEAF_BIGINT : LEAF_INT,
            type,
            r.minNumber,
            r.maxNumber,
            wide ? r.min : 0n,
            wide ? r.max : 0n,
            p.name,
            null,
            null,
          );
        }
        const code = SCALAR_CODES[p.name];
        if (code === undefined) throw new Error(`qapi-ts: no built-in type ${p.name}`);
        return makeSlot(code, type, 0, 0, 0n, 0n, null, null, null);
      }
      case 'enum':
        return makeSlot(LEAF_ENUM, type, 0, 0, 0n, 0n, null, p.values, p.info);
      default:
        return makeSlot(NESTED, type, 0, 0, 0n, 0n, null, null, null);
    }
  }

  /** Every member has the same layout (one literal), so that the fast paths' loops see one object shape. */
  private fastMember(m: Member): FastMember {
    const s = this.slot(m.type);
    const nested = s.code === NESTED;
    return {
      code: s.code,
      type: s.type,
      min: s.min,
      max: s.max,
      bmin: s.bmin,
      bmax: s.bmax,
      kind: s.kind,
      values: s.values,
      info: s.info,
      name: m.name,
      optional: m.optional,
      features: m.features,
      inherited: m.inherited,
      check: nested ? this.checks.get(m.type) : null,
      encode: nested ? this.encodes.get(m.type) : null,
      copy: nested ? this.copies.get(m.type) : null,
      widen: nested && this.int64 === 'bigint' ? this.widens.get(m.type) : null,
    };
  }

  /** The shape of an object type before its tag is read: every member, base first, and its union. */
  private rootShape(name: string): Shape {
    return cached(this.shapes, name, () => {
      const p = this.objectPlan(name);
      return makeShape(
        p.all.map((m) => this.fastMember(m)),
        p.tag,
        p.branches,
      );
    });
  }

  /** The shape of a union once its tag is `value`: its members, then the branch's; null for an unknown branch. */
  private variantShape(s: Shape, value: unknown): Shape | null {
    const u = s.union!;
    if (typeof value !== 'string') return null;
    let v = u.variants.get(value);
    if (v === undefined) {
      const branch = u.branches.get(value);
      if (branch === undefined) v = null;
      else if (branch === null) v = makeShape(s.members, null, null);
      else {
        const b = this.rootShape(branch);
        v = makeShape(
          [...s.members, ...b.members],
          b.union?.tag ?? null,
          b.union?.branches ?? null,
        );
      }
      u.variants.set(value, v);
    }
    return v;
  }

  /** The shape of object `o` of the type (its root shape given): the union's branches followed by its tags; null when a tag names no branch. */
  private shapeOf(root: Shape, o: PlainObject): Shape | null {
    let s: Shape | null = root;
    while (s !== null && s.union !== null) s = this.variantShape(s, o[s.union.tag]);
    return s;
  }

  // ---- decode: the check, then the walk --------------------------------

  private buildDecode(name: string): DecodeFn {
    const codec = this.codecs[name]?.decode;
    if (codec) return codec;
    const check = this.checkFn(name);
    const visit = this.visitFn(name);
    if (this.int64 === 'number') return (c, x) => decodeFast(c, x, check, visit, false);
    const widen = this.widens.get(name);
    return (c, x) => decodeWidening(c, x, check, widen, visit);
  }

  /**
   * Whether the input walk would accept `x` and give back an equal value,
   * with the visitor's default options (no compat policy), this schema's
   * `--int64` mode and an untouched Object.prototype; decodeFast asks only
   * then.
   */
  private buildCheck(p: Plan): CheckFn {
    switch (p.kind) {
      case 'scalar':
      case 'enum': {
        const slot = this.slot(p.kind === 'scalar' ? p.name : p.info.name);
        return (x) => checkLeaf(slot, x);
      }
      case 'list': {
        const element = this.slot(p.element);
        const nested = element.code === NESTED ? this.checks.get(p.element) : null;
        return (x, s) => {
          // An element read from a float literal (1.0): the walk tells an integer from it.
          if (!Array.isArray(x) || holdsJsonFloat(x)) return false;
          const n = x.length;
          if (nested !== null) {
            for (let i = 0; i < n; i++) if (!nested(x[i], s)) return false;
          } else {
            for (let i = 0; i < n; i++) if (!checkLeaf(element, x[i])) return false;
          }
          return true;
        };
      }
      case 'alternate':
        return this.alternateCheck(p);
      case 'object': {
        const name = p.name;
        // Built on first call: building it now could meet this type again, half built.
        let root: Shape | null = null;
        return (x, strict) => {
          if (typeof x !== 'object' || x === null || !isPlain(x)) return false;
          // A member read from a float literal (1.0): the walk tells an integer from it.
          if (holdsJsonFloat(x)) return false;
          const o = x as PlainObject;
          const sh = this.shapeOf((root ??= this.rootShape(name)), o);
          if (sh === null) return false;
          const ms = sh.members;
          let prev = sh.start;
          let required = 0;
          for (const k in o) {
            const j = memberIndex(sh, prev, k);
            prev = j < 0 ? sh.afterUnknown : j;
            if (j < 0) {
              // A member the type does not know: the walk rejects it strictly, keeps it leniently.
              if (strict) return false;
              continue;
            }
            const m = ms[j]!;
            const v = o[k];
            // An undefined value that is there all the same is the walk's error.
            if (v === undefined) return false;
            if (m.code === NESTED ? !m.check!(v, strict) : !checkLeaf(m, v)) return false;
            if (!m.optional) required++;
          }
          return required === sh.required;
        };
      }
    }
  }

  /** Mirrors pickBranch: the value's JSON type picks the branch; a string suits a `str` branch, or an enum that has it. */
  private alternateCheck(p: AlternatePlan): CheckFn {
    const byJson = new Map<AlternateJsonType, string[]>();
    for (const b of p.branches) {
      const j = this.jsonType(b.type);
      byJson.set(j, [...(byJson.get(j) ?? []), b.type]);
    }
    const first = (j: AlternateJsonType): CheckFn | null => {
      const t = byJson.get(j)?.[0];
      return t === undefined ? null : this.checkFn(t);
    };
    const strings = byJson.get('string') ?? [];
    const anyString = strings.some((t) => this.plan(t).kind !== 'enum');
    const stringChecks = strings.map((t) => this.checkFn(t));
    const number = first('number');
    const array = first('array');
    const object = first('object');
    const boolean = byJson.has('boolean');
    const nul = byJson.has('null');
    return (x, s) => {
      switch (typeof x) {
        case 'string':
          return anyString || stringChecks.some((c) => c(x, s));
        case 'number':
        case 'bigint':
          return number !== null && number(x, s);
        case 'boolean':
          return boolean;
        case 'object':
          if (x === null) return nul;
          if (Array.isArray(x)) return array !== null && array(x, s);
          return object !== null && object(x, s);
        default:
          return false;
      }
    };
  }

  // ---- encode ----------------------------------------------------------

  private buildEncode(name: string): EncodeFn {
    const codec = this.codecs[name]?.encode;
    if (codec) return codec;
    const p = this.plan(name);
    switch (p.kind) {
      case 'scalar':
      case 'enum': {
        const slot = this.slot(name);
        return (c, x) => encodeLeaf(slot, c, x);
      }
      case 'list': {
        const element = this.slot(p.element);
        const nested = element.code === NESTED ? this.encodes.get(p.element) : null;
        return (c, x, clean = pristine()) => {
          if (!Array.isArray(x)) throw wrongType('array');
          const n = x.length;
          const out: unknown[] = [];
          let i = 0;
          try {
            if (nested !== null) for (; i < n; i++) out.push(nested(c, x[i], clean));
            else for (; i < n; i++) out.push(encodeLeaf(element, c, x[i]));
          } catch (e) {
            throw addKey(e, i);
          }
          return out;
        };
      }
      case 'alternate': {
        const qapiName = p.name;
        // The visitor reaching a branch is the output visitor; the branch can't know `clean`: it asks.
        const branches = this.alternateBranches(p, (t) => {
          const k = this.plan(t).kind;
          if (k !== 'list' && k !== 'object') return this.visitFn(t);
          const encode = this.encodes.get(t);
          return (v, _k, x) => encode(v as OutputVisitor, x, pristine());
        });
        return (c, x) => c.alternate(null, x, qapiName, branches);
      }
      case 'object': {
        const visit = this.visitFn(name);
        let root: Shape | null = null;
        return (c, x, clean = pristine()) => {
          if (clean && typeof x === 'object' && x !== null && isPlain(x)) {
            const out = this.encodeObject(
              (root ??= this.rootShape(name)),
              c,
              x as PlainObject,
              clean,
            );
            if (out !== null) return out;
          }
          return visit(c, null, x);
        };
      }
    }
  }

  /**
   * The output walk of a plain object, as a copy of it (see the fast paths
   * above); null (the generic walk decides) when a member is unknown (the
   * walk leaves it out), missing, hidden by the policy, or a leaf the walk
   * would refuse, or when a tag names no branch. Then only members holding
   * objects can fail, and they are encoded in the walk's order: an error
   * there is the walk's first error, and gets the member's key.
   */
  private encodeObject(
    root: Shape,
    c: OutputVisitor,
    o: PlainObject,
    clean: boolean,
  ): PlainObject | null {
    const sh = this.shapeOf(root, o);
    if (sh === null) return null;
    const ms = sh.members;
    let prev = sh.start;
    let required = 0;
    let fix: number[] | null = null;
    for (const k in o) {
      const j = memberIndex(sh, prev, k);
      prev = j < 0 ? sh.afterUnknown : j;
      if (j < 0) return null;
      const m = ms[j]!;
      const v = o[k];
      if (v === undefined) return null;
      if (m.features !== NO_FEATURES && c.hides && isHiddenByPolicy(m.features, c.compat))
        return null;
      if (!m.optional) required++;
      switch (m.code) {
        case LEAF_STR:
        case LEAF_BOOL:
        case LEAF_NULL:
        case LEAF_NUMBER:
          if (!checkLeaf(m, v)) return null;
          break;
        case LEAF_INT:
        case LEAF_BIGINT:
          if (typeof v === 'number') {
            if (!(Number.isSafeInteger(v) && v >= m.min && v <= m.max)) return null;
            if (v === 0 && 1 / v < 0) (fix ??= []).push(j); // -0 is written 0
          } else if (typeof v === 'bigint') {
            if (!(v >= INT_RANGES[m.kind!].min && v <= INT_RANGES[m.kind!].max)) return null;
            c.mayHoldBigint = true;
          } else return null;
          break;
        case LEAF_ENUM:
          if (typeof v !== 'string' || !(m.values!.has(v) || c.keepUnknownEnumValues)) return null;
          break;
        default:
          (fix ??= []).push(j);
      }
    }
    if (required !== sh.required) return null;
    const out = sh.copy(o);
    if (fix !== null) {
      fix.sort((a, b) => a - b);
      for (const j of fix) {
        const m = ms[j]!;
        const v = o[m.name];
        let r: unknown;
        try {
          r = m.code === NESTED ? m.encode!(c, v, clean) : encodeLeaf(m, c, v);
        } catch (e) {
          throw addKey(e, m.name);
        }
        if (m.inherited) setOwn(out, m.name, r);
        else out[m.name] = r;
      }
    }
    return out;
  }

  // ---- clone -----------------------------------------------------------

  private buildClone(name: string): CopyFn {
    const codec = this.codecs[name]?.clone;
    if (codec) return codec;
    const copy = this.copies.get(name);
    const visit = this.visitFn(name);
    return (x) => cloneFast(x, copy, visit);
  }

  /**
   * The fast copy: scalars and enums as they are (the clone visitor checks
   * nothing), `any` as a JSON copy, lists and objects member by member in
   * the walk's order; anything else (a missing member, an unknown branch,
   * an object that is not plain, members out of order) and it gives up.
   *
   * `widen` (bigint mode): the decode of a value its check accepted with
   * numbers for wide integers (see intCounts), which the input walk makes
   * bigints: those numbers converted (objects: see widenObject).
   */
  private buildCopy(p: Plan, widen: boolean): CopyFn {
    const copies = widen ? this.widens : this.copies;
    switch (p.kind) {
      case 'scalar':
      case 'enum': {
        const slot = this.slot(p.kind === 'scalar' ? p.name : p.info.name);
        if (widen && slot.code === LEAF_BIGINT) return widenInt;
        return (x) => copyLeaf(slot, x);
      }
      case 'list': {
        const element = this.slot(p.element);
        const nested = element.code === NESTED ? copies.get(p.element) : null;
        const any = element.code === LEAF_ANY;
        const wide = widen && element.code === LEAF_BIGINT;
        return (x) => {
          if (!Array.isArray(x)) throw GIVE_UP;
          const n = x.length;
          const out: unknown[] = [];
          if (nested !== null) for (let i = 0; i < n; i++) out.push(nested(x[i]));
          else if (any) for (let i = 0; i < n; i++) out.push(copyJsonValue(x[i], false));
          else if (wide) for (let i = 0; i < n; i++) out.push(widenInt(x[i]));
          else for (let i = 0; i < n; i++) out.push(x[i]);
          return out;
        };
      }
      case 'alternate': {
        const branch = (j: AlternateJsonType): string | undefined =>
          p.branches.find((b) => this.jsonType(b.type) === j)?.type;
        const has = (j: AlternateJsonType): boolean => branch(j) !== undefined;
        const container = (j: AlternateJsonType): CopyFn | null => {
          const t = branch(j);
          return t === undefined ? null : copies.get(t);
        };
        const numberType = branch('number');
        const wideNumber =
          widen && numberType !== undefined && this.slot(numberType).code === LEAF_BIGINT;
        const [string, number, boolean, nul] = [
          has('string'),
          has('number'),
          has('boolean'),
          has('null'),
        ];
        const array = container('array');
        const object = container('object');
        return (x) => {
          switch (typeof x) {
            case 'string':
              if (string) return x;
              break;
            case 'number':
            case 'bigint':
              if (number) return wideNumber ? widenInt(x) : x;
              break;
            case 'boolean':
              if (boolean) return x;
              break;
            case 'object':
              if (x === null) {
                if (nul) return x;
              } else if (Array.isArray(x)) {
                if (array !== null) return array(x);
              } else if (object !== null) return object(x);
              break;
          }
          throw GIVE_UP;
        };
      }
      case 'object': {
        if (widen) return this.widenObject(p.name);
        const name = p.name;
        let root: Shape | null = null;
        return (x) => {
          if (typeof x !== 'object' || x === null || !isPlain(x)) throw GIVE_UP;
          const o = x as PlainObject;
          const sh = this.shapeOf((root ??= this.rootShape(name)), o);
          if (sh === null) throw GIVE_UP;
          // Spread first, then replace the members that hold objects as the loop meets them.
          const out = sh.copy(o);
          // The orders of keys met before (see KeyOrder): mostly one comparison a key.
          let at = sh.orders;
          for (const k in o) {
            const next = at.next !== null && at.next.key === k ? at.next : otherOrder(at, k);
            if (next === null) return copyMembers(sh, o, out);
            at = next;
            const v = o[k];
            if (v === undefined) throw GIVE_UP;
            const m = at.member!;
            if (m.code === NESTED || m.code === LEAF_ANY) copyMember(out, k, m, v);
          }
          return at.complete ? out : copyMembers(sh, o, out);
        };
      }
    }
  }

  /**
   * The widening copy of an object its check accepted: a spread (unknown
   * members a lenient check let through stay, as the walk keeps them),
   * then the members that can hold wide integers replaced by their
   * widening.
   */
  private widenObject(name: string): CopyFn {
    let root: Shape | null = null;
    return (x) => {
      const o = x as PlainObject;
      const sh = this.shapeOf((root ??= this.rootShape(name)), o);
      if (sh === null) throw GIVE_UP;
      const out = sh.copy(o);
      const ms = (sh.widening ??= sh.members.filter(
        (m) => m.code === LEAF_BIGINT || (m.code === NESTED && this.holdsWide(m.type)),
      ));
      for (let i = 0; i < ms.length; i++) {
        const m = ms[i]!;
        const k = m.name;
        const v = m.inherited ? (hasOwn(o, k) ? o[k] : undefined) : o[k];
        if (v === undefined) continue;
        const r = m.code === NESTED ? m.widen!(v) : widenInt(v);
        if (m.inherited) setOwn(out, k, r);
        else out[k] = r;
      }
      return out;
    };
  }

  /**
   * Whether a wide integer can be reached from a type. Within a cycle of
   * types the answer is assumed yes while it is being found: a widening
   * copy too many costs time, one too few would be wrong.
   */
  private holdsWide(name: string): boolean {
    const known = this.wide.get(name);
    if (known !== undefined) return known;
    this.wide.set(name, true);
    const p = this.plan(name);
    let holds: boolean;
    switch (p.kind) {
      case 'scalar':
      case 'enum':
        holds = this.slot(name).code === LEAF_BIGINT;
        break;
      case 'list':
        holds = this.holdsWide(p.element);
        break;
      case 'alternate':
        holds = p.branches.some((b) => this.holdsWide(b.type));
        break;
      case 'object':
        holds =
          p.all.some((m) => this.holdsWide(m.type)) ||
          [...(p.branches?.values() ?? [])].some((b) => b !== null && this.holdsWide(b));
        break;
    }
    this.wide.set(name, holds);
    return holds;
  }

  // ---- commands and events ---------------------------------------------

  private commandInfo(row: CommandRow): CommandInfo {
    const args = row.args;
    const returns = row.returns;
    return Object.freeze({
      args: args === undefined ? null : this.lazyVisit(args),
      returns: returns === undefined ? null : this.lazyVisit(returns),
      ...(args === undefined || this.versioned ? {} : { decodeArgs: this.lazyDecode(args) }),
      ...(returns === undefined ? {} : { decodeReturns: this.lazyDecode(returns) }),
      features: featuresOf(row.features),
      allowOob: row.oob === true,
      successResponse: row.noReply !== true,
      ...(row.gen === false ? { gen: false } : {}),
    });
  }

  private eventInfo(row: EventRow): EventInfo {
    const data = row.data;
    return Object.freeze({
      data: data === undefined ? null : this.lazyVisit(data),
      ...(data === undefined ? {} : { decodeData: this.lazyDecode(data) }),
      features: featuresOf(row.features),
    });
  }

  /** Tables are linked before every plan is there: their walks resolve on first use. */
  private lazyVisit(name: string): VisitFn {
    let fn: VisitFn | null = null;
    return (v, k, x) => (fn ??= this.visitFn(name))(v, k, x);
  }

  private lazyDecode(name: string): DecodeFn {
    let fn: DecodeFn | null = null;
    return (c, x) => (fn ??= this.decodeFn(name))(c, x);
  }
}

// ---------------------------------------------------------------------------
// Built-in scalars.
// ---------------------------------------------------------------------------

function isIntKind(name: string): name is IntKind {
  return Object.prototype.hasOwnProperty.call(INT_RANGES, name);
}

function scalarVisit(name: string): VisitFn {
  switch (name) {
    case 'str':
      return (v, k, x) => v.str(k, x);
    case 'bool':
      return (v, k, x) => v.bool(k, x);
    case 'number':
      return (v, k, x) => v.number(k, x);
    case 'null':
      return (v, k, x) => v.null(k, x);
    case 'any':
      return (v, k, x) => v.any(k, x);
  }
  if (!isIntKind(name)) throw new Error(`qapi-ts: no built-in type ${name}`);
  return (v, k, x) => v.int(k, x, name);
}

// ---------------------------------------------------------------------------
// The fast paths' leaves.
// ---------------------------------------------------------------------------

const LEAF_STR = 0;
const LEAF_BOOL = 1;
const LEAF_NULL = 2;
const LEAF_NUMBER = 3;
const LEAF_INT = 4;
const LEAF_BIGINT = 5;
const LEAF_ENUM = 6;
const LEAF_ANY = 7;
/** A list, object or alternate: through its closure. */
const NESTED = 8;

const SCALAR_CODES: { readonly [name: string]: number } = Object.freeze({
  str: LEAF_STR,
  bool: LEAF_BOOL,
  null: LEAF_NULL,
  number: LEAF_NUMBER,
  any: LEAF_ANY,
});

/** How the fast paths treat a value of one type. */
interface Slot {
  readonly code: number;
  readonly type: string;
  /** LEAF_INT: the range of a safe-integer `number`. */
  readonly min: number;
  readonly max: number;
  /** LEAF_BIGINT: the range of a `bigint`. */
  readonly bmin: bigint;
  readonly bmax: bigint;
  readonly kind: IntKind | null;
  /** LEAF_ENUM. */
  readonly values: ReadonlySet<string> | null;
  readonly info: EnumInfo | null;
}

/** A member, as the fast paths read it. */
interface FastMember extends Slot {
  readonly name: string;
  readonly optional: boolean;
  readonly features: Features;
  readonly inherited: boolean;
  /** NESTED: the type's closures. */
  readonly check: CheckFn | null;
  readonly encode: EncodeFn | null;
  readonly copy: CopyFn | null;
  readonly widen: CopyFn | null;
}

/** Every member of an object (base first), where to find each, and the union still to resolve. */
interface Shape {
  readonly members: readonly FastMember[];
  readonly required: number;
  readonly index: ReadonlyMap<string, number>;
  /** Copies an object of this shape: object spread, at a site of its own (see SPREAD_SITES). */
  readonly copy: (o: PlainObject) => PlainObject;
  /**
   * The order cache: for each member, the key that followed it in the last
   * object of this shape and that key's member (-1: unknown); slot `start`
   * holds the first key, slot `afterUnknown` the key after an unknown one.
   */
  readonly nextName: (string | undefined)[];
  readonly nextIdx: number[];
  /** The orders of keys met in copies (see KeyOrder), and how many nodes that tree has. */
  readonly orders: KeyOrder;
  orderNodes: number;
  readonly start: number;
  readonly afterUnknown: number;
  readonly union: {
    readonly tag: string;
    readonly branches: ReadonlyMap<string, string | null>;
    readonly variants: Map<string, Shape | null>;
  } | null;
  /** The members a widening copy replaces (widenObject), found on its first use. */
  widening: readonly FastMember[] | null;
}

function makeSlot(
  code: number,
  type: string,
  min: number,
  max: number,
  bmin: bigint,
  bmax: bigint,
  kind: IntKind | null,
  values: ReadonlySet<string> | null,
  info: EnumInfo | null,
): Slot {
  return { code, type, min, max, bmin, bmax, kind, values, info };
}

/**
 * Object spread is V8's fastest copy: an inline cache per site learns the
 * source's layout and copies it whole. One site shared by every type sees
 * dozens of layouts and goes megamorphic, three times slower (the objects
 * of the `query-qmp-schema` reply: 0.53 ms against 0.17 ms with these
 * sites). So there are sixteen identical sites, each shape taking the next
 * one, which keeps each site to a few layouts.
 */
const SPREAD_SITES: readonly ((o: PlainObject) => PlainObject)[] = [
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
  (o) => ({ ...o }),
];
let spreadSite = 0;

function makeShape(
  members: readonly FastMember[],
  tag: string | null,
  branches: ReadonlyMap<string, string | null> | null,
): Shape {
  return {
    members,
    required: members.filter((m) => !m.optional).length,
    index: new Map(members.map((m, i) => [m.name, i])),
    // Members in schema order at first; each miss rewrites one entry.
    nextName: [...members.slice(1).map((m) => m.name), undefined, members[0]?.name, undefined],
    nextIdx: [...members.slice(1).map((_, i) => i + 1), -1, members.length ? 0 : -1, -1],
    orders: newKeyOrder(undefined, null),
    orderNodes: 0,
    start: members.length,
    afterUnknown: members.length + 1,
    copy: SPREAD_SITES[spreadSite++ % SPREAD_SITES.length]!,
    union: tag === null || branches === null ? null : { tag, branches, variants: new Map() },
    widening: null,
  };
}

/**
 * Member `k` (value `v`) of a copy whose spread `out` already holds the
 * leaves: a nested value's copy, an `any`'s JSON copy. An inherited name
 * (`constructor`…) is stored as own data.
 */
function copyMember(out: PlainObject, k: string, m: FastMember, v: unknown): void {
  let r: unknown;
  if (m.code === NESTED) r = m.copy!(v);
  else if (m.code === LEAF_ANY) r = copyJsonValue(v, false);
  else return;
  if (m.inherited) setOwn(out, k, r);
  else out[k] = r;
}

/**
 * The copy of object `o` of shape `sh` (its spread `out` given), member by
 * member in any order; when it succeeds, its order of keys joins the
 * shape's orders (see KeyOrder), and the next object in that order takes
 * the short loop.
 */
function copyMembers(sh: Shape, o: PlainObject, out: PlainObject): PlainObject {
  const ms = sh.members;
  const path: [string, FastMember][] = [];
  let prev = sh.start;
  let required = 0;
  for (const k in o) {
    const j = memberIndex(sh, prev, k);
    prev = j < 0 ? sh.afterUnknown : j;
    // A member the type does not know: the clone walk leaves it out.
    if (j < 0) throw GIVE_UP;
    const m = ms[j]!;
    const v = o[k];
    if (v === undefined) throw GIVE_UP;
    if (!m.optional) required++;
    path.push([k, m]);
    copyMember(out, k, m, v);
  }
  if (required !== sh.required) throw GIVE_UP;
  learnOrder(sh, path);
  return out;
}

/**
 * The orders of keys a shape has met in objects it copied, as a tree: each
 * node a key (the root none), its member, the child met last and the
 * others; `complete` where an order that passed every check ends. An object
 * whose keys follow a path to a complete node needs no other check than
 * "no value is undefined". Bounded, so that objects with ever new orders
 * cost no memory: past the bound they take the long loop.
 */
interface KeyOrder {
  readonly key: string | undefined;
  readonly member: FastMember | null;
  next: KeyOrder | null;
  readonly others: KeyOrder[];
  complete: boolean;
}

const MAX_KEY_ORDER_NODES = 256;

function newKeyOrder(key: string | undefined, member: FastMember | null): KeyOrder {
  return { key, member, next: null, others: [], complete: false };
}

/** The child of `at` for key `k` other than `at.next`, which it becomes; null when there is none. */
function otherOrder(at: KeyOrder, k: string): KeyOrder | null {
  const others = at.others;
  for (let i = 0; i < others.length; i++) {
    const o = others[i]!;
    if (o.key === k) {
      others[i] = at.next!;
      at.next = o;
      return o;
    }
  }
  return null;
}

function learnOrder(sh: Shape, path: readonly [string, FastMember][]): void {
  let at = sh.orders;
  for (const [k, m] of path) {
    let next = at.next !== null && at.next.key === k ? at.next : otherOrder(at, k);
    if (next === null) {
      if (sh.orderNodes >= MAX_KEY_ORDER_NODES) return;
      sh.orderNodes++;
      next = newKeyOrder(k, m);
      if (at.next !== null) at.others.push(at.next);
      at.next = next;
    }
    at = next;
  }
  at.complete = true;
}

/** The member of key `k` read after member `prev` (see Shape's order cache, updated on a miss); -1 for a key the type does not know. */
function memberIndex(sh: Shape, prev: number, k: string): number {
  if (sh.nextName[prev] === k) return sh.nextIdx[prev]!;
  const j = sh.index.get(k) ?? -1;
  sh.nextName[prev] = k;
  sh.nextIdx[prev] = j;
  return j;
}

/**
 * A safe-integer number in the slot's range, and not -0: -0 is a valid
 * integer that the walk turns into 0, not the same value, so the check
 * says no.
 */
function isIntNumber(s: Slot, v: unknown): boolean {
  return (
    typeof v === 'number' &&
    Number.isSafeInteger(v) &&
    v >= s.min &&
    v <= s.max &&
    (v !== 0 || 1 / v > 0)
  );
}

function checkLeaf(s: Slot, v: unknown): boolean {
  switch (s.code) {
    case LEAF_STR:
      return typeof v === 'string';
    case LEAF_BOOL:
      return typeof v === 'boolean';
    case LEAF_NULL:
      return v === null;
    case LEAF_NUMBER:
      return typeof v === 'number' && Number.isFinite(v);
    case LEAF_INT:
      return isIntNumber(s, v);
    case LEAF_BIGINT:
      if (typeof v === 'bigint') {
        if (v < s.bmin || v > s.bmax) return false;
        wideInts++;
        return true;
      }
      // A safe integer for a wide one: the input walk makes it a bigint, the output walk writes
      // it as it is. The decode then widens the value (intCounts).
      if (!isIntNumber(s, v)) return false;
      intCounts.narrow++;
      return true;
    case LEAF_ENUM:
      return typeof v === 'string' && s.values!.has(v);
    case LEAF_ANY:
      return isJsonData(v);
    default:
      throw new Error(`qapi-ts: ${s.type} is no leaf`);
  }
}

/** The output walk of a leaf: the common case inline, anything else through the visitor, for its exact error. */
function encodeLeaf(s: Slot, c: OutputVisitor, v: unknown): unknown {
  switch (s.code) {
    case LEAF_STR:
      return typeof v === 'string' ? v : c.str(null, v);
    case LEAF_BOOL:
      return typeof v === 'boolean' ? v : c.bool(null, v);
    case LEAF_NULL:
      return c.null(null, v);
    case LEAF_NUMBER:
      return typeof v === 'number' && Number.isFinite(v) ? v : c.number(null, v);
    case LEAF_INT:
    case LEAF_BIGINT:
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= s.min && v <= s.max
        ? v + 0
        : c.int(null, v, s.kind!);
    case LEAF_ENUM:
      return typeof v === 'string' && s.values!.has(v) ? v : c.enumValue(null, v, s.info!);
    case LEAF_ANY:
      return c.any(null, v);
    default:
      throw new Error(`qapi-ts: ${s.type} is no leaf`);
  }
}

/** How many bigints the checks met for wide integers since the caller set it to 0 (encodeText). */
let wideInts = 0;

/** A strict fast check of `value`, where running out of stack is a no (the walk then reports it). */
function givesBack(check: CheckFn, value: unknown): boolean {
  try {
    return check(value, true);
  } catch {
    return false;
  }
}

/** The clone of a leaf: itself, or for `any` a JSON copy. */
function copyLeaf(s: Slot, v: unknown): unknown {
  return s.code === LEAF_ANY ? copyJsonValue(v, false) : v;
}
