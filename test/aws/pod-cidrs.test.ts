/**
 * The pod range of an AWS IPv6 cluster's Nodes (nodeup/pod-cidrs/): machines launched on moto
 * with an IPv6 prefix (from a launch template with Ipv6PrefixCount, as hoist's are, and by
 * RunInstances' own NetworkInterfaces), one without, one with two; their Nodes in the local API
 * server (a real etcd behind it) with `aws:///<zone>/<instance id>` providerIDs. A pass sets the
 * prefix as the Node's spec.podCIDRs, which the real kubectl shows; a Node whose machine has no
 * single prefix gets a Warning Event (once) and is left alone; a Node that has a range, or has no
 * providerID yet, is not touched; two control-plane machines at once set a Node once; and the
 * nodeup bundle's `aws-ipam` command, as its unit runs it, does the same with the instance
 * profile's view of EC2 (here the test account's keys).
 */

import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLaunchTemplateCommand, CreateSubnetCommand, CreateVpcCommand, DescribeInstancesCommand, DescribeNetworkInterfacesCommand, DescribeVpcsCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { V1Node } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { controlPlanePolicy } from '../../cloudup/aws/model/iam-policies.js';
import { cidrOf, formatCidr } from '../../src/api/cidr.js';
import { idOf } from '../../src/engine/task.js';
import { recorder } from '../../src/output/events.js';
import type { ModelInput } from '../../nodeup/model/types.js';
import { ec2PrefixSource } from '../../nodeup/pod-cidrs/aws-prefixes.js';
import { NodePodCidrs, instanceOfProviderId } from '../../nodeup/pod-cidrs/controller.js';
import { POD_CIDRS_SERVICE_CONF, POD_CIDRS_SERVICE_UNIT, podCidrsServiceTasks } from '../../nodeup/pod-cidrs/service.js';
import { kubectl, makePki, removeDir, startEtcd, startServer, writeKubeconfig } from '../apiserver/support.js';
import type { Etcd } from '../apiserver/support.js';
import { testAccount } from './support.js';
import type { TestAccount } from './support.js';

const IMAGE = 'ami-12c6146b';
let account: TestAccount;
let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let admin: string;
let core: CoreV1Api;
let kube: KubeConfig;
let subnetId: string;
let subnet64: string;
let templateId: string;

const ec2 = () => account.clients.ec2;
const run = (args: readonly string[]) => kubectl(admin, dir, args);

async function launch(input: Partial<RunInstancesCommandInput>): Promise<string> {
  const out = await ec2().send(new RunInstancesCommand({ MinCount: 1, MaxCount: 1, ...input }));
  return out.Instances?.[0]?.InstanceId ?? '';
}

/** What EC2 says of the instance's primary interface, read apart from the code under test. */
async function primaryInterface(instanceId: string): Promise<{ id: string; prefixes: string[] }> {
  const out = await ec2().send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [instanceId] }] }));
  const eni = out.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0);
  return { id: eni?.NetworkInterfaceId ?? '', prefixes: (eni?.Ipv6Prefixes ?? []).map((p) => p.Ipv6Prefix ?? '') };
}

function nodeOf(name: string, instanceId: string | undefined, podCIDRs?: string[]): V1Node {
  return {
    metadata: { name, labels: { 'node-role.kubernetes.io/node': '' } },
    spec: { ...(instanceId === undefined ? {} : { providerID: `aws:///us-east-1a/${instanceId}` }), ...(podCIDRs === undefined ? {} : { podCIDR: podCIDRs[0], podCIDRs }) },
  };
}

const podCIDRs = async (node: string) => (await run(['get', 'node', node, '-o', 'jsonpath={.spec.podCIDRs}'])).stdout;
const warningsOf = async (node: string) => {
  const events = JSON.parse((await run(['get', 'events', '-n', 'default', '-o', 'json'])).stdout) as { items: { involvedObject: { name: string }; reason: string; type: string; message: string }[] };
  return events.items.filter((e) => e.involvedObject.name === node);
};
const controller = (instanceId = 'i-0controlplane0001') => {
  const { sink, events } = recorder();
  return { events, c: new NodePodCidrs({ kube, prefixes: ec2PrefixSource(ec2()), events: sink, instanceId }) };
};

