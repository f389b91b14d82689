/**
 * etcd volumes on AWS (moto): update cluster makes one EBS volume per member tagged with its
 * cluster, etcd cluster and member; nodeup's claim step on a control-plane machine, as that
 * machine (its id, zone and instance-profile credentials from an IMDSv2 stand-in), finds its
 * member's volumes in its zone and attaches them, formats only the one without a filesystem and
 * mounts both (the OS commands are answered and recorded: nothing is formatted or mounted
 * here); a second machine of the zone cannot take a volume from the running one; the control
 * plane's IAM policy allows attaching only volumes and machines tagged as the cluster's; and
 * delete cluster leaves no volume behind.
 */

import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, DescribeVolumesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { Volume } from '@aws-sdk/client-ec2';
import { GetRolePolicyCommand, ListRolePoliciesCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ebsDevices, ec2VolumeCloud } from '../../nodeup/etcd/volume-aws.js';
import { claimMemberVolume } from '../../nodeup/etcd/volume.js';
import { claimOnThisCloud } from '../../nodeup/etcd/volume-claim.js';
import type { CommandRunner } from '../../nodeup/etcd/volume-os.js';
import { osVolumeHost } from '../../nodeup/etcd/volume-os.js';
import type { HoistEvent } from '../../src/output/events.js';
import { listen } from '../boot/servers.js';
import type { Listening } from '../boot/servers.js';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'vols.aws.example.com';
const ZONE = 'us-east-1a';
const ROLE = 'control-plane-role';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let imds: Listening;
/** The machine the IMDS stand-in answers for. */
let current = '';
/** The member the control-plane group runs in etcd main (nodeup.yaml names it). */
let mainMember = '';
const saved: Record<string, string | undefined> = {};

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const tags = (v: Volume) => Object.fromEntries((v.Tags ?? []).map((t) => [t.Key, t.Value]));

/** IMDSv2 as a machine sees it: a session token first; its id, zone and instance-profile credentials. */
function startImds(): Promise<Listening> {
  const tokens = new Set<string>();
  return listen((req, res) => {
    const reply = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
    };
    if (req.url === '/latest/api/token' && req.method === 'PUT') {
      const token = randomBytes(12).toString('hex');
      tokens.add(token);
      return reply(200, token);
    }
    if (!tokens.has(String(req.headers['x-aws-ec2-metadata-token']))) return reply(401, 'IMDSv2 needs a token');
    const creds = JSON.stringify({ Code: 'Success', Type: 'AWS-HMAC', AccessKeyId: account.env.AWS_ACCESS_KEY_ID, SecretAccessKey: account.env.AWS_SECRET_ACCESS_KEY, Token: 'session', Expiration: new Date(Date.now() + 3_600_000).toISOString() });
    const body: Record<string, string> = {
      '/latest/meta-data/instance-id': current,
      '/latest/meta-data/placement/availability-zone': ZONE,
      '/latest/meta-data/iam/security-credentials/': ROLE,
      [`/latest/meta-data/iam/security-credentials/${ROLE}`]: creds,
    };
    const found = body[req.url ?? ''];
    return found === undefined ? reply(404, 'Not Found') : reply(200, found);
  });
}

/** The OS side: answers mountpoint, blkid, mkfs.ext4 and mount, and keeps what ran. */
function recorder(formatted: ReadonlySet<string>): { run: CommandRunner; commands: string[] } {
  const commands: string[] = [];
  return {
    commands,
    run: async (program, args) => {
      commands.push([program, ...args].join(' '));
      if (program === 'mountpoint') return { code: 32, stdout: '', stderr: '' };
      if (program === 'blkid') return formatted.has(args.at(-1)!) ? { code: 0, stdout: 'ext4\n', stderr: '' } : { code: 2, stdout: '', stderr: '' };
      return { code: 0, stdout: '', stderr: '' };
    },
  };
}

