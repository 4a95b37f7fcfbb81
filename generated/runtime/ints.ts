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

import { notExactNumber, outOfRange, unsafeNumber, wrongType } from './errors.js';
import type { IntKind } from './visitor.js';

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

/**
 * Checks a JSON integer for an input visitor and converts it to its
 * TypeScript representation: `bigint` for the 64-bit kinds when `bigintMode`,
 * `number` otherwise. `-0` becomes `0`.
 */
export function decodeInt(x: unknown, kind: IntKind, bigintMode: boolean): number | bigint {
  const r = INT_RANGES[kind];
  if (typeof x === 'number') {
    if (Number.isSafeInteger(x)) {
      if (x < r.minNumber || x > r.maxNumber) throw outOfRange(r.typeName);
      if (bigintMode && r.wide) return BigInt(x);
      return x + 0; // -0 → 0
    }
    if (!Number.isInteger(x)) throw wrongType('integer');
    return unsafe(x, r, bigintMode);
  }
  if (typeof x === 'bigint') {
    if (x < r.min || x > r.max) throw outOfRange(r.typeName);
    if (bigintMode && r.wide) return x;
    if (x >= MIN_SAFE && x <= MAX_SAFE) return Number(x);
    throw notExactNumber(x.toString());
  }
  throw wrongType('integer');
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
