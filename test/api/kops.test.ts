import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CLUSTER_LABEL, completeSpec, formatPath, parseSpecSet, parseSpecText } from '../../src/api/index.js';
import type { InstanceGroup, Path } from '../../src/api/index.js';
import { withDnsZone } from '../support/kops-zone.js';
import { validate } from './fixtures.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const dir = join(import.meta.dirname, '../fixtures/kops-specs');
const specs = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
const read = (f: string) => readFileSync(`${dir}/${f}`, 'utf8');

/** Every leaf of a plain value with its path; an empty object is a leaf. */
function leaves(value: unknown, path: Path = []): { path: Path; value: unknown }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (isEmptyObject(value)) return [{ path, value }];
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

function get(value: unknown, path: Path): unknown {
  return path.reduce<unknown>((v, s) => (v === null || typeof v !== 'object' ? undefined : (v as Record<string, unknown>)[s]), value);
}

/** Where a kops field lands in hoist, for the fields the import renames. */
function hoistPath(kind: string, path: Path): Path {
  const p = formatPath(path);
  if (p === 'spec.masterPublicName') return ['spec', 'api', 'publicName'];
  if (p.startsWith('spec.topology.masters')) return ['spec', 'topology', 'controlPlane'];
  if (kind === 'InstanceGroup' && p === 'metadata.labels["kops.k8s.io/cluster"]') return ['metadata', 'labels', CLUSTER_LABEL];
  return path;
}