async function groupInstance(prefix: string): Promise<string> {
  const groups = (await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups ?? [];
  const group = groups.find((g) => g.AutoScalingGroupName?.startsWith(prefix));
  const id = group?.Instances?.[0]?.InstanceId;
  expect(id, `an instance of ${prefix}`).toBeTruthy();
  return id!;
}

async function memberVolume(etcdCluster: string, member: string): Promise<Volume> {
  const filters = [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }, { Name: 'tag:hoist.dev/etcd-cluster', Values: [etcdCluster] }, { Name: 'tag:hoist.dev/etcd-member', Values: [member] }];
  const found = (await account.clients.ec2.send(new DescribeVolumesCommand({ Filters: filters }))).Volumes ?? [];
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** The claim as nodeup runs it on machine `instanceId`, with its commands answered under `root`. */
async function claim(instanceId: string, etcdCluster: string, member: string, root: string, formatted: ReadonlySet<string>) {
  current = instanceId;
  const os = recorder(formatted);
  const events: HoistEvent[] = [];
  // No keys in the environment: the SDK's default chain takes the instance profile's from IMDS.
  const cloud = ec2VolumeCloud({ env: { AWS_ENDPOINT_URL: account.env.AWS_ENDPOINT_URL, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url }, releaseTimeoutS: 20 });
  const host = osVolumeHost({ root, run: os.run, deviceTimeoutMs: 10_000, pollMs: 10 });
  const result = claimMemberVolume({ cloud, host, want: { cluster: NAME, etcdCluster, member }, dir: `/mnt/etcd-${etcdCluster}`, events: (e) => events.push(e) });
  return { result, commands: os.commands, events };
}

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-vols-');
  imds = await startImds();
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_EC2_METADATA_SERVICE_ENDPOINT', 'AWS_REGION']) saved[k] = process.env[k];
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE']) delete process.env[k];
  // The SDK's instance-profile credentials read the metadata endpoint from the process's environment.
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = imds.url;
  delete process.env.AWS_REGION;
  const created = await run(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', ZONE, '--node-count', '1']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const applied = await run(['update', 'cluster', NAME, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
});

afterAll(async () => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await imds?.close();
  await dir?.cleanup();
  account?.close();
});

