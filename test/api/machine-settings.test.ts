/**
 * The kops machine settings from spec to machine: files, hooks, kernel settings, packages and
 * kubelet settings merged (the group's win), validated with field paths, written into
 * nodeup.yaml and made into node tasks; additionalPolicies on the AWS roles; additionalSANs in
 * the API server's certificate.
 */

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { completeSpec, machineSettings, parseSpecText } from '../../src/api/index.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { apiServerCertRequest } from '../../src/pki/requests.js';
import { buildNodeupConfig } from '../../cloudup/nodeup/build.js';
import { iamTasks } from '../../cloudup/aws/model/iam.js';
import { SPEC_RULES, specRulesOf } from '../../cloudup/providers.js';
import { hookUnit, machineTasks } from '../../nodeup/model/machine.js';
import type { ModelInput } from '../../nodeup/model/types.js';
import { testBoot } from '../support/boot.js';
import { ROOT } from '../support/cli.js';
import { withDnsZone } from '../support/kops-zone.js';
import { cluster, group, groups, validate } from './fixtures.js';

const withMachine = cluster({
  fileAssets: [
    { name: 'audit', path: '/etc/audit/policy.yaml', content: 'rules: []\n', roles: ['ControlPlane'] },
    { name: 'motd', path: '/etc/motd', content: 'cluster\n' },
  ],
  hooks: [
    { name: 'banner', manifest: 'Type=oneshot\nExecStart=/bin/echo hello', before: ['kubelet.service'] },
    { execContainer: { image: 'busybox:1.36', command: ['sh', '-c', 'echo "a b"'], environment: { MODE: 'x y' } } },
  ],
  sysctlParameters: ['net.ipv4.tcp_keepalive_time=200', 'vm.swappiness=10'],
  packages: ['nfs-common'],
  kubelet: { maxPods: 50, logLevel: 3 },
  controlPlaneKubelet: { maxPods: 30 },
  additionalPolicies: { node: '[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]', master: '{"Effect":"Allow","Action":"sqs:*","Resource":"*"}' },
  api: { additionalSANs: ['api.example.org', '203.0.113.10'] },
});
const nodes = group('nodes', {
  fileAssets: [{ name: 'motd', path: '/etc/motd', content: 'nodes\n', mode: '644' }],
  hooks: [{ name: 'banner', manifest: 'Type=oneshot\nExecStart=/bin/echo nodes' }],
  sysctlParameters: ['vm.swappiness=1'],
  packages: ['jq'],
  kubelet: { maxPods: 110 },
});
const set = [group('control-plane-us-east-1a', { role: 'ControlPlane' }), nodes];

