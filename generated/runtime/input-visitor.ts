// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * The input visitor: JSON value → typed value (QEMU's qobject-input-visitor).
 *
 * Input comes from the exact QMP reader: integers beyond 2^53 are `bigint`.
 * Every value is checked against its type, with QEMU's messages. This walk
 * builds the result from fresh plain objects, so keys such as `__proto__`
 * are plain data and no prototype is ever touched. (A generated
 * `decodeFoo` may instead return its input, or parts of it, when a check
 * shows that the walk would build an equal value: see codec-support.ts.)
 *
 * - Strict (command arguments): unknown members are rejected, as QEMU does.
 * - Lenient (replies, events; the QMP spec says clients must ignore unknown
 *   members): unknown members are kept as they were read, neither checked
 *   nor copied, so nothing a newer QEMU sent is lost (the types don't show
 *   them; encode and clone leave them out). Options keep unknown enum values
 *   (as the string) and unions whose tag names an unknown branch (their
 *   other members as JSON copies), so an older binding survives a newer
 *   QEMU. A union tag is an enum, so `keepUnknownBranches` needs
 *   `keepUnknownEnumValues` to get past the tag.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import {
  type CompatPolicy,
  DEFAULT_COMPAT_POLICY,
  checksInput,
  inputRefusal,
  policyError,
} from './compat.js';
import { addKey, badEnumValue, missingMember, wrongType } from './errors.js';
import { decodeInt } from './ints.js';
import { holdsJsonFloat, isJsonFloat } from './json.js';
import { ALL_CONSUMED, checkUnexpected, keepUnexpected } from './codec-support.js';
import { CheckingVisitor } from './stock-visitor.js';
import {
  type EnumInfo,
  type Features,
  type IntKind,
  type Key,
  NO_FEATURES,
  ObjectScope,
  type StructScope,
  type VisitFn,
  copyJsonValue,
  copyRemainingMembers,
  enumValueFeatures,
  hasOwn,
  isEnumValue,
  setOwn,
  walkList,
} from './visitor.js';

export interface InputVisitorOptions {
  /** Reject unknown members (command arguments); false keeps them as they are (replies, events). */
  readonly strict: boolean;
  /** How `int`, `int64`, `uint64` and `size` are held: as the generated code was (`--int64`). */
  readonly int64: 'number' | 'bigint';
  /** The input half applies: deprecated/unstable members and enum values accepted, rejected or crash. */
  readonly compat?: CompatPolicy;
  /** Keep an unknown enum value as its string instead of failing. */
  readonly keepUnknownEnumValues?: boolean;
  /** Keep a union whose tag is no known branch (needs keepUnknownEnumValues for the tag). */
  readonly keepUnknownBranches?: boolean;
  /**
   * The value is a command's arguments: with bindings that span several
   * QEMU versions (`--oldest`), held to the newest version's members and
   * values; otherwise what any of the versions sends is read.
   */
  readonly forArguments?: boolean;
}

export class InputVisitor extends CheckingVisitor {
  readonly strict: boolean;
  readonly int64: 'number' | 'bigint';
  readonly compat: CompatPolicy;
  readonly keepUnknownEnumValues: boolean;
  readonly keepUnknownBranches: boolean;
  readonly forArguments: boolean;
  /** Read by generated codecs, which must behave exactly as this visitor. */
  readonly bigintMode: boolean;
  readonly checkPolicy: boolean;

  constructor(options: InputVisitorOptions) {
    super();
    this.strict = options.strict;
    this.int64 = options.int64;
    this.compat = options.compat ?? DEFAULT_COMPAT_POLICY;
    this.keepUnknownEnumValues = options.keepUnknownEnumValues ?? false;
    this.keepUnknownBranches = options.keepUnknownBranches ?? false;
    this.forArguments = options.forArguments === true;
    this.bigintMode = options.int64 === 'bigint';
    this.checkPolicy = checksInput(this.compat);
  }

