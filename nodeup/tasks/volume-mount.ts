/**
 * VolumeMount: a block device of the machine (an InstanceGroup's `volumes`) with a filesystem,
 * mounted at a path, as kops's volumeMounts. The device is formatted only when it holds no
 * filesystem (blkid finds none), so data on a device that already has one is never touched; it
 * is mounted now and listed in /etc/fstab (`nofail`), so that after a reboot systemd mounts it
 * before the services that use the path start. Under `--root` (the local cloud, tests) only the
 * fstab line is written inside the root and the format and mount are recorded as skipped.
 */

import { execFile } from 'node:child_process';
import { access, mkdir, readFile, realpath } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { LiveObject, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

/** The mount point (an absolute path on the machine) is the task's name. */
export interface VolumeMountFields {
  readonly device: string;
  readonly filesystem: string;
  readonly formatOptions: readonly string[];
  readonly mountOptions: readonly string[];
}

export const volumeMountTask = taskConstructor<VolumeMountFields>('VolumeMount');

export const FSTAB = '/etc/fstab';
export const SKIPPED_NOTE = 'not formatted or mounted: nodeup runs under --root, where it manages no devices';
/** A volume of the launch template is attached as the machine boots: wait this long for it. */
const DEVICE_WAIT_MS = 120_000;
const DEVICE_POLL_MS = 1_000;

const execFileAsync = promisify(execFile);
/** The longest a probe, format or mount may take: a tool that stops to ask never gets an answer. */
const TOOL_TIMEOUT_MS = 10 * 60_000;

/** Runs a tool with its input closed (a prompt reads end of file and gives up) and a time limit. */
function run(file: string, args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const running = execFileAsync(file, args, { timeout: TOOL_TIMEOUT_MS, encoding: 'utf8' });
  running.child.stdin?.end();
  return running;
}

/** The fstab line of a mount; `nofail` so that a missing device never stops the machine booting. */
export function fstabLine(path: string, d: VolumeMountFields): string {
  const options = [...d.mountOptions.filter((o) => o !== 'nofail'), 'nofail'].join(',');
  return `${d.device} ${path} ${d.filesystem} ${options} 0 2`;
}

/** fstab with the line of `path` set (replacing one for the same mount point), other lines kept. */
export function withFstabLine(text: string, path: string, line: string): string {
  const lines = text.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === ''));
  const other = lines.filter((l) => l.trim().startsWith('#') || l.trim().split(/\s+/)[1] !== path);
  return `${[...other, line].join('\n')}\n`;
}

/** What is mounted at `target` now, from the kernel's table (`/proc/self/mounts`). */
async function mountedAt(target: string): Promise<{ readonly source: string; readonly type: string; readonly options: string } | undefined> {
  const table = await readFile('/proc/self/mounts', 'utf8');
  // The kernel escapes spaces and other bytes in paths as \ooo.
  const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
  const found = table
    .split('\n')
    .map((l) => l.split(' '))
    .filter((f) => f.length >= 4 && unescape(f[1]!) === target)
    .pop();
  return found ? { source: unescape(found[0]!), type: found[2]!, options: found[3]! } : undefined;
}

async function sameDevice(a: string, b: string): Promise<boolean> {
  const real = async (p: string) => realpath(p).catch(() => p);
  return (await real(a)) === (await real(b));
}

async function waitForDevice(device: string): Promise<void> {
  const deadline = Date.now() + DEVICE_WAIT_MS;
  for (;;) {
    try {
      await access(device);
      return;
    } catch {
      if (Date.now() > deadline) {
        throw new HoistError('NOT_FOUND', `device ${device} did not appear within ${DEVICE_WAIT_MS / 1000} s: is it one of the group's volumes? (on instance types that attach EBS volumes as NVMe, the device is /dev/nvme<N>n1)`, { path: 'spec.volumeMounts' });
      }
      await new Promise((resolve) => setTimeout(resolve, DEVICE_POLL_MS));
    }
  }
}

/**
 * The filesystem type on the device, a partition table's as `partition table (gpt)`, or '' when
 * it is blank (blkid exits 2 when it finds neither): a partitioned disk is never taken for blank.
 */
