/**
 * Fixtures from ../shared (QEMU's real schemas). A test that needs one is
 * skipped, with the reason in its name and on stderr, when the file is
 * missing; with QAPI_TS_REQUIRE_FIXTURES=1 (as .ci/run sets) it fails instead.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { describe, it } from 'vitest';
import { REPO_ROOT, SHARED_ROOT } from './paths.js';

export { SHARED_ROOT };

export const requireFixtures = process.env.QAPI_TS_REQUIRE_FIXTURES === '1';

/** Absolute path of a file under ../shared. */
export function sharedPath(rel: string): string {
  return resolve(SHARED_ROOT, rel);
}

/** The path as tests pass it to the CLI: relative to the repository root. */
export function sharedPathFromRoot(rel: string): string {
  return relative(REPO_ROOT, sharedPath(rel));
}

/** Why the fixtures are unusable, or null when they all exist. */
export function missingReason(rels: string[]): string | null {
  const missing = rels.filter((r) => !existsSync(sharedPath(r)));
  return missing.length ? `fixture missing: ../shared/${missing.join(', ../shared/')}` : null;
}

const warned = new Set<string>();

function announce(reason: string): void {
  if (warned.has(reason)) return;
  warned.add(reason);
  console.warn(`[skip] ${reason} (set QAPI_TS_REQUIRE_FIXTURES=1 to make this an error)`);
}

/**
 * `describe` over fixture files: runs `fn` when all exist. Otherwise the
 * block holds one test, skipped with the reason in its name, or failing
 * when fixtures are required.
 */
export function describeFixture(rels: string | string[], name: string, fn: () => void): void {
  const list = Array.isArray(rels) ? rels : [rels];
  const reason = missingReason(list);
  if (reason === null) {
    describe(name, fn);
    return;
  }
  if (requireFixtures) {
    describe(name, () => {
      it(`requires fixtures: ${reason}`, () => {
        throw new Error(`${reason} (QAPI_TS_REQUIRE_FIXTURES=1)`);
      });
    });
    return;
  }
  announce(reason);
  describe(name, () => {
    it.skip(`skipped: ${reason}`, () => {});
  });
}

/** `it` over fixture files, with the same skip/fail rule as describeFixture. */
export function itFixture(rels: string | string[], name: string, fn: () => unknown | Promise<unknown>, timeout?: number): void {
  const list = Array.isArray(rels) ? rels : [rels];
  const reason = missingReason(list);
  if (reason === null) {
    it(name, fn, timeout);
  } else if (requireFixtures) {
    it(`${name} (requires fixtures)`, () => {
      throw new Error(`${reason} (QAPI_TS_REQUIRE_FIXTURES=1)`);
    });
  } else {
    announce(reason);
    it.skip(`${name} — skipped: ${reason}`, () => {});
  }
}
