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

import { addKey, wrongType } from './errors.js';
import {
  type AlternateBranch,
  type EnumInfo,
  type Features,
  type IntKind,
  type Key,
  ObjectScope,
  type StructScope,
  type VisitFn,
  type Visitor,
  copyJsonValue,
  copyRemainingMembers,
  hasOwn,
  isObject,
  walkAlternate,
  walkList,
  setOwn,
} from './visitor.js';

export class CloneVisitor implements Visitor {
  startStruct(_key: Key, value: unknown, typeName: string): StructScope {
    if (!isObject(value)) throw wrongType('object');
    return new ObjectScope(typeName, value, {});
  }

  optional(scope: StructScope, name: string): boolean {
    const src = (scope as ObjectScope).src;
    return hasOwn(src, name) && src[name] !== undefined;
  }

  member(scope: StructScope, name: string, _features: Features, visit: VisitFn): void {
    const s = scope as ObjectScope;
    const src = s.src;
    const x = hasOwn(src, name) ? src[name] : undefined;
    if (x === undefined) return;
    let r: unknown;
    try {
      r = visit(this, name, x);
    } catch (e) {
      throw addKey(e, name);
    }
    setOwn(s.out, name, r);
  }

  memberValue(scope: StructScope, name: string): unknown {
    const src = (scope as ObjectScope).src;
    return hasOwn(src, name) ? src[name] : undefined;
  }

  unknownBranch(scope: StructScope, _tagName: string): void {
    copyRemainingMembers(scope as ObjectScope, false);
  }

  checkStruct(_scope: StructScope): void {}

  endStruct(scope: StructScope): unknown {
    return (scope as ObjectScope).out;
  }

  list(_key: Key, value: unknown, visitElement: VisitFn): unknown {
    return walkList(this, value, visitElement);
  }

  alternate(key: Key, value: unknown, typeName: string, branches: readonly AlternateBranch[]): unknown {
    return walkAlternate(this, key, value, typeName, branches);
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
