/**
 * A real guest agent for the tests: Debian's qemu-guest-agent (QGA 7.2) on
 * a UNIX socket in a temporary directory.
 *
 * qemu-ga acts on the machine it runs on, and here that is the test
 * machine. So it runs only as an unprivileged user (`nobody`, through
 * setpriv, when the tests run as root), with every command that changes
 * the system blocked (`-b`), and `startGuestAgent` checks both on the
 * running agent (its uid in /proc, and `guest-info` over a raw socket:
 * every such command disabled) before it returns, so before any client
 * connects. It is stopped by its PID.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { canConnect, describeWith, findOnPath, launch, type Program } from './qemu.js';

const BINARY = process.env.QAPI_TS_QEMU_GA ?? 'qemu-ga';

/** The commands that change the system: never run on the test machine. */
export const DANGEROUS = /^guest-(shutdown|suspend-|exec|file-|set-|fsfreeze-|fstrim|ssh-|network-)/;

export function findGuestAgent(): string | null {
  return findOnPath(BINARY, ['/usr/sbin', '/usr/bin']);
}

export interface GuestAgent extends Program {
  readonly socket: string;
  /** The commands blocked with -b. */
  readonly blocked: readonly string[];
  /** The agent's `guest-info` as read by the start-up check. */
  readonly info: { version: string; supported_commands: Array<{ name: string; enabled: boolean; 'success-response': boolean }> };
}

/** Every command this agent has (`qemu-ga -b help`). */
function agentCommands(binary: string): string[] {
  const r = spawnSync(binary, ['-b', 'help'], { encoding: 'utf8' });
  return `${r.stdout}\n${r.stderr}`.split(/\s+/).filter((w) => /^guest-[a-z0-9-]+$/.test(w));
}

/** Starts qemu-ga unprivileged, with the dangerous commands blocked, and checks both before returning. */
export async function startGuestAgent(): Promise<GuestAgent> {
  const binary = findGuestAgent();
  if (binary === null) throw new Error(`${BINARY} is not installed`);
  const blocked = agentCommands(binary).filter((c) => DANGEROUS.test(c));
  if (blocked.length === 0) throw new Error('qemu-ga -b help listed no commands to block');
  const asRoot = process.getuid?.() === 0;
  const agentArgs = (dir: string): string[] => ['-m', 'unix-listen', '-p', join(dir, 'qga.sock'), '-t', dir, '-f', join(dir, 'qga.pid'), '-b', blocked.join(',')];
  const program = await launch(
    'qga',
    asRoot ? 'setpriv' : binary,
    // setpriv execs qemu-ga: the child's PID is the agent's.
    (dir) => (asRoot ? ['--reuid=nobody', '--regid=nogroup', '--clear-groups', binary, ...agentArgs(dir)] : agentArgs(dir)),
    // The socket file appears before the agent listens on it: ready once a connection is accepted.
    (dir) => (existsSync(join(dir, 'qga.sock')) ? canConnect(join(dir, 'qga.sock')) : Promise.resolve(false)),
    // The unprivileged agent writes its state file and socket there.
    { prepare: (dir) => chmodSync(dir, 0o777) },
  );
  const socket = join(program.dir, 'qga.sock');
  try {
    const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${program.pid}/status`, 'utf8'))?.[1];
    if (uid === undefined || uid === '0') throw new Error(`qemu-ga runs as uid ${uid}: refusing to go on`);
    const info = await rawGuestInfo(socket);
    const enabled = info.supported_commands.filter((c) => DANGEROUS.test(c.name) && c.enabled).map((c) => c.name);
    if (enabled.length > 0) throw new Error(`qemu-ga has commands enabled that change the system: ${enabled.join(', ')}`);
    return Object.assign(program, { socket, blocked, info });
  } catch (e) {
    await program.stop();
    throw e;
  }
}

/**
 * `guest-info` over a raw socket, sharing no code with the client: 0xFF,
 * then the command; the first line that parses as a success reply.
 */
export function rawGuestInfo(path: string): Promise<GuestAgent['info']> {
  return new Promise((resolve, reject) => {
    const s = createConnection({ path });
    let buffer = '';
    s.on('connect', () => {
      s.write(Buffer.of(0xff));
      s.write('{"execute":"guest-info"}\n');
    });
    s.setEncoding('latin1');
    s.on('data', (text: string) => {
      buffer += text;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).replace(/^\xff/, '');
        buffer = buffer.slice(nl + 1);
        let msg: { return?: GuestAgent['info'] };
        try {
          msg = JSON.parse(line);
        } catch {
          continue;
        }
        if (msg.return !== undefined) {
          s.destroy();
          resolve(msg.return);
          return;
        }
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error('qemu-ga closed the connection before answering guest-info')));
  });
}

/** `describe` for tests that need qemu-ga. */
export function describeGuestAgent(name: string, fn: () => void): void {
  describeWith(findGuestAgent() !== null, `${BINARY} not found (install Debian's qemu-guest-agent)`, name, fn);
}