describe('kops v1alpha2 import', () => {
  it.each(specs)('%s converts, and the result validates with no problem', (file) => {
    const set = parseSpecSet(withDnsZone(read(file)), file, SPEC_RULES);
    expect(set.documents.every((d) => d.converted?.from === 'kops.k8s.io/v1alpha2')).toBe(true);
    const completed = completeSpec(set.cluster, set.instanceGroups);
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
  });

  it.each(specs)('%s: every kops field is either carried or reported as dropped, and every dropped field is real', (file) => {
    const sources = parseAllDocuments(read(file)).map((d) => d.toJS() as Record<string, unknown>);
    const docs = parseSpecText(read(file), file, SPEC_RULES);
    docs.forEach((doc, i) => {
      const source = sources[i];
      const dropped = doc.converted?.dropped ?? [];
      for (const d of dropped) {
        const original = leaves(source).find((l) => formatPath(l.path).startsWith(d.path));
        expect(original, `${d.path} is not in ${file}`).toBeDefined();
        expect(d.reason.length).toBeGreaterThan(10);
      }
      for (const leaf of leaves(source)) {
        const path = formatPath(leaf.path);
        // `iam: {}` holds no setting; the import may leave it out without a report.
        if (path === 'apiVersion' || (isEmptyObject(leaf.value) && get(doc.object, leaf.path) === undefined)) continue;
        const isDropped = dropped.some((d) => path === d.path || path.startsWith(`${d.path}.`) || path.startsWith(`${d.path}[`));
        const carried = get(doc.object, hoistPath(doc.kind, leaf.path));
        const role = doc.kind === 'InstanceGroup' && path === 'spec.role' && leaf.value === 'Master';
        if (!isDropped) expect(role ? 'Master' : carried, `${file} ${path}`).toEqual(leaf.value);
      }
    });
  });

  it('reports what complex.yaml cannot carry, with reasons', () => {
    const docs = parseSpecText(read('complex.yaml'), 'complex.yaml', SPEC_RULES);
    const cluster = docs.find((d) => d.kind === 'Cluster');
    const paths = cluster?.converted?.dropped.map((d) => d.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining([
      'spec.configBase',
      'spec.cloudControllerManager',
      'spec.target',
      'spec.serviceOIDCProvider',
    ]));
    // The API server's audit settings are carried (auditWebhookBatchThrottleQps was dropped).
    expect(paths.filter((p) => p.startsWith('spec.kubeAPIServer'))).toEqual([]);
    // The private subnet's route to a transit gateway is carried, and so is its transit gateway egress.
    expect(paths).not.toContain('spec.subnets[1].additionalRoutes');
    expect(paths).not.toContain('spec.subnets[1].egress');
    expect(cluster?.object.spec.subnets[1]?.egress).toBe('tgw-123456');
    expect(cluster?.object.spec.subnets[1]?.additionalRoutes).toEqual([{ cidr: '192.168.1.10/32', target: 'tgw-0123456' }]);
    // The API load balancer's subnets (with the Elastic IP) and access log are carried.
    expect(paths.filter((p) => p.startsWith('spec.api'))).toEqual([]);
    // aws-iam-authenticator is carried whole: its mode, cluster ID and identity mappings.
    expect(paths.filter((p) => p.startsWith('spec.authentication'))).toEqual([]);
    expect(cluster?.object.spec.authentication?.aws).toMatchObject({ backendMode: 'CRD', clusterID: 'complex.example.com', identityMappings: [{ arn: 'arn:aws-test:iam::000000000000:role/AWSReservedSSO_Developer_7de86b085b6056ae', groups: ['he:dev'], username: 'dev:{{SessionNameRaw}}' }] });
    // The node termination handler is carried (IMDS mode; managedASGTag is read only by the queue-processor mode).
    expect(paths.filter((p) => p.startsWith('spec.nodeTerminationHandler'))).toEqual([]);
    expect(cluster?.object.spec.nodeTerminationHandler).toEqual({ managedASGTag: 'kubernetes.io/cluster/complex.example.com' });
    // IAM's permissions boundary is carried: every role hoist makes gets it.
    expect(paths.filter((p) => p.startsWith('spec.iam'))).toEqual([]);
    expect(cluster?.object.spec.iam?.permissionsBoundary).toBe('arn:aws-test:iam::000000000000:policy/boundaries');
    // Carried with the same name: the settings hoist has.
    expect(cluster?.object.spec.kubeAPIServer).toEqual({ serviceNodePortRange: '28000-32767', auditWebhookBatchThrottleQps: 3.14, cpuRequest: '200m', cpuLimit: '500m', memoryRequest: '800Mi', memoryLimit: '1000Mi' });
    expect(cluster?.object.spec.api).toEqual({
      loadBalancer: {
        type: 'Public',
        class: 'Network',
        additionalSecurityGroups: ['sg-exampleid5', 'sg-exampleid6'],
        crossZoneLoadBalancing: true,
        sslCertificate: 'arn:aws-test:acm:us-test-1:000000000000:certificate/123456789012-1234-1234-1234-12345678',
        sslPolicy: 'ELBSecurityPolicy-2016-08',
        subnets: [{ name: 'us-test-1a', allocationId: 'eipalloc-012345a678b9cdefa' }],
        accessLog: { bucket: 'access-log-example' },
      },
      publicName: 'api.complex.example.com',
    });
    expect(cluster?.object.spec.additionalNetworkCIDRs).toEqual(['10.1.0.0/16', '10.2.0.0/16']);
    const nodes = docs.find((d) => d.kind === 'InstanceGroup' && d.object.metadata.name === 'nodes');
    // The group's Classic Load Balancer is carried too.
    expect(nodes?.converted?.dropped.map((d) => d.path)).not.toContain('spec.externalLoadBalancers');
    expect((nodes?.object as InstanceGroup | undefined)?.spec.externalLoadBalancers).toEqual([{ loadBalancerName: 'my-external-lb-1' }]);
    expect(nodes?.object.spec.packages).toEqual(['nfs-common']);
  });

  it('drops, reported, the cloudLabels of a GCE spec that GCE would refuse; AWS keeps them', () => {
    const docs = parseSpecText(read('minimal_gce.yaml'), 'minimal_gce.yaml', SPEC_RULES);
    const master = docs.find((d) => d.object.metadata.name === 'master-us-test1-a');
    const dropped = master?.converted?.dropped.find((d) => d.path === 'spec.cloudLabels.testCloudLabel');
    expect(dropped?.reason).toContain('not a valid GCE label');
    expect(master?.object.spec.cloudLabels).toEqual({});
    const aws = parseSpecText(read('complex.yaml'), 'complex.yaml', SPEC_RULES).find((d) => d.kind === 'Cluster');
    expect(aws?.object.spec.cloudLabels).toEqual({ Owner: 'John Doe', 'foo/bar': 'fib+baz' });
  });

  it('keeps a GCE spec\'s cloudConfig.gceServiceAccount, the existing account its machines run as', () => {
    const cluster = parseSpecText(read('minimal_gce.yaml'), 'minimal_gce.yaml', SPEC_RULES).find((d) => d.kind === 'Cluster');
    expect(cluster?.kind === 'Cluster' && cluster.object.spec.cloudConfig?.gceServiceAccount).toBe('default');
    expect(cluster?.converted?.dropped.map((d) => d.path)).not.toContain('spec.cloudConfig.gceServiceAccount');
  });

  it('renames roles, labels, topology and the public name', () => {
    const docs = parseSpecText(read('ha.yaml'), 'ha.yaml', SPEC_RULES);
    const master = docs.find((d) => d.object.metadata.name === 'master-us-test-1a');
    expect(master?.kind === 'InstanceGroup' && master.object.spec.role).toBe('ControlPlane');
    expect(master?.object.metadata.labels).toEqual({ [CLUSTER_LABEL]: 'ha.example.com' });
    const text = read('minimal-aws.yaml').replace('  channel: stable', '  channel: stable\n  topology:\n    masters: private\n    nodes: private\n    bastion:\n      bastionPublicName: b.example.com');
    const cluster = parseSpecText(text, 'x', SPEC_RULES).find((d) => d.kind === 'Cluster');
    expect(cluster?.kind === 'Cluster' && cluster.object.spec.topology).toEqual({ controlPlane: 'private', nodes: 'private' });
    expect(cluster?.converted?.dropped.find((d) => d.path === 'spec.topology.bastion')?.reason).toContain('Bastion');
  });

  it('keeps kops\'s APIServer role, and the result validates', () => {
    const group = `---\napiVersion: kops.k8s.io/v1alpha2\nkind: InstanceGroup\nmetadata:\n  labels:\n    kops.k8s.io/cluster: ha.example.com\n  name: apiserver-us-test-1a\nspec:\n  image: ubuntu/images/hvm-ssd-gp3/ubuntu-resolute-26.04-amd64-server-20220404\n  machineType: m3.medium\n  maxSize: 2\n  minSize: 2\n  role: APIServer\n  subnets:\n  - us-test-1a\n`;
    const set = parseSpecSet(withDnsZone(`${read('ha.yaml')}\n${group}`), 'ha.yaml', SPEC_RULES);
    expect(set.instanceGroups.find((ig) => ig.metadata.name === 'apiserver-us-test-1a')?.spec.role).toBe('APIServer');
    const completed = completeSpec(set.cluster, set.instanceGroups);
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
  });

  it('keeps an IPv6 spec\'s nonMasqueradeCIDR, subnets\' ipv6CIDR and DualStack type, and the result validates', () => {
    const text = [
      'apiVersion: kops.k8s.io/v1alpha2',
      'kind: Cluster',
      'metadata:',
      '  name: v6.example.com',
      'spec:',
      '  cloudProvider: aws',
      '  kubernetesVersion: v1.34.0',
      '  networkCIDR: 10.20.0.0/16',
      '  nonMasqueradeCIDR: ::/0',
      '  networking:',
      '    calico: {}',
      '  topology:',
      '    masters: private',
      '    nodes: private',
      '  subnets:',
      '  - {name: us-east-1a, zone: us-east-1a, type: Private, ipv6CIDR: 2001:db8:0:7::/64}',
      '  - {name: dualstack-us-east-1a, zone: us-east-1a, type: DualStack, cidr: 10.20.64.0/19, ipv6CIDR: "/64#8"}',
      '  - {name: utility-us-east-1a, zone: us-east-1a, type: Utility, cidr: 10.20.0.0/22, ipv6CIDR: "/64#9"}',
      '---',
      'apiVersion: kops.k8s.io/v1alpha2',
      'kind: InstanceGroup',
      'metadata:',
      '  name: master-us-east-1a',
      '  labels: {kops.k8s.io/cluster: v6.example.com}',
      'spec: {role: Master, machineType: m5.large, minSize: 1, maxSize: 1, subnets: [dualstack-us-east-1a]}',
      '',
    ].join('\n');
    const set = parseSpecSet(withDnsZone(text), 'v6.yaml', SPEC_RULES);
    expect(set.documents.flatMap((d) => d.converted?.dropped ?? [])).toEqual([]);
    expect(set.cluster.spec.nonMasqueradeCIDR).toBe('::/0');
    expect(set.cluster.spec.subnets.map((s) => [s.type, s.ipv6CIDR])).toEqual([['Private', '2001:db8:0:7::/64'], ['DualStack', '/64#8'], ['Utility', '/64#9']]);
    const completed = completeSpec(set.cluster, set.instanceGroups);
    expect(completed.cluster.spec.serviceClusterIPRange).toBe('fd00:5e4f:ce::/108');
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
  });

  it('drops taints no kubelet accepts, and says so', () => {
    const docs = parseSpecText(read('ha_gce.yaml'), 'ha_gce.yaml', SPEC_RULES);
    const nodes = docs.find((d) => d.object.metadata.name === 'nodes');
    expect(nodes?.converted?.dropped).toEqual([expect.objectContaining({ path: 'spec.taints[0]', value: 'a=b:c' })]);
  });

  it('points problems of converted documents at the kops field', () => {
    const text = read('minimal-aws.yaml').replace('masterPublicName: api.minimal-aws.example.com', 'masterPublicName: 42');
    try {
      parseSpecText(text, 'x', SPEC_RULES);
      expect.unreachable();
    } catch (e) {
      const p = (e as { problems: { path: string; line?: number }[] }).problems[0];
      expect(p?.path).toBe('spec.api.publicName');
      expect(text.split('\n')[(p?.line ?? 0) - 1]).toContain('masterPublicName');
    }
  });
});
