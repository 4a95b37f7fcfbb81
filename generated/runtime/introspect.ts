// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * Introspection data: the list `query-qmp-schema` serves (QEMU's
 * `SchemaInfo`, qapi/introspect.json), kept as an annotated tree in which
 * every list item carries the `'if'` condition of the schema item it comes
 * from, as in QEMU's generated `qapi-introspect.c` (where each condition is
 * an `#if` around the item). {@link evaluateIntrospection} drops the items
 * whose condition is false for a build and returns what that build serves.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { QapiError, nameErrorClass } from './errors.js';

/**
 * An `'if'` condition, in the schema's own form: a configuration symbol
 * (`'CONFIG_KVM'`), or `all`, `any` or `not` over conditions.
 */
export type IfCondition =
  | string
  | { readonly all: readonly IfCondition[] }
  | { readonly any: readonly IfCondition[] }
  | { readonly not: IfCondition };

/** A list item of the tree: its value, and the condition it is compiled under (absent: always). */
export interface Annotated<T> {
  readonly value: T;
  readonly if?: IfCondition;
}

/**
 * A value of the annotated tree: JSON where every list item is
 * {@link Annotated} (object values never are, as in QEMU's tree).
 */
export type AnnotatedValue =
  null | boolean | string | readonly Annotated<AnnotatedValue>[] | AnnotatedObject;

/** An object of the annotated tree. Keys are in QEMU's order (sorted). */
export interface AnnotatedObject {
  readonly [key: string]: AnnotatedValue;
}

/** The whole introspection data of a schema: one annotated `SchemaInfo` object per entity, in QEMU's order. */
export type IntrospectionTree = readonly Annotated<AnnotatedObject>[];

/** Which symbols are defined: a set of names, or a predicate on a name. */
export type EnabledSymbols = ReadonlySet<string> | ((name: string) => boolean);

/** `SchemaMetaType`: what a {@link QmpSchemaInfo} describes. */
export type QmpSchemaMetaType =
  'builtin' | 'enum' | 'array' | 'object' | 'alternate' | 'command' | 'event';

/** `JSONType`: the JSON type of a built-in type's values. */
export type QmpSchemaJsonType =
  'string' | 'number' | 'int' | 'boolean' | 'null' | 'object' | 'array' | 'value';

/** The members every {@link QmpSchemaInfo} has. */
export interface QmpSchemaInfoBase {
  /** A command or event name, a built-in type's name, `[T]` for an array, or a (masked) type name. */
  readonly name: string;
  readonly 'meta-type': QmpSchemaMetaType;
  /** The entity's features, when it has any. */
  readonly features?: readonly string[];
}

/** `SchemaInfoBuiltin`. */
export interface QmpSchemaInfoBuiltin extends QmpSchemaInfoBase {
  readonly 'meta-type': 'builtin';
  readonly 'json-type': QmpSchemaJsonType;
}

/** `SchemaInfoEnumMember`: an enum value with its features. */
export interface QmpSchemaInfoEnumMember {
  readonly name: string;
  readonly features?: readonly string[];
}

/** `SchemaInfoEnum`. `values` lists the same names as `members`. */
export interface QmpSchemaInfoEnum extends QmpSchemaInfoBase {
  readonly 'meta-type': 'enum';
  readonly members: readonly QmpSchemaInfoEnumMember[];
  readonly values: readonly string[];
}

/** `SchemaInfoArray`. */
export interface QmpSchemaInfoArray extends QmpSchemaInfoBase {
  readonly 'meta-type': 'array';
  readonly 'element-type': string;
}

/** `SchemaInfoObjectMember`. An optional member has `default: null`. */
export interface QmpSchemaInfoObjectMember {
  readonly name: string;
  readonly type: string;
  readonly default?: null;
  readonly features?: readonly string[];
}

/** `SchemaInfoObjectVariant`: a union branch. */
export interface QmpSchemaInfoObjectVariant {
  readonly case: string;
  readonly type: string;
}

/** `SchemaInfoObject`: a struct, or a union with its `tag` and `variants`. */
export interface QmpSchemaInfoObject extends QmpSchemaInfoBase {
  readonly 'meta-type': 'object';
  readonly members: readonly QmpSchemaInfoObjectMember[];
  readonly tag?: string;
  readonly variants?: readonly QmpSchemaInfoObjectVariant[];
}

/** `SchemaInfoAlternateMember`. */
export interface QmpSchemaInfoAlternateMember {
  readonly type: string;
}

/** `SchemaInfoAlternate`. */
export interface QmpSchemaInfoAlternate extends QmpSchemaInfoBase {
  readonly 'meta-type': 'alternate';
  readonly members: readonly QmpSchemaInfoAlternateMember[];
}

/** `SchemaInfoCommand`. `allow-oob` is present (true) only for commands that allow it. */
export interface QmpSchemaInfoCommand extends QmpSchemaInfoBase {
  readonly 'meta-type': 'command';
  readonly 'arg-type': string;
  readonly 'ret-type': string;
  readonly 'allow-oob'?: boolean;
}

/** `SchemaInfoEvent`. */
export interface QmpSchemaInfoEvent extends QmpSchemaInfoBase {
  readonly 'meta-type': 'event';
  readonly 'arg-type': string;
}

