/**
 * A newer QEMU than Debian 12's: a Debian sid root with qemu-system-x86
 * (QEMU 11.x), made once with `debootstrap --variant=minbase
 * --include=qemu-system-x86 sid DIR` (about 35 s and 424 MB) and kept in
 * the temp dir for later runs; QEMU then runs with `chroot DIR …`, its
 * sockets in the root's /run.
 *
 * `QAPI_TS_SID_ROOT` names a root instead; with `QAPI_TS_SID_ROOT_BUILDING=1`
 * (.ci/run, which builds it in the background while the rest runs) it is
 * waited for: ready once the directory exists, given up on when
 * `ROOT.failed` appears. Without root privileges, debootstrap or the
 * network, the tests that need it skip and say why.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { canConnect, findOnPath, launch, type Qemu } from './qemu.js';

const CACHED = join(tmpdir(), 'qapi-ts-sid-root');

function hasQemu(root: string): boolean {
  return existsSync(join(root, 'usr', 'bin', 'qemu-system-x86_64'));
}

/** Why a sid root can't be had here, or null when one can. */
export function sidRootUnavailable(): string | null {
  const given = process.env.QAPI_TS_SID_ROOT;
  if (given !== undefined) return hasQemu(given) || process.env.QAPI_TS_SID_ROOT_BUILDING === '1' ? null : `QAPI_TS_SID_ROOT=${given} has no usr/bin/qemu-system-x86_64`;
  if (hasQemu(CACHED)) return null;
  if (process.getuid?.() !== 0) return 'building a Debian sid root needs root (debootstrap, chroot)';
  if (findOnPath('debootstrap', ['/usr/sbin']) === null) return "debootstrap is not installed (apt-get install debootstrap)";
  return null;
}

let built: string | undefined;

/** The sid root: given (waited for while .ci/run builds it), cached, or built now (once per machine; a failed build leaves nothing). */
export async function sidRoot(): Promise<string> {
  const given = process.env.QAPI_TS_SID_ROOT;
  if (given !== undefined) {
    if (process.env.QAPI_TS_SID_ROOT_BUILDING === '1') {
      while (!hasQemu(given)) {
        if (existsSync(`${given}.failed`)) throw new Error(`building the sid root failed (see ${given}.failed)`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    if (!hasQemu(given)) throw new Error(`QAPI_TS_SID_ROOT=${given} has no usr/bin/qemu-system-x86_64`);
    return given;
  }
  if (built !== undefined || hasQemu(CACHED)) return (built = CACHED);
  const work = mkdtempSync(join(tmpdir(), 'qapi-ts-sid-build-'));
  try {
    const debootstrap = findOnPath('debootstrap', ['/usr/sbin'])!;
    execFileSync(debootstrap, ['--variant=minbase', '--include=qemu-system-x86', 'sid', join(work, 'root')], { stdio: 'pipe', timeout: 1_800_000 });
    if (!hasQemu(join(work, 'root'))) throw new Error('debootstrap finished without qemu-system-x86_64');
    rmSync(CACHED, { recursive: true, force: true });
    renameSync(join(work, 'root'), CACHED);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return (built = CACHED);
}

/** The QEMU version in the root (`11.1.3`). */
export function sidQemuVersion(root: string): string {
  const r = spawnSync('chroot', [root, 'qemu-system-x86_64', '--version'], { encoding: 'utf8' });
  return /version (\S+)/.exec(r.stdout)?.[1] ?? 'unknown';
}

/** Starts the root's QEMU (paused, no devices beyond a null block node), its QMP socket in the root's /run. */
export async function startSidQemu(root: string): Promise<Qemu> {
  const run = join(root, 'run');
  mkdirSync(run, { recursive: true });
  const dir = mkdtempSync(join(run, 'qapi-ts-'));
  const inside = '/' + relative(root, dir);
  try {
    const program = await launch(
      'qemu-sid',
      'chroot',
      () => [root, 'qemu-system-x86_64', '-S', '-nodefaults', '-display', 'none', '-machine', 'pc', '-accel', 'tcg', '-m', '64', '-qmp', `unix:${inside}/qmp.sock,server=on,wait=off`, '-blockdev', 'driver=null-co,node-name=null0,size=67108864'],
      () => canConnect(join(dir, 'qmp.sock')),
    );
    const stop = program.stop;
    return Object.assign(program, {
      socket: join(dir, 'qmp.sock'),
      stop: async () => {
        await stop();
        rmSync(dir, { recursive: true, force: true });
      },
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