describe('machine settings', () => {
  it('merges the Cluster\'s and the group\'s, the group\'s winning, with defaults', () => {
    const worker = machineSettings(withMachine, nodes);
    expect(worker.files).toEqual([{ name: 'motd', path: '/etc/motd', content: 'nodes\n', isBase64: false, mode: '0644' }]);
    expect(worker.hooks.map((h) => [h.name, h.manifest ?? h.execContainer?.image])).toEqual([
      ['banner.service', 'Type=oneshot\nExecStart=/bin/echo nodes'],
      ['hoist-hook-1.service', 'busybox:1.36'],
    ]);
    expect(worker.sysctls).toEqual({ 'net.ipv4.tcp_keepalive_time': '200', 'vm.swappiness': '1' });
    expect(worker.packages).toEqual(['jq', 'nfs-common']);
    expect(worker.kubelet).toEqual({ maxPods: 110, logLevel: 3 });
    const plane = machineSettings(withMachine, set[0]!);
    expect(plane.files.map((f) => [f.path, f.mode])).toEqual([['/etc/audit/policy.yaml', '0440'], ['/etc/motd', '0440']]);
    expect(plane.kubelet).toEqual({ maxPods: 30, logLevel: 3 });
  });

  it('validates: the spec above has no problem; bad ones are named by path with a fix', () => {
    expect(validate(withMachine, set)).toEqual([]);
    const bad = cluster({
      hooks: [{ name: 'x' }, { name: 'x', manifest: 'ExecStart=/bin/true', useRawManifest: true, before: ['kubelet.service'] }],
      fileAssets: [{ name: 'a', path: '/etc/a', content: '!!', isBase64: true }, { name: 'b', path: '/etc/a', content: '' }],
      additionalPolicies: { node: '{not json', 'control-plane': '[1]', master: '[]' },
      authorization: { rbac: {}, alwaysAllow: {} },
    });
    const problems = validate(bad, [...groups().slice(0, 1), group('nodes', { hooks: [{ manifest: 'a', execContainer: { image: 'b' } }] })]);
    expect(problems.map((p) => p.path).sort()).toEqual([
      'InstanceGroup/nodes:spec.hooks[0]',
      'spec.additionalPolicies.master',
      'spec.additionalPolicies.master',
      'spec.additionalPolicies.node',
      'spec.additionalPolicies["control-plane"]',
      'spec.authorization',
      'spec.fileAssets[0].content',
      'spec.fileAssets[1].path',
      'spec.hooks[0]',
      'spec.hooks[1].name',
      'spec.hooks[1].useRawManifest',
    ]);
    expect(problems.every((p) => p.fix !== undefined && p.fix.length > 5)).toBe(true);
  });

  it('reaches nodeup.yaml only where set, and becomes files and systemd units on the machine', () => {
    const completed = completeSpec(withMachine, set);
    const worker = completed.instanceGroups.find((g) => g.metadata.name === 'nodes')!;
    const config = buildNodeupConfig(completed, worker, { stateStore: 'file:///tmp/s', assets: [] });
    expect(config.sysctls).toMatchObject({ 'vm.swappiness': '1', 'net.ipv4.ip_forward': '1' });
    expect(config.packages).toEqual(expect.arrayContaining(['socat', 'jq', 'nfs-common']));
    expect(config.kubelet.maxPods).toBe(110);
    const plain = completeSpec(cluster(), groups());
    expect(Object.keys(buildNodeupConfig(plain, plain.instanceGroups[1]!, { stateStore: 'file:///tmp/s', assets: [] }))).not.toContain('files');

    const tasks = machineTasks({ config } as ModelInput);
    expect(tasks.map((t) => `${t.kind}/${t.name}`)).toEqual(['File//etc/motd', 'Service/banner.service', 'Service/hoist-hook-1.service']);
    const container = hookUnit(config.hooks![1]!, 'demo.example.com');
    expect(container).toContain('Requires=containerd.service');
    expect(container).toContain('ExecStart=/usr/local/bin/ctr --namespace k8s.io run --rm --net-host --env "MODE=x y" busybox:1.36 hoist-hook-hoist-hook-1 sh -c "echo \\"a b\\""');
    const plane = completeSpec(withMachine, set);
    const banner = hookUnit(buildNodeupConfig(plane, plane.instanceGroups[0]!, { stateStore: 'file:///tmp/s', assets: [] }).hooks![0]!, 'demo.example.com');
    expect(banner).toBe('[Unit]\nDescription=hoist hook banner.service of demo.example.com\nBefore=kubelet.service\n\n[Service]\nType=oneshot\nExecStart=/bin/echo hello\n\n[Install]\nWantedBy=multi-user.target\n');
  });

  it('puts additionalPolicies on the AWS roles and additionalSANs in the API server\'s certificate', () => {
    const completed = completeSpec(withMachine, set);
    const iam = iamTasks(settleSpec(completed, specRulesOf('aws')), testBoot({ stateStore: 's3://bucket/clusters', configHash: () => 'sha256:0' }), undefined);
    const additional = iam.tasks.filter((t) => t.kind === 'IAMRolePolicy' && t.name.endsWith(':additional'));
    expect(additional.map((t) => [t.name, (t.desired['policyDocument'] as { Statement: unknown[] }).Statement])).toEqual([
      ['control-plane.demo.example.com:additional', [{ Effect: 'Allow', Action: 'sqs:*', Resource: '*' }]],
      ['nodes.demo.example.com:additional', [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }]],
    ]);
    const cert = apiServerCertRequest(completed, { addresses: [] });
    expect(cert.dnsNames).toContain('api.example.org');
    expect(cert.ipAddresses).toContain('203.0.113.10');
  });

  it('keeps them on kops import: masterKubelet, additionalSans and the Master role renamed', () => {
    const kops = readFileSync(join(ROOT, 'test/fixtures/kops-specs/minimal-aws.yaml'), 'utf8').replace(
      '  channel: stable\n',
      '  channel: stable\n  masterKubelet:\n    maxPods: 20\n  additionalSans: [api.example.org]\n  sysctlParameters: [vm.swappiness=10]\n  hooks:\n  - name: banner\n    roles: [Master]\n    manifest: "ExecStart=/bin/true"\n  fileAssets:\n  - name: motd\n    path: /etc/motd\n    roles: [Master, Node]\n    content: hi\n',
    );
    const doc = parseSpecText(withDnsZone(kops), 'kops.yaml', SPEC_RULES).find((d) => d.kind === 'Cluster');
    if (doc?.kind !== 'Cluster') throw new Error('no Cluster');
    const spec = doc.object.spec;
    expect(spec.controlPlaneKubelet).toEqual({ maxPods: 20 });
    expect(spec.api?.additionalSANs).toEqual(['api.example.org']);
    expect(spec.hooks?.[0]?.roles).toEqual(['ControlPlane']);
    expect(spec.fileAssets?.[0]?.roles).toEqual(['ControlPlane', 'Node']);
    expect(spec.sysctlParameters).toEqual(['vm.swappiness=10']);
    expect(doc.converted?.dropped.map((d) => d.path)).toEqual(['spec.configBase']);
  });
});
