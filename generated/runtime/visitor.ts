// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * The Visitor interface, modelled on QEMU's (qapi/qapi-visit-core.h).
 *
 * Generated code has one `visitFoo(v, key, value)` function per type. It
 * walks a value of type Foo and asks the visitor, at every step, what the
 * value becomes: the input visitor turns checked JSON into typed values,
 * the output visitor turns typed values into JSON, the clone visitor makes
 * deep copies, and users can write their own (a redacting visitor, say).
 *
 * The walk for a struct is QEMU's:
 *
 *     const s = v.startStruct(key, value, 'Foo');
 *     v.member(s, 'required-member', NO_FEATURES, visitInt);
 *     if (v.optional(s, 'opt')) v.member(s, 'opt', NO_FEATURES, visitStr);
 *     v.checkStruct(s);
 *     return v.endStruct(s);
 *
 * Unions read their tag with `memberValue` after visiting the base members,
 * then visit the members of the branch. Every method receives the key of
 * the value being visited (a member name, a list index, or null at the
 * top), so visitors can report errors with a path such as
 * `backend-transfer[0]`.
 *
 * Errors (errors.ts) carry that path, built on the way out: a value's check
 * throws without its own key, and the container that visited it (`member`,
 * `list`) adds the key. The runtime visitors keep no state between calls
 * (all of it is in the StructScope), so one instance can serve every walk.
 */

import { addKey, noAlternative, notJson, tooDeep, wrongType } from './errors.js';

/** Where a value sits in its parent: a member name, a list index, or null for the top. */
export type Key = string | number | null;

/** Visits one value of some type with a visitor; returns what the visitor makes of it. */
export type VisitFn = (v: Visitor, key: Key, value: unknown) => unknown;

/** Special features of a member, enum value, command or event (QEMU's `deprecated`, `unstable`). */
export interface Features {
  readonly deprecated?: boolean;
  readonly unstable?: boolean;
}

export const NO_FEATURES: Features = Object.freeze({});

/** The integer types of QAPI, each with its range. */
export type IntKind =
  'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'size';

/** What an enum visit needs to know about the enum type. */
export interface EnumInfo {
  readonly name: string;
  readonly values: readonly string[];
  /** Features of individual values, by value. */
  readonly valueFeatures: { readonly [value: string]: Features };
  /** Values only older versions have, when the bindings span several (`--oldest`): never accepted in arguments. */
  readonly olderOnly?: readonly string[];
}

/** The JSON types an alternate dispatches on (QEMU's QType, less `none`). */
export type AlternateJsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

/** One alternative of an alternate: the JSON type it accepts, and how to visit it. */
export interface AlternateBranch {
  readonly name: string;
  readonly jsonType: AlternateJsonType;
  /** For a string branch that is an enum: its values (to pick between enum and other branches). */
  readonly enumValues?: readonly string[];
  readonly visit: VisitFn;
}

/** Opaque per-struct state of a visitor. */
export interface StructScope {
  readonly typeName: string;
}

export interface Visitor {
  /** Begins a struct or union value. */
  startStruct(key: Key, value: unknown, typeName: string): StructScope;
  /** Whether an optional member is present (QEMU's visit_optional). */
  optional(scope: StructScope, name: string): boolean;
  /** Visits one member: `visit` is called with the member's value and the result is kept. */
  member(scope: StructScope, name: string, features: Features, visit: VisitFn): void;
  /** The visited value of a member of this struct (a union reads its tag with it). */
  memberValue(scope: StructScope, name: string): unknown;
  /** Called when a union's tag names no known branch (lenient input keeps such values). */
  unknownBranch(scope: StructScope, tagName: string): void;
  /** Checks the struct once all members are visited (strict input rejects unknown members). */
  checkStruct(scope: StructScope): void;
  /** Ends the struct; returns the value it became. */
  endStruct(scope: StructScope): unknown;

  /** Visits a list; `visitElement` visits each element with its index as key. */
  list(key: Key, value: unknown, visitElement: VisitFn): unknown;
  /** Visits an alternate: chooses the branch for the value and visits it. */
  alternate(
    key: Key,
    value: unknown,
    typeName: string,
    branches: readonly AlternateBranch[],
  ): unknown;

