// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * What the stock visitors (input, output, clone) share: a struct is walked
 * from a plain object into a fresh one (an ObjectScope), lists and
 * alternates by the shared walks, and the scalar checks that input and
 * output make alike, with QEMU's messages.
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
  hasOwn,
  isObject,
  setOwn,
  walkAlternate,
  walkList,
} from './visitor.js';

export abstract class StockVisitor implements Visitor {
  startStruct(_key: Key, value: unknown, typeName: string): StructScope {
    if (!isObject(value)) throw wrongType('object');
    return new ObjectScope(typeName, value, {});
  }

  /** A typed value's optional member is there when it is an own member and not undefined. */
  optional(scope: StructScope, name: string): boolean {
    const src = (scope as ObjectScope).src;
    return hasOwn(src, name) && src[name] !== undefined;
  }

  /** The tag of a typed value, read from the source. */
  memberValue(scope: StructScope, name: string): unknown {
    const src = (scope as ObjectScope).src;
    return hasOwn(src, name) ? src[name] : undefined;
  }

  /** Visits the value `x` of member `name` into the struct being built; an error gets the member's key. */
  protected visitInto(s: ObjectScope, name: string, x: unknown, visit: VisitFn): void {
    let r: unknown;
    try {
      r = visit(this, name, x);
    } catch (e) {
      throw addKey(e, name);
    }
    setOwn(s.out, name, r);
  }

  checkStruct(_scope: StructScope): void {}

  endStruct(scope: StructScope): unknown {
    return (scope as ObjectScope).out;
  }

  list(_key: Key, value: unknown, visitElement: VisitFn): unknown {
    return walkList(this, value, visitElement);
  }

  alternate(
    key: Key,
    value: unknown,
    typeName: string,
    branches: readonly AlternateBranch[],
  ): unknown {
    return walkAlternate(this, key, value, typeName, branches);
  }

  abstract member(scope: StructScope, name: string, features: Features, visit: VisitFn): void;
  abstract unknownBranch(scope: StructScope, tagName: string): void;
  abstract int(key: Key, value: unknown, kind: IntKind): unknown;
  abstract number(key: Key, value: unknown): unknown;
  abstract str(key: Key, value: unknown): unknown;
  abstract bool(key: Key, value: unknown): unknown;
  abstract null(key: Key, value: unknown): unknown;
  abstract any(key: Key, value: unknown): unknown;
  abstract enumValue(key: Key, value: unknown, info: EnumInfo): unknown;
}

/** The input and output visitors: strings, booleans and null checked alike. */
export abstract class CheckingVisitor extends StockVisitor {
  str(_key: Key, value: unknown): unknown {
    if (typeof value !== 'string') throw wrongType('string');
    return value;
  }

  bool(_key: Key, value: unknown): unknown {
    if (typeof value !== 'boolean') throw wrongType('boolean');
    return value;
  }

  null(_key: Key, value: unknown): unknown {
    if (value !== null) throw wrongType('null');
    return null;
  }
}
