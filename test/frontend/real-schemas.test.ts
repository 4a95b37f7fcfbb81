/**
 * QEMU's real schemas through the built CLI: `qapi-ts check` on every
 * shipped schema (older releases under --lenient-docs), and `qapi-ts dump`
 * of the backend-transfer seed.
 */
import { beforeAll, describe, expect } from 'vitest';
import { describeFixture, itFixture, sharedPathFromRoot } from '../helpers/fixtures.js';
import { runCli, stackTraceLines, type CliResult } from '../helpers/cli.js';

const ENTRY_POINTS = ['qapi/qapi-schema.json', 'qga/qapi-schema.json', 'storage-daemon/qapi/qapi-schema.json'];
const WARNING = /^\S+:\d+: warning: /;
const TIMEOUT = 60_000;

describe('current schemas (QEMU 10.2.x): check exits 0 and prints nothing', () => {
  for (const version of ['10.2.2', '10.2.2-backend-transfer']) {
    for (const entry of ENTRY_POINTS) {
      const rel = `qemu/${version}/${entry}`;
      itFixture(
        rel,
        rel,
        async () => {
          const r = await runCli(['check', sharedPathFromRoot(rel)]);
          expect(r.stderr).toBe('');
          expect(r.stdout).toBe('');
          expect(r.status).toBe(0);
        },
        TIMEOUT,
      );
    }
  }
});

/** The first error QEMU 10.2.2 reports for each older schema (its key message). */
const OLDER: Record<string, Record<string, RegExp>> = {
  '7.2.0': {
    'qapi/qapi-schema.json': /^\S+qapi-schema\.json:8:1: documentation line longer than 70 characters$/,
    'qga/qapi-schema.json': /^\S+qapi-schema\.json:\d+:1: documentation line longer than 70 characters$/,
    'storage-daemon/qapi/qapi-schema.json': /\n\S+:\d+:1: documentation line longer than 70 characters$/,
  },
  '10.0.13': {
    'qapi/qapi-schema.json': /\n\S+\/crypto\.json:\d+:1: documentation line longer than 70 characters$/,
    'qga/qapi-schema.json': /^\S+qapi-schema\.json:\d+:\d+: Use two spaces between sentences\nIf this not the end of a sentence, please report a bug\.$/,
    'storage-daemon/qapi/qapi-schema.json': /\n\S+:\d+:1: documentation line longer than 70 characters$/,
  },
};

for (const [version, entries] of Object.entries(OLDER)) {
  describe(`QEMU ${version} schemas`, () => {
    for (const [entry, firstError] of Object.entries(entries)) {
      const rel = `qemu/${version}/${entry}`;
      describeFixture(rel, rel, () => {
        itFixture(
          rel,
          'check --lenient-docs --verbose exits 0 and prints only doc warnings',
          async () => {
            const r = await runCli(['check', '--lenient-docs', '--verbose', sharedPathFromRoot(rel)]);
            const lines = r.stderr.split('\n').filter((l) => l !== '');
            expect(lines.length).toBeGreaterThan(0);
            expect(lines.filter((l) => !WARNING.test(l))).toEqual([]);
            expect(r.stdout).toBe('');
            expect(r.status).toBe(0);
          },
          TIMEOUT,
        );

        itFixture(
          rel,
          "check without the flag fails with QEMU 10.2.2's message",
          async () => {
            const r = await runCli(['check', sharedPathFromRoot(rel)]);
            expect(r.status).toBe(1);
            expect(stackTraceLines(r.stderr)).toEqual([]);
            // QEMU's message, then qapi-ts's hint: the schema fails on doc rules only.
            const lines = r.stderr.replace(/\n$/, '').split('\n');
            expect(lines.pop()).toMatch(/^qapi-ts: hint: .*--lenient-docs/);
            expect(lines.join('\n')).toMatch(firstError);
          },
          TIMEOUT,
        );
      });
    }
  });
}

describeFixture('qemu/7.2.0/qapi/qapi-schema.json', "QEMU 7.2.0's older conventions, as warnings", () => {
  itFixture(
    'qemu/7.2.0/qapi/qapi-schema.json',
    "include the 'Note' section, long-line and two-spaces rules (--verbose)",
    async () => {
      const r = await runCli(['check', '--lenient-docs', '--verbose', sharedPathFromRoot('qemu/7.2.0/qapi/qapi-schema.json')]);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/: warning: The 'Note' section is no longer supported\. /m);
      expect(r.stderr).toMatch(/: warning: documentation line longer than 70 characters$/m);
      expect(r.stderr).toMatch(/: warning: Use two spaces between sentences$/m);
      // QEMU 10.2 has no rule about where an '=' heading goes.
      expect(r.stderr).not.toMatch(/heading/);
    },
    TIMEOUT,
  );

  itFixture(
    'qemu/7.2.0/qapi/qapi-schema.json',
    'are summed up by default: the count per rule and the first 5, all of them with --verbose',
    async () => {
      const rel = sharedPathFromRoot('qemu/7.2.0/qapi/qapi-schema.json');
      const [summary, verbose] = await Promise.all([runCli(['check', '--lenient-docs', rel]), runCli(['check', '--lenient-docs', '--verbose', rel])]);
      expect(summary.status).toBe(0);
      const all = verbose.stderr.split('\n').filter((l) => l !== '');
      expect(all.length).toBeGreaterThan(1000);
      const lines = summary.stderr.split('\n').filter((l) => l !== '');
      expect(lines[0]).toBe(`qapi-ts: warning: ${all.length} violations of QEMU 10.2's doc-comment rules (--lenient-docs), by rule:`);
      // The count per rule, as the full list has them.
      const byRule = new Map<string, number>();
      for (const w of all) {
        const rule = w.replace(/^.*?: warning: /, '').replace(/'[^' ]*'/g, "'…'").replace(/at least \d+ spaces/, 'at least N spaces');
        byRule.set(rule, (byRule.get(rule) ?? 0) + 1);
      }
      const shown = lines.indexOf('the first 5:');
      expect(shown).toBe(byRule.size + 1);
      const counted = new Map(lines.slice(1, shown).map((l) => {
        const m = /^ *(\d+) {2}(.*)$/.exec(l)!;
        return [m[2]!, Number(m[1])] as const;
      }));
      expect(counted).toEqual(byRule);
      expect(counted.get('documentation line longer than 70 characters')).toBeGreaterThan(100);
      // The first five, with file and line, then a pointer to --verbose.
      expect(lines.slice(shown + 1, shown + 6)).toEqual(all.slice(0, 5));
      expect(lines.slice(shown + 6)).toEqual([`qapi-ts: warning: --verbose lists all ${all.length}`]);
    },
    TIMEOUT,
  );
});

