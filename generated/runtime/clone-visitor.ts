// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * The clone visitor: QEMU's QAPI_CLONE, a deep copy of a typed value that
 * shares no mutable object with its source.
 *
 * It checks no more than it needs to walk (a struct must be an object, a
 * list an array, an alternate must match a branch); scalars are copied as
 * they are (`bigint`s included). Values of `any` are deep-copied (arrays and
 * plain objects fresh, `__proto__` keys as own data), which QEMU's clone
 * does not do. Absent and `undefined` members stay absent; members the type
 * does not have are not copied, except the members of a union's unknown
 * branch (kept by a lenient input visitor), which are copied as JSON.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { StockVisitor } from './stock-visitor.js';
import {
  type EnumInfo,
  type Features,
  type IntKind,
  type Key,
  ObjectScope,
  type StructScope,
  type VisitFn,
  copyJsonValue,
  copyRemainingMembers,
  hasOwn,
} from './visitor.js';

export class CloneVisitor extends StockVisitor {
  member(scope: StructScope, name: string, _features: Features, visit: VisitFn): void {
    const s = scope as ObjectScope;
    const src = s.src;
    const x = hasOwn(src, name) ? src[name] : undefined;
    if (x === undefined) return;
    this.visitInto(s, name, x, visit);
  }

  unknownBranch(scope: StructScope, _tagName: string): void {
    copyRemainingMembers(scope as ObjectScope, false);
  }

  int(_key: Key, value: unknown, _kind: IntKind): unknown {
    return value;
  }
  number(_key: Key, value: unknown): unknown {
    return value;
  }
  str(_key: Key, value: unknown): unknown {
    return value;
  }
  bool(_key: Key, value: unknown): unknown {
    return value;
  }
  null(_key: Key, value: unknown): unknown {
    return value;
  }
  any(_key: Key, value: unknown): unknown {
    return copyJsonValue(value, false);
  }
  enumValue(_key: Key, value: unknown, _info: EnumInfo): unknown {
    return value;
  }
}

/** A clone visitor to share: it keeps no state between walks. */
export const cloneVisitor: CloneVisitor = new CloneVisitor();
