// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * The output visitor: typed value → JSON value, for the exact QMP writer
 * (QEMU's qobject-output-visitor).
 *
 * Types are checked as strictly as on input (a TypeScript caller may have
 * cast), with the same messages and paths; integers are range-checked and a
 * `bigint` stays a `bigint` (the exact writer writes its digits). The output
 * half of the compat policy applies: `hide` leaves out members with the
 * feature. The result is made of fresh plain objects. Members the type does
 * not have are left out (TypeScript lets objects carry extra properties);
 * an optional member set to `undefined` counts as absent.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import {
  type CompatPolicy,
  DEFAULT_COMPAT_POLICY,
  hidesOutput,
  isHiddenByPolicy,
} from './compat.js';
import { addKey, badEnumValue, missingMember, wrongType } from './errors.js';
import { encodeInt } from './ints.js';
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
  hasOwn,
  isEnumValue,
} from './visitor.js';

export interface OutputVisitorOptions {
  /** How the generated code holds `int`, `int64`, `uint64` and `size` (only changes a message). Default `number`. */
  readonly int64?: 'number' | 'bigint';
  /** The output half applies: members with a hidden feature are left out. */
  readonly compat?: CompatPolicy;
  /** Let an unknown enum value through (a value a lenient input visitor kept). */
  readonly keepUnknownEnumValues?: boolean;
  /** Let a union with an unknown branch through, its other members as JSON (as lenient input kept them). */
  readonly keepUnknownBranches?: boolean;
}

export class OutputVisitor extends CheckingVisitor {
  readonly int64: 'number' | 'bigint';
  readonly compat: CompatPolicy;
  readonly keepUnknownEnumValues: boolean;
  readonly keepUnknownBranches: boolean;
  /** Read by generated codecs, which must behave exactly as this visitor. */
  readonly bigintMode: boolean;
  readonly hides: boolean;
  /**
   * Whether the walk may have produced a bigint (a 64-bit integer, or an
   * `any` value that could hold one). When it didn't, JSON.stringify writes
   * the result exactly (encodeToText relies on this).
   */
  mayHoldBigint = false;

  constructor(options: OutputVisitorOptions = {}) {
    super();
    this.int64 = options.int64 ?? 'number';
    this.compat = options.compat ?? DEFAULT_COMPAT_POLICY;
    this.keepUnknownEnumValues = options.keepUnknownEnumValues ?? false;
    this.keepUnknownBranches = options.keepUnknownBranches ?? false;
    this.bigintMode = this.int64 === 'bigint';
    this.hides = hidesOutput(this.compat);
  }

  member(scope: StructScope, name: string, features: Features, visit: VisitFn): void {
    const s = scope as ObjectScope;
    const src = s.src;
    const x = hasOwn(src, name) ? src[name] : undefined;
    if (x === undefined) throw missingMember(name);
    if (features !== NO_FEATURES && this.hides && isHiddenByPolicy(features, this.compat)) {
      (s.skipped ??= []).push(name);
      return;
    }
    this.visitInto(s, name, x, visit);
  }

  unknownBranch(scope: StructScope, tagName: string): void {
    const s = scope as ObjectScope;
    if (!this.keepUnknownBranches)
      throw addKey(badEnumValue(String(this.memberValue(s, tagName))), tagName);
    copyRemainingMembers(s, true);
  }

  int(_key: Key, value: unknown, kind: IntKind): unknown {
    const r = encodeInt(value, kind, this.bigintMode);
    if (typeof r === 'bigint') this.mayHoldBigint = true;
    return r;
  }

  number(_key: Key, value: unknown): unknown {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw wrongType('number');
    return value;
  }

  any(_key: Key, value: unknown): unknown {
    if (typeof value === 'bigint' || (typeof value === 'object' && value !== null))
      this.mayHoldBigint = true;
    return copyJsonValue(value, true);
  }

  enumValue(_key: Key, value: unknown, info: EnumInfo): unknown {
    if (typeof value !== 'string') throw wrongType('string');
    if (!isEnumValue(info, value) && !this.keepUnknownEnumValues) throw badEnumValue(value);
    return value;
  }
}
