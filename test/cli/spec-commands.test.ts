import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeSpec } from '../../src/api/index.js';
import { assetSources } from '../../src/assets/index.js';
import { ensureLocalMirror } from '../../cloudup/local/stand-ins/index.js';
import { testAccount } from '../aws/support.js';
import { hoist, tempDir, treeDigest } from '../support/cli.js';
import { withDnsZone } from '../support/kops-zone.js';

let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const NAME = 'demo.example.com';

beforeEach(async () => {
  dir = await tempDir();
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '' };
});
afterEach(async () => dir.cleanup());

async function createDemo(): Promise<void> {
  const r = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b', '--node-count', '3'], { env });
  expect(r.stderr).toContain(`Cluster ${NAME} was created`);
  expect(r.code).toBe(0);
}

describe('create cluster and get', () => {
  it('prints a spec that replace -f accepts unchanged, and lists the instance groups', async () => {
    await createDemo();
    const got = await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env });
    expect(got.code).toBe(0);
    const cluster = parse(got.stdout);
    expect(cluster).toMatchObject({ apiVersion: 'hoist.dev/v1alpha1', kind: 'Cluster', metadata: { name: NAME }, spec: { cloudProvider: 'aws' } });
    const file = join(dir.path, 'cluster.yaml');
    await writeFile(file, got.stdout);
    const before = await treeDigest(join(dir.path, 'state'));
    const replaced = await hoist(['replace', '-f', file], { env });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toBe(`cluster/${NAME} unchanged\n`);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);

    const igs = await hoist(['get', 'instancegroups', '--name', NAME], { env });
    expect(igs.code).toBe(0);
    const rows = igs.stdout.trim().split('\n').map((l) => l.split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'ROLE', 'MACHINETYPE', 'MIN', 'MAX', 'ZONES']);
    expect(rows.slice(1).map((r) => [r[0], r[1]])).toEqual([
      ['control-plane-us-east-1a', 'ControlPlane'],
      ['nodes-us-east-1a', 'Node'],
      ['nodes-us-east-1b', 'Node'],
    ]);
    // The node count is spread over the zones.
    expect(rows.slice(2).reduce((n, r) => n + Number(r[3]), 0)).toBe(3);
  });

  it('prints json and yaml lists, and the completed spec with --full', async () => {
    await createDemo();
    const json = JSON.parse((await hoist(['get', 'ig', '--name', NAME, '-o', 'json'], { env })).stdout);
    expect(json.kind).toBe('List');
    expect(json.items).toHaveLength(3);
    const stored = json.items[1].spec;
    const full = JSON.parse((await hoist(['get', 'ig', 'nodes-us-east-1a', '--name', NAME, '-o', 'json', '--full'], { env })).stdout);
    expect(full.spec.machineType).toBe('t3.medium');
    expect(full.spec).toMatchObject(stored);
    expect(Object.keys(full.spec).length).toBeGreaterThan(Object.keys(stored).length);
    const clusters = await hoist(['get', 'clusters', '-o', 'yaml'], { env });
    expect(parse(clusters.stdout).metadata.name).toBe(NAME);
  });

  it('--dry-run prints the spec and stores nothing', async () => {
    const r = await hoist(['create', 'cluster', 'dry.k8s.local', '--dry-run', '-o', 'yaml'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^# yaml-language-server: \$schema=/);
    expect(r.stdout.match(/^kind: /gm)).toHaveLength(3);
    const list = await hoist(['get', 'clusters'], { env });
    expect(list.stderr).toContain('No clusters found');
  });

  it('refuses to create a cluster twice and names the way forward', async () => {
    await createDemo();
    const again = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a'], { env });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`cluster ${NAME} already exists`);
    expect(again.stderr).toContain('hint: change it with: hoist edit cluster');
  });
});

