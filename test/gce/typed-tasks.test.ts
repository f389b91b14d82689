/**
 * The GCE kinds' typed constructors, and what a user sees when a spec that skipped validation
 * reaches the GCE model: one clean message with the field path, not an internal error.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { reportError } from '../../src/cli/report-error.js';
import { ref } from '../../src/engine/task.js';
import type { IO } from '../../src/output/io.js';
import { buildGceTasks } from '../../cloudup/gce/model/index.js';
import { addressTask } from '../../cloudup/gce/tasks/address.js';
import { diskTask } from '../../cloudup/gce/tasks/disk.js';
import { dnsRecordTask } from '../../cloudup/gce/tasks/dns-record.js';
import { firewallTask } from '../../cloudup/gce/tasks/firewall.js';
import { forwardingRuleTask } from '../../cloudup/gce/tasks/forwarding-rule.js';
import { GCE_KINDS } from '../../cloudup/gce/tasks/index.js';
import { httpHealthCheckTask } from '../../cloudup/gce/tasks/http-health-check.js';
import { instanceGroupManagerTask } from '../../cloudup/gce/tasks/instance-group-manager.js';
import { regionBackendServiceTask } from '../../cloudup/gce/tasks/region-backend-service.js';
import { regionHealthCheckTask } from '../../cloudup/gce/tasks/region-health-check.js';
import { instanceTemplateTask } from '../../cloudup/gce/tasks/instance-template.js';
import { managedZoneTask } from '../../cloudup/gce/tasks/managed-zone.js';
import { networkTask } from '../../cloudup/gce/tasks/network.js';
import { routerTask } from '../../cloudup/gce/tasks/router.js';
import { subnetworkTask } from '../../cloudup/gce/tasks/subnetwork.js';
import { targetPoolTask } from '../../cloudup/gce/tasks/target-pool.js';
import { bucketIamMemberTask } from '../../cloudup/gce/tasks/bucket-iam-member.js';
import { projectIamMemberTask } from '../../cloudup/gce/tasks/project-iam-member.js';
import { serviceAccountTask } from '../../cloudup/gce/tasks/service-account.js';
import { discoveryDocumentTask } from '../../cloudup/discovery-documents.js';
import { discoveryBucketReaderTask } from '../../cloudup/gce/tasks/discovery-bucket-reader.js';
import { poolProviderTask } from '../../cloudup/gce/tasks/pool-provider.js';
import { serviceAccountIamMemberTask } from '../../cloudup/gce/tasks/service-account-iam-member.js';
import { workloadIdentityPoolTask } from '../../cloudup/gce/tasks/workload-identity-pool.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const boot = testBoot({ stateStore: 'gs://state/clusters', configHash: (ig: string) => `sha256:${ig}` });

function gceSpec(): { cluster: Cluster; instanceGroups: InstanceGroup[] } {
  return newClusterSpec({ name: 'typed.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'hoist-test', kubernetesVersion: '1.34.0' }, SPEC_RULES);
}

function captured(): { io: IO; err: () => string } {
  let text = '';
  const io = { err: (t: string) => void (text += t), out: () => undefined } as unknown as IO;
  return { io, err: () => text };
}

describe('GCE task constructors', () => {
  it('cover every GCE kind, and make Sync tasks with no dependencies unless told', () => {
    const link = ref('Network/n', 'selfLink');
    const tasks = [
      networkTask('n', {}),
      subnetworkTask('s', { region: 'us-central1', network: link, ipCidrRange: '10.0.32.0/19' }, { dependsOn: ['Network/n'] }),
      firewallTask('f', { network: link, direction: 'INGRESS', priority: 1000, allowed: [{ IPProtocol: 'tcp', ports: ['22'] }], sourceRanges: [], sourceTags: [], targetTags: [] }),
      instanceTemplateTask('t', {
        machineType: 'e2-medium',
        image: 'projects/p/global/images/i',
        rootVolume: { sizeGb: 64, type: 'pd-balanced' },
        network: link,
        subnetwork: ref('Subnetwork/s', 'selfLink'),
        publicIp: true,
        networkTags: [],
        labels: {},
        metadata: {},
        serviceAccount: { email: 'default', scopes: [] },
        canIpForward: true,
      }),
      instanceGroupManagerTask('m', { zone: 'us-central1-a', baseInstanceName: 'b', instanceTemplate: ref('InstanceTemplate/t', 'selfLink'), targetSize: 1, targetPools: [], updatePolicy: { type: 'OPPORTUNISTIC' } }),
      httpHealthCheckTask('h', { port: 3990, requestPath: '/readyz', checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2 }),
      targetPoolTask('p', { region: 'us-central1', sessionAffinity: 'NONE', healthChecks: [ref('HttpHealthCheck/h', 'selfLink')] }),
      routerTask('nat', { region: 'us-central1', network: link, nats: [{ name: 'nat', natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: [ref('Subnetwork/s', 'selfLink')] }] }),
      addressTask('a', { region: 'us-central1', addressType: 'EXTERNAL', networkTier: 'PREMIUM', labels: {} }),
      forwardingRuleTask('r', { region: 'us-central1', IPAddress: ref('Address/a', 'address'), IPProtocol: 'TCP', portRange: '6443-6443', target: ref('TargetPool/p', 'selfLink'), loadBalancingScheme: 'EXTERNAL', networkTier: 'PREMIUM', labels: {} }),
      regionHealthCheckTask('hc', { region: 'us-central1', type: 'TCP', port: 6443, checkIntervalSec: 5, timeoutSec: 5, healthyThreshold: 2, unhealthyThreshold: 2 }),
      regionBackendServiceTask('bs', { region: 'us-central1', loadBalancingScheme: 'INTERNAL', protocol: 'TCP', sessionAffinity: 'NONE', network: link, healthChecks: [ref('RegionHealthCheck/hc', 'selfLink')], backends: [ref('InstanceGroupManager/m', 'instanceGroup')] }),
      managedZoneTask('example.com', {}),
      dnsRecordTask('api.c.example.com', { managedZone: ref('ManagedZone/example.com', 'name'), name: 'api.c.example.com', type: 'A', ttl: 60, rrdatas: [ref('Address/a', 'address')] }),
      serviceAccountTask('nodes-12345678', { displayName: 'nodes' }),
      projectIamMemberTask('nodes-12345678:roles/logging.logWriter', { role: 'roles/logging.logWriter', member: 'serviceAccount:nodes-12345678@p.iam.gserviceaccount.com' }),
      bucketIamMemberTask('nodes-12345678:roles/storage.objectViewer', { bucket: 'b', role: 'roles/storage.objectViewer', member: 'serviceAccount:nodes-12345678@p.iam.gserviceaccount.com', condition: { title: 't', description: '', expression: 'resource.name.startsWith("projects/_/buckets/b/objects/c/")' } }),
      discoveryDocumentTask('jwks.c', { folder: 'gs://oidc/c', key: 'openid/v1/jwks', document: { keys: [] } }),
      discoveryBucketReaderTask('oidc', { bucket: 'oidc', role: 'roles/storage.objectViewer', member: 'allUsers' }),
      workloadIdentityPoolTask('hoist-12345678', { displayName: 'hoist c', disabled: false }),
      poolProviderTask('hoist-12345678.kubernetes', { pool: 'hoist-12345678', displayName: 'k', issuerUri: 'https://storage.googleapis.com/oidc/c', allowedAudiences: [], attributeMapping: { 'google.subject': 'assertion.sub' }, disabled: false }),
      serviceAccountIamMemberTask('a@p.iam.gserviceaccount.com:system:serviceaccount:n:s', { serviceAccount: 'a@p.iam.gserviceaccount.com', role: 'roles/iam.workloadIdentityUser', member: 'principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/hoist-12345678/subject/system:serviceaccount:n:s' }),
      diskTask('d', { zone: 'us-central1-a', sizeGb: 20, type: 'pd-ssd', labels: {} }, { lifecycle: 'ExistsAndValidates' }),
    ];
    expect(new Set(tasks.map((t) => t.kind))).toEqual(new Set(GCE_KINDS.keys()));
    expect(tasks[0]).toEqual({ kind: 'Network', name: 'n', lifecycle: 'Sync', dependsOn: [], desired: {} });
    expect(tasks[1]?.dependsOn).toEqual(['Network/n']);
    expect(tasks.at(-1)?.lifecycle).toBe('ExistsAndValidates');
  });

  it('refuse a misspelt or mistyped field at compile time', () => {
    // Each line is a type error (tsc fails if one is not); at run time they are plain tasks.
    // @ts-expect-error sizeGB is not a Disk field (sizeGb is)
    const misspelt = diskTask('d', { zone: 'us-central1-a', sizeGB: 20, type: 'pd-ssd', labels: {} });
    // @ts-expect-error targetSize is a number
    const mistyped = instanceGroupManagerTask('m', { zone: 'z', baseInstanceName: 'b', instanceTemplate: 't', targetSize: '1', targetPools: [], updatePolicy: { type: 'OPPORTUNISTIC' } });
    // @ts-expect-error sessionAffinity is required
    const missing = targetPoolTask('p', { region: 'us-central1' });
    expect([misspelt.kind, mistyped.kind, missing.kind]).toEqual(['Disk', 'InstanceGroupManager', 'TargetPool']);
  });
});

describe('a spec the GCE model cannot build', () => {
  it('is refused as INVALID_SPEC with the group\'s field, value and fix, printed as one clean error', () => {
    const s = gceSpec();
    const nodes = s.instanceGroups.find((ig) => ig.spec.role === 'Node')!;
    const broken = s.instanceGroups.map((ig) => (ig === nodes ? { ...ig, spec: { ...ig.spec, subnets: ['us-central2'] } } : ig));
    let thrown: unknown;
    try {
      buildGceTasks(completeSpec(s.cluster, broken), boot);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'INVALID_SPEC', user: true, path: `InstanceGroup/${nodes.metadata.name}:spec.subnets[0]` });
    const { io, err } = captured();
    expect(reportError(io, thrown, false)).toBe(1);
    expect(err()).toBe(
      `error: cluster typed.example.com has 1 problem:\n` +
        `  - InstanceGroup/${nodes.metadata.name}:spec.subnets[0]: "us-central2" is not a subnet of the cluster (did you mean us-central1?)\n`,
    );
    expect(err()).not.toContain('internal error');
  });

  it('refuses a discovery store in the state store\'s bucket, which would make the cluster\'s secrets public', () => {
    const s = gceSpec();
    const cluster = { ...s.cluster, spec: { ...s.cluster.spec, serviceAccountIssuerDiscovery: { discoveryStore: 'gs://state/oidc' } } };
    let thrown: unknown;
    try {
      buildGceTasks(completeSpec(cluster, s.instanceGroups), boot);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ code: 'INVALID_SPEC', path: 'spec.serviceAccountIssuerDiscovery.discoveryStore', message: expect.stringContaining('readable by anyone') });
    // Another bucket is fine: the documents and its public read, and no pool without external permissions.
    const other = { ...s.cluster, spec: { ...s.cluster.spec, serviceAccountIssuerDiscovery: { discoveryStore: 'gs://oidc' } } };
    expect(buildGceTasks(completeSpec(other, s.instanceGroups), boot).filter((t) => /Discovery|Workload/.test(t.kind)).map((t) => `${t.kind}/${t.name}`)).toEqual([
      'DiscoveryBucketReader/oidc',
      'DiscoveryDocument/openid-configuration.typed.example.com',
      'DiscoveryDocument/jwks.typed.example.com',
    ]);
  });

  it('builds a valid spec as before', () => {
    const s = gceSpec();
    const tasks = buildGceTasks(completeSpec(s.cluster, s.instanceGroups), boot);
    expect(tasks.map((t) => t.kind)).toContain('InstanceTemplate');
    expect(tasks.find((t) => t.kind === 'Disk')?.desired).toMatchObject({ zone: 'us-central1-a', sizeGb: 20, type: 'pd-ssd' });
  });
});
