// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * QAPI's integer types: ranges, and the checks the visitors share.
 *
 * Integers reach the input visitor as `number` (safe integers) or `bigint`
 * (beyond 2^53, from the exact QMP reader). TypeScript code holds them as
 * `number`, or as `bigint` for the 64-bit kinds under `--int64 bigint`
 * ({@link BIGINT_KINDS}: every 64-bit kind, `int` (C's `int64_t`), `int64`,
 * `uint64` and `size`, as the types emitter maps them). No value is ever
 * rounded: an integer a `number` can't hold exactly is an error.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { QapiValueError, notExactNumber, outOfRange, unsafeNumber, wrongType } from './errors.js';
import type { IntKind, Key } from './visitor.js';

/** The range of an integer kind, and the name QEMU's range error gives it. */
export interface IntRange {
  readonly min: bigint;
  readonly max: bigint;
  /** Bounds for a safe-integer `number` (±Infinity when every safe integer of that sign fits). */
  readonly minNumber: number;
  readonly maxNumber: number;
  /** As in QEMU's "Parameter 'x' expects int8_t". */
  readonly typeName: string;
  /** A 64-bit kind: held as `bigint` under `--int64 bigint`. */
  readonly wide: boolean;
}

function small(bits: number, signed: boolean): IntRange {
  const min = signed ? -(2 ** (bits - 1)) : 0;
  const max = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  return Object.freeze({
    min: BigInt(min),
    max: BigInt(max),
    minNumber: min,
    maxNumber: max,
    typeName: `${signed ? '' : 'u'}int${bits}_t`,
    wide: false,
  });
}

const INT64: IntRange = Object.freeze({
  min: -(2n ** 63n),
  max: 2n ** 63n - 1n,
  minNumber: -Infinity,
  maxNumber: Infinity,
  typeName: 'int64',
  wide: true,
});

function unsigned64(typeName: string): IntRange {
  return Object.freeze({
    min: 0n,
    max: 2n ** 64n - 1n,
    minNumber: 0,
    maxNumber: Infinity,
    typeName,
    wide: true,
  });
}

/** Every integer kind's range. */
export const INT_RANGES: { readonly [K in IntKind]: IntRange } = Object.freeze({
  // QAPI's `int` is C's int64_t: guest-get-time's nanoseconds, BlockDeviceStats' *_time_ns.
  int: INT64,
  int8: small(8, true),
  int16: small(16, true),
  int32: small(32, true),
  int64: INT64,
  uint8: small(8, false),
  uint16: small(16, false),
  uint32: small(32, false),
  uint64: unsigned64('uint64'),
  size: unsigned64('size'),
});

/** The kinds held as `bigint` under `--int64 bigint`. */
export const BIGINT_KINDS: readonly IntKind[] = Object.freeze(
  (Object.keys(INT_RANGES) as IntKind[]).filter((k) => INT_RANGES[k].wide),
);

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** An integral number beyond the safe range: range check, then the exactness error. */
function unsafe(x: number, r: IntRange, bigintMode: boolean): never {
  const b = BigInt(x);
  if (b < r.min || b > r.max) throw outOfRange(r.typeName);
  throw bigintMode && r.wide ? unsafeNumber(b.toString()) : notExactNumber(b.toString());
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const TWO_TO_64 = 2n ** 64n;

/** The kinds QEMU reads with `type_uint64` (visit_type_uint8..uint64, and size: no `type_size` in the QMP input visitor). */
function isUnsigned(kind: IntKind): boolean {
  return kind.charCodeAt(0) === 0x75 /* u */ || kind === 'size';
}

/**
 * QEMU's `qobject_input_type_int64` refuses what is no int64: a float, a
 * string, an integer beyond int64: "Invalid parameter type for 'a.b',
 * expected: integer" (full path).
 */
function notInt64(isInteger: boolean): QapiValueError {
  return isInteger
    ? new QapiValueError('range', "Invalid parameter type for '%s', expected: integer")
    : wrongType('integer');
}

/**
 * QEMU's `qobject_input_type_uint64` refuses what is neither a uint64 nor an
 * int64 (which it casts): "Parameter 'a.b' expects uint64" (full path),
 * for uint8..uint64 and size alike, whatever the JSON type.
 */
function notUint64(isInteger: boolean): QapiValueError {
  return new QapiValueError(isInteger ? 'range' : 'type', "Parameter '%s' expects uint64");
}

/**
 * QEMU's `visit_type_intN`/`visit_type_uintN` range error: it names the
 * member by its bare name (`name ? name : "null"`), not its path, so a
 * member of a nested struct is `'inner'` and a list element `'null'`. The
 * message has no `%s`: it is complete as it is (the error's `keys` and
 * `path` still locate the value).
 */
function narrowRange(key: Key, typeName: string): QapiValueError {
  const name = typeof key === 'string' ? key : 'null';
  return new QapiValueError('range', `Parameter '${name}' expects ${typeName}`);
}

/**
 * Checks a JSON integer for an input visitor, as QEMU's input visitor does,
 * and converts it to its TypeScript representation: `bigint` for the 64-bit
 * kinds when `bigintMode`, `number` otherwise. `-0` becomes `0`.
 *
 * - Signed kinds (`int`, `int8`..`int64`): an int64 first (else
 *   "Invalid parameter type for '%s', expected: integer"), then the
 *   narrow range ("Parameter 'x' expects int8_t", bare name).
 * - Unsigned kinds (`uint8`..`uint64`, `size`): a uint64, or an int64 that
 *   QEMU casts (so `-1` is 2^64-1, as QEMU 7.2 took `max-bandwidth: -1`);
 *   else "Parameter '%s' expects uint64". Then the narrow range, bare name.
 * - `float`: the reader read it from a float literal (`1.0`), which QEMU
 *   reads as a double: no integer, whatever its value.
 *
 * `key` is the member's name (a list index or null: QEMU's `"null"`).
 */
export function decodeInt(
  x: unknown,
  kind: IntKind,
  bigintMode: boolean,
  key: Key = null,
  float = false,
): number | bigint {
  const r = INT_RANGES[kind];
  const unsigned = isUnsigned(kind);
  let b: bigint;
  let exact = true;
  if (typeof x === 'number' && !float) {
    if (Number.isSafeInteger(x)) {
      // The common case: in range needs no bigint.
      if (x >= r.minNumber && x <= r.maxNumber) {
        if (bigintMode && r.wide) return BigInt(x);
        return x + 0; // -0 → 0
      }
    } else if (!Number.isInteger(x)) {
      throw unsigned ? notUint64(false) : notInt64(false);
    } else {
      exact = false; // beyond 2^53: it may have been rounded already
    }
    b = BigInt(x);
  } else if (typeof x === 'bigint') {
    b = x;
  } else {
    throw unsigned ? notUint64(false) : notInt64(false);
  }
  // Step one: QEMU's type_int64 or type_uint64.
  if (unsigned) {
    if (b < INT64_MIN || b > UINT64_MAX) throw notUint64(true);
    if (b < 0n) b += TWO_TO_64; // QEMU casts a negative int64 "for backward compatibility"
  } else if (b < INT64_MIN || b > INT64_MAX) {
    throw notInt64(true);
  }
  // Step two: visit_type_intN / visit_type_uintN.
  if (!r.wide && (b < r.min || b > r.max)) throw narrowRange(key, r.typeName);
  const digits = b.toString();
  if (!exact) throw bigintMode && r.wide ? unsafeNumber(digits) : notExactNumber(digits);
  if (bigintMode && r.wide) return b;
  if (b >= MIN_SAFE && b <= MAX_SAFE) return Number(b);
  throw notExactNumber(digits);
}

/**
 * Checks an integer for an output visitor: a safe-integer `number` or a
 * `bigint` within range, returned as is (a `bigint` stays a `bigint`; `-0`
 * becomes `0`). A `number` beyond 2^53 is refused: its digits may not be
 * the value meant.
 */
export function encodeInt(x: unknown, kind: IntKind, bigintMode: boolean): number | bigint {
  const r = INT_RANGES[kind];
  if (typeof x === 'number') {
    if (Number.isSafeInteger(x)) {
      if (x < r.minNumber || x > r.maxNumber) throw outOfRange(r.typeName);
      return x + 0;
    }
    if (!Number.isInteger(x)) throw wrongType('integer');
    return unsafe(x, r, bigintMode);
  }
  if (typeof x === 'bigint') {
    if (x < r.min || x > r.max) throw outOfRange(r.typeName);
    return x;
  }
  throw wrongType('integer');
}