describe('create -f, apply -f, replace -f', () => {
  it('creates from a file, applies a change, and replaces with --force', async () => {
    await createDemo();
    const spec = (await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env })).stdout;
    const igs = (await hoist(['get', 'ig', '--name', NAME, '-o', 'yaml'], { env })).stdout;
    const other = spec.replaceAll(NAME, 'other.example.com');
    const otherIgs = igs.replaceAll(NAME, 'other.example.com');
    const file = join(dir.path, 'other.yaml');
    await writeFile(file, `${other}---\n${otherIgs}`);
    const created = await hoist(['create', '-f', file], { env });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain('cluster/other.example.com created');
    expect(created.stdout).toContain('instancegroup/nodes-us-east-1a created');

    await writeFile(file, otherIgs.replace('maxSize: 2', 'maxSize: 5'));
    const applied = await hoist(['apply', '-f', file], { env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('instancegroup/nodes-us-east-1a configured');
    expect(applied.stdout).toContain('instancegroup/nodes-us-east-1b unchanged');

    const extra = otherIgs.split('---\n').find((d) => d.includes('nodes-us-east-1b'))!.replaceAll('nodes-us-east-1b', 'spot-b');
    await writeFile(file, extra);
    expect((await hoist(['replace', '-f', file], { env })).code).toBe(1);
    const forced = await hoist(['replace', '-f', file, '--force'], { env });
    expect(forced.stdout).toContain('instancegroup/spot-b created');
    const names = JSON.parse((await hoist(['get', 'ig', '--name', 'other.example.com', '-o', 'json'], { env })).stdout).items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(names).toEqual(['control-plane-us-east-1a', 'nodes-us-east-1a', 'nodes-us-east-1b', 'spot-b']);
  });

  it('reads standard input with -f -', async () => {
    const yaml = (await hoist(['create', 'cluster', 'stdin.k8s.local', '--dry-run'], { env })).stdout;
    const r = await hoist(['create', '-f', '-'], { env, stdin: yaml });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cluster/stdin.k8s.local created');
  });

  it('imports kops specs and lists what it could not carry', async () => {
    const file = join(import.meta.dirname, '../fixtures/kops-specs/complex.yaml');
    const r = await hoist(['create', '-f', '-'], { env, stdin: withDnsZone(await readFile(file, 'utf8')) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('cluster/complex.example.com created');
    expect(r.stderr).toMatch(/converted kops\.k8s\.io\/v1alpha2 Cluster complex\.example\.com; \d+ field\(s\) could not be carried over/);
    expect(r.stderr).toContain('spec.serviceOIDCProvider');
    // The permissions boundary and aws-iam-authenticator are carried over, so neither is in the dropped list.
    expect(r.stderr).not.toContain('spec.iam.permissionsBoundary');
    expect(r.stderr).not.toContain('spec.authentication');
    expect(r.stderr).not.toContain('kubeControllerManager');
    // The API server's audit webhook rate is carried too.
    expect(r.stderr).not.toContain('kubeAPIServer');
    const stored = (await hoist(['get', 'cluster', 'complex.example.com', '-o', 'json'], { env })).stdout;
    expect(JSON.parse(stored).spec.authentication.aws.backendMode).toBe('CRD');
    expect(JSON.parse(stored).spec.kubeAPIServer).toMatchObject({ auditWebhookBatchThrottleQps: 3.14 });
    expect(JSON.parse(stored).spec.kubeControllerManager).toMatchObject({ concurrentHorizontalPodAustoscalerSyncs: 10, concurrentJobSyncs: 10, cpuRequest: '200m' });
  });
});

describe('instance groups', () => {
  it('creates and deletes an instance group', async () => {
    await createDemo();
    const created = await hoist(['create', 'ig', 'spot', '--name', NAME, '--min-size', '0', '--max-size', '4'], { env });
    expect(created.code, created.stderr).toBe(0);
    const ig = parse((await hoist(['get', 'ig', 'spot', '--name', NAME, '-o', 'yaml'], { env })).stdout);
    expect(ig.spec).toMatchObject({ role: 'Node', minSize: 0, maxSize: 4, subnets: ['us-east-1a', 'us-east-1b'] });
    expect(ig.metadata.labels['hoist.dev/cluster']).toBe(NAME);

    const dry = await hoist(['delete', 'ig', 'spot', '--name', NAME], { env });
    expect(dry.stdout).toContain('--yes');
    const del = await hoist(['delete', 'ig', 'spot', '--name', NAME, '--yes'], { env });
    expect(del.code).toBe(0);
    expect((await hoist(['get', 'ig', 'spot', '--name', NAME], { env })).code).toBe(1);
  });

  it('refuses to delete the instance group that holds etcd', async () => {
    await createDemo();
    const r = await hoist(['delete', 'ig', 'control-plane-us-east-1a', '--name', NAME, '--yes'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('etcdClusters');
  });
});

describe('delete cluster --unregister', () => {
  it('removes every object of the cluster and nothing else', async () => {
    await createDemo();
    await hoist(['create', 'cluster', 'keep.k8s.local'], { env });
    const r = await hoist(['delete', 'cluster', NAME, '--unregister', '--yes'], { env });
    expect(r.code, r.stderr).toBe(0);
    const list = await hoist(['get', 'clusters', '-o', 'json'], { env });
    expect(JSON.parse(list.stdout).metadata.name).toBe('keep.k8s.local');
    await expect(readFile(join(dir.path, 'state', NAME, 'config'))).rejects.toThrow();
  });

  it('without --yes only says what it would remove', async () => {
    await createDemo();
    const before = await treeDigest(join(dir.path, 'state'));
    const r = await hoist(['delete', 'cluster', NAME, '--unregister'], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/The state of cluster demo\.example\.com \(\d+ objects in file:\/\/.+\) would be removed; no cloud resource is touched/);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
  });
});

describe('create cluster: the kops flags', () => {
  const AWS = ['--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b'];
  const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-1234';
  const dryRun = async (args: readonly string[]) => {
    const r = await hoist(['create', 'cluster', NAME, ...args, '--dry-run', '-o', 'json'], { env });
    expect(r.code, r.stderr).toBe(0);
    const items = JSON.parse(r.stdout).items as { kind: string; metadata: { name: string }; spec: Record<string, unknown> }[];
    return { cluster: items[0]!.spec, groups: Object.fromEntries(items.slice(1).map((i) => [i.metadata.name, i.spec])) };
  };

  it('--networking, the images, the root volumes and --associate-public-ip set the spec and the groups', async () => {
    const { cluster, groups } = await dryRun([...AWS, '--networking', 'cilium', '--image', 'ami-0123456789abcdef0', '--node-image', 'ami-0fedcba9876543210', '--control-plane-volume-size', '40', '--node-volume-size', '90', '--associate-public-ip=false']);
    expect(cluster['networking']).toEqual({ cilium: {} });
    expect(groups['control-plane-us-east-1a']).toMatchObject({ image: 'ami-0123456789abcdef0', rootVolumeSize: 40, associatePublicIp: false });
    expect(groups['nodes-us-east-1b']).toMatchObject({ image: 'ami-0fedcba9876543210', rootVolumeSize: 90, associatePublicIp: false });
    const cp = await dryRun([...AWS, '--image', 'ami-0123456789abcdef0', '--control-plane-image', 'ami-0fedcba9876543210', '--networking', 'flannel']);
    expect(cp.groups['control-plane-us-east-1a']!['image']).toBe('ami-0fedcba9876543210');
    expect(cp.groups['nodes-us-east-1a']!['image']).toBe('ami-0123456789abcdef0');
    expect(cp.cluster['networking']).toEqual({ flannel: { backend: 'vxlan' } });
  });

  it('--admin-access, --ssh-access, the API load balancer, --cloud-labels and --dns are stored, with --set winning', async () => {
    const r = await hoist(['create', 'cluster', NAME, ...AWS, '--admin-access', '203.0.113.0/24,198.51.100.0/24', '--api-loadbalancer-type', 'internal', '--api-ssl-certificate', CERT, '--cloud-labels', 'Owner=John Doe,Team="a=b"', '--dns', 'private', '--set', 'spec.cloudLabels.Team=platform'], { env });
    expect(r.code, r.stderr).toBe(0);
    // No --dns-zone: the private zone is found in the cloud when the cluster is planned.
    expect(r.stderr).toContain('update cluster finds its private DNS zone in the cloud');
    const spec = parse((await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env })).stdout).spec;
    expect(spec.kubernetesApiAccess).toEqual(['203.0.113.0/24', '198.51.100.0/24']);
    expect(spec.sshAccess).toEqual(spec.kubernetesApiAccess); // kops: SSH access defaults to the admin access
    expect(spec.api).toEqual({ loadBalancer: { type: 'Internal', sslCertificate: CERT } });
    expect(spec.cloudLabels).toEqual({ Owner: 'John Doe', Team: 'platform' });
    expect(spec.topology.dns).toEqual({ type: 'Private' });
    expect(spec.dnsZone).toBeUndefined();
    const ssh = await dryRun([...AWS, '--admin-access', '203.0.113.0/24', '--ssh-access', '10.0.0.0/8', '--dns', 'none']);
    expect(ssh.cluster['sshAccess']).toEqual(['10.0.0.0/8']);
    expect(ssh.cluster['topology']).toMatchObject({ dns: { type: 'None' } });
  });

  it('--bastion, --subnets and --utility-subnets make a private cluster on existing subnets with a bastion group', async () => {
    const { cluster, groups } = await dryRun([...AWS, '--topology', 'private', '--bastion', '--network-id', 'vpc-0123456789abcdef0', '--subnets', 'subnet-0a,subnet-0b', '--utility-subnets', 'subnet-1a,subnet-1b']);
    expect(cluster['subnets']).toEqual([
      { name: 'us-east-1a', zone: 'us-east-1a', type: 'Private', id: 'subnet-0a' },
      { name: 'us-east-1b', zone: 'us-east-1b', type: 'Private', id: 'subnet-0b' },
      { name: 'utility-us-east-1a', zone: 'us-east-1a', type: 'Utility', id: 'subnet-1a' },
      { name: 'utility-us-east-1b', zone: 'us-east-1b', type: 'Utility', id: 'subnet-1b' },
    ]);
    expect(groups['bastions']).toEqual({ role: 'Bastion', machineType: 't3.micro', minSize: 1, maxSize: 1, subnets: ['utility-us-east-1a', 'utility-us-east-1b'] });
  });

  it.each([
    [['--networking', 'canal'], '--networking: "canal" is not supported'],
    [['--networking', 'bogus'], '--networking: "bogus" is not a networking mode'],
    [['--admin-access', '10.0.0.1/8'], '--admin-access: "10.0.0.1/8" has host bits set after the prefix (did you mean 10.0.0.0/8?)'],
    [['--ssh-access', 'anywhere'], '--ssh-access: "anywhere"'],
    [['--api-loadbalancer-type', 'external'], '--api-loadbalancer-type: "external" is not a load balancer type (use public or internal)'],
    [['--api-ssl-certificate', 'my-cert'], '--api-ssl-certificate: "my-cert" is not a certificate ARN'],
    [['--cloud-labels', 'Owner'], '--cloud-labels: "Owner" is not a key=value pair'],
    [['--dns', 'gossip'], '--dns: "gossip" is not a DNS type (use public, private or none)'],
    [['--associate-public-ip=maybe'], '--associate-public-ip: "maybe" is not true or false'],
    [['--node-volume-size', '0'], '--node-volume-size: 0 must be at least 1'],
    [['--bastion'], '--bastion: true needs a private topology'],
    [['--subnets', 'subnet-0a', '--network-id', 'vpc-1'], '--subnets: ["subnet-0a"] names 1 subnets for 2 zones'],
    [['--subnets', 'subnet-0a,subnet-0b'], 'add --network-id'],
    [['--utility-subnets', 'subnet-1a,subnet-1b'], '--utility-subnets: ["subnet-1a","subnet-1b"] are the utility subnets of a private topology'],
    [['--target', 'terraform'], '--target: "terraform" needs --out DIR'],
    [['--out', 'tf'], '--out: "tf" is the folder of --target terraform'],
    [['--yes', '--dry-run'], '--yes: true cannot be used with --dry-run'],
    [['--ipv6', '--networking', 'flannel'], 'spec.networking.flannel: "flannel" does not route IPv6 pods'],
  ])('%j is refused with the flag, the value and a fix, and nothing is stored', async (args, message) => {
    await createDemo();
    const before = await treeDigest(join(dir.path, 'state'));
    const r = await hoist(['create', 'cluster', 'bad.example.com', ...AWS, ...args], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await treeDigest(join(dir.path, 'state'))).toBe(before);
  });

  it('--target terraform --out writes the Terraform module of the new cluster, as update cluster does', async () => {
    const out = join(dir.path, 'tf');
    const r = await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '1', '--dns-zone', 'Z0123456789ABCDEFGHIJ', '--target', 'terraform', '--out', out], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Terraform module for ${NAME} written to ${out}`);
    const module = JSON.parse(await readFile(join(out, 'kubernetes.tf.json'), 'utf8'));
    expect(Object.keys(module.resource)).toContain('aws_autoscaling_group');
    expect(parse((await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env })).stdout).metadata.name).toBe(NAME);
  });
});

describe('create cluster --yes', () => {
  it('creates the cluster in the cloud at once, as update cluster --yes does (aws on moto)', async () => {
    const account = await testAccount();
    try {
      const awsEnv = { ...env, ...account.env };
      const name = 'yes.aws.example.com';
      const args = ['create', 'cluster', name, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '1', '--dns', 'none', '--cloud-labels', 'Team=platform'];
      // The machines on moto never boot: the node assets come from a stand-in mirror, given with --set.
      const items = JSON.parse((await hoist([...args, '--dry-run', '-o', 'json'], { env: awsEnv })).stdout).items;
      const mirror = await ensureLocalMirror(join(dir.path, 'assets'), assetSources(completeSpec(items[0], items.slice(1))));
      const r = await hoist([...args, '--yes', '--set', `spec.assets.fileRepository=${mirror}`], { env: awsEnv });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(`Cluster ${name} was created`);
      expect(r.stdout).toContain('Cluster changes have been applied to the cloud.');
      const byCluster = [{ Name: 'tag:hoist.dev/cluster', Values: [name] }];
      const vpcs = (await account.clients.ec2.send(new DescribeVpcsCommand({ Filters: byCluster }))).Vpcs!;
      expect(vpcs.map((v) => v.Tags?.find((t) => t.Key === 'Team')?.Value)).toEqual(['platform']);
      const groups = (await account.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({}))).AutoScalingGroups!;
      expect(groups.map((g) => g.AutoScalingGroupName).sort()).toEqual([`control-plane-us-east-1a.${name}`, `nodes-us-east-1a.${name}`]);
      // What --yes ran is what update cluster runs: a second plan has nothing to change.
      const again = await hoist(['update', 'cluster', name, '--detailed-exitcode'], { env: awsEnv });
      expect(again.code, again.stdout + again.stderr).toBe(0);
    } finally {
      account.close();
    }
  });
});
