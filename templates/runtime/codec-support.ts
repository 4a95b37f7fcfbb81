/**
 * What generated codecs (`*.codec.ts`) share. A codec is the visitor walk
 * of one type, specialized for one of the stock visitors (input, output,
 * clone) and written out in full, which is several times faster than the
 * generic walk. It must give exactly the generic walk's results and errors;
 * a property test holds it to that.
 *
 * Decoding has a faster path still: a generated `checkFoo(x, strict)` that
 * only answers whether the walk would give back a value deep-equal to `x`
 * (every member valid, nothing to convert, in strict mode nothing unknown).
 * When it says yes, `decodeFoo` returns `x` itself, as a JSON Schema
 * validator would leave it; when it says no, the walk runs and finds the
 * error. The check is sound, not complete: a "no" only costs time.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { unexpectedMember } from './errors.js';
import { MAX_ANY_DEPTH, hasOwn, setOwn, type PlainObject } from './visitor.js';

/**
 * Thrown by a codec that meets a union with an unknown branch that the
 * options keep: the struct's codec then re-walks the value with the generic
 * visitor, which knows how to keep it. Rare, so the fast path stays simple.
 */
export const FALLBACK: unique symbol = Symbol('qapi-ts codec fallback');

/** Members counted as consumed once an unknown branch kept them all. */
export const ALL_CONSUMED = Number.MAX_SAFE_INTEGER;

const OBJECT_PROTO: object = Object.prototype;

/** How many enumerable keys `src` has (own, and inherited from a polluted prototype). */
export function keyCount(src: object): number {
  let n = 0;
  for (const _ in src) n++;
  return n;
}

/** Strict input: the first member of `src`, in key order, that the walk did not consume. */
export function checkUnexpected(src: PlainObject, out: PlainObject, consumed: number): void {
  if (consumed === ALL_CONSUMED) return;
  if (keyCount(src) === consumed) return;
  for (const k of Object.keys(src)) {
    if (!hasOwn(out, k)) throw unexpectedMember(k);
  }
}

/**
 * Lenient input: the members of `src` the walk did not consume are kept in
 * `out` as they were read, neither checked nor copied (the QMP spec says a
 * client ignores what it does not know; ignoring is not deleting). Keys
 * such as `__proto__` stay plain own data.
 */
export function keepUnexpected(src: PlainObject, out: PlainObject, consumed: number): void {
  if (consumed === ALL_CONSUMED || keyCount(src) === consumed) return;
  for (const k of Object.keys(src)) {
    if (!hasOwn(out, k)) setOwn(out, k, src[k]);
  }
}

/**
 * Whether Object.prototype is as the language made it, as far as a
 * for-in can tell (nothing enumerable added). Codecs ask once per call and
 * pass the answer down as `clean`: with it, and a plain object (its
 * prototype Object.prototype), reading `src[name]` finds an own member or
 * nothing, for any name Object.prototype does not have itself, so the
 * codec can skip hasOwn as the visitors can't.
 */
export function pristine(): boolean {
  for (const _ in OBJECT_PROTO) return false;
  return true;
}

/**
 * The fast check of an `any` value: whether the input visitor's checked
 * copy of `x` would succeed and be deep-equal to it. Plain JSON data:
 * strings, finite numbers, bigints, booleans, null, arrays without holes,
 * objects with Object.prototype and no undefined values, nested no deeper
 * than the copy allows.
 */
export function isJsonData(x: unknown, depth = 0): boolean {
  switch (typeof x) {
    case 'string':
    case 'boolean':
    case 'bigint':
      return true;
    case 'number':
      return Number.isFinite(x);
    case 'object':
      break;
    default:
      return false;
  }
  if (x === null) return true;
  if (depth >= MAX_ANY_DEPTH) return false;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      if (!(i in x) || !isJsonData(x[i], depth + 1)) return false;
    }
    return true;
  }
  if (Object.getPrototypeOf(x) !== OBJECT_PROTO) return false;
  for (const k of Object.keys(x)) {
    const v = (x as PlainObject)[k];
    if (v === undefined || !isJsonData(v, depth + 1)) return false;
  }
  return true;
}

/**
 * Thrown by a fast clone that meets what it does not expect; cloneFoo
 * then lets the generic walk decide (see the generated code).
 */
export const GIVE_UP: unique symbol = Symbol('qapi-ts fast clone gave up');
