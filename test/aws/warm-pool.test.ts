/**
 * kops's warmPool on moto, through the CLI: a Node group with a warm pool (the Cluster's, merged
 * with the group's own) is applied and moto's DescribeWarmPool shows it, with the lifecycle hook
 * kops-warmpool and the node role's permission to complete it; changed sizes are planned as an
 * update of the warm pool (the diff shown) and applied; the hook taken off and then the warm pool
 * taken off delete them. After each apply the next plan has nothing to change, and
 * rolling-update lists the groups beside their pools. A no-change plan's AWS requests, counted
 * through a proxy, are those of a cluster without warm pools plus one DescribeLifecycleHooks per
 * group with a pool. Last, the cluster is deleted with its pools and hooks.
 */

import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand, DescribeLifecycleHooksCommand, DescribeWarmPoolCommand } from '@aws-sdk/client-auto-scaling';
import { GetRolePolicyCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { iamPath } from '../../cloudup/aws/names.js';
import { hoist, tempDir } from '../support/cli.js';
import { motoUrl } from '../support/moto.js';
import { applyThenNoChanges, testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'warm.aws.example.com';
const GROUP = `workers.${NAME}`;
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });

/** `<service> <Action>` of each AWS request (not S3's: the state store's) hoist sends, through a proxy in front of moto. */
let counted: string[] = [];
let proxy: { server: Server; url: string };

