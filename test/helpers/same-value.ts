/**
 * Exact value comparison for the JSON tests: the first difference between
 * two values, or undefined when they are the same. Object.is on scalars (so
 * -0 ≠ 0 and 1 ≠ 1n), same key order, own properties only, same prototype.
 */
import { expect } from 'vitest';

export function difference(a: unknown, b: unknown, path = '$'): string | undefined {
  if (typeof a !== typeof b) return `${path}: ${typeof a} vs ${typeof b}`;
  if (typeof a !== 'object' || a === null || b === null) {
    return Object.is(a, b) ? undefined : `${path}: ${String(a)} vs ${String(b)}`;
  }
  const bo = b as object;
  if (Array.isArray(a) !== Array.isArray(bo)) return `${path}: array vs non-array`;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(bo)) return `${path}: prototypes differ`;
  const ka = Reflect.ownKeys(a);
  const kb = Reflect.ownKeys(bo);
  if (ka.join('\u0000') !== kb.join('\u0000')) return `${path}: keys [${ka.join(',')}] vs [${kb.join(',')}]`;
  for (const k of ka) {
    const d = difference(
      (a as Record<PropertyKey, unknown>)[k],
      (bo as Record<PropertyKey, unknown>)[k],
      `${path}.${String(k)}`,
    );
    if (d !== undefined) return d;
  }
  return undefined;
}

/** Asserts that `actual` is exactly `expected` (see difference). */
export function expectSame(actual: unknown, expected: unknown): void {
  expect(difference(actual, expected)).toBeUndefined();
}