describe('etcd volumes on AWS', () => {
  it('the control plane may attach and detach only volumes and machines tagged as the cluster\'s', async () => {
    const roles = (await account.clients.iam.send(new ListRolesCommand({}))).Roles ?? [];
    const role = roles.find((r) => r.RoleName?.startsWith('control-plane') || r.RoleName?.startsWith('masters'));
    expect(role?.RoleName, roles.map((r) => r.RoleName).join(', ')).toBeTruthy();
    const names = (await account.clients.iam.send(new ListRolePoliciesCommand({ RoleName: role!.RoleName }))).PolicyNames ?? [];
    const docs = await Promise.all(names.map(async (n) => (await account.clients.iam.send(new GetRolePolicyCommand({ RoleName: role!.RoleName, PolicyName: n }))).PolicyDocument!));
    const statements = docs.flatMap((d) => (JSON.parse(decodeURIComponent(d)) as { Statement: { Sid?: string; Action: string[]; Resource: string[]; Condition?: unknown }[] }).Statement);
    const attaching = statements.filter((s) => s.Action.some((a) => a === 'ec2:AttachVolume' || a === 'ec2:DetachVolume' || a === 'ec2:*'));
    expect(attaching).toContainEqual({
      Sid: 'EtcdVolumes',
      Effect: 'Allow',
      Action: ['ec2:AttachVolume', 'ec2:DetachVolume'],
      Resource: ['arn:aws:ec2:us-east-1:*:volume/*', 'arn:aws:ec2:us-east-1:*:instance/*'],
      Condition: { StringEquals: { 'aws:ResourceTag/hoist.dev/cluster': NAME } },
    });
    // Whatever else may attach volumes (the EBS CSI driver's grant) is limited to the cluster's own too.
    const clusterTags = [['aws:ResourceTag/hoist.dev/cluster', NAME], [`aws:ResourceTag/kubernetes.io/cluster/${NAME}`, 'owned']];
    for (const s of attaching) {
      const equals = (s.Condition as { StringEquals?: Record<string, string> } | undefined)?.StringEquals ?? {};
      expect(clusterTags.some(([k, v]) => equals[k!] === v), JSON.stringify(s)).toBe(true);
    }
  });

  it('a control-plane machine claims its member\'s volumes: attached to it, formatted only when empty, mounted', async () => {
    const got = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: `clusters/${NAME}/igconfig/control-plane-${ZONE}/nodeup.yaml` }));
    const config = parse(await got.Body!.transformToString()) as { controlPlane: { etcdClusters: { name: string; member: string }[] } };
    const members = config.controlPlane.etcdClusters.map((e) => [e.name, e.member] as const);
    mainMember = members.find(([n]) => n === 'main')![1];
    expect(members.map(([n]) => n).sort()).toEqual(['events', 'main']);
    const machine = await groupInstance('control-plane');
    const root = join(dir.path, 'machine-1');
    const volumes = Object.fromEntries(await Promise.all(members.map(async ([etcd, member]) => [etcd, await memberVolume(etcd, member)] as const)));
    for (const v of Object.values(volumes)) {
      expect(v.State).toBe('available');
      expect(v.AvailabilityZone).toBe(ZONE);
    }
    // The devices appear as udev names EBS volumes on Nitro machines: by their volume id.
    for (const v of Object.values(volumes)) {
      const device = ebsDevices(v.VolumeId!, '/dev/xvdu')[0]!;
      await mkdir(join(root, device, '..'), { recursive: true });
      await writeFile(join(root, device), '');
    }
    const mainDevice = ebsDevices(volumes.main!.VolumeId!, '')[0]!;
    const eventsDevice = ebsDevices(volumes.events!.VolumeId!, '')[0]!;
    // main has never held data, and is claimed as nodeup's etcd member task does: the cloud is AWS
    // because the boot script gave nodeup a metadata endpoint. events already has a filesystem.
    current = machine;
    const os = recorder(new Set([eventsDevice]));
    const machineEnv = { AWS_ENDPOINT_URL: account.env.AWS_ENDPOINT_URL, AWS_EC2_METADATA_SERVICE_ENDPOINT: imds.url };
    const main = { result: claimOnThisCloud({ want: { cluster: NAME, etcdCluster: 'main', member: mainMember }, dir: '/mnt/etcd-main', env: machineEnv, events: () => undefined, host: osVolumeHost({ root, run: os.run, pollMs: 10 }) }), commands: os.commands };
    expect(await main.result).toEqual({ volume: volumes.main!.VolumeId, device: mainDevice, formatted: true, alreadyMounted: false });
    expect(main.commands).toEqual([
      'mountpoint -q /mnt/etcd-main',
      `blkid -p -s TYPE -o value ${mainDevice}`,
      `mkfs.ext4 -q -F -m 0 ${mainDevice}`,
      `mount -o noatime ${mainDevice} /mnt/etcd-main`,
    ]);
    const events = await claim(machine, 'events', members.find(([n]) => n === 'events')![1], root, new Set([eventsDevice]));
    expect((await events.result).formatted).toBe(false);
    expect(events.commands).toEqual(['mountpoint -q /mnt/etcd-events', `blkid -p -s TYPE -o value ${eventsDevice}`, `mount -o noatime ${eventsDevice} /mnt/etcd-events`]);
    expect(events.events.map((e) => e.code)).toEqual(['etcd.volume-found', 'etcd.volume-attached', 'etcd.volume-claimed']);
    // As the machine: its credentials came from the instance profile, through IMDSv2.
    expect(imds.requests).toContain(`GET /latest/meta-data/iam/security-credentials/${ROLE}`);

    for (const v of Object.values(volumes)) {
      const now = (await account.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0]!;
      expect(now.State).toBe('in-use');
      expect(now.Attachments?.map((a) => [a.InstanceId, a.State])).toEqual([[machine, 'attached']]);
    }
  });

  it('a second machine of the zone cannot take the volume from the running one', async () => {
    const holder = await groupInstance('control-plane');
    const other = await groupInstance('nodes');
    const state = (await account.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [other] }))).Reservations![0]!.Instances![0]!;
    expect(state.Placement?.AvailabilityZone).toBe(ZONE);
    const v = await memberVolume('main', mainMember);
    expect(tags(v)['hoist.dev/etcd-member']).toBe(mainMember);
    const attempt = await claim(other, 'main', mainMember, join(dir.path, 'machine-2'), new Set());
    await expect(attempt.result).rejects.toThrow(`is attached to ${holder}, which is running: it keeps the member's volume`);
    expect(attempt.commands).toEqual(['mountpoint -q /mnt/etcd-main']);
    const now = (await account.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0]!;
    expect(now.Attachments?.map((a) => a.InstanceId)).toEqual([holder]);
  });

  it('the volume of a terminated machine goes to the machine that claims it next', async () => {
    const holder = await groupInstance('control-plane');
    const next = await groupInstance('nodes');
    await account.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [holder] }));
    const root = join(dir.path, 'machine-3');
    const v = await memberVolume('main', mainMember);
    const device = ebsDevices(v.VolumeId!, '')[0]!;
    await mkdir(join(root, device, '..'), { recursive: true });
    await writeFile(join(root, device), '');
    const taken = await claim(next, 'main', mainMember, root, new Set([device]));
    // The member's data comes with it: the filesystem is kept.
    expect(await taken.result).toMatchObject({ volume: v.VolumeId, formatted: false });
    const now = (await account.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0]!;
    expect(now.Attachments?.filter((a) => a.State === 'attached').map((a) => a.InstanceId)).toEqual([next]);
  });

  it('delete cluster deletes the volumes, attached ones included', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    const left = (await account.clients.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'tag:hoist.dev/cluster', Values: [NAME] }] }))).Volumes ?? [];
    expect(left.filter((v) => v.State !== 'deleted').map((v) => `${v.VolumeId} ${v.State}`)).toEqual([]);
  });
});