beforeAll(async () => {
  account = await testAccount();
  dir = await mkdtemp(join(tmpdir(), 'hoist-pod-cidrs-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  const pki = await makePki();
  server = await startServer(etcd, pki);
  admin = await writeKubeconfig(dir, 'admin.conf', server.url, pki, pki.admin);
  kube = new KubeConfig();
  kube.loadFromFile(admin);
  core = kube.makeApiClient(CoreV1Api);

  const vpcId = (await ec2().send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16', AmazonProvidedIpv6CidrBlock: true }))).Vpc?.VpcId ?? '';
  const block = (await ec2().send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.[0]?.Ipv6CidrBlockAssociationSet?.[0]?.Ipv6CidrBlock ?? '';
  const b = cidrOf(block);
  if (b === undefined) throw new Error(`the VPC has no IPv6 block: ${block}`);
  subnet64 = formatCidr({ family: 6, base: b.base + (3n << 64n), prefix: 64 });
  subnetId = (await ec2().send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', Ipv6CidrBlock: subnet64, AvailabilityZone: 'us-east-1a' }))).Subnet?.SubnetId ?? '';
  // As hoist's launch templates ask for it (cloudup/aws/tasks/launch-template-data.ts).
  templateId = (await ec2().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'nodes', LaunchTemplateData: { ImageId: IMAGE, InstanceType: 't3.medium', NetworkInterfaces: [{ DeviceIndex: 0, Ipv6AddressCount: 1, Ipv6PrefixCount: 1 }] } }))).LaunchTemplate?.LaunchTemplateId ?? '';
}, 120_000);

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  if (dir !== undefined) await removeDir(dir);
  account?.close();
});

describe('moto, as EC2, delegates IPv6 prefixes', () => {
  it('gives an instance launched with Ipv6PrefixCount that many distinct /80s of its subnet, in both describes', async () => {
    const fromTemplate = await launch({ LaunchTemplate: { LaunchTemplateId: templateId }, SubnetId: subnetId });
    const byRun = await launch({ ImageId: IMAGE, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Ipv6PrefixCount: 2 }] });
    const without = await launch({ ImageId: IMAGE, SubnetId: subnetId });
    const subnet = cidrOf(subnet64)!;
    const one = await primaryInterface(fromTemplate);
    const two = await primaryInterface(byRun);
    expect(one.prefixes).toHaveLength(1);
    expect(two.prefixes).toHaveLength(2);
    expect((await primaryInterface(without)).prefixes).toEqual([]);
    for (const p of [...one.prefixes, ...two.prefixes]) {
      const c = cidrOf(p)!;
      expect(c.prefix).toBe(80);
      expect(c.base >> 64n).toBe(subnet.base >> 64n);
    }
    expect(new Set([...one.prefixes, ...two.prefixes]).size).toBe(3);
    const described = await ec2().send(new DescribeInstancesCommand({ InstanceIds: [fromTemplate] }));
    expect(described.Reservations?.[0]?.Instances?.[0]?.NetworkInterfaces?.[0]?.Ipv6Prefixes).toEqual([{ Ipv6Prefix: one.prefixes[0] }]);
  });
});

