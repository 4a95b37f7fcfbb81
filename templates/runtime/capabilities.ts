/**
 * What a live QEMU supports, from its `query-qmp-schema` reply: libvirt's
 * query paths, typed helpers on top, a comparison with the generated
 * binding, and the check behind the client's `refuseUnsupported` option.
 *
 * ```ts
 * const caps = await client.capabilities();
 * caps.has('blockdev-add/arg-type/+file/aio/^io_uring'); // libvirt's syntax
 * caps.hasMember('migrate-set-parameters', 'backend-transfer'); // names checked by tsc
 * for (const d of caps.compare()) console.log(d.side, d.kind, d.path);
 * ```
 *
 * Type names in `query-qmp-schema` are masked (numbers that change from
 * build to build), so nothing here looks a type up by its name: every
 * question and every comparison starts at a command or event name and
 * follows `arg-type`, `ret-type`, members, branches and elements.
 *
 * Depends on ECMAScript built-ins and the sibling runtime files only: this
 * file is copied into generated output.
 */

import { SPECIAL_FEATURES } from './compat.js';
import { QapiError, nameErrorClass } from './errors.js';
import type { QmpSchemaInfo, QmpSchemaInfoObject } from './introspect.js';
import {
  BUILTIN_SCALARS,
  enumValueRows,
  type FeatureWord,
  type ModulePlans,
  type PlanTable,
  type TypeRow,
} from './plans.js';
import { QmpError } from './qmp.js';
import type { QmpCommandMap, QmpCommandSignature, QmpSchemaBinding } from './qmp-client.js';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** The elements of a list type (of a list of lists, …); other types as they are. */
type ElementOf<T> = T extends readonly (infer U)[] ? ElementOf<U> : T;

type KeysOfObject<O> = O extends object
  ? string extends keyof O
    ? never
    : keyof O & string
  : never;

/** The member names of `T`: of each branch of a union, of the object alternatives of an alternate, of a list's elements. */
type KeysOf<T> = KeysOfObject<ElementOf<T>>;

type MemberOfObject<O, K extends string> = O extends object
  ? K extends keyof O
    ? NonNullable<O[K]>
    : never
  : never;

/** The type of member `K` of `T` (of every branch that has it), lists flattened. */
type MemberOf<T, K extends string> = MemberOfObject<ElementOf<T>, K>;

/** The member names valid at a step (`Prefix` before each), or the path so far when the step is past a leaf. */
type Expected<T, Prefix extends string, Done extends string> = [KeysOf<T>] extends [never]
  ? Done
  : `${Prefix}${KeysOf<T>}`;

/** true when `P` is a member path of `T`, else what was expected where it goes wrong. */
type CheckPath<T, P extends string, Prefix extends string, Done extends string> = 0 extends 1 & T
  ? true
  : P extends `${infer H}.${infer R}`
    ? H extends KeysOf<T>
      ? CheckPath<MemberOf<T, H>, R, `${Prefix}${H}.`, `${Prefix}${H}`>
      : Expected<T, Prefix, Done>
    : P extends KeysOf<T>
      ? true
      : Expected<T, Prefix, Done>;

/**
 * A member path of an arguments (or return, or event data) type `T`, for
 * the typed helpers: a member name, or names joined with `.` through nested
 * objects (`'cache.direct'`). Lists are flattened (a path through a list
 * goes on in its elements), a union contributes the members of every
 * branch, an alternate those of its object alternatives. `P` itself when it
 * is one; otherwise what was expected where it goes wrong (which is what
 * the type checker's error shows). Any string for an untyped map. Checked
 * step by step, so huge unions (`blockdev-add`) cost little.
 */
export type QmpMemberPath<T, P extends string> = [CheckPath<T, P, '', ''>] extends [true]
  ? P
  : CheckPath<T, P, '', ''>;

/** The type of the member at a member path `P` of `T` (lists flattened); `any` for an untyped map. */
export type QmpMemberType<T, P extends string> = 0 extends 1 & T
  ? any
  : P extends `${infer H}.${infer R}`
    ? QmpMemberType<MemberOf<T, H>, R>
    : ElementOf<MemberOf<T, P>>;

/** The string values the member at path `P` of `T` takes: an enum's values (`string` for a `str` member). */
export type QmpEnumValueOf<T, P extends string> = Extract<QmpMemberType<T, P>, string>;

/** What a {@link QmpCapabilityDifference} is about. */
export type QmpCapabilityDifferenceKind =
  /** A command one side has and the other lacks (path: the command). */
  | 'command'
  /** An event one side has and the other lacks (path: the event). */
  | 'event'
  /** An object member (path ends in the member), or its optionality (side `mismatch`). */
  | 'member'
  /** An enum value (path ends in `^value`). */
  | 'enum-value'
  /** A union branch (path ends in `+case`). */
  | 'branch'
  /**
   * A feature: of a command, event or type (path ends in `$feature`), of an
   * enum value (`^value/$feature`), or of a member (path ends in the member:
   * libvirt's syntax has no step for a member's own features; `feature`
   * names it).
   */
  | 'feature'
  /**
   * The two sides have different kinds of type at the same path (an enum
   * against a `str`, an `int` against a `number`, …; side `mismatch`), or an
   * alternate has an alternative of a JSON type only one side has.
   */
  | 'type';

/** Which side has the thing. */
export type QmpCapabilitySide =
  /** The generated binding has it; the server lacks it. */
  | 'binding-only'
  /** The server has it; the generated binding lacks it. */
  | 'server-only'
  /** Both have it, differently (kinds `member` and `type`). */
  | 'mismatch';