  int(key: Key, value: unknown, kind: IntKind): unknown;
  number(key: Key, value: unknown): unknown;
  str(key: Key, value: unknown): unknown;
  bool(key: Key, value: unknown): unknown;
  null(key: Key, value: unknown): unknown;
  /** A value of type `any`: any JSON value. */
  any(key: Key, value: unknown): unknown;
  enumValue(key: Key, value: unknown, info: EnumInfo): unknown;
}

// ---------------------------------------------------------------------------
// The visit functions of the built-in types (QEMU's visit_type_int8 …).
// ---------------------------------------------------------------------------

export const visitInt: VisitFn = (v, k, x) => v.int(k, x, 'int');
export const visitInt8: VisitFn = (v, k, x) => v.int(k, x, 'int8');
export const visitInt16: VisitFn = (v, k, x) => v.int(k, x, 'int16');
export const visitInt32: VisitFn = (v, k, x) => v.int(k, x, 'int32');
export const visitInt64: VisitFn = (v, k, x) => v.int(k, x, 'int64');
export const visitUint8: VisitFn = (v, k, x) => v.int(k, x, 'uint8');
export const visitUint16: VisitFn = (v, k, x) => v.int(k, x, 'uint16');
export const visitUint32: VisitFn = (v, k, x) => v.int(k, x, 'uint32');
export const visitUint64: VisitFn = (v, k, x) => v.int(k, x, 'uint64');
export const visitSize: VisitFn = (v, k, x) => v.int(k, x, 'size');
export const visitNumber: VisitFn = (v, k, x) => v.number(k, x);
export const visitStr: VisitFn = (v, k, x) => v.str(k, x);
export const visitBool: VisitFn = (v, k, x) => v.bool(k, x);
export const visitNull: VisitFn = (v, k, x) => v.null(k, x);
export const visitAny: VisitFn = (v, k, x) => v.any(k, x);

// ---------------------------------------------------------------------------
// ForwardingVisitor: the base of user-written visitors.
// ---------------------------------------------------------------------------

/**
 * A visitor that passes every call to an inner visitor. Extend it and
 * override a few methods to change what happens; nested values come back
 * through the subclass, so an override sees every value of its kind at
 * every depth. A redacting encoder:
 *
 *     class Redact extends ForwardingVisitor {
 *       override str(key: Key, value: unknown): unknown {
 *         return key === 'password' ? '<redacted>' : super.str(key, value);
 *       }
 *     }
 *     const json = visitFoo(new Redact(new OutputVisitor()), null, foo);
 *
 * The visit functions given to the inner visitor are wrapped (once per
 * function, cached) so that they call back into this visitor. Subclassing
 * InputVisitor, OutputVisitor or CloneVisitor directly avoids even that cost.
 */
export class ForwardingVisitor implements Visitor {
  readonly inner: Visitor;
  private readonly wrappedFns = new WeakMap<VisitFn, VisitFn>();
  private readonly wrappedBranches = new WeakMap<
    readonly AlternateBranch[],
    readonly AlternateBranch[]
  >();

  constructor(inner: Visitor) {
    this.inner = inner;
  }

  /** `visit`, calling back into this visitor instead of the visitor it is given. */
  protected wrap(visit: VisitFn): VisitFn {
    let w = this.wrappedFns.get(visit);
    if (w === undefined) {
      w = (_v, k, x) => visit(this, k, x);
      this.wrappedFns.set(visit, w);
    }
    return w;
  }

  private wrapBranches(branches: readonly AlternateBranch[]): readonly AlternateBranch[] {
    let w = this.wrappedBranches.get(branches);
    if (w === undefined) {
      w = branches.map((b) => ({ ...b, visit: this.wrap(b.visit) }));
      this.wrappedBranches.set(branches, w);
    }
    return w;
  }

