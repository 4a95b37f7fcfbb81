/**
 * The guest-agent client against a real qemu-ga (Debian's
 * qemu-guest-agent, QGA 7.2), with bindings generated from
 * ../shared/qemu/7.2.0/qga (`--int64 bigint`) through the real pipeline,
 * in one output with the 7.2.0 QMP schema (one runtime for both).
 * The agent runs on this machine, unprivileged and with every command
 * that changes the system blocked (test/helpers/qemu-ga.ts); the first test
 * shows both are in force. Skipped (saying why) without qemu-ga; failing
 * with QAPI_TS_REQUIRE_QEMU=1.
 */
import { createConnection } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { tempDir } from '../emit/generate-helpers.js';
import { sharedPath } from '../helpers/fixtures.js';
import { DANGEROUS, describeGuestAgent, rawGuestInfo, startGuestAgent, type GuestAgent } from '../helpers/qemu-ga.js';

const QGA_72 = 'qemu/7.2.0/qga/qapi-schema.json';
const QMP_72 = 'qemu/7.2.0/qapi/qapi-schema.json';

describeGuestAgent('real qemu-ga 7.2', () => {
  let outDir = '';
  let agent: GuestAgent;
  // The generated index.ts, untyped here (vitest strips types; the tarball and type-check tests type it).
  let api: any;
  let qmpApi: any;

  beforeAll(async () => {
    // The agent first: startGuestAgent refuses to return unless the block is in force.
    agent = await startGuestAgent();
    outDir = tempDir('qga-72');
    await generate({ schema: [{ name: 'qmp', schema: sharedPath(QMP_72) }, { name: 'qga', schema: sharedPath(QGA_72) }], out: outDir, lenientDocs: true, int64: 'bigint' });
    api = await import(pathToFileURL(join(outDir, 'qga', 'index.ts')).href);
    qmpApi = await import(pathToFileURL(join(outDir, 'qmp', 'index.ts')).href);
  }, 900_000);

  afterAll(async () => {
    await agent?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it('runs unprivileged, with every command that changes the system blocked, before any client connects', async () => {
    const status = (await import('node:fs')).readFileSync(`/proc/${agent.pid}/status`, 'utf8');
    expect(/^Uid:\s+(\d+)/m.exec(status)![1]).not.toBe('0');
    const info = await rawGuestInfo(agent.socket);
    const dangerous = info.supported_commands.filter((c) => DANGEROUS.test(c.name));
    expect(dangerous.map((c) => c.name)).toEqual(expect.arrayContaining(['guest-shutdown', 'guest-exec', 'guest-file-open', 'guest-set-time', 'guest-fsfreeze-freeze', 'guest-suspend-ram']));
    expect(dangerous.filter((c) => c.enabled)).toEqual([]);
    console.log(`[qemu-ga] ${info.version}, uid ${/^Uid:\s+(\d+)/m.exec(status)![1]}, ${agent.blocked.length} commands blocked`);
  });

  it('the agent answers the 0xFF with an error reply, and the client discards it while it syncs', async () => {
    // What the agent sends after a lone 0xFF, read raw.
    const stray = await new Promise<string>((resolve, reject) => {
      const s = createConnection({ path: agent.socket }, () => s.write(Buffer.of(0xff, 0x0a)));
      s.setEncoding('utf8');
      let text = '';
      s.on('data', (t: string) => {
        text += t;
        if (text.includes('\n')) {
          s.destroy();
          resolve(text);
        }
      });
      s.on('error', reject);
    });
    expect(JSON.parse(stray).error.desc).toMatch(/^JSON parse error, stray/);
    const reports: string[] = [];
    const client = await api.connect(agent.socket, { onProtocolError: (e: Error) => reports.push(e.message) });
    try {
      expect(client.syncs).toBe(1);
      // The first call gets its own reply, not the stray error.
      await expect(client.execute('guest-ping')).resolves.toBeUndefined();
      expect(reports).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('every enabled, non-blocked guest-get-*, guest-info and guest-ping decodes strictly', async () => {
    const client = await api.connect(agent.socket, { decode: { strict: true } });
    try {
      const caps = await client.capabilities();
      expect(caps.version).toBe(agent.info.version);
      const names = [...caps.commands.values()]
        .filter((c: { name: string; enabled: boolean }) => c.enabled && /^guest-(get-|info$|ping$)/.test(c.name))
        .map((c: { name: string }) => c.name)
        .filter((n: string) => !agent.blocked.includes(n) && api.isQmpCommandName(n))
        .sort();
      const agentErrors: string[] = [];
      const failures: string[] = [];
      let decoded = 0;
      for (const name of names) {
        try {
          await client.execute(name);
          decoded++;
        } catch (e) {
          if (e instanceof api.QmpError && (e as { fromServer: boolean }).fromServer) agentErrors.push(`${name}: ${(e as Error).message}`);
          else failures.push(`${name}: ${(e as Error).message}`);
        }
      }
      console.log(`[qemu-ga] ${decoded} of ${names.length} commands decoded strictly; the agent refused ${agentErrors.length}: ${agentErrors.join('; ') || 'none'}`);
      expect(failures).toEqual([]);
      expect(decoded).toBeGreaterThanOrEqual(10);
      expect(caps.unknown()).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('guest-get-time is exact under --int64 bigint', async () => {
    // The raw reply's digits, then the client's value: nanoseconds since the epoch, beyond 2^53.
    const raw = await new Promise<string>((resolve, reject) => {
      const s = createConnection({ path: agent.socket }, () => {
        s.write(Buffer.of(0xff));
        s.write('{"execute":"guest-get-time"}\n');
      });
      s.setEncoding('latin1');
      let text = '';
      s.on('data', (t: string) => {
        text += t;
        const m = /\{"return": (\d+)\}/.exec(text);
        if (m) {
          s.destroy();
          resolve(m[1]!);
        }
      });
      s.on('error', reject);
    });
    expect(api.decodeReturn('guest-get-time', BigInt(raw))).toBe(BigInt(raw));
    const client = await api.connect(agent.socket);
    try {
      const t = await client.execute('guest-get-time');
      expect(typeof t).toBe('bigint');
      expect(t > 2n ** 53n).toBe(true);
      const now = BigInt(Date.now()) * 1_000_000n;
      expect(t > now - 600_000_000_000n && t < now + 600_000_000_000n).toBe(true);
      expect(t >= BigInt(raw)).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("a blocked command gives QGA's QmpError", async () => {
    const client = await api.connect(agent.socket);
    try {
      const err = await client.execute('guest-exec', { path: '/bin/true' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(api.QmpError);
      expect(err).toBeInstanceOf(api.QapiError);
      expect(err.errorClass).toBe('CommandNotFound');
      expect(err.fromServer).toBe(true);
      expect(err.message).toMatch(/guest-exec has been disabled/);
      // The connection goes on.
      await expect(client.execute('guest-ping')).resolves.toBeUndefined();
    } finally {
      await client.close();
    }
  });

  it('one output, one runtime: the QGA client and the QMP client throw the same classes', async () => {
    expect(qmpApi.QapiError).toBe(api.QapiError);
    expect(qmpApi.QmpError).toBe(api.QmpError);
    expect(qmpApi.QmpConnectionError).toBe(api.QmpConnectionError);
    const ga = await api.connect(agent.socket);
    const agentError = await ga.execute('guest-exec', { path: '/bin/true' }).catch((e: unknown) => e);
    await ga.close();
    const server = await qmpApi.createFakeServer();
    try {
      const vm = await qmpApi.connect(server.path);
      const vmError = await vm.execute('query-status').catch((e: unknown) => e);
      await vm.close();
      expect(vmError).toBeInstanceOf(api.QapiError);
      expect(vmError).toBeInstanceOf(api.QmpError);
      expect(agentError).toBeInstanceOf(qmpApi.QapiError);
      expect(agentError).toBeInstanceOf(qmpApi.QmpError);
    } finally {
      await server.close();
    }
  });
});
