/**
 * spec.ntp, spec.updatePolicy and an InstanceGroup's volumeMounts, from the spec to nodeup.yaml
 * to the node tasks, applied under --root (files written, packages and devices recorded) and,
 * for a volume mount, on a real loop device: formatted only when blank, mounted, left alone
 * when it already holds data.
 */

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSpec } from '../../src/api/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { Task } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { recorder } from '../../src/output/events.js';
import { buildNodeupConfig } from '../../cloudup/nodeup/build.js';
import type { NodeContext } from '../../nodeup/context.js';
import { baseTasks } from '../../nodeup/model/base.js';
import { AUTO_UPGRADES, CHRONY_RELOAD_UNIT, CHRONY_SOURCES } from '../../nodeup/model/os.js';
import type { ModelInput } from '../../nodeup/model/types.js';
import { recordedServices } from '../../nodeup/services/manager.js';
import { recordedPackages } from '../../nodeup/services/packages.js';
import { NODE_KINDS } from '../../nodeup/tasks/index.js';
import { volumeMountTask } from '../../nodeup/tasks/volume-mount.js';
import { cluster, group } from '../api/fixtures.js';

const run = promisify(execFile);

const spec = completeSpec(cluster({ ntp: { managed: true }, updatePolicy: 'external', packages: ['chrony', 'nfs-common'] }), [
  group('control-plane-us-east-1a', { role: 'ControlPlane' }),
  group('nodes', { updatePolicy: 'automatic', volumes: [{ device: '/dev/xvdd', size: 10 }], volumeMounts: [{ device: '/dev/xvdd', path: '/data', filesystem: 'xfs', mountOptions: ['noatime'] }] }),
]);
const configOf = (ig: string, s = spec) => buildNodeupConfig(s, s.instanceGroups.find((g) => g.metadata.name === ig)!, { stateStore: 'file:///tmp/state', assets: [] });
const tasksOf = (ig: string) => baseTasks({ config: configOf(ig) } as ModelInput);

/** Plans and applies `tasks` as nodeup does; returns the actions planned. */
async function converge(ctx: NodeContext, tasks: readonly Task[]): Promise<string[]> {
  const discovered = await discoverAll(NODE_KINDS, ctx);
  const result = buildPlan({ cluster: 'c', cloud: 'node', specRevision: null, tasks, kinds: NODE_KINDS }, discovered);
  const applied = await applyPlan({ result, kinds: NODE_KINDS, ctx, executor: { parallelism: 4, isRetryable: () => false, stepDeadlineMs: 60_000, events: ctx.events } });
  if (applied.failures[0]) throw applied.failures[0].error;
  return result.plan.changes.map((c) => `${c.action} ${c.kind}/${c.name}`);
}

function context(root: string, rooted: boolean, tasks: readonly Task[], events = recorder()): NodeContext {
  const wanted = new Map<string, Task[]>();
  for (const t of tasks) wanted.set(t.kind, [...(wanted.get(t.kind) ?? []), t]);
  return { root, rooted, services: recordedServices(root), packages: recordedPackages(root), pki: {} as NodeContext['pki'], wanted, events: events.sink };
}