  startStruct(key: Key, value: unknown, typeName: string): StructScope {
    return this.inner.startStruct(key, value, typeName);
  }
  optional(scope: StructScope, name: string): boolean {
    return this.inner.optional(scope, name);
  }
  member(scope: StructScope, name: string, features: Features, visit: VisitFn): void {
    this.inner.member(scope, name, features, this.wrap(visit));
  }
  memberValue(scope: StructScope, name: string): unknown {
    return this.inner.memberValue(scope, name);
  }
  unknownBranch(scope: StructScope, tagName: string): void {
    this.inner.unknownBranch(scope, tagName);
  }
  checkStruct(scope: StructScope): void {
    this.inner.checkStruct(scope);
  }
  endStruct(scope: StructScope): unknown {
    return this.inner.endStruct(scope);
  }
  list(key: Key, value: unknown, visitElement: VisitFn): unknown {
    return this.inner.list(key, value, this.wrap(visitElement));
  }
  alternate(
    key: Key,
    value: unknown,
    typeName: string,
    branches: readonly AlternateBranch[],
  ): unknown {
    return this.inner.alternate(key, value, typeName, this.wrapBranches(branches));
  }
  int(key: Key, value: unknown, kind: IntKind): unknown {
    return this.inner.int(key, value, kind);
  }
  number(key: Key, value: unknown): unknown {
    return this.inner.number(key, value);
  }
  str(key: Key, value: unknown): unknown {
    return this.inner.str(key, value);
  }
  bool(key: Key, value: unknown): unknown {
    return this.inner.bool(key, value);
  }
  null(key: Key, value: unknown): unknown {
    return this.inner.null(key, value);
  }
  any(key: Key, value: unknown): unknown {
    return this.inner.any(key, value);
  }
  enumValue(key: Key, value: unknown, info: EnumInfo): unknown {
    return this.inner.enumValue(key, value, info);
  }
}

// ---------------------------------------------------------------------------
// Helpers for visitor implementations.
// ---------------------------------------------------------------------------

/** A JSON object as visitors read it. */
export type PlainObject = { [key: string]: unknown };

const hasOwnProperty = Object.prototype.hasOwnProperty;
const OBJECT_PROTO: object = Object.prototype;

/**
 * The own keys of `Object.prototype` (`__proto__`, `constructor`, `toString`,
 * …): a plain assignment of these would hit the prototype's accessor or,
 * with frozen intrinsics, throw. A lookup here is much cheaper than `in`.
 */
const PROTO_KEYS: { [key: string]: boolean } = Object.create(null) as { [key: string]: boolean };
for (const k of Object.getOwnPropertyNames(OBJECT_PROTO)) PROTO_KEYS[k] = true;

/** Whether `obj` has an own property `key` (never an inherited one such as `constructor`). */
export function hasOwn(obj: object, key: string): boolean {
  return hasOwnProperty.call(obj, key);
}

/**
 * Sets an own data property, even for keys such as `__proto__` (which an
 * assignment would take as the prototype) or keys of a frozen
 * `Object.prototype`.
 */
