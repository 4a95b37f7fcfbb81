/**
 * A real QEMU for the tests: `qemu-system-x86_64` (Debian's qemu-system-x86,
 * QEMU 7.2) started in a temporary directory, paused (`-S`), without default
 * devices or display, with a QMP UNIX socket, a block node and a few devices
 * so that queries return real data; stopped by its PID afterwards.
 *
 * Without QEMU the tests that need it are skipped, saying why; with
 * QAPI_TS_REQUIRE_QEMU=1 (as .ci/run sets) they fail instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { describe, it } from 'vitest';

export const requireQemu = process.env.QAPI_TS_REQUIRE_QEMU === '1';

const BINARY = process.env.QAPI_TS_QEMU ?? 'qemu-system-x86_64';

/** The QEMU binary's path, or null when it is not installed. */
export function findQemu(): string | null {
  return findOnPath(BINARY);
}

/** A program's path: `binary` itself when it has a `/`, else the first on PATH (then in `extra` dirs); null when none. */
export function findOnPath(binary: string, extra: readonly string[] = []): string | null {
  if (binary.includes('/')) return isExecutable(binary) ? binary : null;
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), ...extra]) {
    if (dir !== '' && isExecutable(join(dir, binary))) return join(dir, binary);
  }
  return null;
}

export function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The devices and block node every test QEMU gets. */
export const QEMU_DEVICES = [
  '-blockdev', 'driver=null-co,node-name=null0,size=67108864',
  '-device', 'virtio-blk-pci,drive=null0,id=blk0',
  '-device', 'e1000,id=nic0',
  '-device', 'virtio-rng-pci,id=rng0',
  '-object', 'memory-backend-ram,id=mem0,size=64M',
  '-chardev', 'null,id=chr0',
];

/** A program started by the tests in its own temporary directory. */
export interface Program {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Its temporary directory (its cwd; removed by stop()). */
  readonly dir: string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Whether it has exited. */
  hasExited(): boolean;
  /** What it wrote on stderr so far. */
  stderr(): string;
  /** Stops it (SIGTERM, then SIGKILL) by its PID and removes its directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `command args` in a new temporary directory (`dir(path)` gives
 * paths in it, for the arguments), and waits until `ready()` holds (or the
 * program exits, which is an error). `fds` are open file descriptors it
 * inherits as its fds 3, 4, ….
 */
export async function launch(
  name: string,
  command: string,
  args: (dir: string) => readonly string[],
  ready: (dir: string) => Promise<boolean>,
  options: { fds?: readonly number[]; prepare?: (dir: string) => void } = {},
): Promise<Program> {
  const dir = mkdtempSync(join(tmpdir(), `qapi-ts-${name}-`));
  options.prepare?.(dir);
  const child = spawn(command, args(dir), { cwd: dir, stdio: ['ignore', 'ignore', 'pipe', ...(options.fds ?? [])] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (t: string) => (stderr += t));
  let exitedFlag = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => (exitedFlag = true));
  const spawned = await new Promise<Error | null>((resolve) => {
    child.once('spawn', () => resolve(null));
    child.once('error', (e) => resolve(e));
  });
  if (spawned !== null) {
    rmSync(dir, { recursive: true, force: true });
    throw spawned;
  }
  let stopping: Promise<void> | undefined;
  const program: Program = {
    pid: child.pid!,
    process: child,
    dir,
    exited,
    hasExited: () => exitedFlag,
    stderr: () => stderr,
    stop() {
      stopping ??= (async () => {
        if (!exitedFlag) {
          process.kill(child.pid!, 'SIGTERM');
          const timer = setTimeout(() => {
            if (!exitedFlag) process.kill(child.pid!, 'SIGKILL');
          }, 5000);
          await exited;
          clearTimeout(timer);
        }
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
  // Wait for it to get going (or for its exit).
  for (let attempt = 0; ; attempt++) {
    if (exitedFlag) {
      await program.stop();
      throw new Error(`${name} exited at start-up: ${stderr.trim()}`);
    }
    if (await ready(dir)) return program;
    if (attempt > 1200) {
      await program.stop();
      throw new Error(`${name} never got ready: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface Qemu extends Program {
  /** The QMP socket. */
  readonly socket: string;
}

/**
 * Starts QEMU and waits until its QMP socket accepts connections. `fds` are
 * open file descriptors QEMU inherits as its fds 3, 4, … (for `-add-fd`).
 */
export async function startQemu(extra: readonly string[] = [], fds: readonly number[] = []): Promise<Qemu> {
  const binary = findQemu();
  if (binary === null) throw new Error(`${BINARY} is not installed`);
  const program = await launch(
    'qemu',
    binary,
    (dir) => [
      '-S', '-nodefaults', '-display', 'none',
      '-machine', 'pc', '-accel', 'tcg', '-m', '64',
      '-qmp', `unix:${join(dir, 'qmp.sock')},server=on,wait=off`,
      ...QEMU_DEVICES,
      ...extra,
    ],
    (dir) => canConnect(join(dir, 'qmp.sock')),
    { fds },
  );
  return Object.assign(program, { socket: join(program.dir, 'qmp.sock') });
}

/** The storage daemon of the same Debian build, next to the QEMU binary (or on PATH). */
export function findStorageDaemon(): string | null {
  const qemu = findQemu();
  return findOnPath('qemu-storage-daemon', qemu === null ? [] : [dirname(qemu)]);
}

/**
 * Starts qemu-storage-daemon with a QMP monitor on a UNIX socket and a
 * `null-co` block node (`null0`), and waits until the socket accepts
 * connections.
 */
export async function startStorageDaemon(): Promise<Qemu> {
  const binary = findStorageDaemon();
  if (binary === null) throw new Error('qemu-storage-daemon is not installed');
  const program = await launch(
    'qsd',
    binary,
    (dir) => [
      '--chardev', `socket,path=${join(dir, 'qmp.sock')},server=on,wait=off,id=m0`,
      '--monitor', 'chardev=m0',
      '--blockdev', 'driver=null-co,node-name=null0,size=67108864',
    ],
    (dir) => canConnect(join(dir, 'qmp.sock')),
  );
  return Object.assign(program, { socket: join(program.dir, 'qmp.sock') });
}

/** Probes the socket without taking QEMU's one QMP connection for long. */
export function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ path }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const announced = new Set<string>();

/**
 * `describe` for tests that need a program: runs `fn` when `found`;
 * otherwise one test, skipped with the reason, or failing when
 * QAPI_TS_REQUIRE_QEMU=1.
 */
export function describeWith(found: boolean, reason: string, name: string, fn: () => void): void {
  if (found) {
    describe(name, fn);
    return;
  }
  describe(name, () => {
    if (requireQemu) {
      it(`requires: ${reason}`, () => {
        throw new Error(`${reason} (QAPI_TS_REQUIRE_QEMU=1)`);
      });
    } else {
      if (!announced.has(reason)) {
        announced.add(reason);
        console.warn(`[skip] ${reason} (set QAPI_TS_REQUIRE_QEMU=1 to make this an error)`);
      }
      it.skip(`skipped: ${reason}`, () => {});
    }
  });
}

/** `describe` for tests that need QEMU (see describeWith). */
export function describeQemu(name: string, fn: () => void): void {
  describeWith(findQemu() !== null, `${BINARY} not found on PATH (install Debian's qemu-system-x86)`, name, fn);
}
