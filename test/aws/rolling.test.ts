/**
 * Rolling update on AWS (moto): every Auto Scaling group machine of the node groups is replaced
 * through DetachInstances (surge) and termination, with --cloudonly (moto's machines run no
 * nodeup and no Kubernetes API answers for them, so a roll that drains is refused up front),
 * and the result checked with DescribeInstances: forced, then after a machine-type change onto
 * the new launch template version; and drained through a Kubernetes API (the test server of
 * test/support/fake-kube-api.ts, with the test reporting for the machines as nodeup would). (The machine-type roll needs the moto launcher
 * of test/support/moto-server.py: moto 5.2.1 cannot launch from a version that
 * CreateLaunchTemplateVersion made with user data.)
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { Instance } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { hoist, tempDir } from '../support/cli.js';
import { writeInstanceStatus } from '../../nodeup/status.js';
import { openStore } from '../../state-store/open.js';
import { startFakeKubeApi } from '../support/fake-kube-api.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'roll.aws.example.com';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

beforeAll(async () => {
  account = await testAccount();
  Object.assign(process.env, account.env);
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-roll-');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b', '--node-count', '3']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const applied = await run(['update', 'cluster', NAME, '--yes']);
  expect(applied.code, applied.stderr).toBe(0);
}, 180_000);
afterAll(async () => {
  await run(['delete', 'cluster', NAME, '--yes']);
  await dir?.cleanup();
}, 180_000);

async function machines(): Promise<Instance[]> {
  const out = await account.clients.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }] }));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).filter((i) => i.State?.Name !== 'terminated' && i.State?.Name !== 'shutting-down');
}
const tag = (i: Instance, key: string) => i.Tags?.find((t) => t.Key === key)?.Value;
const role = (list: Instance[], r: string) => list.filter((i) => tag(i, 'hoist.dev/role') === r);

describe('rolling-update cluster on AWS', () => {
  it('without --cloudonly, drains through the Kubernetes API, and refuses before touching anything when it cannot reach it', async () => {
    const before = (await machines()).map((i) => i.InstanceId).sort();
    const missing = await run(['rolling-update', 'cluster', NAME, '--yes', '--force', '--kubeconfig', join(dir.path, 'none.kubeconfig')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('cannot reach the Kubernetes API of roll.aws.example.com to drain nodes: cannot read the kubeconfig');
    expect(missing.stderr).toContain('--cloudonly');
    // A context whose server does not answer (nothing listens on port 1).
    const path = join(dir.path, 'dead.kubeconfig');
    await writeFile(path, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: NAME, cluster: { server: 'https://127.0.0.1:1' } }], users: [{ name: NAME, user: { token: 't' } }], contexts: [{ name: NAME, context: { cluster: NAME, user: NAME } }] }));
    const dead = await hoist(['rolling-update', 'cluster', NAME, '--yes', '--force'], { env: { ...env, KUBECONFIG: path } });
    expect(dead.code).toBe(1);
    expect(dead.stderr).toMatch(/cannot drain nodes: the Kubernetes API of roll\.aws\.example\.com at https:\/\/127\.0\.0\.1:1 does not answer .*; no machine was touched/);
    expect((await machines()).map((i) => i.InstanceId).sort()).toEqual(before);
  });

  it('replaces every node group machine through its Auto Scaling group', { timeout: 240_000 }, async () => {
    const before = await machines();
    expect(role(before, 'node')).toHaveLength(3);
    const preview = await run(['rolling-update', 'cluster', NAME, '--force']);
    expect(preview.stdout).toMatch(/nodes-us-east-1a\s+NeedsUpdate\s+2\s+\d+\s+2\s+2\s+2/);

    const rolled = await run(['rolling-update', 'cluster', NAME, '--yes', '--force', '--cloudonly', '--instance-group-roles', 'Node']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('Rolling update completed: 3 instance(s) replaced');
    expect(rolled.stderr).toMatch(/nodes-us-east-1a: 2 instance\(s\) to replace, 1 surged and 0 unavailable at a time/);

    const after = await machines();
    const nodes = role(after, 'node');
    expect(nodes).toHaveLength(3);
    expect(nodes.filter((i) => before.some((b) => b.InstanceId === i.InstanceId))).toEqual([]);
    for (const i of nodes) expect(tag(i, 'aws:ec2launchtemplate:version')).toBe('1');
    // Only node groups were asked for: the control plane kept its machine.
    expect(role(after, 'control-plane').map((i) => i.InstanceId)).toEqual(role(before, 'control-plane').map((i) => i.InstanceId));
  });

  it('rolls every machine of the node groups onto the launch template version of a new machine type', { timeout: 240_000 }, async () => {
    const groups = ['nodes-us-east-1a', 'nodes-us-east-1b'];
    for (const ig of groups) {
      const yaml = (await run(['get', 'ig', ig, '--name', NAME, '-o', 'yaml'])).stdout;
      expect(yaml).toContain('machineType: t3.medium');
      const replaced = await run(['replace', '-f', '-'], yaml.replace('machineType: t3.medium', 'machineType: t3.large'));
      expect(replaced.code, replaced.stderr).toBe(0);
    }
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stderr).toBe(0);
    const asgs = await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: groups.map((g) => `${g}.${NAME}`) }));
    const versions = new Map((asgs.AutoScalingGroups ?? []).map((g) => [g.AutoScalingGroupName!.split('.')[0]!, g.LaunchTemplate!.Version!]));
    expect(versions.size).toBe(2);
    for (const v of versions.values()) expect(Number(v)).toBeGreaterThan(1);

    const before = await machines();
    expect(role(before, 'node').every((i) => i.InstanceType === 't3.medium')).toBe(true);
    // Not forced: the machines are out of date because their group launches a newer version.
    const preview = await run(['rolling-update', 'cluster', NAME]);
    expect(preview.stdout).toMatch(/nodes-us-east-1a\s+NeedsUpdate\s+2\s+\d+\s+2\s+2\s+2/);
    expect(preview.stdout).toMatch(/nodes-us-east-1b\s+NeedsUpdate\s+1\s+\d+\s+1\s+1\s+1/);

    const rolled = await run(['rolling-update', 'cluster', NAME, '--yes', '--cloudonly', '--validation-timeout', '60s']);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('Rolling update completed: 3 instance(s) replaced');

    const after = await machines();
    const nodes = role(after, 'node');
    expect(nodes).toHaveLength(3);
    expect(nodes.filter((i) => before.some((b) => b.InstanceId === i.InstanceId))).toEqual([]);
    for (const i of nodes) {
      expect(i.InstanceType).toBe('t3.large');
      expect(tag(i, 'aws:ec2launchtemplate:version')).toBe(versions.get(tag(i, 'hoist.dev/instancegroup') ?? ''));
    }
    // The control plane did not change, so it was not rolled.
    expect(role(after, 'control-plane').map((i) => i.InstanceId)).toEqual(role(before, 'control-plane').map((i) => i.InstanceId));
    const again = await run(['rolling-update', 'cluster', NAME]);
    expect(again.stdout).toContain('No rolling update is needed');
  });

  it('drains each old node through the Kubernetes API before it terminates the machine', { timeout: 240_000 }, async () => {
    // What the machines would do on EC2: register their node and report Ready (moto runs no nodeup).
    const kube = await startFakeKubeApi();
    const store = await openStore(`s3://${account.bucket}/clusters`, { env: account.env });
    const known = new Set<string>();
    const goneWithPodsLeft = new Map<string, number>();
    let reporting = true;
    const report = async () => {
      const live = await machines();
      for (const i of live.filter((m) => !known.has(m.InstanceId!))) {
        const id = i.InstanceId!;
        known.add(id);
        kube.nodes.set(id, { unschedulable: false });
        if (tag(i, 'hoist.dev/role') === 'node') {
          kube.pod(id, `app-${id}`, { owner: 'ReplicaSet' });
          kube.pod(id, `proxy-${id}`, { owner: 'DaemonSet', namespace: 'kube-system' });
        }
        await writeInstanceStatus(store, { instanceId: id, cluster: NAME, instanceGroup: tag(i, 'hoist.dev/instancegroup')!, phase: 'Ready', configHash: 'sha256:reported', updatedAt: new Date().toISOString() });
      }
      for (const id of known) {
        if (!goneWithPodsLeft.has(id) && !live.some((m) => m.InstanceId === id)) goneWithPodsLeft.set(id, kube.pods.filter((p) => p.node === id && !p.deleted && p.name.startsWith('app-')).length);
      }
    };
    await report();
    const reporter = (async () => {
      while (reporting) {
        await report();
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    try {
      const before = role(await machines(), 'node').map((i) => i.InstanceId!);
      const rolled = await run(['rolling-update', 'cluster', NAME, '--yes', '--force', '--instance-group-roles', 'Node', '--kubeconfig', kube.kubeconfig('admin', NAME), '--validation-timeout', '60s', '--drain-timeout', '30s']);
      expect(rolled.code, rolled.stderr).toBe(0);
      expect(rolled.stdout).toContain('Rolling update completed: 3 instance(s) replaced');
      for (const id of before) {
        expect(kube.nodes.get(id)?.unschedulable).toBe(true);
        expect(kube.log).toContain(`POST /api/v1/namespaces/default/pods/app-${id}/eviction`);
        expect(kube.log).not.toContain(`POST /api/v1/namespaces/kube-system/pods/proxy-${id}/eviction`);
      }
      await report();
      // Every old machine was gone only after its workload had been evicted.
      expect(before.map((id) => [id, goneWithPodsLeft.get(id)])).toEqual(before.map((id) => [id, 0]));
      const after = role(await machines(), 'node').map((i) => i.InstanceId!);
      expect(after).toHaveLength(3);
      for (const id of after) expect(kube.nodes.get(id)?.unschedulable).toBe(false);
    } finally {
      reporting = false;
      await reporter;
      await kube.stop();
    }
  });
});
