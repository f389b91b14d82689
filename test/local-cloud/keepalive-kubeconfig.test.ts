/**
 * The stand-ins' Kubernetes client keeps its TLS connection: a polling controller-manager or
 * kubelet must not pay a handshake (on both ends) for every call of every pass.
 */
import { CoreV1Api, VersionApi } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeepAliveKubeConfig } from '../../cloudup/local/keepalive-kubeconfig.js';
import { startFakeKubeApi } from '../support/fake-kube-api.js';
import type { FakeKubeApi } from '../support/fake-kube-api.js';

let kube: FakeKubeApi;
beforeAll(async () => {
  kube = await startFakeKubeApi();
});
afterAll(async () => {
  await kube?.stop();
});

function config(kc: KeepAliveKubeConfig, user: string): KeepAliveKubeConfig {
  kc.loadFromFile(kube.kubeconfig(user, 'demo'));
  return kc;
}

describe('KeepAliveKubeConfig', () => {
  it('sends a poll loop’s calls over one connection, and a changed credential gets a new one', async () => {
    const kc = config(new KeepAliveKubeConfig(), 'keepalive');
    const core = kc.makeApiClient(CoreV1Api);
    const version = kc.makeApiClient(VersionApi);
    const before = kube.connections;
    for (let i = 0; i < 5; i++) {
      await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=i-none' });
      await version.getCode();
    }
    expect(kube.connections - before).toBe(1);

    // A new certificate (the kubelet's after its TLS bootstrap) is not sent on the old connection.
    kc.loadFromFile(kube.kubeconfig('anonymous', 'demo', {}));
    await expect(kc.makeApiClient(VersionApi).getCode()).rejects.toThrow();
    expect(kube.connections - before).toBe(2);
    kc.destroyAgent();
  });

  it('is what a plain KubeConfig is not: one connection per call', async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromFile(kube.kubeconfig('plain', 'demo'));
    const version = kc.makeApiClient(VersionApi);
    const before = kube.connections;
    for (let i = 0; i < 3; i++) await version.getCode();
    expect(kube.connections - before).toBe(3);
  });
});
