/**
 * nodeup on a machine of a group with a warm pool (kops's warmPool), under a root folder, with
 * an IMDSv2 stand-in on 127.0.0.1 and the group and its lifecycle hook on moto: a machine whose
 * target lifecycle state is Warmed:Stopped only installs (archives, packages), reports Warmed,
 * completes the hook kops-warmpool and stops there; started into service (InService) the same
 * machine runs the full nodeup and completes the hook again. A machine the hook does not wait
 * for is told so, not failed; a group without a warm pool never asks the metadata service.
 */

import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, PutLifecycleHookCommand } from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletedSpec } from '../../src/api/index.js';
import { instanceStatusKey } from '../../nodeup/config/keys.js';
import { hostPath } from '../../nodeup/context.js';
import { warmingTasks } from '../../nodeup/warm-pool.js';
import { listen } from '../boot/servers.js';
import type { Listening } from '../boot/servers.js';
import { testAccount } from '../aws/support.js';
import type { TestAccount } from '../aws/support.js';
import { CLUSTER, CONTROL_PLANE, NODES, nodeWorld } from './support.js';
import type { NodeWorld } from './support.js';

let world: NodeWorld;
let account: TestAccount;
let imds: Listening;
let instanceId = '';
/** What the stand-in answers for autoscaling/target-lifecycle-state. */
let lifecycleState = 'Warmed:Stopped';
const asked: string[] = [];
const saved: Record<string, string | undefined> = {};

/** The cluster's Node group with a warm pool and its hook, as the Cluster's warmPool gives it. */
const withWarmPool = (spec: CompletedSpec): CompletedSpec => ({ ...spec, cluster: { ...spec.cluster, spec: { ...spec.cluster.spec, warmPool: { minSize: 1, enableLifecycleHook: true } } } });

function startImds(): Promise<Listening> {
  const tokens = new Set<string>();
  return listen((req, res) => {
    asked.push(`${req.method} ${req.url}`);
    const reply = (status: number, body: string): void => void res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    if (req.url === '/latest/api/token' && req.method === 'PUT') {
      const token = randomBytes(12).toString('hex');
      tokens.add(token);
      return reply(200, token);
    }
    if (!tokens.has(String(req.headers['x-aws-ec2-metadata-token']))) return reply(401, 'IMDSv2 needs a token');
    const body: Record<string, string> = {
      '/latest/meta-data/autoscaling/target-lifecycle-state': lifecycleState,
      '/latest/meta-data/placement/availability-zone': 'us-east-1a',
    };
    const found = body[req.url ?? ''];
    return found === undefined ? reply(404, 'not found') : reply(200, found);
  });
}

const env = () => ({ AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url, AWS_ENDPOINT_URL: account.env.AWS_ENDPOINT_URL! });
const exists = (path: string) => access(path).then(() => true, () => false);

beforeAll(async () => {
  account = await testAccount();
  imds = await startImds();
  // The machine's role, as the SDK's default chain finds it (on a machine: the instance profile).
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_REGION']) saved[k] = process.env[k];
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  delete process.env.AWS_REGION;
  process.env.AWS_ACCESS_KEY_ID = account.env.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = account.env.AWS_SECRET_ACCESS_KEY;
  world = await nodeWorld({ spec: withWarmPool });
  // The group on moto, with one machine and kops's hook.
  const group = `${NODES}.${CLUSTER}`;
  await account.clients.ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: group, LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.medium' } }));
  await account.clients.autoscaling.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: group, LaunchTemplate: { LaunchTemplateName: group }, MinSize: 1, MaxSize: 2, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'] }));
  await account.clients.autoscaling.send(new PutLifecycleHookCommand({ AutoScalingGroupName: group, LifecycleHookName: 'kops-warmpool', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 600, DefaultResult: 'ABANDON' }));
  const described = await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }));
  instanceId = described.AutoScalingGroups![0]!.Instances![0]!.InstanceId!;
}, 120_000);

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await imds?.close();
  await world?.cleanup();
  account?.close();
});