  override optional(scope: StructScope, name: string): boolean {
    return hasOwn((scope as ObjectScope).src, name);
  }

  member(scope: StructScope, name: string, features: Features, visit: VisitFn): void {
    const s = scope as ObjectScope;
    const src = s.src;
    if (!hasOwn(src, name)) throw missingMember(name);
    let r: unknown;
    try {
      if (features !== NO_FEATURES && this.checkPolicy) {
        const refusal = inputRefusal(features, this.compat);
        if (refusal !== undefined) throw policyError(refusal, 'parameter');
      }
      const x = src[name];
      r =
        typeof x === 'number' && isJsonFloat(src, name)
          ? this.visitFloat(visit, name, x)
          : visit(this, name, x);
    } catch (e) {
      throw addKey(e, name);
    }
    s.consumed++;
    setOwn(s.out, name, r);
  }

  override memberValue(scope: StructScope, name: string): unknown {
    const out = (scope as ObjectScope).out;
    return hasOwn(out, name) ? out[name] : undefined;
  }

  unknownBranch(scope: StructScope, tagName: string): void {
    const s = scope as ObjectScope;
    if (!this.keepUnknownBranches) {
      const e = badEnumValue(String(this.memberValue(s, tagName)));
      throw addKey(e, tagName);
    }
    copyRemainingMembers(s, true);
    // Everything is consumed now: the kept members are the branch's.
    s.consumed = ALL_CONSUMED;
  }

  override checkStruct(scope: StructScope): void {
    const s = scope as ObjectScope;
    if (this.strict) checkUnexpected(s.src, s.out, s.consumed);
    else keepUnexpected(s.src, s.out, s.consumed);
  }

  /**
   * Whether the value being visited was read from a float literal with an
   * integral value (`1.0`: json.ts marks them in their container). Set
   * only while a marked number is visited: a number holds no members, so
   * the only `int` reached meanwhile is its own.
   */
  private float = false;

  private visitFloat(visit: VisitFn, key: Key, x: number): unknown {
    this.float = true;
    try {
      return visit(this, key, x);
    } finally {
      this.float = false;
    }
  }

  /** The list walk, telling the elements read from float literals apart. */
  override list(key: Key, value: unknown, visitElement: VisitFn): unknown {
    if (!holdsJsonFloat(value)) return super.list(key, value, visitElement);
    const array = value as unknown[];
    return walkList(this, value, (v, i, x) =>
      typeof x === 'number' && isJsonFloat(array, i as number)
        ? this.visitFloat(visitElement, i, x)
        : visitElement(v, i, x),
    );
  }

  int(key: Key, value: unknown, kind: IntKind): unknown {
    return decodeInt(value, kind, this.bigintMode, key, this.float);
  }

  /** QEMU takes any QNum for `number`: an integer, a float, ±Infinity (strtod's overflow). */
  number(_key: Key, value: unknown): unknown {
    if (typeof value === 'number') {
      if (!Number.isNaN(value)) return value;
    } else if (typeof value === 'bigint') {
      return Number(value); // QEMU takes integers for `number`; a double is what `number` is
    }
    throw wrongType('number');
  }

  any(_key: Key, value: unknown): unknown {
    return copyJsonValue(value, true);
  }

  enumValue(_key: Key, value: unknown, info: EnumInfo): unknown {
    if (typeof value !== 'string') throw wrongType('string');
    if (
      !isEnumValue(info, value) ||
      (this.forArguments && info.olderOnly?.includes(value) === true)
    ) {
      if (this.keepUnknownEnumValues && !this.forArguments) return value;
      throw badEnumValue(value);
    }
    if (this.checkPolicy) {
      const f = enumValueFeatures(info, value);
      if (f !== NO_FEATURES) {
        const refusal = inputRefusal(f, this.compat);
        if (refusal !== undefined) throw policyError(refusal, 'value', value);
      }
    }
    return value;
  }
}
