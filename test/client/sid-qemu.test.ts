/**
 * Forward compatibility against a real newer QEMU: 10.2.2's bindings (as
 * `npm run codegen` commits them in generated/qmp, the seed included)
 * against the QEMU of a Debian sid root (11.x; test/helpers/sid.ts). Every
 * live argument-less query- reply decodes with zero failures, by default
 * (lenient: what the bindings don't know is kept); the test prints what was
 * unknown to them, from a strict read of the same replies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, decodeReturn, isQmpCommandName, QmpError } from '../../generated/qmp/index.js';
import type { Qemu } from '../helpers/qemu.js';
import { sidQemuVersion, sidRoot, sidRootUnavailable, startSidQemu } from '../helpers/sid.js';

describe('the 10.2.2 bindings against the QEMU of a Debian sid root', () => {
  let qemu: Qemu | undefined;
  let version = '';
  /** Why there is no sid root here: the test then skips, saying so (as the developers' guide asks). */
  let unavailable: string | null = sidRootUnavailable();

  beforeAll(async () => {
    if (unavailable !== null) return;
    try {
      const root = await sidRoot();
      version = sidQemuVersion(root);
      qemu = await startSidQemu(root);
    } catch (e) {
      unavailable = (e as Error).message;
    }
  }, 1_800_000);
  afterAll(async () => {
    await qemu?.stop();
  });

  it('every live query- command without arguments decodes; what was unknown is printed', async (ctx) => {
    if (unavailable !== null || qemu === undefined) {
      console.warn(`[skip] no Debian sid root: ${unavailable}`);
      ctx.skip(`no Debian sid root: ${unavailable}`);
      return;
    }
    // QEMU serves one QMP connection at a time: one lenient client; the strict read is of what it kept.
    const client = await connect(qemu.socket);
    try {
      expect(client.greeting.version.qemu.major).toBeGreaterThanOrEqual(11);
      const live = (await client.execute('query-commands')).map((c) => c.name).filter((n) => n.startsWith('query-')).sort();
      const newCommands = live.filter((n) => !isQmpCommandName(n));
      const failures: string[] = [];
      const unknown: string[] = [];
      let decoded = 0;
      const run = (name: string): Promise<unknown> => client.execute(name as 'query-status');
      for (const name of live) {
        if (!isQmpCommandName(name)) continue;
        let value: unknown;
        try {
          value = await run(name);
          decoded++;
        } catch (e) {
          // QEMU's own refusal (no such device here), or a command that needs arguments.
          if (e instanceof QmpError && (e.fromServer || /missing/.test(e.message))) continue;
          failures.push(`${name}: ${(e as Error).message}`);
          continue;
        }
        try {
          decodeReturn(name as 'query-status', value, { strict: true });
        } catch (e) {
          unknown.push(`${name}: ${(e as Error).message.replace(/^The reply to \S+ does not fit its type: /, '')}`);
        }
      }
      console.log(
        `[sid] QEMU ${version}: ${decoded} query- replies decoded by 10.2.2's bindings, ${failures.length} failures; ` +
          `commands they don't know: ${newCommands.join(', ') || 'none'}; unknown to them in replies (first per command, from a strict read):\n  ${unknown.join('\n  ') || 'nothing'}`,
      );
      expect(failures).toEqual([]);
      expect(decoded).toBeGreaterThanOrEqual(40);
    } finally {
      await client.close();
    }
  });
});
