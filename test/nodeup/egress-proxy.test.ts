/**
 * spec.egressProxy on the machines: nodeup.yaml carries the proxy and the completed no_proxy
 * list; the node model writes one environment file that containerd and the kubelet read, the
 * shells' profile and apt's setting, and the control plane's static pods get the variables in
 * their pod spec. A cluster without a proxy gets none of it, and its nodeup.yaml is unchanged.
 * Pure: nodeup.yaml is built and modelled in memory.
 */

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import type { Task } from '../../src/engine/task.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/build.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { buildNodeModel } from '../../nodeup/model/index.js';
import { APT_PROXY_CONF, PROXY_ENV_FILE, PROXY_PROFILE } from '../../nodeup/model/egress-proxy.js';
import type { NodePki } from '../../nodeup/pki/material.js';

const NAME = 'proxied.k8s.local';
const PROXY = { httpProxy: { host: 'proxy.corp.example', port: 3128 }, excludes: 'corp.example' };
const URL = 'http://proxy.corp.example:3128';
const NO_PROXY = 'corp.example,127.0.0.1,localhost,cluster.local,api.proxied.k8s.local,proxied.k8s.local,100.64.0.1,100.64.0.0/13,100.96.0.0/11,100.64.0.0/10,127.20.0.0/16,169.254.169.254,metadata.google.internal';
const VARIABLES = { http_proxy: URL, https_proxy: URL, no_proxy: NO_PROXY, HTTP_PROXY: URL, HTTPS_PROXY: URL, NO_PROXY: NO_PROXY };

function completed(extra: Partial<ClusterSpec> = {}): CompletedSpec {
  const made = newClusterSpec({ name: NAME, cloud: 'local', kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra } };
  const bastion = { ...made.instanceGroups[0]!, metadata: { ...made.instanceGroups[0]!.metadata, name: 'bastions' }, spec: { ...made.instanceGroups[0]!.spec, role: 'Bastion' as const } };
  return completeSpec(cluster, [...made.instanceGroups, bastion]);
}

const PKI: NodePki = {
  trusted: () => ({ bundle: '', primaryFingerprint: 'sha256:0', certificates: [] }),
  keypair: () => ({ privateKey: '', fingerprint: 'sha256:0' }),
  token: () => ({ token: '', fingerprint: 'sha256:0' }),
  secret: () => ({ content: '', sha256: '' }),
  issue: () => Promise.reject(new Error('not issued in a pure test')),
};

interface Machine {
  readonly yaml: string;
  readonly tasks: readonly Task[];
  file(path: string): string | undefined;
  unit(name: string): string;
  pod(name: string): { env?: { name: string; value: string }[] };
}

function machines(extra: Partial<ClusterSpec> = {}): Map<string, Machine> {
  const configs = buildNodeupConfigs(completed(extra), { stateStore: 'file:///state', assets: [] });
  return new Map(
    [...configs.values()].map((f) => {
      const { tasks } = buildNodeModel({ config: f.config, node: { instanceId: 'i-1', address: '10.0.0.2', nodeName: 'i-1' }, pki: PKI });
      const file = (path: string) => tasks.find((t) => t.kind === 'File' && t.name === path)?.desired['content'] as string | undefined;
      const machine: Machine = {
        yaml: f.yaml,
        tasks,
        file,
        unit: (name) => String(tasks.find((t) => t.kind === 'Service' && t.name === name)?.desired['unit']),
        pod: (name) => (parse(file(`/etc/kubernetes/manifests/${name}.yaml`) ?? '') as { spec: { containers: { env?: { name: string; value: string }[] }[] } }).spec.containers[0]!,
      };
      return [f.config.role, machine];
    }),
  );
}

const plane = (m: Map<string, Machine>) => m.get('ControlPlane')!;
const node = (m: Map<string, Machine>) => m.get('Node')!;
const bastion = (m: Map<string, Machine>) => m.get('Bastion')!;

