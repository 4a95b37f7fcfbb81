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
 */

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
export type IntKind = 'int' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'size';

/** What an enum visit needs to know about the enum type. */
export interface EnumInfo {
  readonly name: string;
  readonly values: readonly string[];
  /** Features of individual values, by value. */
  readonly valueFeatures: { readonly [value: string]: Features };
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
  alternate(key: Key, value: unknown, typeName: string, branches: readonly AlternateBranch[]): unknown;

  int(key: Key, value: unknown, kind: IntKind): unknown;
  number(key: Key, value: unknown): unknown;
  str(key: Key, value: unknown): unknown;
  bool(key: Key, value: unknown): unknown;
  null(key: Key, value: unknown): unknown;
  /** A value of type `any`: any JSON value. */
  any(key: Key, value: unknown): unknown;
  enumValue(key: Key, value: unknown, info: EnumInfo): unknown;
}