/** Splits `dump` output into blocks: a header line and the indented lines after it. */
function dumpBlocks(text: string): Map<string, string[]> {
  const blocks = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (!/^\s/.test(line)) {
      // Doc blocks repeat headers like "doc symbol=X"; entity headers are unique.
      current = [];
      if (!blocks.has(line)) blocks.set(line, current);
    } else {
      current?.push(line);
    }
  }
  return blocks;
}

/** The lines right after `line` in a block, up to the next line at the same indentation. */
function memberDetails(block: string[], line: string): string[] {
  const at = block.indexOf(line);
  expect(at, `${line} in block`).toBeGreaterThanOrEqual(0);
  const rest: string[] = [];
  for (const l of block.slice(at + 1)) {
    if (!l.startsWith('        ')) break;
    rest.push(l);
  }
  return rest;
}

const SEED = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';

describeFixture(SEED, 'dump of the backend-transfer schema', () => {
  let dump: CliResult;
  let blocks: Map<string, string[]>;
  beforeAll(async () => {
    dump = await runCli(['dump', sharedPathFromRoot(SEED)]);
    blocks = dumpBlocks(dump.stdout);
  }, TIMEOUT);

  itFixture(SEED, 'dump succeeds', () => {
    expect(dump.stderr).toBe('');
    expect(dump.status).toBe(0);
    expect(blocks.size).toBeGreaterThan(1000);
  });

  itFixture(SEED, 'enum BackendTransfer has member virtio-net-tap', () => {
    expect(blocks.get('enum BackendTransfer')).toEqual(['    member virtio-net-tap']);
  });

  itFixture(SEED, "MigrationParameter's member backend-transfer carries feature unstable", () => {
    const block = blocks.get('enum MigrationParameter')!;
    expect(block).toBeDefined();
    expect(memberDetails(block, '    member backend-transfer')).toEqual(['        feature unstable']);
    // Besides the new member, only experimental (x-) ones carry it.
    const carriers = block.flatMap((l) => (l.startsWith('    member ') && memberDetails(block, l).includes('        feature unstable') ? [l.slice(11)] : []));
    expect(carriers).toContain('backend-transfer');
    expect(carriers.filter((m) => m !== 'backend-transfer').every((m) => m.startsWith('x-'))).toBe(true);
  });

  for (const type of ['MigrationParameters', 'MigrateSetParameters']) {
    itFixture(SEED, `object ${type} has optional member backend-transfer: BackendTransferList with feature unstable`, () => {
      const block = blocks.get(`object ${type}`)!;
      expect(block).toBeDefined();
      expect(memberDetails(block, '    member backend-transfer: BackendTransferList optional=True')).toEqual(['        feature unstable']);
    });
  }

  itFixture(SEED, 'array BackendTransferList BackendTransfer', () => {
    expect(blocks.has('array BackendTransferList BackendTransfer')).toBe(true);
    expect(blocks.get('array BackendTransferList BackendTransfer')).toEqual([]);
  });

  itFixture(SEED, 'the migration commands use the new types', () => {
    expect(blocks.has('command migrate-set-parameters MigrateSetParameters -> None')).toBe(true);
    expect(blocks.has('command query-migrate-parameters None -> MigrationParameters')).toBe(true);
  });

  itFixture(['qemu/10.2.2/qapi/qapi-schema.json', SEED], 'the unpatched 10.2.2 schema has none of it', async () => {
    const r = await runCli(['dump', sharedPathFromRoot('qemu/10.2.2/qapi/qapi-schema.json')]);
    expect(r.status).toBe(0);
    const plain = dumpBlocks(r.stdout);
    expect(plain.has('enum BackendTransfer')).toBe(false);
    expect(plain.has('array BackendTransferList BackendTransfer')).toBe(false);
    expect(plain.get('object MigrationParameters')).toBeDefined();
    expect(plain.get('object MigrationParameters')!.some((l) => l.includes('backend-transfer'))).toBe(false);
  }, TIMEOUT);
});