describe('ntp, updatePolicy and volumeMounts in nodeup.yaml', () => {
  it('carry the cloud\'s time server, the group\'s update policy over the Cluster\'s, and the mounts with their defaults', () => {
    const nodes = configOf('nodes');
    expect(nodes.ntp).toEqual({ server: '169.254.169.123' });
    expect(nodes.updatePolicy).toBe('automatic');
    expect(nodes.volumeMounts).toEqual([{ device: '/dev/xvdd', path: '/data', filesystem: 'xfs', formatOptions: [], mountOptions: ['noatime'] }]);
    expect(configOf('control-plane-us-east-1a').updatePolicy).toBe('external');
    // Unset, they leave nodeup.yaml (and its hash) as it was.
    const plain = completeSpec(cluster(), [group('nodes')]);
    expect(Object.keys(configOf('nodes', plain)).filter((k) => ['ntp', 'updatePolicy', 'volumeMounts'].includes(k))).toEqual([]);
  });

  it('become chrony with the cloud\'s source, apt\'s periodic settings and a mount, each package once and after its file', () => {
    const tasks = tasksOf('nodes');
    const ids = tasks.map(idOf);
    expect(ids.filter((id) => id === 'Package/chrony')).toHaveLength(1);
    expect(ids).toEqual(expect.arrayContaining(['VolumeMount//data', 'Package/nfs-common', `File/${CHRONY_SOURCES}`, `Service/${CHRONY_RELOAD_UNIT}`, `File/${AUTO_UPGRADES}`, 'Package/unattended-upgrades']));
    const byId = new Map(tasks.map((t) => [idOf(t), t]));
    expect(byId.get('Package/chrony')?.dependsOn).toEqual([`File/${CHRONY_SOURCES}`]);
    expect(byId.get('Package/unattended-upgrades')?.dependsOn).toEqual([`File/${AUTO_UPGRADES}`]);
    expect(byId.get(`Service/${CHRONY_RELOAD_UNIT}`)?.dependsOn).toEqual([`File/${CHRONY_SOURCES}`, 'Package/chrony']);
    // external: apt's periodic runs turned off, and no package for it.
    const plane = tasksOf('control-plane-us-east-1a');
    expect(plane.map(idOf)).not.toContain('Package/unattended-upgrades');
    expect(plane.find((t) => t.name === AUTO_UPGRADES)?.desired).toEqual({ content: 'APT::Periodic::Enable "0";\n', mode: '0644' });
  });

  it('are applied under --root, and a second run changes nothing', async () => {
    const root = await mkdtemp(join(tmpdir(), 'hoist-os-'));
    try {
      const tasks = tasksOf('nodes');
      const events = recorder();
      const first = await converge(context(root, true, tasks, events), tasks);
      expect(first.every((a) => a.startsWith('create '))).toBe(true);
      expect(await readFile(join(root, CHRONY_SOURCES), 'utf8')).toContain('server 169.254.169.123 prefer iburst');
      expect(await readFile(join(root, AUTO_UPGRADES), 'utf8')).toContain('APT::Periodic::Unattended-Upgrade "1";');
      expect(await readFile(join(root, 'etc/fstab'), 'utf8')).toBe('/dev/xvdd /data xfs noatime,nofail 0 2\n');
      expect(events.events.map((e) => e.code)).toEqual(expect.arrayContaining(['nodeup.volume.skipped', 'nodeup.package.skipped']));
      expect((await converge(context(root, true, tasks), tasks)).filter((a) => !a.startsWith('noop '))).toEqual([]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('a VolumeMount on a real block device', () => {
  let dir: string;
  let device = '';
  const mounted: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hoist-volume-'));
    await writeFile(join(dir, 'disk.img'), '');
    await truncate(join(dir, 'disk.img'), 32 * 1024 * 1024);
    device = (await run('losetup', ['--find', '--show', join(dir, 'disk.img')])).stdout.trim();
  });

  afterAll(async () => {
    for (const m of mounted) await run('umount', [m]).catch(() => undefined);
    if (device !== '') await run('losetup', ['-d', device]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('is formatted once, mounted and listed in fstab; a device that holds data is mounted as it is', async () => {
    const root = join(dir, 'root');
    const target = join(root, 'data');
    const tasks = [volumeMountTask('/data', { device, filesystem: 'ext4', formatOptions: ['-q'], mountOptions: ['defaults'] })];
    const events = recorder();
    mounted.push(target);
    expect(await converge(context(root, false, tasks, events), tasks)).toEqual(['create VolumeMount//data']);
    expect(events.events.map((e) => e.code)).toContain('nodeup.volume.formatted');
    expect((await readFile('/proc/self/mounts', 'utf8')).split('\n').some((l) => l.startsWith(`${device} ${target} ext4 `))).toBe(true);
    expect(await readFile(join(root, 'etc/fstab'), 'utf8')).toBe(`${device} /data ext4 defaults,nofail 0 2\n`);
    expect(await converge(context(root, false, tasks), tasks)).toEqual(['noop VolumeMount//data']);

    // The machine comes back with its data: unmounted, the device is mounted again, not formatted.
    await writeFile(join(target, 'kept'), 'data');
    await run('umount', [target]);
    const again = recorder();
    expect(await converge(context(root, false, tasks, again), tasks)).toEqual(['create VolumeMount//data']);
    expect(again.events.map((e) => e.code)).not.toContain('nodeup.volume.formatted');
    expect(await readFile(join(target, 'kept'), 'utf8')).toBe('data');
  });

  it('refuses to format a device that holds another filesystem', async () => {
    const tasks = [volumeMountTask('/other', { device, filesystem: 'xfs', formatOptions: [], mountOptions: ['defaults'] })];
    await expect(converge(context(join(dir, 'root2'), false, tasks), tasks)).rejects.toThrow(`${device} holds an ext4 filesystem, not xfs: nodeup formats only blank devices and never erases data`);
  });

  it('takes a disk with a partition table and no filesystem for one that holds data, not for a blank one', async () => {
    // A DOS partition table: one Linux partition from sector 2048, and the boot signature.
    const image = join(dir, 'partitioned.img');
    const table = Buffer.alloc(512);
    table[446 + 4] = 0x83;
    table.writeUInt32LE(2048, 446 + 8);
    table.writeUInt32LE(8192, 446 + 12);
    table.writeUInt16LE(0xaa55, 510);
    await writeFile(image, table);
    await truncate(image, 8 * 1024 * 1024);
    const partitioned = (await run('losetup', ['--find', '--show', image])).stdout.trim();
    try {
      const tasks = [volumeMountTask('/parted', { device: partitioned, filesystem: 'ext4', formatOptions: ['-q'], mountOptions: ['defaults'] })];
      await expect(converge(context(join(dir, 'root3'), false, tasks), tasks)).rejects.toThrow(`${partitioned} holds a partition table (dos), not ext4: nodeup formats only blank devices and never erases data`);
      expect((await readFile(image)).subarray(0, 512).equals(table)).toBe(true);
    } finally {
      await run('losetup', ['-d', partitioned]).catch(() => undefined);
    }
  });
});
