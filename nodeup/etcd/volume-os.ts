/**
 * The machine's half of claiming a volume: the operating system's own tools (mountpoint, blkid,
 * mkfs.ext4, mount), run through a command runner so that a test can answer them and see
 * exactly what would run, without a device or a mount on the test machine.
 */

import { execFile } from 'node:child_process';
import { access, mkdir } from 'node:fs/promises';
import { HoistError } from '../../src/errors.js';
import { hostPath } from '../context.js';
import type { VolumeHost } from './volume.js';

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program (no shell) and reports its exit code; only a program that cannot start throws. */
export type CommandRunner = (program: string, args: readonly string[]) => Promise<CommandResult>;

export const runCommand: CommandRunner = (program, args) =>
  new Promise((resolve, reject) => {
    execFile(program, [...args], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(new HoistError('ABORTED', `cannot run ${program}: ${error.message}`, { cause: error }));
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });

export interface HostOptions {
  /** `/` on a machine; the folder that stands for it in a test. Device paths are looked for below it. */
  readonly root: string;
  readonly run?: CommandRunner;
  /** How long an attached device may take to appear; default 5 minutes. */
  readonly deviceTimeoutMs?: number;
  readonly pollMs?: number;
}

const failed = (what: string, r: CommandResult) => new HoistError('ABORTED', `${what} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim() || 'no output'}`);

const exists = (path: string) => access(path).then(() => true, () => false);

export function osVolumeHost(options: HostOptions): VolumeHost {
  const run = options.run ?? runCommand;
  const timeoutMs = options.deviceTimeoutMs ?? 5 * 60_000;
  const pollMs = options.pollMs ?? 250;
  return {
    async isMounted(dir) {
      // mountpoint: 0 when it is a mount point, 32 (util-linux) or 1 when not, or missing.
      return (await run('mountpoint', ['-q', dir])).code === 0;
    },
    async waitDevice(devices) {
      // udev makes the device's links a moment after the cloud reports it attached: nothing to wait on but the path.
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (const d of devices) if (await exists(hostPath(options.root, d))) return d;
        if (Date.now() > deadline) {
          throw new HoistError('ABORTED', `the attached volume's device did not appear within ${Math.round(timeoutMs / 1000)} s (looked for ${devices.join(', ')})`, {
            hint: 'see the kernel log (dmesg) for the attach; nodeup runs again and retries',
          });
        }
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
    async formatIfEmpty(device) {
      // -p probes the device itself (no cache): exit 0 with the type when a filesystem is there, 2 when nothing is.
      const probe = await run('blkid', ['-p', '-s', 'TYPE', '-o', 'value', device]);
      if (probe.code === 0 && probe.stdout.trim() !== '') return false;
      if (probe.code !== 2) throw failed(`blkid -p ${device}`, probe);
      const made = await run('mkfs.ext4', ['-q', '-F', '-m', '0', device]);
      if (made.code !== 0) throw failed(`mkfs.ext4 ${device}`, made);
      return true;
    },
    async mount(device, dir) {
      await mkdir(hostPath(options.root, dir), { recursive: true, mode: 0o700 });
      const r = await run('mount', ['-o', 'noatime', device, dir]);
      if (r.code !== 0) throw failed(`mount ${device} ${dir}`, r);
    },
  };
}