export function setOwn(obj: PlainObject, key: string, value: unknown): void {
  if (PROTO_KEYS[key] === true) {
    Object.defineProperty(obj, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  } else {
    obj[key] = value;
  }
}

/** Whether `x` can be walked as a struct: an object, not an array, not null. */
export function isObject(x: unknown): x is PlainObject {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** The JSON type of a value, as alternates dispatch on it; undefined for non-JSON values. */
export function jsonTypeOf(x: unknown): AlternateJsonType | undefined {
  switch (typeof x) {
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return x === null ? 'null' : Array.isArray(x) ? 'array' : 'object';
    default:
      return undefined;
  }
}

/**
 * The branch of an alternate for a value: the first whose JSON type matches
 * and, for an enum branch, whose values include the string; failing that,
 * the first whose JSON type matches (its visit then reports the bad value).
 */
export function pickBranch(
  x: unknown,
  branches: readonly AlternateBranch[],
): AlternateBranch | undefined {
  const t = jsonTypeOf(x);
  let fallback: AlternateBranch | undefined;
  for (const b of branches) {
    if (b.jsonType !== t) continue;
    if (b.enumValues === undefined || b.enumValues.includes(x as string)) return b;
    fallback ??= b;
  }
  return fallback;
}

const ENUM_SETS = new WeakMap<EnumInfo, ReadonlySet<string>>();

/** Whether `x` is a value of the enum (a Set lookup for large enums). */
export function isEnumValue(info: EnumInfo, x: string): boolean {
  const values = info.values;
  if (values.length <= 12) return values.includes(x);
  let set = ENUM_SETS.get(info);
  if (set === undefined) {
    set = new Set(values);
    ENUM_SETS.set(info, set);
  }
  return set.has(x);
}

/** The features of an enum value (NO_FEATURES if it has none). */
export function enumValueFeatures(info: EnumInfo, x: string): Features {
  const vf = info.valueFeatures;
  return hasOwnProperty.call(vf, x) ? (vf[x] ?? NO_FEATURES) : NO_FEATURES;
}

/** How deep a value inside `any` may nest (QEMU's JSON parser allows 1024 levels in all). */
export const MAX_ANY_DEPTH = 1024;

/**
 * A deep copy of a JSON value (the value of an `any`): fresh arrays and
 * plain objects (keys such as `__proto__` as own data properties), scalars
 * as they are. With `check`, anything that is not JSON is an error with its
 * path: undefined, functions, symbols, non-finite numbers, sparse arrays,
 * objects other than plain ones; and nesting beyond {@link MAX_ANY_DEPTH}
 * (which also stops cycles).
 */
export function copyJsonValue(x: unknown, check: boolean): unknown {
  return copyJson(x, check, 0);
}

function copyJson(x: unknown, check: boolean, depth: number): unknown {
  if (typeof x !== 'object' || x === null) {
    if (check) {
      const t = typeof x;
      if (
        t === 'number'
          ? !Number.isFinite(x)
          : t !== 'string' && t !== 'boolean' && t !== 'bigint' && x !== null
      ) {
        throw notJson(t === 'number' ? String(x) : t);
      }
    }
    return x;
  }
  if (depth >= MAX_ANY_DEPTH) throw tooDeep(MAX_ANY_DEPTH);
  if (Array.isArray(x)) {
    const n = x.length;
    const out: unknown[] = [];
    let i = 0;
    try {
      for (; i < n; i++) {
        if (check && !(i in x)) throw notJson('hole in array');
        out.push(copyJson(x[i], check, depth + 1));
      }
    } catch (e) {
      throw addKey(e, i);
    }
    return out;
  }
  if (check) {
    const proto: unknown = Object.getPrototypeOf(x);
    if (proto !== OBJECT_PROTO && proto !== null) throw notJson('not a plain object');
  }
  const src = x as PlainObject;
  const out: PlainObject = {};
  let key = '';
  try {
    for (key of Object.keys(src)) {
      const v = src[key];
      if (v === undefined && !check) continue;
      setOwn(out, key, copyJson(v, check, depth + 1));
    }
  } catch (e) {
    throw addKey(e, key);
  }
  return out;
}

/**
 * The state of one struct walk, used by the runtime visitors: the source
 * object, the object being built, and how many members were consumed.
 */
export class ObjectScope implements StructScope {
  readonly typeName: string;
  readonly src: PlainObject;
  readonly out: PlainObject;
  /** Members of `src` consumed so far (strict input compares this with the key count). */
  consumed: number;
  /** Members left out by the output policy (only when there are some). */
  skipped: string[] | undefined;

  constructor(typeName: string, src: PlainObject, out: PlainObject) {
    this.typeName = typeName;
    this.src = src;
    this.out = out;
    this.consumed = 0;
    this.skipped = undefined;
  }
}

/**
 * Copies the members of `s.src` that the walk did not visit into `s.out`,
 * as JSON copies: what a union with an unknown branch keeps.
 */
export function copyRemainingMembers(s: ObjectScope, check: boolean): void {
  const { src, out, skipped } = s;
  for (const k of Object.keys(src)) {
    if (hasOwnProperty.call(out, k) || (skipped !== undefined && skipped.includes(k))) continue;
    const v = src[k];
    if (v === undefined && !check) continue;
    let copy: unknown;
    try {
      copy = copyJson(v, check, 0);
    } catch (e) {
      throw addKey(e, k);
    }
    setOwn(out, k, copy);
  }
}

/** The list walk the stock visitors share: each element visited with its index as key; errors get the index. */
export function walkList(v: Visitor, value: unknown, visitElement: VisitFn): unknown[] {
  if (!Array.isArray(value)) throw wrongType('array');
  const n = value.length;
  const out: unknown[] = [];
  let i = 0;
  try {
    for (; i < n; i++) out.push(visitElement(v, i, value[i]));
  } catch (e) {
    throw addKey(e, i);
  }
  return out;
}

/** The alternate walk the stock visitors share: the branch for the value's JSON type, or QEMU's error. */
export function walkAlternate(
  v: Visitor,
  key: Key,
  value: unknown,
  typeName: string,
  branches: readonly AlternateBranch[],
): unknown {
  const b = pickBranch(value, branches);
  if (b === undefined) throw noAlternative(typeName);
  return b.visit(v, key, value);
}