function countingProxy(): Promise<{ server: Server; url: string }> {
  const upstream = new URL(motoUrl());
  const server = createServer((req, res) => {
    const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unsigned';
    const body: Buffer[] = [];
    req.on('data', (c: Buffer) => body.push(c));
    req.on('end', () => {
      const data = Buffer.concat(body);
      const action = new URLSearchParams(data.toString('utf8')).get('Action') ?? String(req.headers['x-amz-target'] ?? req.method);
      if (service !== 's3') counted.push(`${service} ${action}`);
      const out = request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', (e) => res.destroy(e));
      out.end(data);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

/** The AWS requests of a no-change plan, by action, sorted. */
async function noChangePlanRequests(): Promise<string[]> {
  counted = [];
  const plan = await hoist(['update', 'cluster', NAME], { env: { ...env, AWS_ENDPOINT_URL: proxy.url } });
  expect(plan.stdout, plan.stderr).toContain('No changes: the cloud matches the spec');
  return [...counted].sort();
}
let baseline: string[] = [];

function groupYaml(extra: string): string {
  return `apiVersion: hoist.dev/v1alpha1
kind: InstanceGroup
metadata:
  name: workers
  labels: { hoist.dev/cluster: ${NAME} }
spec:
  role: Node
  machineType: m5.large
  minSize: 0
  maxSize: 4
  subnets: [us-east-1a]
${extra}`;
}

/** Replaces the Cluster's warmPool and the group's spec, as `replace -f` does. */
async function replaceSpec(clusterPool: Record<string, unknown> | undefined, groupExtra: string): Promise<void> {
  const cluster = parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as { spec: Record<string, unknown> };
  const { warmPool: _w, ...spec } = cluster.spec;
  const edited = { ...cluster, spec: { ...spec, ...(clusterPool === undefined ? {} : { warmPool: clusterPool }) } };
  const replaced = await run(['replace', '-f', '-'], `${stringify(edited)}---\n${groupYaml(groupExtra)}`);
  expect(replaced.code, replaced.stderr).toBe(0);
}

const warmPool = async () => (await account.clients.autoscaling.send(new DescribeWarmPoolCommand({ AutoScalingGroupName: GROUP }))).WarmPoolConfiguration;
const hooks = async () => (await account.clients.autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: GROUP }))).LifecycleHooks ?? [];

/** The statements of the workers' role's inline policies. */
async function workerStatements(): Promise<{ Sid?: string; Action?: string[]; Resource?: string[] }[]> {
  const roles = (await account.clients.iam.send(new ListRolesCommand({ PathPrefix: iamPath(NAME) }))).Roles ?? [];
  const role = roles.find((r) => r.RoleName!.startsWith('workers'));
  expect(role, roles.map((r) => r.RoleName).join(', ')).toBeDefined();
  const names = (await account.clients.iam.send(new ListRolePoliciesCommand({ RoleName: role!.RoleName! }))).PolicyNames ?? [];
  const out = [];
  for (const n of names) {
    const doc = (await account.clients.iam.send(new GetRolePolicyCommand({ RoleName: role!.RoleName!, PolicyName: n }))).PolicyDocument!;
    out.push(...(JSON.parse(decodeURIComponent(doc)) as { Statement: { Sid?: string; Action?: string[]; Resource?: string[] }[] }).Statement);
  }
  return out;
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-warm-pool-');
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const added = await run(['create', '-f', '-'], groupYaml(''));
  expect(added.code, added.stderr).toBe(0);
  proxy = await countingProxy();
}, 120_000);

afterAll(async () => {
  proxy?.server.close();
  proxy?.server.closeAllConnections();
  await dir?.cleanup();
  account?.close();
});

describe('warmPool on moto', () => {
  it('costs a no-change plan of groups without warm pools nothing: no DescribeWarmPool, no DescribeLifecycleHooks', async () => {
    await applyThenNoChanges(run, NAME);
    baseline = await noChangePlanRequests();
    expect(baseline.filter((r) => /WarmPool|LifecycleHook/.test(r))).toEqual([]);
    expect(baseline.filter((r) => r === 'autoscaling DescribeAutoScalingGroups')).toHaveLength(1);
  }, 240_000);

  it('makes the warm pool, its lifecycle hook and the permission to complete it', async () => {
    // The Cluster's pool, the group's maxSize over it.
    await replaceSpec({ minSize: 1, maxSize: 6, enableLifecycleHook: true }, '  warmPool: {maxSize: 3}\n');
    const plan = await run(['update', 'cluster', NAME]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain(`WarmPool/${GROUP}`);
    expect(plan.stdout).toContain(`LifecycleHook/${GROUP}`);
    await applyThenNoChanges(run, NAME);
    expect(await warmPool()).toMatchObject({ MinSize: 1, MaxGroupPreparedCapacity: 3 });
    expect(await hooks()).toEqual([
      expect.objectContaining({ LifecycleHookName: 'kops-warmpool', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCHING', HeartbeatTimeout: 600, DefaultResult: 'ABANDON' }),
    ]);
    const complete = (await workerStatements()).find((s) => s.Sid === 'CompleteLifecycleAction');
    expect(complete?.Action).toEqual(['autoscaling:CompleteLifecycleAction']);
    expect(complete?.Resource).toEqual([`arn:aws:autoscaling:us-east-1:*:autoScalingGroup:*:autoScalingGroupName/${GROUP}`]);
    // Warm pools come with the groups' listing; each group with a pool costs one DescribeLifecycleHooks (the Cluster's pool reaches both Node groups).
    expect(await noChangePlanRequests()).toEqual([...baseline, 'autoscaling DescribeLifecycleHooks', 'autoscaling DescribeLifecycleHooks'].sort());
    // The roll reads the pool's machines (DescribeWarmPool; moto's pools hold none) beside the group's.
    const rolling = await run(['rolling-update', 'cluster', NAME]);
    expect(rolling.code, rolling.stderr).toBe(0);
    expect(rolling.stdout).toContain('workers');
  }, 240_000);

  it('plans changed sizes as an update of the warm pool, with the diff, and applies them', async () => {
    // No maxSize: the group's own (AWS's -1).
    await replaceSpec({ minSize: 2, enableLifecycleHook: true }, '');
    const plan = await run(['update', 'cluster', NAME]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('Will modify resources:');
    expect(plan.stdout).not.toContain('Will replace resources:');
    expect(plan.stdout).toMatch(/minSize\s+1 -> 2/);
    expect(plan.stdout).toMatch(/maxGroupPreparedCapacity\s+3 -> -1/);
    await applyThenNoChanges(run, NAME);
    const pool = await warmPool();
    expect(pool?.MinSize).toBe(2);
    expect(pool?.MaxGroupPreparedCapacity ?? -1).toBe(-1);
  }, 240_000);

  it('deletes the hook when enableLifecycleHook goes, and the warm pool when warmPool goes', async () => {
    await replaceSpec({ minSize: 2 }, '');
    await applyThenNoChanges(run, NAME);
    expect(await hooks()).toEqual([]);
    expect(await warmPool()).toMatchObject({ MinSize: 2 });
    expect((await workerStatements()).some((s) => s.Sid === 'CompleteLifecycleAction')).toBe(false);
    await replaceSpec(undefined, '');
    const plan = await run(['update', 'cluster', NAME]);
    expect(plan.stdout).toContain(`WarmPool/${GROUP}`);
    await applyThenNoChanges(run, NAME);
    expect(await warmPool()).toBeUndefined();
    expect(await noChangePlanRequests()).toEqual(baseline);
  }, 240_000);

  it('tears down a cluster whose groups have warm pools and hooks', async () => {
    await replaceSpec({ minSize: 1, enableLifecycleHook: true }, '');
    await applyThenNoChanges(run, NAME);
    expect(await hooks()).toHaveLength(1);
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    const left = await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }));
    expect(left.AutoScalingGroups ?? []).toEqual([]);
  }, 300_000);
});
