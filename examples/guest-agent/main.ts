/**
 * One program, two clients of one VM: QEMU's QMP monitor, and the guest
 * agent's channel. It starts a QEMU (paused, no disk, no guest OS) with a
 * virtio-serial port for the agent, and connects both:
 *
 * - QMP talks to QEMU itself: the VM's state, its devices, its chardevs,
 *   migration. It works whatever runs inside the guest.
 * - The guest agent (qemu-ga) runs inside the guest OS and talks over that
 *   port: file systems, users, time, network interfaces, freezing for
 *   backups, a clean shutdown. Its channel is a chardev on the host; what
 *   answers is a program in the guest.
 *
 * Here no guest OS runs, so nothing answers on the agent's channel: the
 * client's sync (0xFF, then guest-sync-delimited) times out, which is how a
 * program learns that the agent isn't up (yet). With a guest that runs
 * qemu-ga, the same `connect()` returns a client, and the calls in
 * `withAgent()` below (shown, not run) work. Finally QMP's `quit` stops QEMU.
 *
 *   npm run example:guest-agent        (needs qemu-system-x86_64)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectAgent, QmpConnectionError } from '../../generated/qga/index.js';
import { type ChardevInfo, connect as connectVm } from '../../generated/qmp/index.js';

const dir = mkdtempSync(join(tmpdir(), 'qapi-ts-example-ga-'));
const qmpSocket = join(dir, 'qmp.sock');
const agentSocket = join(dir, 'qga.sock');
const qemu = spawn(
  process.env['QAPI_TS_QEMU'] ?? 'qemu-system-x86_64',
  [
    '-S', '-nodefaults', '-display', 'none', '-machine', 'pc', '-accel', 'tcg', '-m', '64',
    '-qmp', `unix:${qmpSocket},server=on,wait=off`,
    // The agent's channel: a UNIX socket on the host, a virtio-serial port in the guest.
    '-chardev', `socket,path=${agentSocket},server=on,wait=off,id=qga0`,
    '-device', 'virtio-serial',
    '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0',
  ],
  { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
);
// QEMU's stderr is kept, and shown only if it fails to start.
let qemuStderr = '';
qemu.stderr.setEncoding('utf8').on('data', (t: string) => (qemuStderr += t));
let qemuGone: string | null = null; // why QEMU is not running, once it is not
const exited = new Promise<void>((resolve) => {
  qemu.once('error', (e) => {
    qemuGone = `cannot start QEMU: ${e.message}`;
    resolve();
  });
  qemu.once('exit', (code, signal) => {
    qemuGone = `QEMU exited (${signal ?? `code ${code}`}): ${qemuStderr.trim()}`;
    resolve();
  });
});

async function listening(path: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (qemuGone !== null) throw new Error(qemuGone);
    const ok = await new Promise<boolean>((resolve) => {
      const s = createConnection({ path }, () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${path} never accepted a connection`);
}

try {
  await listening(qmpSocket);
  const vm = await connectVm(qmpSocket);
  console.log('guest-agent: one VM, two clients (QMP, and the guest agent)');
  console.log('== QMP: QEMU itself');
  const status = await vm.execute('query-status');
  console.log(`status: ${status.status}, running: ${status.running}`);
  const chardevs: ChardevInfo[] = await vm.execute('query-chardev');
  const channel = chardevs.find((c: ChardevInfo) => c.label === 'qga0');
  if (channel === undefined) throw new Error(`no chardev qga0 in ${JSON.stringify(chardevs)}`);
  // The host side's filename (`disconnected:unix:…,server=on` until a client connects)
  // and whether the guest has opened its port (frontend-open).
  console.log(
    `the agent's chardev: ${channel.label}, host side ${channel.filename.replace(dir, '$DIR')}, guest side open: ${channel['frontend-open']}`,
  );

  console.log('== the guest agent: a program inside the guest');
  try {
    const agent = await connectAgent(agentSocket, { syncTimeout: 300, syncAttempts: 2 });
    const os = await agent.execute('guest-get-osinfo');
    console.log(`guest OS: ${os['pretty-name'] ?? os.name ?? 'unknown'}`);
    await agent.close();
  } catch (e: unknown) {
    if (!(e instanceof QmpConnectionError) || e.reason !== 'sync') throw e;
    console.log(`no agent answers (reason ${e.reason}): ${e.message}`);
    console.log('(no guest OS runs here; with one running qemu-ga, connect() returns a synced client)');
  }

  console.log('== QMP: quit');
  await vm.execute('quit');
  await exited;
  console.log('QEMU has exited');
  await vm.close();
} finally {
  if (qemuGone === null) qemu.kill('SIGTERM');
  await exited;
  rmSync(dir, { recursive: true, force: true });
}

/**
 * What a program does once the agent answers (not run here: it needs a
 * guest OS with qemu-ga). Typed by the guest agent's schema.
 */
export async function withAgent(path: string, vmSocket: string): Promise<void> {
  const agent = await connectAgent(path, { timeout: 10_000 });
  const caps = await agent.capabilities(); // guest-info: which commands this agent has, and enabled
  if (caps.supports('guest-get-fsinfo')) {
    for (const fs of await agent.execute('guest-get-fsinfo')) console.log(`${fs.mountpoint}: ${fs.type}`);
  }
  // Freeze the guest's file systems for a consistent disk snapshot, then thaw them.
  const frozen = await agent.execute('guest-fsfreeze-freeze', undefined, { timeout: 60_000 });
  console.log(`${frozen} file systems frozen`);
  await agent.execute('guest-fsfreeze-thaw');
  // A clean shutdown: the agent sends no reply on success, so wait for QEMU's SHUTDOWN event.
  const vm = await connectVm(vmSocket);
  await agent.execute('guest-shutdown', { mode: 'powerdown' }, { until: { shutdownOf: vm } });
  await vm.close();
  await agent.close();
}