/** One difference between the generated binding and the server, from {@link QmpCapabilities.compare}. */
export interface QmpCapabilityDifference {
  /**
   * Where, in libvirt's query path syntax: `migrate-set-parameters/arg-type/backend-transfer`,
   * `blockdev-add/arg-type/+file/aio/^io_uring`, `query-foo/$deprecated`.
   * `has(path)` on the side that has the thing is true (except for member
   * features and alternatives, which the syntax can't name).
   */
  readonly path: string;
  readonly kind: QmpCapabilityDifferenceKind;
  readonly side: QmpCapabilitySide;
  /** What differs, in words. */
  readonly detail: string;
  /** The feature's name (kind `feature`). */
  readonly feature?: string;
}

/** Options of {@link QmpCapabilities.compare}. */
export interface QmpCompareOptions {
  /**
   * Which features to compare. Default: every feature when the binding side
   * is introspection data; the special ones (`deprecated`, `unstable`) when
   * it is the binding's plan tables, which keep no others.
   */
  readonly features?: 'all' | readonly string[];
}

/** Options of the {@link QmpCapabilities} constructor. */
export interface QmpCapabilitiesOptions {
  /** The server's version (the greeting's `version.qemu`), for messages: `QEMU 7.2.22 does not support …`. */
  readonly version?: { readonly major: number; readonly minor: number; readonly micro: number };
  /** The generated binding, the default side of {@link QmpCapabilities.compare}. */
  readonly binding?: QmpSchemaBinding;
}

