/**
 * The same API through @kubernetes/client-node, and what lies under it: etcd keys in
 * kube-apiserver's layout, resourceVersions that are etcd revisions, 409 on a stale one,
 * paging, selectors, watches, eviction against a PodDisruptionBudget, bootstrap tokens, and
 * objects that outlive a restart of the server and of etcd.
 */

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException, AuthorizationV1Api, CertificatesV1Api, CoreV1Api, KubeConfig, PatchStrategy, PolicyV1Api, Watch, setHeaderOptions } from '@kubernetes/client-node';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { makePki, removeDir, startEtcd, startServer, writeKubeconfig } from './support.js';
import type { Etcd, Pki } from './support.js';

let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let pki: Pki;
let kc: KubeConfig;

const clientFor = async (file: string, user: Parameters<typeof writeKubeconfig>[4]): Promise<KubeConfig> => {
  const c = new KubeConfig();
  c.loadFromFile(await writeKubeconfig(dir, file, server?.url ?? '', pki, user));
  return c;
};

async function status(p: Promise<unknown>): Promise<{ code: number; body: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return { code: e.code, body: (typeof e.body === 'string' ? JSON.parse(e.body) : e.body) as Record<string, unknown> };
    throw e;
  }
  throw new Error('the request succeeded');
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-apiserver-client-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  pki = await makePki();
  server = await startServer(etcd, pki);
  kc = await clientFor('admin.conf', pki.admin);
});

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

