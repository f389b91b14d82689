/**
 * The API server's audit settings from spec.kubeAPIServer reach its static pod as kops passes
 * them: one flag each, none when unset; the policy and the webhook's kubeconfig (files of
 * spec.fileAssets) are mounted into the pod and written before the manifest, and the log's folder
 * is mounted to be written. Pure: nodeup.yaml is built and modelled
 * in memory.
 */

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster } from '../../src/api/index.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/build.js';
import { rateFlag } from '../../cloudup/nodeup/components.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { buildNodeModel } from '../../nodeup/model/index.js';
import type { NodePki } from '../../nodeup/pki/material.js';

const WEBHOOK = '/srv/kubernetes/kube-apiserver/audit-webhook-config.yaml';
const POLICY = '/srv/kubernetes/kube-apiserver/audit-policy.yaml';
const MANIFEST = '/etc/kubernetes/manifests/kube-apiserver.yaml';

// The model reads only names and fingerprints of the CAs to plan: no key is needed.
const PKI: NodePki = {
  trusted: () => ({ bundle: '', primaryFingerprint: 'sha256:0', certificates: [] }),
  keypair: () => ({ privateKey: '', fingerprint: 'sha256:0' }),
  token: () => ({ token: '', fingerprint: 'sha256:0' }),
  secret: () => ({ content: '', sha256: '' }),
  issue: () => Promise.reject(new Error('not issued in a pure test')),
};

interface Pod {
  spec: { containers: { command: string[]; volumeMounts: { name: string; mountPath: string; readOnly: boolean }[] }[]; volumes: { name: string; hostPath: { path: string; type?: string } }[] };
}

function apiServer(spec: Partial<Cluster['spec']>) {
  const made = newClusterSpec({ name: 'audit.example.com', cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...spec } };
  const configs = buildNodeupConfigs(completeSpec(cluster, made.instanceGroups), { stateStore: 'file:///state', assets: [] });
  const [, file] = [...configs.entries()].find(([, f]) => f.config.role === 'ControlPlane')!;
  const model = buildNodeModel({ config: file.config, node: { instanceId: 'i-1', address: '10.0.0.2', nodeName: 'i-1' }, pki: PKI });
  const task = model.tasks.find((t) => t.name === MANIFEST)!;
  const pod = parse(String(task.desired['content'])) as Pod;
  return { pod, flags: pod.spec.containers[0]!.command.filter((f) => f.startsWith('--audit-')), dependsOn: task.dependsOn.map(String) };
}

describe('the API server\'s audit settings', () => {
  it('passes each as its kube-apiserver flag, and mounts the webhook\'s kubeconfig written before the pod', () => {
    const { pod, flags, dependsOn } = apiServer({
      fileAssets: [
        { name: 'audit-webhook-config', path: WEBHOOK, roles: ['ControlPlane'], content: 'apiVersion: v1\nkind: Config\n' },
        { name: 'audit-policy', path: POLICY, roles: ['ControlPlane'], content: 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n' },
      ],
      kubeAPIServer: {
        auditPolicyFile: POLICY,
        auditLogPath: '/var/log/kube-apiserver-audit.log',
        auditLogMaxAge: 10,
        auditLogMaxBackups: 5,
        auditLogMaxSize: 100,
        auditLogFormat: 'json',
        auditWebhookConfigFile: WEBHOOK,
        auditWebhookMode: 'batch',
        auditWebhookBatchBufferSize: 10000,
        auditWebhookBatchMaxSize: 400,
        auditWebhookBatchMaxWait: '30s',
        auditWebhookBatchThrottleBurst: 15,
        auditWebhookBatchThrottleEnable: false,
        auditWebhookBatchThrottleQps: '500m',
        auditWebhookInitialBackoff: '10s',
      },
    });
    expect(flags.sort()).toEqual([
      '--audit-log-format=json',
      '--audit-log-maxage=10',
      '--audit-log-maxbackup=5',
      '--audit-log-maxsize=100',
      '--audit-log-path=/var/log/kube-apiserver-audit.log',
      `--audit-policy-file=${POLICY}`,
      '--audit-webhook-batch-buffer-size=10000',
      '--audit-webhook-batch-max-size=400',
      '--audit-webhook-batch-max-wait=30s',
      '--audit-webhook-batch-throttle-burst=15',
      '--audit-webhook-batch-throttle-enable=false',
      '--audit-webhook-batch-throttle-qps=0.5',
      `--audit-webhook-config-file=${WEBHOOK}`,
      '--audit-webhook-initial-backoff=10s',
      '--audit-webhook-mode=batch',
    ]);
    // The files read-only, the log's folder written to.
    const mounts = pod.spec.containers[0]!.volumeMounts;
    expect(mounts).toContainEqual({ name: 'auditwebhookconfig', mountPath: WEBHOOK, readOnly: true });
    expect(mounts).toContainEqual({ name: 'auditpolicy', mountPath: POLICY, readOnly: true });
    expect(mounts).toContainEqual({ name: 'auditlog', mountPath: '/var/log', readOnly: false });
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([
      { name: 'auditwebhookconfig', hostPath: { path: WEBHOOK, type: 'File' } },
      { name: 'auditpolicy', hostPath: { path: POLICY, type: 'File' } },
      { name: 'auditlog', hostPath: { path: '/var/log', type: 'DirectoryOrCreate' } },
    ]));
    expect(dependsOn).toEqual(expect.arrayContaining([`File/${WEBHOOK}`, `File/${POLICY}`]));
  });

  it('passes none, and mounts nothing, when unset; a log to standard output mounts no folder', () => {
    const { pod, flags } = apiServer({});
    expect(flags).toEqual([]);
    expect(pod.spec.volumes.map((v) => v.name).filter((n) => n.startsWith('audit'))).toEqual([]);
    const stdout = apiServer({ kubeAPIServer: { auditLogPath: '-' } });
    expect(stdout.flags).toEqual(['--audit-log-path=-']);
    expect(stdout.pod.spec.volumes.map((v) => v.name).filter((n) => n.startsWith('audit'))).toEqual([]);
  });

  it('writes kops\'s rate as the plain number the flag parses', () => {
    expect(apiServer({ kubeAPIServer: { auditWebhookBatchThrottleQps: 3.14 } }).flags).toEqual(['--audit-webhook-batch-throttle-qps=3.14']);
    expect([rateFlag('500m'), rateFlag('300m'), rateFlag('2k'), rateFlag('1.5'), rateFlag(10)]).toEqual(['0.5', '0.3', '2000', '1.5', '10']);
  });
});