describe("the pod range of an AWS IPv6 cluster's Nodes", () => {
  it('reads the instance id of an aws providerID, with or without a zone, and nothing else', () => {
    expect(instanceOfProviderId('aws:///us-east-1a/i-0123456789abcdef0')).toBe('i-0123456789abcdef0');
    expect(instanceOfProviderId('aws:////i-0abc')).toBe('i-0abc');
    for (const other of [undefined, '', 'gce://p/z/n', 'aws:///us-east-1a/', 'kind://docker/n']) expect(instanceOfProviderId(other)).toBeUndefined();
  });

  it('sets the prefix as spec.podCIDRs; leaves alone a Node with a range, one without a providerID, and one whose machine has no single prefix (a Warning Event, once)', async () => {
    const withPrefix = await launch({ LaunchTemplate: { LaunchTemplateId: templateId }, SubnetId: subnetId });
    const ranged = await launch({ LaunchTemplate: { LaunchTemplateId: templateId }, SubnetId: subnetId });
    const noPrefix = await launch({ ImageId: IMAGE, SubnetId: subnetId });
    const twoPrefixes = await launch({ ImageId: IMAGE, NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetId, Ipv6PrefixCount: 2 }] });
    await core.createNode({ body: nodeOf('node-a', withPrefix) });
    const before = await core.createNode({ body: nodeOf('node-b', ranged, ['fd00:1::/80']) });
    await core.createNode({ body: nodeOf('node-c', noPrefix) });
    await core.createNode({ body: nodeOf('node-d', twoPrefixes) });
    await core.createNode({ body: nodeOf('node-e', undefined) });

    const { c, events } = controller();
    const result = await c.pass();
    const prefix = (await primaryInterface(withPrefix)).prefixes[0] ?? '';
    expect(result.assigned).toEqual([{ node: 'node-a', podCIDR: prefix }]);
    expect(result.unassigned.map((u) => u.node).sort()).toEqual(['node-c', 'node-d']);

    // What a user sees, with the real kubectl.
    expect(await podCIDRs('node-a')).toBe(JSON.stringify([prefix]));
    expect((await run(['get', 'node', 'node-a', '-o', 'jsonpath={.spec.podCIDR}'])).stdout).toBe(prefix);
    expect(await podCIDRs('node-b')).toBe(JSON.stringify(['fd00:1::/80']));
    expect((await core.readNode({ name: 'node-b' })).metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
    for (const node of ['node-c', 'node-d', 'node-e']) expect(await podCIDRs(node)).toBe('');

    const eni = (await primaryInterface(noPrefix)).id;
    const [warning, ...more] = await warningsOf('node-c');
    expect(more).toEqual([]);
    expect(warning).toMatchObject({ type: 'Warning', reason: 'NoIPv6Prefix' });
    expect(warning?.message).toBe(
      `instance ${noPrefix} has no IPv6 prefix on its primary network interface ${eni}, so its pods get no addresses: launch it from a launch template with Ipv6PrefixCount: 1 (hoist's are), or delegate one: aws ec2 assign-ipv6-addresses --network-interface-id ${eni} --ipv6-prefix-count 1`,
    );
    expect((await warningsOf('node-d'))[0]?.message).toMatch(new RegExp(`^instance ${twoPrefixes} has 2 IPv6 prefixes on eni-[0-9a-f]+ \\(.+/80, .+/80\\): a Node takes one pod range per family`));
    expect((await warningsOf('node-a')).map((e) => [e.type, e.reason, e.message])).toEqual([['Normal', 'PodCIDRAssigned', expect.stringContaining(`pod range ${prefix}: the IPv6 prefix of ${withPrefix}'s interface eni-`)]]);
    expect(events.filter((e) => e.code === 'pod-cidrs.unassigned').map((e) => e.data?.['node'])).toEqual(['node-c', 'node-d']);

    // Nothing changed: the next pass patches nothing and reports nothing again.
    const again = await c.pass();
    expect(again.assigned).toEqual([]);
    expect((await warningsOf('node-c')).length).toBe(1);
    expect(events.filter((e) => e.code === 'pod-cidrs.unassigned')).toHaveLength(2);
  });

  it('sets a Node once when two control-plane machines pass at the same time', async () => {
    const instance = await launch({ LaunchTemplate: { LaunchTemplateId: templateId }, SubnetId: subnetId });
    await core.createNode({ body: nodeOf('node-f', instance) });
    const [first, second] = [controller('i-0controlplane000a'), controller('i-0controlplane000b')];
    const results = await Promise.all([first.c.pass(), second.c.pass()]);
    const prefix = (await primaryInterface(instance)).prefixes[0] ?? '';
    expect(results.flatMap((r) => r.assigned)).toEqual([{ node: 'node-f', podCIDR: prefix }]);
    expect(results.flatMap((r) => r.unassigned).filter((u) => u.node === 'node-f')).toEqual([]);
    expect(await podCIDRs('node-f')).toBe(JSON.stringify([prefix]));
  });

  it("is run by the nodeup bundle's aws-ipam command, as hoist-aws-ipam.service runs it", async () => {
    const instance = await launch({ LaunchTemplate: { LaunchTemplateId: templateId }, SubnetId: subnetId });
    await core.createNode({ body: nodeOf('node-g', instance) });
    const root = join(dir, 'machine');
    await mkdir(join(root, 'etc/hoist'), { recursive: true });
    await mkdir(join(root, 'etc/kubernetes'), { recursive: true });
    await copyFile(admin, join(root, 'etc/kubernetes/admin.conf'));
    const [conf, service] = podCidrsServiceTasks({ config: { role: 'ControlPlane', cluster: 'ipv6.example.com', controlPlane: { awsIPAM: true } }, node: { instanceId: 'i-0controlplane0001' } } as unknown as ModelInput);
    const confText = (conf?.desired as { content: string }).content;
    await writeFile(join(root, POD_CIDRS_SERVICE_CONF), confText);
    expect((service?.desired as { unit: string }).unit).toContain('ExecStart=/opt/hoist/node/bin/node opt/hoist/nodeup/nodeup.mjs aws-ipam --conf etc/hoist/aws-ipam.json');

    const proc = spawn(process.execPath, ['dist/nodeup.mjs', 'aws-ipam', '--conf', join(root, POD_CIDRS_SERVICE_CONF)], { env: { ...process.env, ...account.env, HOIST_NODE_ROOT: root }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    try {
      await new Promise<void>((resolve, reject) => {
        proc.stderr.on('data', (chunk: Buffer) => {
          log += chunk.toString('utf8');
          if (log.includes('"pod-cidrs.assigned"')) resolve();
        });
        proc.once('exit', (code) => reject(new Error(`exited (${String(code)}) before setting a range:\n${log}`)));
      });
    } finally {
      const exited = new Promise<void>((resolve) => (proc.exitCode === null ? proc.once('exit', () => resolve()) : resolve()));
      proc.kill('SIGTERM');
      await exited;
    }
    expect(proc.exitCode).toBe(0);
    const prefix = (await primaryInterface(instance)).prefixes[0] ?? '';
    expect(log).toContain(`node node-g: pod range ${prefix}`);
    expect(await podCIDRs('node-g')).toBe(JSON.stringify([prefix]));
  });

  it('is installed on control-plane machines of a cluster with awsIPAM only, and the control plane may describe instances', () => {
    const input = (role: string, awsIPAM?: boolean) => ({ config: { role, cluster: 'c', controlPlane: awsIPAM === undefined ? {} : { awsIPAM } }, node: { instanceId: 'i-1' } }) as unknown as ModelInput;
    expect(podCidrsServiceTasks(input('ControlPlane', true)).map(idOf)).toEqual([`File/${POD_CIDRS_SERVICE_CONF}`, `Service/${POD_CIDRS_SERVICE_UNIT}`]);
    expect(podCidrsServiceTasks(input('ControlPlane'))).toEqual([]);
    expect(podCidrsServiceTasks(input('APIServer', true))).toEqual([]);
    expect(podCidrsServiceTasks(input('Node', true))).toEqual([]);
    // DescribeInstances, which the service calls, is in the control plane's ec2:Describe*.
    const statements = controlPlanePolicy(undefined, 'us-east-1', 'c', undefined)['Statement'] as { Effect: string; Action: string[]; Resource: string[] }[];
    expect(statements.some((s) => s.Effect === 'Allow' && s.Action.includes('ec2:Describe*') && s.Resource.includes('*'))).toBe(true);
  });
});