describe('@kubernetes/client-node against the local API server', () => {
  it('stores objects in etcd under /registry/<resource>/<namespace>/<name>, resourceVersion = mod revision', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'stored' }, data: { a: '1' } } });
    const raw = new Etcd3({ hosts: etcd?.endpoint ?? '' });
    try {
      const kv = (await raw.get('/registry/configmaps/default/stored').exec()).kvs[0];
      expect(kv?.mod_revision).toBe(cm.metadata?.resourceVersion);
      expect(JSON.parse(kv?.value.toString() ?? '{}')).toMatchObject({ kind: 'ConfigMap', data: { a: '1' }, metadata: { name: 'stored', uid: cm.metadata?.uid } });
      expect((await raw.get('/registry/namespaces/default').exec()).kvs).toHaveLength(1);
      const list = await core.listNamespacedConfigMap({ namespace: 'default' });
      const header = (await raw.get('/registry/none').exec()).header.revision;
      expect(list.metadata?.resourceVersion).toBe(header);
    } finally {
      raw.close();
    }
    expect(cm.metadata?.creationTimestamp).toBeInstanceOf(Date);
  });

  it('answers 409 Conflict to an update with a stale resourceVersion, and 409 AlreadyExists to a second create', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cas' }, data: { v: '1' } } });
    const second = await core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cas', body: { ...first, data: { v: '2' } } });
    expect(Number(second.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));
    const stale = await status(core.replaceNamespacedConfigMap({ namespace: 'default', name: 'cas', body: { ...first, data: { v: '3' } } }));
    expect(stale.code).toBe(409);
    expect(stale.body).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
    expect((await core.readNamespacedConfigMap({ namespace: 'default', name: 'cas' })).data).toEqual({ v: '2' });
    const again = await status(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cas' } } }));
    expect(again.body).toMatchObject({ reason: 'AlreadyExists', message: 'configmaps "cas" already exists' });
    const nowhere = await status(core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }));
    expect(nowhere.body).toMatchObject({ code: 404, message: 'namespaces "nowhere" not found' });
  });

  it('patches: JSON merge, strategic merge by merge key, and server-side apply', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'web', labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } } });
    await core.patchNamespacedPod({ namespace: 'default', name: 'web', body: { metadata: { labels: { tier: 'front' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    const smp = await core.patchNamespacedPod({ namespace: 'default', name: 'web', body: { spec: { containers: [{ name: 'b', image: 'b:2' }] } } }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
    expect(smp.spec?.containers.map((c) => `${c.name}=${c.image ?? ''}`)).toEqual(['a=a:1', 'b=b:2']);
    expect(smp.metadata?.labels).toEqual({ app: 'web', tier: 'front' });
    expect(smp.metadata?.generation).toBe(2);
    const applied = await core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'ssa', fieldManager: 'hoist', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { k: 'v' } } },
      setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
    );
    expect(applied.metadata?.managedFields?.[0]).toMatchObject({ manager: 'hoist', operation: 'Apply', fieldsV1: { 'f:data': { 'f:k': {} } } });
  });

  it('lists with label and field selectors and pages with limit/continue', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    for (const i of [1, 2, 3, 4, 5]) {
      await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: `p${i}`, labels: { batch: i % 2 === 0 ? 'even' : 'odd' } }, spec: { nodeName: `n${i % 2}`, containers: [{ name: 'c', image: 'x' }] } } });
    }
    const odd = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'batch=odd' });
    expect(odd.items.map((p) => p.metadata?.name)).toEqual(['p1', 'p3', 'p5']);
    const onN0 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=n0' });
    expect(onN0.items.map((p) => p.metadata?.name)).toEqual(['p2', 'p4']);
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'batch in (odd,even)', limit: 2, ...(token === undefined ? {} : { _continue: token }) });
      expect(page.items.length).toBeLessThanOrEqual(2);
      names.push(...page.items.map((p) => p.metadata?.name ?? ''));
      token = page.metadata?._continue;
    } while (token !== undefined && token !== '');
    expect(names).toEqual(['p1', 'p2', 'p3', 'p4', 'p5']);
  });

  it('watches pods: added, modified and deleted, from a resourceVersion', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const from = (await core.listNamespacedPod({ namespace: 'default' })).metadata?.resourceVersion ?? '';
    const seen: string[] = [];
    let done: (() => void) | undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const ctl = await new Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: from, labelSelector: 'watched=yes' }, (type, obj: { metadata?: { name?: string } }) => {
      seen.push(`${type} ${obj.metadata?.name ?? ''}`);
      if (type === 'DELETED') done?.();
    }, () => undefined);
    try {
      await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'w', labels: { watched: 'yes' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
      await core.patchNamespacedPodStatus({ namespace: 'default', name: 'w', body: { status: { phase: 'Running' } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await core.deleteNamespacedPod({ namespace: 'default', name: 'w' });
      await finished;
    } finally {
      ctl.abort();
    }
    expect(seen).toEqual(['ADDED w', 'MODIFIED w', 'DELETED w']);
  });

  it('evicts a pod unless a PodDisruptionBudget forbids it (429 naming the budget)', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const policy = kc.makeApiClient(PolicyV1Api);
    const running = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    for (const name of ['db-0', 'db-1']) {
      await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name, labels: { app: 'db' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } });
      await core.replaceNamespacedPodStatus({ namespace: 'default', name, body: { ...(await core.readNamespacedPod({ namespace: 'default', name })), status: running } });
    }
    await policy.createNamespacedPodDisruptionBudget({ namespace: 'default', body: { metadata: { name: 'db-budget' }, spec: { maxUnavailable: 0, selector: { matchLabels: { app: 'db' } } } } });
    const refused = await status(core.createNamespacedPodEviction({ namespace: 'default', name: 'db-0', body: { metadata: { name: 'db-0', namespace: 'default' } } }));
    expect(refused.code).toBe(429);
    expect(JSON.stringify(refused.body)).toContain('The disruption budget db-budget needs 2 healthy pods and has 2 currently');
    await policy.patchNamespacedPodDisruptionBudget({ namespace: 'default', name: 'db-budget', body: { spec: { maxUnavailable: 1 } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    await core.createNamespacedPodEviction({ namespace: 'default', name: 'db-0', body: { metadata: { name: 'db-0', namespace: 'default' } } });
    expect((await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=db' })).items.map((p) => p.metadata?.name)).toEqual(['db-1']);
  });

  it('authenticates a bootstrap token: it may create and read CSRs and nothing else', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await core.createNamespacedSecret({
      namespace: 'kube-system',
      body: { metadata: { name: 'bootstrap-token-abcdef' }, type: 'bootstrap.kubernetes.io/token', data: { 'token-id': b64('abcdef'), 'token-secret': b64('0123456789abcdef'), 'usage-bootstrap-authentication': b64('true') } },
    });
    const boot = await clientFor('boot.conf', { token: 'abcdef.0123456789abcdef' });
    const review = await boot.makeApiClient(AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create' } } } });
    expect(review.status?.allowed).toBe(true);
    expect((await boot.makeApiClient(CertificatesV1Api).listCertificateSigningRequest()).items).toEqual([]);
    const nodes = await status(boot.makeApiClient(CoreV1Api).listNode());
    expect(nodes.body).toMatchObject({ code: 403, reason: 'Forbidden', message: expect.stringContaining('User "system:bootstrap:abcdef" cannot list resource "nodes"') as unknown });
    const wrong = await clientFor('wrong.conf', { token: 'abcdef.ffffffffffffffff' });
    expect((await status(wrong.makeApiClient(CoreV1Api).listNode())).code).toBe(401);
  });

  it('keeps every object across a restart of the server and of etcd', async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const before = (await core.listConfigMapForAllNamespaces()).items.map((c) => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}=${c.metadata?.resourceVersion ?? ''}`);
    await server?.close();
    await etcd?.stop();
    etcd = await startEtcd(join(dir, 'etcd'));
    server = await startServer(etcd, pki);
    const again = await clientFor('admin-2.conf', pki.admin);
    const after = (await again.makeApiClient(CoreV1Api).listConfigMapForAllNamespaces()).items.map((c) => `${c.metadata?.namespace ?? ''}/${c.metadata?.name ?? ''}=${c.metadata?.resourceVersion ?? ''}`);
    expect(after).toEqual(before);
    expect(before.length).toBeGreaterThanOrEqual(3);
  });
});
