/**
 * What generated codecs (`*.codec.ts`) share. A codec is a fast path of
 * one stock visitor (input, output, clone) for one type. It must give
 * exactly the generic walk's results and errors; a property test holds it
 * to that.
 *
 * - Decoding: a generated `checkFoo(x, strict)` only answers whether the
 *   walk would give back a value deep-equal to `x` (every member valid,
 *   nothing to convert, in strict mode nothing unknown). When it says yes,
 *   `decodeFoo` returns `x` itself, as a JSON Schema validator would leave
 *   it; when it says no, the walk runs and finds the error or makes the
 *   conversions. The check is sound, not complete: a "no" only costs time.
 * - Encoding: the walk written out in full for the output visitor.
 * - Cloning: a copy that gives up on whatever it does not expect, and the
 *   walk decides.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { cloneVisitor } from './clone-visitor.js';
import { unexpectedMember } from './errors.js';
import type { InputVisitor } from './input-visitor.js';
import { MAX_ANY_DEPTH, hasOwn, setOwn, type PlainObject, type VisitFn } from './visitor.js';

/**
 * Whether a container holds a member the reader read from a float literal
 * with an integral value (`1.0`): a check then says no, and the walk decides
 * (an integer member refuses it, a `number` takes it).
 */
export { holdsJsonFloat } from './json.js';

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
 * `decodeFoo`: `x` itself when `check` (the generated `checkFoo`) says the
 * walk (`visit` with the input visitor `c`) would give back an equal value,
 * else the walk. The checks are written for the visitor's default options
 * (no compat policy), the `--int64` mode the code was generated with
 * (`bigint`) and an untouched Object.prototype; otherwise the walk runs.
 * A check that runs out of stack on a deep value says no: the walk then
 * reports it. The checks see values as a JSON reader makes them: a member
 * that is own but not enumerable (only code can make one) is read as the
 * walk reads it, but kept as it is.
 */
export function decodeFast(
  c: InputVisitor,
  x: unknown,
  check: (x: unknown, strict: boolean) => boolean,
  visit: VisitFn,
  bigint: boolean,
): unknown {
  // The checks know no compat policy.
  if (!c.checkPolicy && c.bigintMode === bigint && pristine()) {
    try {
      if (check(x, c.strict)) return x;
    } catch {
      // too deep for the check: the walk reports it
    }
  }
  return visit(c, null, x);
}

/**
 * What the fast checks met: `narrow`, the numbers accepted for wide
 * integers under `--int64 bigint` (the walk makes them bigints, so the
 * decode is the widening copy). Set to 0 before a check, read after.
 */
export const intCounts = { narrow: 0 };

/** A generated check's count of a number for a wide integer (intCounts). */
export function countNarrow(): true {
  intCounts.narrow++;
  return true;
}

/** A wide integer as the walk gives it under `--int64 bigint`. */
export function widenInt(v: unknown): unknown {
  if (typeof v !== 'number') return v;
  return v >= 0 && v < SMALL_BIGINTS.length ? SMALL_BIGINTS[v]! : BigInt(v);
}

/** 0n…1023n, made once: QEMU's integers are mostly small, and BigInt() costs a call into V8's runtime. */
const SMALL_BIGINTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** decodeFast for a type that can hold wide integers, under `--int64 bigint`: see checkedOrWidened. */
export function decodeWidening(
  c: InputVisitor,
  x: unknown,
  check: (x: unknown, strict: boolean) => boolean,
  widen: (x: unknown) => unknown,
  visit: VisitFn,
): unknown {
  if (!c.checkPolicy && c.bigintMode && pristine()) {
    const fast = checkedOrWidened(x, c.strict, check, widen);
    if (fast !== GIVE_UP) return fast;
  }
  return visit(c, null, x);
}

/**
 * The fast decode: `x` when `check` says the walk gives it back, its
 * widening copy (`widen`) when the check met numbers for wide integers;
 * GIVE_UP when the check says no or throws (too deep): the walk decides.
 */
export function checkedOrWidened(
  x: unknown,
  strict: boolean,
  check: (x: unknown, strict: boolean) => boolean,
  widen: ((x: unknown) => unknown) | null,
): unknown {
  try {
    intCounts.narrow = 0;
    if (!check(x, strict)) return GIVE_UP;
    if (intCounts.narrow === 0) return x;
    return widen === null ? GIVE_UP : widen(x);
  } catch {
    return GIVE_UP;
  }
}

/**
 * `cloneFoo`: the generated fast clone (`fastClone`) when Object.prototype
 * is untouched. Whatever it does not expect (a missing member, an unknown
 * branch, an object that is not plain, a stack too deep), it gives up, and
 * the generic walk (`visit` with the clone visitor) decides, errors
 * included.
 */
export function cloneFast(x: unknown, fastClone: (x: unknown) => unknown, visit: VisitFn): unknown {
  if (pristine()) {
    try {
      return fastClone(x);
    } catch {
      // not what the fast clone expects: the walk decides
    }
  }
  return visit(cloneVisitor, null, x);
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