async function filesystemOf(device: string): Promise<string> {
  try {
    const { stdout } = await run('blkid', ['-p', '-o', 'export', '-s', 'TYPE', '-s', 'PTTYPE', device]);
    const found = new Map(stdout.split('\n').map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]));
    const type = found.get('TYPE');
    if (type) return type;
    const table = found.get('PTTYPE');
    return table ? `partition table (${table})` : '';
  } catch (e) {
    if ((e as { code?: unknown }).code === 2) return '';
    throw e;
  }
}

async function fstabHas(ctx: NodeContext, path: string, d: VolumeMountFields): Promise<boolean> {
  const text = (await readText(hostPath(ctx.root, FSTAB))) ?? '';
  return text.split('\n').includes(fstabLine(path, d));
}

async function discoverOne(ctx: NodeContext, name: string, desired: VolumeMountFields): Promise<LiveObject | undefined> {
  if (!(await fstabHas(ctx, name, desired))) return undefined;
  if (!ctx.rooted) {
    const mounted = await mountedAt(hostPath(ctx.root, name));
    if (!mounted || !(await sameDevice(mounted.source, desired.device)) || mounted.type !== desired.filesystem) return undefined;
  }
  // Mounted from the device with its filesystem: the format and mount options it was made with
  // are history, so they read as desired (a change of them is not applied to a mounted device).
  return { id: name, name, fields: { ...desired }, outputs: { id: name } };
}

export const VolumeMountKind: TaskKind<NodeContext> = {
  kind: 'VolumeMount',
  uses: [],
  async discover(ctx) {
    const found = await Promise.all(tasksOf(ctx, 'VolumeMount').map((t) => discoverOne(ctx, t.name, fieldsOf<VolumeMountFields>(t.desired))));
    return found.filter((o) => o !== undefined);
  },
  checkChanges: () => ({}),
  async create(ctx, task, desired) {
    const d = fieldsOf<VolumeMountFields>(desired);
    const target = hostPath(ctx.root, task.name);
    const fstab = hostPath(ctx.root, FSTAB);
    await writeAtomic(fstab, withFstabLine((await readText(fstab)) ?? '', task.name, fstabLine(task.name, d)), '0644');
    if (ctx.rooted) {
      ctx.events({ level: 'info', code: 'nodeup.volume.skipped', message: `${d.device} at ${task.name}: ${SKIPPED_NOTE}`, data: { device: d.device, path: task.name } });
      return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
    }
    await waitForDevice(d.device);
    const mounted = await mountedAt(target);
    if (mounted && !(await sameDevice(mounted.source, d.device))) {
      throw new HoistError('CONFLICT', `${task.name} already has ${mounted.source} mounted, not ${d.device}: unmount it, or mount ${d.device} at another path`, { path: 'spec.volumeMounts' });
    }
    if (!mounted) {
      const existing = await filesystemOf(d.device);
      if (existing === '') {
        await run(`mkfs.${d.filesystem}`, [...d.formatOptions, d.device]);
        ctx.events({ level: 'info', code: 'nodeup.volume.formatted', message: `${d.device}: made a ${d.filesystem} filesystem`, data: { device: d.device, filesystem: d.filesystem } });
      } else if (existing !== d.filesystem) {
        throw new HoistError('CONFLICT', `${d.device} holds ${existing.startsWith('partition table') ? `a ${existing}` : `${/^[aeiou]/.test(existing) ? 'an' : 'a'} ${existing} filesystem`}, not ${d.filesystem}: nodeup formats only blank devices and never erases data`, { path: 'spec.volumeMounts' });
      }
      await mkdir(target, { recursive: true });
      await run('mount', ['-t', d.filesystem, '-o', d.mountOptions.join(','), d.device, target]);
    }
    return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name } };
  },
  update(ctx, task, _live, desired) {
    return VolumeMountKind.create(ctx, task, desired);
  },
  async delete() {
    // Never: a mount that left the spec goes with its machine, which a rolling update replaces.
  },
};