/** A query path `has` can't answer: malformed (libvirt's errors), or a schema that refers to types it lacks. */
export class QmpCapabilityPathError extends QapiError {
  /** The query path. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}
nameErrorClass(QmpCapabilityPathError, 'QmpCapabilityPathError');

/** What the server lacks, as {@link QmpCapabilities.unsupported} finds it. */
export interface QmpUnsupportedArgument {
  /** A command, a member of its arguments, or a string value of a member (an enum value). */
  readonly kind: 'command' | 'member' | 'enum-value';
  readonly command: string;
  /** The member, as QEMU names it (`a.b[2].c`), for kinds `member` and `enum-value`. */
  readonly member?: string;
  /** The value, for kind `enum-value`. */
  readonly value?: string;
}

/**
 * A call refused before sending because the server lacks the command, an
 * argument member or an enum value (the client's `refuseUnsupported`
 * option). `fromServer` is false; nothing was written.
 */
export class QmpUnsupportedError extends QmpError {
  /** What the server lacks. */
  readonly unsupported: QmpUnsupportedArgument;
  constructor(message: string, unsupported: QmpUnsupportedArgument) {
    super(unsupported.kind === 'command' ? 'CommandNotFound' : 'GenericError', message, {
      command: unsupported.command,
      fromServer: false,
    });
    this.name = 'QmpUnsupportedError';
    this.unsupported = unsupported;
  }
}

// ---------------------------------------------------------------------------
// The capabilities
// ---------------------------------------------------------------------------

type Info = QmpSchemaInfo;
type Lookup = ReadonlyMap<string, Info>;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function byName(schema: readonly Info[]): Map<string, Info> {
  const map = new Map<string, Info>();
  for (const info of schema) if (!map.has(info.name)) map.set(info.name, info);
  return map;
}

/**
 * A server's capabilities: its `query-qmp-schema` reply (masked type
 * names and all), with libvirt's query paths, typed questions, and a
 * comparison with the generated binding. `C` and `E` are the generated
 * `QmpCommands` and `QmpEvents` maps; they type the helpers' names.
 */
export class QmpCapabilities<
  C extends QmpCommandMap<C> = { readonly [name: string]: QmpCommandSignature },
  E = { readonly [name: string]: unknown },
> {
  /** The reply, as received. */
  readonly schema: readonly QmpSchemaInfo[];
  /** `QEMU 7.2.22` (or `The QMP server` when the version is unknown), as messages name the server. */
  readonly serverName: string;
  private readonly lookupTable: Map<string, Info>;
  private readonly binding: QmpSchemaBinding | undefined;

  constructor(schema: readonly QmpSchemaInfo[], options: QmpCapabilitiesOptions = {}) {
    this.schema = schema;
    this.lookupTable = byName(schema);
    const v = options.version;
    this.serverName = v === undefined ? 'The QMP server' : `QEMU ${v.major}.${v.minor}.${v.micro}`;
    this.binding = options.binding;
  }

  // -- libvirt's query paths ---------------------------------------------------

  /**
   * Whether the schema has what a libvirt query path names
   * (`virQEMUQAPISchemaPathExists`, src/qemu/qemu_qapi.c), steps separated
   * by `/`:
   *
   * - first a command or event name (`blockdev-add`, `STOP`);
   * - after a command or event: `arg-type` or `ret-type` (commands),
   *   `arg-type` (events), or `$feature`: the command's own feature;
   * - after an object: a member name; `*name`, a member that must be
   *   optional; `+case`, a union branch (the branch's own members follow);
   *   `$feature`, a feature of the object type;
   * - after an enum: `^value`, optionally followed by `$feature`, a feature
   *   of that value;
   * - after a built-in type: `!jsontype` (`string`, `int`, `number`,
   *   `boolean`, `null`, `value`);
   * - arrays are flattened (the step applies to the element type), and an
   *   alternate tries the rest of the path on each alternative in turn.
   *
   * `$feature` after a member names a feature of the member's type, not of
   * the member. `^`, `!` and `$` steps end a path (`^value/$feature` aside).
   * A name that doesn't start with an ASCII letter is written after one
   * space (` 9p`). A path that ends at a type (no boolean step) is true when
   * the type is there.
   *
   * @throws {QmpCapabilityPathError} for a malformed path (an empty step,
   *   a step after a terminal one) or a schema that refers to a type it
   *   doesn't define, where libvirt reports an error.
   */
  has(path: string): boolean {
    return this.query(path).found;
  }

  /**
   * The schema entry a path ends at (`virQEMUQAPISchemaPathGet`): the
   * command, event or type; `undefined` when it is absent, or when the path
   * ends in a boolean step (`^`, `!`, `$`), which names no entry.
   */
  lookup(path: string): QmpSchemaInfo | undefined {
    return this.query(path).entry;
  }

  private query(path: string): { found: boolean; entry: Info | undefined } {
    const steps = path.split('/');
    if (steps.some((s) => s === ''))
      throw new QmpCapabilityPathError(path, `malformed query string '${path}' (an empty step)`);
    if (!this.lookupTable.has(steps[0]!)) return { found: false, entry: undefined };
    const ctx: Traversal = {
      schema: this.lookupTable,
      steps,
      next: 1,
      depth: 0,
      previous: steps[0]!,
      entry: undefined,
    };
    const rc = traverse(steps[0]!, ctx);
    if (rc === MALFORMED_SCHEMA)
      throw new QmpCapabilityPathError(
        path,
        `malformed QAPI schema when querying '${ctx.previous}' of '${path}'`,
      );
    if (rc === MALFORMED_QUERY)
      throw new QmpCapabilityPathError(
        path,
        `terminal QAPI query component '${ctx.previous}' of '${path}' must not have followers`,
      );
    return { found: rc === FOUND, entry: rc === FOUND ? ctx.entry : undefined };
  }

  // -- typed helpers -----------------------------------------------------------

  /** Whether the server has the command. */
  hasCommand(name: keyof C & string): boolean {
    return this.entry(name, 'command') !== undefined;
  }

  /** Whether the server has the event. */
  hasEvent(name: keyof E & string): boolean {
    return this.entry(name, 'event') !== undefined;
  }

  /**
   * Whether the command takes an argument member: a name, or a dotted path
   * through nested objects (`'cache.direct'`), lists flattened,
   * alternatives and union branches tried in turn (the member may be in any
   * branch; with libvirt's paths, `has('cmd/arg-type/+case/member')` asks
   * about one branch).
   */
  hasMember<K extends keyof C & string, P extends string>(
    command: K,
    member: QmpMemberPath<C[K]['args'], P>,
  ): boolean {
    return this.typesAt(this.root(command, 'command', 'arg-type'), member as string).length > 0;
  }

  /** Whether the command's return value has a member (a name or dotted path, as {@link hasMember}). */
  hasReturnMember<K extends keyof C & string, P extends string>(
    command: K,
    member: QmpMemberPath<C[K]['returns'], P>,
  ): boolean {
    return this.typesAt(this.root(command, 'command', 'ret-type'), member as string).length > 0;
  }

  /** Whether the event's data has a member (a name or dotted path, as {@link hasMember}). */
  hasEventMember<N extends keyof E & string, P extends string>(
    event: N,
    member: QmpMemberPath<E[N], P>,
  ): boolean {
    return this.typesAt(this.root(event, 'event', 'arg-type'), member as string).length > 0;
  }

  /**
   * Whether an argument member of the command (a name or dotted path, as
   * {@link hasMember}) is an enum with this value (a list of such enums, or
   * an alternate with such an enum, counts too).
   */
  hasEnumValue<K extends keyof C & string, P extends string>(
    command: K,
    member: QmpMemberPath<C[K]['args'], P>,
    value: QmpEnumValueOf<C[K]['args'], P>,
  ): boolean {
    const types = this.typesAt(this.root(command, 'command', 'arg-type'), member as string);
    return types.some((t) => enumsOf(this.lookupTable, t).some((e) => enumHas(e, value)));
  }

  /** Whether the command has a feature (`deprecated`, `unstable`, or any other). */
  hasCommandFeature(command: keyof C & string, feature: string): boolean {
    return this.entry(command, 'command')?.features?.includes(feature) ?? false;
  }

  private entry(name: string, meta: 'command' | 'event'): Info | undefined {
    const info = this.lookupTable.get(name);
    return info !== undefined && info['meta-type'] === meta ? info : undefined;
  }

  private root(name: string, meta: 'command' | 'event', key: 'arg-type' | 'ret-type'): string[] {
    const info = this.entry(name, meta);
    if (info === undefined) return [];
    const type = (info as unknown as { readonly [k: string]: unknown })[key];
    return typeof type === 'string' ? [type] : [];
  }

  /** The types a dotted member path reaches from `roots` (empty: the path is not there). */
  private typesAt(roots: readonly string[], member: string): string[] {
    let current: readonly string[] = roots;
    for (const name of member.split('.')) {
      const next: string[] = [];
      for (const t of current)
        for (const o of objectsOf(this.lookupTable, t))
          for (const m of o.members)
            if (m.name === name && !next.includes(m.type)) next.push(m.type);
      if (next.length === 0) return [];
      current = next;
    }
    return [...current];
  }

  // -- refusing before sending -------------------------------------------------

  /**
   * What the server lacks of a call, or null: the command, a member of the
   * arguments at any depth (lists, nested objects, union branches by their
   * tag, alternatives by the value's JSON type), or a string value of an
   * enum member. Arguments of `'gen': false` commands (QEMU takes any) are
   * not looked into.
   */
  unsupported(command: string, args: unknown): QmpUnsupportedArgument | null {
    const info = this.entry(command, 'command');
    if (info === undefined) return { kind: 'command', command };
    const gen = this.binding?.commands[command]?.gen;
    if (gen === false || args === undefined || args === null) return null;
    const type = (info as { readonly 'arg-type': string })['arg-type'];
    return checkValue(this.lookupTable, command, type, args, '', new Set());
  }

  /** The message for what {@link unsupported} found, in the form `QEMU 7.2.22 does not support member 'x' of 'cmd'`. */
  unsupportedMessage(u: QmpUnsupportedArgument): string {
    const who = `${this.serverName} does not support`;
    switch (u.kind) {
      case 'command':
        return `${who} command '${u.command}'`;
      case 'member':
        return `${who} member '${u.member}' of '${u.command}'`;
      case 'enum-value':
        return `${who} value '${u.value}' of member '${u.member}' of '${u.command}'`;
    }
  }

  /** The error `execute` rejects with under `refuseUnsupported`, or null when the server has all the call needs. */
  refusal(command: string, args: unknown): QmpUnsupportedError | null {
    const u = this.unsupported(command, args);
    return u === null ? null : new QmpUnsupportedError(this.unsupportedMessage(u), u);
  }

  // -- comparing with the binding ----------------------------------------------

  /**
   * What the generated binding has that the server lacks (`binding-only`),
   * what the server has that the binding lacks (`server-only`), and what
   * both have differently (`mismatch`): commands and events, then, walked
   * from each command's `arg-type` and `ret-type` and each event's
   * `arg-type` on both sides, members (and their optionality), enum values,
   * union branches, features, and kinds of type. A type reached twice from
   * one command or event is compared once, at the first path; a type used by
   * several commands is compared under each.
   *
   * `against` is the binding side: by default the binding the capabilities
   * were made with (a client's); a {@link QmpSchemaBinding} with its plan
   * tables (`plans`); or a `SchemaInfo` list (a generated introspection
   * data, evaluated for a build).
   *
   * The binding has every command, member and value whatever its `'if'`
   * condition, so against a server built without some configuration the
   * conditional ones are `binding-only`.
   */
  compare(
    against: QmpSchemaBinding | readonly QmpSchemaInfo[] | undefined = this.binding,
    options: QmpCompareOptions = {},
  ): QmpCapabilityDifference[] {
    if (against === undefined)
      throw new QapiError(
        'compare(): no binding to compare with (give one, or get the capabilities from a client)',
      );
    let binding: readonly Info[];
    let scope: 'all' | readonly string[];
    if (Array.isArray(against)) {
      binding = against as readonly Info[];
      scope = options.features ?? 'all';
    } else {
      const plans = (against as QmpSchemaBinding).plans;
      if (plans === undefined)
        throw new QapiError(
          "compare(): the binding has no plan tables ('plans'); regenerate the output, or compare with introspection data",
        );
      binding = schemaInfoOfPlans(plans);
      scope = options.features ?? SPECIAL_FEATURES;
    }
    return compareSchemas(byName(binding), this.lookupTable, scope);
  }
}

// ---------------------------------------------------------------------------
// libvirt's traversal (src/qemu/qemu_qapi.c), step for step
// ---------------------------------------------------------------------------

const ABSENT = 0;
const FOUND = 1;
const MALFORMED_SCHEMA = -2;
const MALFORMED_QUERY = -3;
type Rc = typeof ABSENT | typeof FOUND | typeof MALFORMED_SCHEMA | typeof MALFORMED_QUERY;

/** libvirt gives up on a path deeper than this (a loop in the schema). */
const MAX_DEPTH = 1000;

interface Traversal {
  readonly schema: Lookup;
  readonly steps: readonly string[];
  /** The index of the next step. */
  next: number;
  depth: number;
  /** The step taken last, for messages. */
  previous: string;
  entry: Info | undefined;
}

function isAsciiAlpha(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

function nextStep(ctx: Traversal): string {
  const s = ctx.steps[ctx.next++]!;
  ctx.previous = s;
  return s;
}

function hasNextStep(ctx: Traversal): boolean {
  return ctx.next < ctx.steps.length;
}

/** 1 when `features` lists `name`, 0 when not (or there are none), -2 when malformed. */
function hasFeature(features: unknown, name: string): Rc {
  if (!Array.isArray(features)) return ABSENT;
  for (const f of features) {
    if (typeof f !== 'string') return MALFORMED_SCHEMA;
    if (f === name) return FOUND;
  }
  return ABSENT;
}

function traverse(name: unknown, ctx: Traversal): Rc {
  if (ctx.depth++ > MAX_DEPTH) return MALFORMED_SCHEMA;
  const cur = typeof name === 'string' ? ctx.schema.get(name) : undefined;
  if (cur === undefined) return MALFORMED_SCHEMA;
  if (!hasNextStep(ctx)) {
    ctx.entry = cur;
    return FOUND;
  }
  switch (cur['meta-type']) {
    case 'object':
      return traverseObject(cur, ctx);
    case 'array':
      // Arrays are flattened: the step applies to the element type.
      return typeof cur['element-type'] === 'string'
        ? traverse(cur['element-type'], ctx)
        : MALFORMED_SCHEMA;
    case 'command':
    case 'event':
      return traverseCommand(cur, ctx);
    case 'enum':
      return traverseEnum(cur, ctx);
    case 'builtin':
      return traverseBuiltin(cur, ctx);
    case 'alternate':
      return traverseAlternate(cur, ctx);
    default:
      return typeof cur['meta-type'] === 'string' ? ABSENT : MALFORMED_SCHEMA;
  }
}

function traverseObject(cur: QmpSchemaInfoObject, ctx: Traversal): Rc {
  let step = nextStep(ctx);
  const modifier = step[0];
  if (!isAsciiAlpha(modifier)) step = step.slice(1);
  if (modifier === '^' || modifier === '!') return ABSENT;
  if (modifier === '$') {
    if (hasNextStep(ctx)) return MALFORMED_QUERY;
    return hasFeature(cur.features, step);
  }
  let type: unknown;
  if (modifier === '+') {
    const variants: unknown = cur.variants;
    const v = Array.isArray(variants)
      ? (variants as unknown[]).find((x) => isRecord(x) && x['case'] === step)
      : undefined;
    if (v === undefined) return ABSENT;
    type = (v as Record<string, unknown>)['type'];
  } else {
    const members: unknown = cur.members;
    const m = Array.isArray(members)
      ? (members as unknown[]).find((x) => isRecord(x) && x['name'] === step)
      : undefined;
    if (m === undefined) return ABSENT;
    if (modifier === '*' && !hasOwn(m as object, 'default')) return ABSENT;
    type = (m as Record<string, unknown>)['type'];
  }
  return traverse(type, ctx);
}

function traverseCommand(cur: Info, ctx: Traversal): Rc {
  let step = nextStep(ctx);
  const modifier = step[0];
  if (!isAsciiAlpha(modifier)) step = step.slice(1);
  if (modifier === '^' || modifier === '!' || modifier === '+' || modifier === '*') return ABSENT;
  if (modifier === '$') {
    if (hasNextStep(ctx)) return MALFORMED_QUERY;
    return hasFeature(cur.features, step);
  }
  // Any string-valued key of the entry: `arg-type`, `ret-type`.
  const type = hasOwn(cur, step) ? (cur as unknown as Record<string, unknown>)[step] : undefined;
  if (typeof type !== 'string') return ABSENT;
  return traverse(type, ctx);
}

function traverseEnum(cur: Info & { readonly 'meta-type': 'enum' }, ctx: Traversal): Rc {
  const step = nextStep(ctx);
  if (step[0] !== '^') return ABSENT;
  let feature: string | undefined;
  if (hasNextStep(ctx)) {
    // `^value/$feature`: a feature of the enum value.
    const f = nextStep(ctx);
    if (f[0] !== '$' || hasNextStep(ctx)) return MALFORMED_QUERY;
    feature = f.slice(1);
  }
  const value = step.slice(1);
  const members: unknown = (cur as { members?: unknown }).members;
  if (Array.isArray(members)) {
    // QEMU 6.2 added `members`, with each value's features.
    for (const m of members as unknown[]) {
      if (!isRecord(m) || typeof m['name'] !== 'string') return MALFORMED_SCHEMA;
      if (m['name'] === value)
        return feature === undefined ? FOUND : hasFeature(m['features'], feature);
    }
    return ABSENT;
  }
  // Older servers: `values` only, which has no features.
  if (feature !== undefined) return ABSENT;
  const values: unknown = (cur as { values?: unknown }).values;
  if (!Array.isArray(values)) return MALFORMED_SCHEMA;
  return (values as unknown[]).includes(value) ? FOUND : ABSENT;
}

function traverseBuiltin(cur: Info & { readonly 'meta-type': 'builtin' }, ctx: Traversal): Rc {
  const step = nextStep(ctx);
  if (step[0] !== '!') return ABSENT;
  if (hasNextStep(ctx)) return MALFORMED_QUERY;
  const jsonType: unknown = cur['json-type'];
  if (typeof jsonType !== 'string') return MALFORMED_SCHEMA;
  return jsonType === step.slice(1) ? FOUND : ABSENT;
}

function traverseAlternate(cur: Info & { readonly 'meta-type': 'alternate' }, ctx: Traversal): Rc {
  const members: unknown = cur.members;
  if (!Array.isArray(members)) return MALFORMED_SCHEMA;
  const { next, depth, previous, entry } = ctx;
  for (const m of members as unknown[]) {
    if (!isRecord(m) || typeof m['type'] !== 'string') continue;
    ctx.next = next;
    ctx.depth = depth;
    ctx.previous = previous;
    ctx.entry = entry;
    const rc = traverse(m['type'], ctx);
    if (rc !== ABSENT) return rc;
  }
  return ABSENT;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

// ---------------------------------------------------------------------------
// Walking the server's types for the helpers and the refusal
// ---------------------------------------------------------------------------

/**
 * The object types a type stands for, for member lookups: itself, the
 * element of a list, each alternative of an alternate, and with each
 * object the types of its union branches (whose members a value of the
 * union may have).
 */
function objectsOf(schema: Lookup, type: string): QmpSchemaInfoObject[] {
  const out: QmpSchemaInfoObject[] = [];
  const seen = new Set<string>();
  const visit = (t: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const info = schema.get(t);
    if (info === undefined) return;
    switch (info['meta-type']) {
      case 'array':
        visit(info['element-type']);
        break;
      case 'alternate':
        for (const m of info.members) visit(m.type);
        break;
      case 'object':
        out.push(info);
        for (const v of info.variants ?? []) visit(v.type);
        break;
    }
  };
  visit(type);
  return out;
}

/** The enum types a type stands for: itself, a list's element, an alternate's alternatives. */
function enumsOf(schema: Lookup, type: string): Array<Info & { readonly 'meta-type': 'enum' }> {
  const out: Array<Info & { readonly 'meta-type': 'enum' }> = [];
  const seen = new Set<string>();
  const visit = (t: string): void => {
    if (seen.has(t)) return;
    seen.add(t);
    const info = schema.get(t);
    if (info === undefined) return;
    if (info['meta-type'] === 'enum') out.push(info);
    else if (info['meta-type'] === 'array') visit(info['element-type']);
    else if (info['meta-type'] === 'alternate') for (const m of info.members) visit(m.type);
  };
  visit(type);
  return out;
}

/** An enum's values with their features (`values` alone, for servers before QEMU 6.2). */
function enumMembers(
  info: Info & { readonly 'meta-type': 'enum' },
): Map<string, readonly string[] | undefined> {
  const out = new Map<string, readonly string[] | undefined>();
  const members = (info as { members?: readonly { name: string; features?: readonly string[] }[] })
    .members;
  if (Array.isArray(members)) for (const m of members) out.set(m.name, m.features);
  else for (const v of info.values ?? []) out.set(v, undefined);
  return out;
}

function enumHas(info: Info & { readonly 'meta-type': 'enum' }, value: string): boolean {
  const members = (info as { members?: readonly { name: string }[] }).members;
  if (Array.isArray(members)) return members.some((m) => m.name === value);
  return (info.values ?? []).includes(value);
}

function isPlainValue(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The JSON type of a value, as `json-type` names them (integers as `int`). */
function jsonTypeOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'array';
  switch (typeof x) {
    case 'string':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'bigint':
      return 'int';
    case 'number':
      return Number.isInteger(x) ? 'int' : 'number';
    default:
      return 'object';
  }
}

/** Which JSON types a type's values have. */
function acceptsJson(schema: Lookup, type: string, json: string): boolean {
  const info = schema.get(type);
  if (info === undefined) return false;
  switch (info['meta-type']) {
    case 'builtin': {
      const j = info['json-type'];
      return j === 'value' || j === json || (j === 'number' && json === 'int');
    }
    case 'enum':
      return json === 'string';
    case 'array':
      return json === 'array';
    case 'object':
      return json === 'object';
    default:
      return false;
  }
}

function memberPath(prefix: string, name: string): string {
  return prefix === '' ? name : `${prefix}.${name}`;
}

/** The first thing in `value` that the server's type `type` lacks, or null. */
function checkValue(
  schema: Lookup,
  command: string,
  type: string,
  value: unknown,
  path: string,
  seen: Set<string>,
): QmpUnsupportedArgument | null {
  const info = schema.get(type);
  if (info === undefined) return null;
  switch (info['meta-type']) {
    case 'array': {
      if (!Array.isArray(value)) return null;
      for (let i = 0; i < value.length; i++) {
        const u = checkValue(
          schema,
          command,
          info['element-type'],
          value[i],
          `${path}[${i}]`,
          seen,
        );
        if (u !== null) return u;
      }
      return null;
    }
    case 'enum':
      if (typeof value === 'string' && !enumHas(info, value))
        return { kind: 'enum-value', command, member: path === '' ? 'null' : path, value };
      return null;
    case 'alternate': {
      const json = jsonTypeOf(value);
      const branch = info.members.find((m) => acceptsJson(schema, m.type, json));
      return branch === undefined
        ? null
        : checkValue(schema, command, branch.type, value, path, seen);
    }
    case 'object': {
      if (!isPlainValue(value)) return null;
      const members = new Map<string, string>();
      for (const m of info.members) members.set(m.name, m.type);
      // The branch the tag selects adds its members (and may itself be a union).
      let union: QmpSchemaInfoObject | undefined = info;
      const guard = new Set<string>();
      while (union?.tag !== undefined && !guard.has(union.name)) {
        guard.add(union.name);
        const tag: unknown = value[union.tag];
        const variant: { readonly type: string } | undefined = union.variants?.find(
          (v) => v.case === tag,
        );
        const branch: Info | undefined =
          variant === undefined ? undefined : schema.get(variant.type);
        if (branch === undefined || branch['meta-type'] !== 'object') break;
        for (const m of branch.members) if (!members.has(m.name)) members.set(m.name, m.type);
        union = branch;
      }
      for (const key of Object.keys(value)) {
        if (value[key] === undefined) continue;
        const t = members.get(key);
        if (t === undefined) return { kind: 'member', command, member: memberPath(path, key) };
        const u = checkValue(schema, command, t, value[key], memberPath(path, key), seen);
        if (u !== null) return u;
      }
      return null;
    }
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------
// The binding side: SchemaInfo made from the plan tables
// ---------------------------------------------------------------------------

/** The empty object: the arguments of a command without any, and a branch that adds no members. */
const EMPTY_OBJECT = '{}';

/** The JSON type of each built-in the plan tables refer to by its QAPI name. */
function builtinJsonType(name: string): QmpSchemaInfo & { readonly 'meta-type': 'builtin' } {
  const json =
    name === 'str'
      ? 'string'
      : name === 'bool'
        ? 'boolean'
        : name === 'number'
          ? 'number'
          : name === 'null'
            ? 'null'
            : name === 'any'
              ? 'value'
              : 'int';
  return { name, 'meta-type': 'builtin', 'json-type': json };
}

function featureNames(word: FeatureWord | undefined): string[] {
  return word === undefined ? [] : word.split(' ');
}

function withFeatures<T extends object>(
  o: T,
  features: readonly string[],
): T & { features?: readonly string[] } {
  return features.length > 0 ? { ...o, features } : o;
}

/**
 * The plan tables of a binding as a `SchemaInfo` list, for comparing:
 * type names are the binding's TypeScript names (never compared), a
 * struct's members include its base's, built-ins are named as in QAPI.
 * The tables keep only the special features (`deprecated`, `unstable`).
 */
export function schemaInfoOfPlans(plans: readonly (ModulePlans | PlanTable)[]): QmpSchemaInfo[] {
  const rows = new Map<string, TypeRow>();
  const out: QmpSchemaInfo[] = [];
  for (const p of plans) {
    const table: PlanTable = 'table' in p ? (p as ModulePlans).table : (p as PlanTable);
    for (const [name, row] of Object.entries(table.types ?? {})) rows.set(name, row);
    for (const [name, row] of Object.entries(table.commands ?? {}))
      out.push(
        withFeatures(
          {
            name,
            'meta-type': 'command' as const,
            'arg-type': row.args ?? EMPTY_OBJECT,
            'ret-type': row.returns ?? EMPTY_OBJECT,
            ...(row.oob === true ? { 'allow-oob': true } : {}),
          },
          featureNames(row.features),
        ),
      );
    for (const [name, row] of Object.entries(table.events ?? {}))
      out.push(
        withFeatures(
          { name, 'meta-type': 'event' as const, 'arg-type': row.data ?? EMPTY_OBJECT },
          featureNames(row.features),
        ),
      );
  }
  out.push({ name: EMPTY_OBJECT, 'meta-type': 'object', members: [] });
  for (const b of BUILTIN_SCALARS) if (!rows.has(b)) out.push(builtinJsonType(b));
  const membersOf = (name: string, guard: Set<string>): QmpSchemaInfoObject['members'] => {
    const row = rows.get(name);
    if (row === undefined || !('members' in row || 'base' in row || 'tag' in row)) return [];
    if (guard.has(name)) return [];
    guard.add(name);
    const o = row as { base?: string; members?: readonly string[] };
    const base = o.base === undefined ? [] : membersOf(o.base, guard);
    const local = (o.members ?? []).map((m) => {
      const [starred, type, ...features] = m.split(' ');
      const optional = starred!.startsWith('*');
      return withFeatures(
        {
          name: optional ? starred!.slice(1) : starred!,
          type: type!,
          ...(optional ? { default: null } : {}),
        },
        features,
      );
    });
    return [...base, ...local];
  };
  for (const [name, row] of rows) {
    if ('enum' in row) {
      const members = enumValueRows(row).map((v) => {
        const [value, ...features] = v.split(' ');
        return withFeatures({ name: value! }, features);
      });
      out.push({ name, 'meta-type': 'enum', members, values: members.map((m) => m.name) });
    } else if ('list' in row) {
      out.push({ name, 'meta-type': 'array', 'element-type': row.list });
    } else if ('alternate' in row) {
      out.push({
        name,
        'meta-type': 'alternate',
        members: row.alternate.map((a) => ({ type: a.split(' ')[1]! })),
      });
    } else {
      const tag = row.tag;
      const variants = (row.branches ?? []).map((b) => {
        const [value, type] = b.split(' ');
        return { case: value!, type: type ?? EMPTY_OBJECT };
      });
      out.push({
        name,
        'meta-type': 'object',
        members: membersOf(name, new Set()),
        ...(tag === undefined ? {} : { tag, variants }),
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Comparing two schemas, walked from command and event names
// ---------------------------------------------------------------------------

/** A name as a step of a libvirt path: one that doesn't start with an ASCII letter gets a space before it. */
function step(name: string): string {
  return isAsciiAlpha(name[0]) ? name : ` ${name}`;
}

/** What kind of JSON an alternative takes (how an alternate tells its alternatives apart). */
function alternativeJson(schema: Lookup, type: string): string {
  const info = schema.get(type);
  if (info === undefined) return '?';
  switch (info['meta-type']) {
    case 'builtin':
      return info['json-type'] === 'int' ? 'number' : info['json-type'];
    case 'enum':
      return 'string';
    default:
      return info['meta-type'];
  }
}

function describeType(info: Info): string {
  return info['meta-type'] === 'builtin'
    ? `a built-in of JSON type '${info['json-type']}'`
    : `an ${info['meta-type']}`;
}

function compareSchemas(
  binding: Lookup,
  server: Lookup,
  scope: 'all' | readonly string[],
): QmpCapabilityDifference[] {
  const out: QmpCapabilityDifference[] = [];
  const inScope = (f: string): boolean => scope === 'all' || scope.includes(f);
  const features = (list: readonly string[] | undefined): string[] => (list ?? []).filter(inScope);

  const sideOf = (bindingHas: boolean): QmpCapabilitySide =>
    bindingHas ? 'binding-only' : 'server-only';
  const has = (bindingHas: boolean): string =>
    bindingHas
      ? 'the binding has it, the server does not'
      : 'the server has it, the binding does not';

  const compareFeatures = (
    b: readonly string[] | undefined,
    s: readonly string[] | undefined,
    pathOf: (f: string) => string,
    what: string,
  ): void => {
    const bf = features(b);
    const sf = features(s);
    for (const f of bf)
      if (!sf.includes(f))
        out.push({
          path: pathOf(f),
          kind: 'feature',
          side: 'binding-only',
          detail: `${what} has feature '${f}' in the binding, not on the server`,
          feature: f,
        });
    for (const f of sf)
      if (!bf.includes(f))
        out.push({
          path: pathOf(f),
          kind: 'feature',
          side: 'server-only',
          detail: `${what} has feature '${f}' on the server, not in the binding`,
          feature: f,
        });
  };

  const walk = (b: string, s: string, path: string, seen: Set<string>): void => {
    const key = `${b}\u0000${s}`;
    if (seen.has(key)) return;
    seen.add(key);
    const bi = binding.get(b);
    const si = server.get(s);
    if (bi === undefined || si === undefined) return;
    const bm = bi['meta-type'];
    const sm = si['meta-type'];
    if (bm !== sm) {
      out.push({
        path,
        kind: 'type',
        side: 'mismatch',
        detail: `the binding has ${describeType(bi)}, the server ${describeType(si)}`,
      });
      return;
    }
    compareFeatures(bi.features, si.features, (f) => `${path}/$${f}`, 'the type');
    if (bi['meta-type'] === 'builtin' && si['meta-type'] === 'builtin') {
      if (bi['json-type'] !== si['json-type'])
        out.push({
          path,
          kind: 'type',
          side: 'mismatch',
          detail: `JSON type '${bi['json-type']}' in the binding, '${si['json-type']}' on the server`,
        });
    } else if (bi['meta-type'] === 'array' && si['meta-type'] === 'array') {
      walk(bi['element-type'], si['element-type'], path, seen);
    } else if (bi['meta-type'] === 'enum' && si['meta-type'] === 'enum') {
      const sv = enumMembers(si);
      const bv = enumMembers(bi);
      for (const [value, bf] of bv) {
        const p = `${path}/^${value}`;
        if (!sv.has(value))
          out.push({
            path: p,
            kind: 'enum-value',
            side: 'binding-only',
            detail: `value '${value}': ${has(true)}`,
          });
        else compareFeatures(bf, sv.get(value), (f) => `${p}/$${f}`, `value '${value}'`);
      }
      for (const value of sv.keys())
        if (!bv.has(value))
          out.push({
            path: `${path}/^${value}`,
            kind: 'enum-value',
            side: 'server-only',
            detail: `value '${value}': ${has(false)}`,
          });
    } else if (bi['meta-type'] === 'alternate' && si['meta-type'] === 'alternate') {
      const sAlt = new Map<string, string>();
      for (const m of si.members) sAlt.set(alternativeJson(server, m.type), m.type);
      const bAlt = new Map<string, string>();
      for (const m of bi.members) bAlt.set(alternativeJson(binding, m.type), m.type);
      for (const [json, bt] of bAlt) {
        const st = sAlt.get(json);
        if (st === undefined)
          out.push({
            path,
            kind: 'type',
            side: 'binding-only',
            detail: `an alternative of JSON type '${json}': ${has(true)}`,
          });
        else walk(bt, st, path, seen);
      }
      for (const json of sAlt.keys())
        if (!bAlt.has(json))
          out.push({
            path,
            kind: 'type',
            side: 'server-only',
            detail: `an alternative of JSON type '${json}': ${has(false)}`,
          });
    } else if (bi['meta-type'] === 'object' && si['meta-type'] === 'object') {
      const sMembers = new Map(si.members.map((m) => [m.name, m] as const));
      const bMembers = new Map(bi.members.map((m) => [m.name, m] as const));
      for (const [name, m] of bMembers) {
        const p = `${path}/${step(name)}`;
        const sm2 = sMembers.get(name);
        if (sm2 === undefined) {
          out.push({
            path: p,
            kind: 'member',
            side: 'binding-only',
            detail: `member '${name}': ${has(true)}`,
          });
          continue;
        }
        const bo = hasOwn(m, 'default');
        const so = hasOwn(sm2, 'default');
        if (bo !== so)
          out.push({
            path: p,
            kind: 'member',
            side: 'mismatch',
            detail: `member '${name}' is ${bo ? 'optional' : 'required'} in the binding, ${so ? 'optional' : 'required'} on the server`,
          });
        compareFeatures(m.features, sm2.features, () => p, `member '${name}'`);
        walk(m.type, sm2.type, p, seen);
      }
      for (const name of sMembers.keys())
        if (!bMembers.has(name))
          out.push({
            path: `${path}/${step(name)}`,
            kind: 'member',
            side: 'server-only',
            detail: `member '${name}': ${has(false)}`,
          });
      if (bi.tag !== si.tag && bi.tag !== undefined && si.tag !== undefined)
        out.push({
          path,
          kind: 'type',
          side: 'mismatch',
          detail: `a union with tag '${bi.tag}' in the binding, tag '${si.tag}' on the server`,
        });
      const sCases = new Map((si.variants ?? []).map((v) => [v.case, v.type] as const));
      const bCases = new Map((bi.variants ?? []).map((v) => [v.case, v.type] as const));
      for (const [c, bt] of bCases) {
        const st = sCases.get(c);
        if (st === undefined)
          out.push({
            path: `${path}/+${c}`,
            kind: 'branch',
            side: 'binding-only',
            detail: `branch '${c}': ${has(true)}`,
          });
        else walk(bt, st, `${path}/+${c}`, seen);
      }
      for (const c of sCases.keys())
        if (!bCases.has(c))
          out.push({
            path: `${path}/+${c}`,
            kind: 'branch',
            side: 'server-only',
            detail: `branch '${c}': ${has(false)}`,
          });
    }
  };

  const entities = (schema: Lookup, meta: 'command' | 'event'): Map<string, Info> => {
    const m = new Map<string, Info>();
    for (const [name, info] of schema) if (info['meta-type'] === meta) m.set(name, info);
    return m;
  };
  for (const meta of ['command', 'event'] as const) {
    const b = entities(binding, meta);
    const s = entities(server, meta);
    const names = [...new Set([...b.keys(), ...s.keys()])].sort();
    for (const name of names) {
      const bi = b.get(name);
      const si = s.get(name);
      if (bi === undefined || si === undefined) {
        out.push({
          path: name,
          kind: meta,
          side: sideOf(bi !== undefined),
          detail: `${meta} '${name}': ${has(bi !== undefined)}`,
        });
        continue;
      }
      compareFeatures(bi.features, si.features, (f) => `${name}/$${f}`, `${meta} '${name}'`);
      const keys =
        meta === 'command' ? (['arg-type', 'ret-type'] as const) : (['arg-type'] as const);
      for (const k of keys) {
        const bt = (bi as unknown as Record<string, unknown>)[k];
        const st = (si as unknown as Record<string, unknown>)[k];
        if (typeof bt === 'string' && typeof st === 'string')
          walk(bt, st, `${name}/${k}`, new Set());
      }
    }
  }
  return out;
}