describe('egressProxy on the machines', () => {
  const withProxy = machines({ egressProxy: PROXY });
  const without = machines();

  it('puts the proxy and the completed no_proxy list in every group\'s nodeup.yaml, and nothing without one', () => {
    for (const m of withProxy.values()) expect(parse(m.yaml).egressProxy).toEqual({ url: URL, noProxy: NO_PROXY });
    for (const m of without.values()) expect(m.yaml).not.toContain('egressProxy');
  });

  it('writes the environment file, the shells\' profile and apt\'s proxy on every machine', () => {
    for (const m of [plane(withProxy), node(withProxy), bastion(withProxy)]) {
      expect(m.file(PROXY_ENV_FILE)).toBe(['# The egress proxy (spec.egressProxy), written by hoist nodeup.', ...Object.entries(VARIABLES).map(([k, v]) => `${k}="${v}"`), ''].join('\n'));
      expect(m.file(PROXY_PROFILE)).toContain(`export no_proxy='${NO_PROXY}'\n`);
      expect(m.file(PROXY_PROFILE)).toContain(`export HTTPS_PROXY='${URL}'\n`);
      expect(m.file(APT_PROXY_CONF)).toContain(`Acquire::http::Proxy "${URL}";\nAcquire::https::Proxy "${URL}";\n`);
    }
  });

  it('gives containerd and the kubelet the environment file, and restarts them when it changes', () => {
    for (const m of [plane(withProxy), node(withProxy)]) {
      for (const unit of ['containerd.service', 'kubelet.service']) {
        expect(m.unit(unit)).toContain(`\nEnvironmentFile=${PROXY_ENV_FILE}\n`);
        expect(m.tasks.find((t) => t.name === unit)?.dependsOn).toContain(`File/${PROXY_ENV_FILE}`);
      }
    }
    const other = machines({ egressProxy: { ...PROXY, httpProxy: { host: 'proxy2.corp.example', port: 3128 } } });
    const restartOn = (m: Map<string, Machine>, unit: string) => node(m).tasks.find((t) => t.name === unit)?.desired['restartOn'];
    for (const unit of ['containerd.service', 'kubelet.service']) {
      expect(restartOn(other, unit)).not.toBe(restartOn(withProxy, unit));
      expect(restartOn(without, unit)).not.toBe(restartOn(withProxy, unit));
    }
  });

  it('gives the API server, controller manager and scheduler the variables in their pod spec, and kube-proxy none', () => {
    const env = Object.entries(VARIABLES).map(([name, value]) => ({ name, value }));
    for (const pod of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) expect(plane(withProxy).pod(pod).env).toEqual(env);
    expect(plane(withProxy).pod('kube-proxy').env).toBeUndefined();
  });

  it('gives the bundle\'s services that use the state store the environment file too', () => {
    const services = ['etcd-backup.service', 'hoist-addons.service'];
    for (const unit of services) {
      expect(plane(withProxy).unit(unit)).toContain(`\nEnvironmentFile=${PROXY_ENV_FILE}\n`);
      expect(plane(withProxy).tasks.find((t) => t.name === unit)?.dependsOn).toContain(`File/${PROXY_ENV_FILE}`);
      expect(plane(without).unit(unit)).not.toContain('EnvironmentFile');
    }
  });

  it('writes none of it without a proxy', () => {
    for (const m of without.values()) {
      for (const path of [PROXY_ENV_FILE, PROXY_PROFILE, APT_PROXY_CONF]) expect(m.file(path)).toBeUndefined();
      expect(m.tasks.map((t) => t.name).join('\n')).not.toContain('proxy.env');
    }
    for (const unit of ['containerd.service', 'kubelet.service']) expect(node(without).unit(unit)).not.toContain('EnvironmentFile');
    for (const pod of ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler']) expect(plane(without).pod(pod).env).toBeUndefined();
  });
});