describe('nodeup on a machine of a group with a warm pool', () => {
  it('has nodeup.yaml name the hook, only for the groups with a warm pool', () => {
    expect(world.configs.get(NODES)!.config.warmPool).toEqual({ lifecycleHook: 'kops-warmpool' });
    expect(world.configs.get(CONTROL_PLANE)!.config.warmPool).toBeUndefined();
  });

  it('only installs while warming, completes the hook and stops; into service it joins and completes it again', async () => {
    const root = join(world.dir, 'warm');
    lifecycleState = 'Warmed:Stopped';
    const warm = await world.nodeup(NODES, root, { env: env(), instanceId });
    expect(warm.warmed).toBe(true);
    expect(warm.healthChecks).toEqual([]);
    const kinds = new Set(warm.plan.changes.map((c) => c.id.split('/')[0]));
    expect([...kinds].sort()).toEqual(['Archive', 'Package']);
    expect(await exists(hostPath(root, '/usr/local/bin/kubelet'))).toBe(true);
    expect(await exists(hostPath(root, '/var/lib/kubelet/config.yaml'))).toBe(false);
    const status = JSON.parse(Buffer.from((await world.store.get(instanceStatusKey(CLUSTER, NODES, instanceId)))!.body).toString('utf8')) as { phase: string };
    expect(status.phase).toBe('Warmed');
    expect(warm.events.map((e) => e.message)).toContain(`nodeup: completed lifecycle hook kops-warmpool of ${NODES}.${CLUSTER} for ${instanceId}`);
    expect(asked).toContain('GET /latest/meta-data/autoscaling/target-lifecycle-state');

    lifecycleState = 'InService';
    const served = await world.nodeup(NODES, root, { env: env(), instanceId });
    expect(served.warmed).toBeUndefined();
    expect(served.applied).toBeGreaterThan(5);
    // What warming installed is kept: the archives are not fetched again.
    expect(served.plan.changes.filter((c) => c.id.startsWith('Archive/')).every((c) => c.action === 'noop')).toBe(true);
    expect(await exists(hostPath(root, '/var/lib/kubelet/config.yaml'))).toBe(true);
    expect(served.healthChecks.length).toBeGreaterThan(0);
    expect(served.events.filter((e) => e.code === 'nodeup.lifecycle-hook').map((e) => e.message)).toEqual([`nodeup: completed lifecycle hook kops-warmpool of ${NODES}.${CLUSTER} for ${instanceId}`]);
  }, 120_000);

  it('passes over a hook that waits for no launch of this machine', async () => {
    lifecycleState = 'InService';
    const run = await world.nodeup(NODES, join(world.dir, 'stranger'), { env: env(), instanceId: 'i-0000000000stranger' });
    expect(run.events.find((e) => e.code === 'nodeup.lifecycle-hook')?.message).toMatch(/^nodeup: no launch of i-0000000000stranger waits on lifecycle hook kops-warmpool of .*: No active Lifecycle Action found/);
  }, 120_000);

  it('never asks the metadata service on a group without a warm pool', async () => {
    asked.length = 0;
    const run = await world.nodeup(CONTROL_PLANE, join(world.dir, 'plane'), { env: env() });
    expect(run.warmed).toBeUndefined();
    expect(asked).toEqual([]);
  }, 120_000);

  it('keeps from a model only its archives and packages, without dependencies on what it left out', () => {
    const task = (kind: string, name: string, dependsOn: `${string}/${string}`[] = []) => ({ kind, name, lifecycle: 'Sync' as const, dependsOn, desired: {} });
    expect(warmingTasks([task('Directory', '/opt'), task('Archive', 'etcd', ['Directory//opt']), task('Package', 'socat'), task('Service', 'kubelet.service', ['Archive/etcd'])])).toEqual([task('Archive', 'etcd'), task('Package', 'socat')]);
  });
});
