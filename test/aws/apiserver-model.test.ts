/**
 * An APIServer group in the AWS model, without a cloud (pure functions of the spec): its Auto
 * Scaling group registers with the API load balancer's target groups as the control plane's does;
 * it has a security group of its own that reaches only etcd's client ports and the API port of
 * the control plane; its IAM role reads the keysets its API server issues from, never the etcd
 * peers' CA, and may not touch etcd volumes.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec, validateSpecSet } from '../../src/api/index.js';
import type { InstanceGroup } from '../../src/api/index.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';

const NAME = 'apiserver.example.com';
const boot = testBoot({ stateStore: 's3://state/clusters', configHash: (ig: string) => `sha256:${ig}` });

function withApiServers() {
  const s = newClusterSpec({ name: NAME, cloud: 'aws', zones: ['us-east-1a'] }, SPEC_RULES);
  const group: InstanceGroup = {
    apiVersion: s.cluster.apiVersion,
    kind: 'InstanceGroup',
    metadata: { name: 'apiserver-us-east-1a', labels: { 'hoist.dev/cluster': NAME } },
    spec: { role: 'APIServer', subnets: [...s.instanceGroups.find((ig) => ig.spec.role === 'ControlPlane')!.spec.subnets] },
  };
  return { cluster: s.cluster, groups: [...s.instanceGroups, group] };
}

type Fields = Record<string, unknown>;
const byName = (tasks: readonly { kind: string; name: string; desired: unknown }[], kind: string, name: string): Fields => {
  const t = tasks.find((x) => x.kind === kind && x.name === name);
  if (t === undefined) throw new Error(`no ${kind}/${name} among ${tasks.filter((x) => x.kind === kind).map((x) => x.name).join(', ')}`);
  return t.desired as Fields;
};

describe('an APIServer group on aws', () => {
  const { cluster, groups } = withApiServers();
  const tasks = buildAwsTasks(completeSpec(cluster, groups), boot);

  it('validates, and its Auto Scaling group registers with the API load balancer\'s target groups', () => {
    expect(validateSpecSet(cluster, groups, specRulesOf('aws'))).toEqual([]);
    const plane = byName(tasks, 'AutoScalingGroup', `control-plane-us-east-1a.${NAME}`);
    const api = tasks.find((t) => t.kind === 'AutoScalingGroup' && t.name.startsWith('apiserver-us-east-1a'))?.desired as Fields | undefined;
    expect(api).toBeDefined();
    expect((plane['targetGroupArns'] as unknown[]).length).toBeGreaterThan(0);
    expect(api!['targetGroupArns']).toEqual(plane['targetGroupArns']);
  });

  it('opens the control plane to it as to a node, plus etcd\'s client ports and never its peer ports, and opens it to nodes', () => {
    const rules = tasks.filter((t) => t.kind === 'SecurityGroupRule').map((t) => t.name);
    const intoPlane = rules.filter((r) => r.endsWith(`-from-apiserver.${NAME}.control-plane.${NAME}`)).sort();
    // etcd's peer ports (2380-2381, 4001) stay closed; 2379 and 4002 are its members' client ports.
    expect(intoPlane).toEqual([
      `ingress-tcp-1-2379-from-apiserver.${NAME}.control-plane.${NAME}`,
      `ingress-tcp-2382-4000-from-apiserver.${NAME}.control-plane.${NAME}`,
      `ingress-tcp-4002-from-apiserver.${NAME}.control-plane.${NAME}`,
      `ingress-tcp-4003-65535-from-apiserver.${NAME}.control-plane.${NAME}`,
      `ingress-udp-1-65535-from-apiserver.${NAME}.control-plane.${NAME}`,
    ]);
    // Nodes reach it as they reach one another: the API, and the overlay network (flannel's UDP 8472).
    expect(rules).toContain(`ingress-all-from-nodes.${NAME}.apiserver.${NAME}`);
    expect(rules).toContain(`ingress-all-from-control-plane.${NAME}.apiserver.${NAME}`);
    const sg = tasks.find((t) => t.kind === 'LaunchTemplate' && t.name.startsWith('apiserver-us-east-1a'))?.desired as Fields;
    expect(JSON.stringify(sg['securityGroupIds'])).toContain(`SecurityGroup/apiserver.${NAME}`);
  });

  it('lets its role read the keysets its API server issues from, not the etcd peers\' CA, nor attach etcd volumes', () => {
    const policy = tasks.find((t) => t.kind === 'IAMRolePolicy' && t.name.startsWith(`apiserver-us-east-1a.${NAME}`))?.desired as { policyDocument: { Statement: { Sid: string; Resource: string[] }[] } };
    const statements = policy.policyDocument.Statement;
    const read = statements.find((s) => s.Sid === 'StateStoreRead')!.Resource;
    for (const keyset of ['kubernetes-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca', 'service-account']) {
      expect(read).toContain(`arn:aws:s3:::state/clusters/${NAME}/pki/private/${keyset}/*`);
    }
    expect(read.join(' ')).not.toContain('etcd-peers-ca');
    expect(read).toContain(`arn:aws:s3:::state/clusters/${NAME}/status/etcd/*`);
    expect(statements.map((s) => s.Sid)).not.toContain('EtcdVolumes');
  });
});
