/**
 * spec.clusterDNSDomain and spec.kubeDNS on the local cloud: a cluster made with
 * `clusterDNSDomain: k8s.internal` serves it in CoreDNS's Corefile (the ConfigMap read with the
 * real kubectl) and in the API server's certificate (read from the running API server with
 * openssl); its kubeDNS upstream and stub zone are in the Corefile, and NodeLocal DNSCache's
 * DaemonSet and ConfigMap are in the cluster (the local cloud's pods run no images: kubectl reads
 * the objects); changing the domain back marks every group NeedsUpdate for rolling-update, as the
 * docs say.
 */

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorld } from '../cli/local-support.js';
import { hoistProcess } from '../support/cli.js';
import { smallCluster } from './small-cluster.js';
import type { SmallCluster } from './small-cluster.js';

const NAME = 'domain.k8s.local';
const DOMAIN = 'k8s.internal';
const KUBE_DNS = { upstreamNameservers: ['127.0.0.53'], stubDomains: { 'corp.example': ['10.0.0.53'] }, nodeLocalDNS: { enabled: true } };
let cluster: SmallCluster | undefined;
let world: LocalWorld | undefined;

const c = (): SmallCluster => {
  if (cluster === undefined) throw new Error('the cluster did not come up');
  return cluster;
};

beforeAll(async () => {
  cluster = await smallCluster(NAME, (w) => (world = w), [], { clusterDNSDomain: DOMAIN, kubeDNS: KUBE_DNS });
}, 240_000);

afterAll(async () => {
  const left = cluster !== undefined ? await cluster.destroy() : await world?.destroy();
  expect(left ?? []).toEqual([]);
}, 60_000);

async function until<T>(what: string, look: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await look();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('a local cluster with spec.clusterDNSDomain', () => {
  it('serves the domain in CoreDNS\'s Corefile, read with kubectl', async () => {
    const corefile = await until('the coredns ConfigMap', async () => {
      const r = await c().kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'jsonpath={.data.Corefile}']);
      return r.code === 0 && r.stdout !== '' ? r.stdout : undefined;
    });
    expect(corefile).toContain(`kubernetes ${DOMAIN} in-addr.arpa ip6.arpa {`);
    expect(corefile).not.toContain('cluster.local');
  });

  it('forwards to kubeDNS\'s upstream and stub zone in CoreDNS\'s Corefile, and runs NodeLocal DNSCache, read with kubectl', async () => {
    const corefile = (await c().kubectl(['get', 'configmap', 'coredns', '-n', 'kube-system', '-o', 'jsonpath={.data.Corefile}'])).stdout;
    expect(corefile).toContain('    forward . 127.0.0.53 {');
    expect(corefile).toContain('corp.example:53 {');
    const ds = await until('the node-local-dns DaemonSet', async () => {
      const r = await c().kubectl(['get', 'daemonset', 'node-local-dns', '-n', 'kube-system', '-o', 'jsonpath={.spec.template.spec.containers[0].args[0]} {.status.desiredNumberScheduled}']);
      return r.code === 0 && / [1-9]\d*$/.test(r.stdout) ? r.stdout : undefined;
    });
    expect(ds).toMatch(/^-localip=169\.254\.20\.10 [1-9]\d*$/);
    const local = (await c().kubectl(['get', 'configmap', 'node-local-dns', '-n', 'kube-system', '-o', 'jsonpath={.data.Corefile}'])).stdout;
    expect(local).toMatch(new RegExp(`^${DOMAIN.replace('.', '\\.')}:53 \\{`));
    const upstream = await c().kubectl(['get', 'service', 'kube-dns-upstream', '-n', 'kube-system', '-o', 'name']);
    expect(upstream.stdout.trim()).toBe('service/kube-dns-upstream');
  });

  it('names kubernetes.default.svc.<domain> in the running API server\'s certificate', async () => {
    const server = /server: https:\/\/([^\s/]+)/.exec((await c().kubectl(['config', 'view', '--minify', '-o', 'yaml'])).stdout)?.[1];
    expect(server).toBeDefined();
    const pem = execFileSync('openssl', ['s_client', '-connect', server!, '-showcerts'], { input: '', encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });
    const first = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
    const sans = execFileSync('openssl', ['x509', '-noout', '-ext', 'subjectAltName'], { input: first, encoding: 'utf8' });
    expect(sans).toContain(`DNS:kubernetes.default.svc.${DOMAIN}`);
    expect(sans).not.toContain('cluster.local');
  });

  it('marks every group out of date when the domain changes', async () => {
    const yaml = (await c().hoist('get', 'cluster', NAME, '-o', 'yaml')).stdout;
    expect(yaml).toContain(`clusterDNSDomain: ${DOMAIN}`);
    const replaced = await hoistProcess(['replace', '-f', '-'], { env: c().world.env, stdin: yaml.replace(`clusterDNSDomain: ${DOMAIN}`, 'clusterDNSDomain: cluster.local') });
    expect(replaced.code, replaced.stderr).toBe(0);
    const updated = await c().hoist('update', 'cluster', NAME, '--yes');
    expect(updated.code, updated.stderr).toBe(0);
    const preview = await c().hoist('rolling-update', 'cluster', NAME);
    expect(preview.stdout).toMatch(/control-plane-local-a\s+NeedsUpdate\s/);
    expect(preview.stdout).toMatch(/nodes-local-a\s+NeedsUpdate\s/);
  }, 90_000);
});
