/**
 * The local kinds' typed constructors, and what a user sees when a spec that skipped validation
 * reaches the local model: one clean message with the field path, not an internal error.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { reportError } from '../../src/cli/report-error.js';
import { ValidationError } from '../../src/errors.js';
import { ref } from '../../src/engine/task.js';
import type { IO } from '../../src/output/io.js';
import { buildLocalTasks } from '../../cloudup/local/model/index.js';
import { dnsRecordTask } from '../../cloudup/local/tasks/dns-record.js';
import { firewallRuleTask } from '../../cloudup/local/tasks/firewall-rule.js';
import { LOCAL_KINDS } from '../../cloudup/local/tasks/index.js';
import { instanceGroupTask } from '../../cloudup/local/tasks/instance-group.js';
import { instanceTemplateTask } from '../../cloudup/local/tasks/instance-template.js';
import { loadBalancerTask } from '../../cloudup/local/tasks/load-balancer.js';
import { networkTask } from '../../cloudup/local/tasks/network.js';
import { subnetTask } from '../../cloudup/local/tasks/subnet.js';
import { volumeTask } from '../../cloudup/local/tasks/volume.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

const boot = testBoot({ stateStore: 'file:///var/hoist/state', configHash: (ig: string) => `sha256:${ig}` });

const localSpec = () => newClusterSpec({ name: 'typed.k8s.local', cloud: 'local', zones: [], topology: 'public', kubernetesVersion: '1.34.0' }, SPEC_RULES);

describe('local task constructors', () => {
  it('cover every local kind, and make Sync tasks with no dependencies unless told', () => {
    const net = ref('Network/n');
    const tasks = [
      networkTask('n', { cidr: '127.20.0.0/16' }),
      subnetTask('s', { networkId: net, cidr: '127.20.32.0/19', zone: 'local-a' }, { dependsOn: ['Network/n'] }),
      firewallRuleTask('f', { networkId: net, direction: 'ingress', protocol: 'tcp', ports: ['22'], sourceCidrs: [], sourceTags: [], targetTags: [] }),
      instanceTemplateTask('t', { machineType: 'local.small', image: 'local', userData: '', instanceTags: {} }),
      instanceGroupTask('g', { templateId: ref('InstanceTemplate/t'), templateVersion: ref('InstanceTemplate/t', 'latestVersion'), subnetIds: [ref('Subnet/s')], minSize: 1, maxSize: 1, loadBalancerIds: [] }),
      loadBalancerTask('lb', { networkId: net, subnetIds: [], listeners: [{ port: 6443, targetPort: 6443 }], healthCheck: { port: 6443 } }),
      dnsRecordTask('api', { type: 'A', ttl: 60, values: [ref('LoadBalancer/lb', 'address')] }),
      volumeTask('v', { zone: 'local-a', sizeGb: 20, volumeType: 'local' }, { lifecycle: 'ExistsAndValidates' }),
    ];
    expect(new Set(tasks.map((t) => t.kind))).toEqual(new Set(LOCAL_KINDS.keys()));
    expect(tasks[0]).toEqual({ kind: 'Network', name: 'n', lifecycle: 'Sync', dependsOn: [], desired: { cidr: '127.20.0.0/16' } });
    expect(tasks[1]!.dependsOn).toEqual(['Network/n']);
    expect(tasks[7]!.lifecycle).toBe('ExistsAndValidates');
  });

  it('refuse a misspelt or mistyped field at compile time', () => {
    // @ts-expect-error: cidrBlock is not a field of a local Network
    networkTask('n', { cidrBlock: '127.20.0.0/16' });
    // @ts-expect-error: sizeGb is a number
    volumeTask('v', { zone: 'local-a', sizeGb: '20', volumeType: 'local' });
    // @ts-expect-error: the local cloud has no 'sctp' rules
    firewallRuleTask('f', { networkId: 'net-1', direction: 'ingress', protocol: 'sctp', ports: [], sourceCidrs: [], sourceTags: [], targetTags: [] });
    expect(true).toBe(true);
  });

  it('build every task of a local cluster as one of its kinds', () => {
    const spec = localSpec();
    const tasks = buildLocalTasks(completeSpec(spec.cluster, spec.instanceGroups), boot);
    expect(tasks.length).toBeGreaterThan(0);
    for (const t of tasks) expect(LOCAL_KINDS.has(t.kind)).toBe(true);
  });
});

describe('the local model and a spec that skipped validation', () => {
  it('refuses a subnet without a zone as INVALID_SPEC, with its path, printed as a user error', () => {
    const spec = localSpec();
    const subnets = spec.cluster.spec.subnets.map(({ zone: _zone, ...s }) => s);
    const cluster = { ...spec.cluster, spec: { ...spec.cluster.spec, subnets, region: 'local' } };
    let error: unknown;
    try {
      buildLocalTasks(completeSpec(cluster, spec.instanceGroups), boot);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('INVALID_SPEC');
    expect((error as ValidationError).problems.map((p) => p.path)).toContain('spec.subnets[0].zone');
    let text = '';
    const io = { err: (t: string) => void (text += t), out: () => undefined } as unknown as IO;
    expect(reportError(io, error, false)).toBe(1);
    expect(text).toMatch(/^error: cluster typed\.k8s\.local has \d+ problems?:\n/);
    expect(text).not.toContain('internal error');
  });
});
