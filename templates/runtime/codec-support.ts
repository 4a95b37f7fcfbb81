/**
 * What generated codecs (`*.codec.ts`) share. A codec is the visitor walk
 * of one type, specialized for one of the stock visitors (input, output,
 * clone) and written out in full, which is several times faster than the
 * generic walk. It must give exactly the generic walk's results and errors;
 * a property test holds it to that.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { unexpectedMember } from './errors.js';
import { hasOwn, type PlainObject } from './visitor.js';

/**
 * Thrown by a codec that meets a union with an unknown branch that the
 * options keep: the struct's codec then re-walks the value with the generic
 * visitor, which knows how to keep it. Rare, so the fast path stays simple.
 */
export const FALLBACK: unique symbol = Symbol('qapi-ts codec fallback');

/** Members counted as consumed once an unknown branch kept them all. */
export const ALL_CONSUMED = Number.MAX_SAFE_INTEGER;

/** Strict input: the first member of `src`, in key order, that the walk did not consume. */
export function checkUnexpected(src: PlainObject, out: PlainObject, consumed: number): void {
  if (consumed === ALL_CONSUMED) return;
  let n = 0;
  for (const _ in src) n++;
  if (n === consumed) return;
  for (const k of Object.keys(src)) {
    if (!hasOwn(out, k)) throw unexpectedMember(k);
  }
}

/**
 * Whether a codec may read `src[name]` directly, without hasOwn, for a
 * member name that Object.prototype does not have itself: `src` is a plain
 * object and nothing was added (enumerably) to Object.prototype, so a read
 * finds an own member or nothing. Otherwise the codec asks hasOwn, as the
 * visitors always do.
 */
export function readsOwn(src: object): boolean {
  if (Object.getPrototypeOf(src) !== Object.prototype) return false;
  for (const _ in Object.prototype) return false;
  return true;
}