/** `SchemaInfo`: one item of the `query-qmp-schema` reply. */
export type QmpSchemaInfo =
  | QmpSchemaInfoBuiltin
  | QmpSchemaInfoEnum
  | QmpSchemaInfoArray
  | QmpSchemaInfoObject
  | QmpSchemaInfoAlternate
  | QmpSchemaInfoCommand
  | QmpSchemaInfoEvent;

/** The error for a malformed condition. */
export class IntrospectionError extends QapiError {}
nameErrorClass(IntrospectionError, 'IntrospectionError');

function predicate(enabled: EnabledSymbols): (name: string) => boolean {
  return typeof enabled === 'function' ? enabled : (name) => enabled.has(name);
}

function evaluateWith(cond: IfCondition, isDefined: (name: string) => boolean): boolean {
  if (typeof cond === 'string') return isDefined(cond);
  if (cond !== null && typeof cond === 'object') {
    const keys = Object.keys(cond);
    if (keys.length === 1) {
      if ('all' in cond && Array.isArray(cond.all)) {
        return cond.all.every((c) => evaluateWith(c, isDefined));
      }
      if ('any' in cond && Array.isArray(cond.any)) {
        return cond.any.some((c) => evaluateWith(c, isDefined));
      }
      if ('not' in cond) return !evaluateWith(cond.not, isDefined);
    }
  }
  throw new IntrospectionError(`invalid 'if' condition: ${JSON.stringify(cond)}`);
}

/**
 * Whether a condition holds when exactly the given symbols are defined (as
 * C's `#if defined(A) && !defined(B)`, which QEMU generates from it).
 * Throws {@link IntrospectionError} on a malformed condition.
 */
export function evaluateCondition(cond: IfCondition, enabled: EnabledSymbols): boolean {
  return evaluateWith(cond, predicate(enabled));
}

function evaluateValue(value: AnnotatedValue, isDefined: (name: string) => boolean): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value as readonly Annotated<AnnotatedValue>[]) {
      if (item.if !== undefined && !evaluateWith(item.if, isDefined)) continue;
      out.push(evaluateValue(item.value, isDefined));
    }
    return out;
  }
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    out[key] = evaluateValue((value as AnnotatedObject)[key]!, isDefined);
  }
  return out;
}

/**
 * The `query-qmp-schema` reply of a build in which exactly the given
 * symbols are defined: every item (entity, member, enum value, branch,
 * alternative, feature) whose condition is false is left out, and the rest
 * is plain JSON, as QEMU serves it. The tree is not changed.
 *
 * An empty set gives the data of a build that defines nothing, and
 * `() => true` that of one that defines every symbol (items under `not`
 * are then left out). {@link introspectionSymbols} lists the symbols a
 * tree mentions.
 */
export function evaluateIntrospection(
  tree: IntrospectionTree,
  enabled: EnabledSymbols,
): QmpSchemaInfo[] {
  return evaluateValue(tree, predicate(enabled)) as QmpSchemaInfo[];
}

function specializeValue(
  value: AnnotatedValue,
  isDefined: (name: string) => boolean,
): AnnotatedValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    const out: Annotated<AnnotatedValue>[] = [];
    for (const item of value as readonly Annotated<AnnotatedValue>[]) {
      if (item.if !== undefined && !evaluateWith(item.if, isDefined)) continue;
      out.push({ value: specializeValue(item.value, isDefined) });
    }
    return out;
  }
  const out: Record<string, AnnotatedValue> = {};
  for (const key of Object.keys(value)) {
    out[key] = specializeValue((value as AnnotatedObject)[key]!, isDefined);
  }
  return out;
}

/**
 * The tree of one build, still a tree: the items whose condition is false
 * left out, and no conditions on the rest. For fixing the symbols when
 * code is generated; `evaluateIntrospection` of the result, with any
 * symbols, is `evaluateIntrospection(tree, enabled)`.
 */
export function specializeIntrospection(
  tree: IntrospectionTree,
  enabled: EnabledSymbols,
): IntrospectionTree {
  return specializeValue(
    tree as readonly Annotated<AnnotatedValue>[],
    predicate(enabled),
  ) as IntrospectionTree;
}

function collectSymbols(cond: IfCondition, into: Set<string>): void {
  if (typeof cond === 'string') {
    into.add(cond);
  } else if ('all' in cond) {
    for (const c of cond.all) collectSymbols(c, into);
  } else if ('any' in cond) {
    for (const c of cond.any) collectSymbols(c, into);
  } else {
    collectSymbols(cond.not, into);
  }
}

function walkSymbols(value: AnnotatedValue, into: Set<string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value as readonly Annotated<AnnotatedValue>[]) {
      if (item.if !== undefined) collectSymbols(item.if, into);
      walkSymbols(item.value, into);
    }
    return;
  }
  for (const key of Object.keys(value)) walkSymbols((value as AnnotatedObject)[key]!, into);
}

/** Every configuration symbol the tree's conditions mention, sorted. */
export function introspectionSymbols(tree: IntrospectionTree): string[] {
  const into = new Set<string>();
  walkSymbols(tree, into);
  return [...into].sort();
}
