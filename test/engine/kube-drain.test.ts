/**
 * Draining through the Kubernetes API. No Kubernetes API server runs here, so the server is a
 * small one that follows the public REST shapes (nodes, pods by field selector, the eviction
 * subresource, 429 from a disruption budget) over TLS with client certificates made by openssl,
 * reached through a kubeconfig as a user's would be.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApiFromKubeconfig } from '../../cloudup/rolling/kube-api.js';
import { drainNode, withKubernetesDrain } from '../../cloudup/rolling/kube-drain.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import { rollingUpdate } from '../../cloudup/rolling/roll.js';
import type { RollingCloud, RollingInstance } from '../../cloudup/rolling/types.js';
import type { HoistEvent } from '../../src/output/events.js';
import { silent } from '../../src/output/events.js';
import { openStore } from '../../state-store/open.js';

interface FakePod {
  name: string;
  namespace: string;
  uid: string;
  node: string;
  owner?: string;
  mirror?: boolean;
  phase?: string;
  /** Evictions the disruption budget refuses before it allows one. */
  refusals?: number;
  deleted?: boolean;
}

const log: string[] = [];
const nodes = new Map<string, { unschedulable: boolean }>();
let pods: FakePod[] = [];
let uid = 0;
let dir: string;
let server: Server;
let serverUrl: string;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}

function certificates(): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-kubernetes-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/O=system:masters/CN=admin');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1', '-extfile', 'client.ext');
}

const file = (name: string) => readFileSync(join(dir, name));

function kubeconfig(name: string, user: Record<string, unknown>, cluster: Record<string, unknown> = { 'certificate-authority-data': file('ca.crt').toString('base64'), server: serverUrl }): string {
  const path = join(dir, `${name}.kubeconfig`);
  writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster }], users: [{ name: 'u', user }], contexts: [{ name: 'demo.example.com', context: { cluster: 'c', user: 'u' } }], 'current-context': 'demo.example.com' }));
  return path;
}
const inline = () => ({ 'client-certificate-data': file('client.crt').toString('base64'), 'client-key-data': file('client.key').toString('base64') });

function handle(method: string, url: URL, body: unknown): { status: number; body: unknown } {
  const path = url.pathname;
  if (method === 'GET' && path === '/version') return { status: 200, body: { gitVersion: 'v1.34.0' } };
  const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
  if (node && method === 'PATCH') {
    const n = nodes.get(decodeURIComponent(node[1]!));
    if (!n) return { status: 404, body: { kind: 'Status', message: 'nodes not found' } };
    n.unschedulable = (body as { spec?: { unschedulable?: boolean } }).spec?.unschedulable ?? n.unschedulable;
    return { status: 200, body: {} };
  }
  if (method === 'GET' && path === '/api/v1/pods') {
    const on = /^spec\.nodeName=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
    const items = pods
      .filter((p) => !p.deleted && p.node === on)
      .map((p) => ({
        metadata: { name: p.name, namespace: p.namespace, uid: p.uid, ...(p.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}), ...(p.owner ? { ownerReferences: [{ kind: p.owner, controller: true }] } : {}) },
        status: { phase: p.phase ?? 'Running' },
      }));
    return { status: 200, body: { kind: 'PodList', items } };
  }
  const eviction = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(path);
  if (eviction && method === 'POST') {
    const pod = pods.find((p) => !p.deleted && p.namespace === eviction[1] && p.name === eviction[2]);
    if (!pod) return { status: 404, body: { message: 'pods not found' } };
    if ((pod.refusals ?? 0) > 0) {
      pod.refusals! -= 1;
      return { status: 429, body: { message: 'Cannot evict pod as it would violate the pod\'s disruption budget.' } };
    }
    // Terminating takes a moment, as a pod's grace period does.
    setTimeout(() => (pod.deleted = true), 30);
    return { status: 201, body: { kind: 'Status', status: 'Success' } };
  }
  return { status: 404, body: { message: `no route ${method} ${path}` } };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoist-kube-drain-'));
  certificates();
  server = createServer({ key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      log.push(`${req.method} ${url.pathname}${req.method === 'PATCH' ? ` ${req.headers['content-type']} ${text}` : ''}`);
      const answer = handle(req.method ?? 'GET', url, text ? JSON.parse(text) : undefined);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function pod(node: string, name: string, extra: Partial<FakePod> = {}): FakePod {
  return { name, namespace: 'default', uid: `uid-${++uid}`, node, ...extra };
}

const fast = { pollMs: 10 };

describe('draining through the Kubernetes API', () => {
  it('cordons the node and evicts its pods, leaving DaemonSet, mirror and finished pods', async () => {
    nodes.set('i-aaa', { unschedulable: false });
    pods = [pod('i-aaa', 'web-1', { owner: 'ReplicaSet' }), pod('i-aaa', 'bare'), pod('i-aaa', 'proxy', { owner: 'DaemonSet', namespace: 'kube-system' }), pod('i-aaa', 'kube-apiserver', { mirror: true }), pod('i-aaa', 'job-1', { phase: 'Succeeded' }), pod('i-bbb', 'elsewhere')];
    log.length = 0;
    const events: HoistEvent[] = [];
    const api = await kubeApiFromKubeconfig(kubeconfig('inline', inline()), 'demo.example.com');
    await drainNode(api, 'i-aaa', { timeoutMs: 5_000, events: (e) => events.push(e), ...fast });
    expect(nodes.get('i-aaa')).toEqual({ unschedulable: true });
    expect(log[0]).toBe('PATCH /api/v1/nodes/i-aaa application/strategic-merge-patch+json {"spec":{"unschedulable":true}}');
    expect(log.filter((l) => l.endsWith('/eviction')).sort()).toEqual(['POST /api/v1/namespaces/default/pods/bare/eviction', 'POST /api/v1/namespaces/default/pods/web-1/eviction']);
    expect(pods.filter((p) => p.deleted).map((p) => p.name).sort()).toEqual(['bare', 'web-1']);
    expect(events.map((e) => e.code)).toEqual(['drain.cordoned', 'drain.evicted', 'drain.evicted']);
  });

  it('retries an eviction a disruption budget refuses, and names it when the drain times out', async () => {
    nodes.set('i-ccc', { unschedulable: false });
    nodes.set('i-ddd', { unschedulable: false });
    pods = [pod('i-ccc', 'db-0', { owner: 'StatefulSet', refusals: 2 }), pod('i-ddd', 'db-1', { owner: 'StatefulSet', refusals: 1_000 })];
    const api = await kubeApiFromKubeconfig(kubeconfig('inline', inline()), 'demo.example.com');
    await drainNode(api, 'i-ccc', { timeoutMs: 5_000, events: silent, ...fast });
    expect(pods[0]!.deleted).toBe(true);
    await expect(drainNode(api, 'i-ddd', { timeoutMs: 200, events: silent, ...fast })).rejects.toThrow(/node i-ddd did not drain within 0 s: 1 pod\(s\) left \(default\/db-1\); a disruption budget refuses to evict default\/db-1/);
  });

  it('takes a node the API does not know as drained', async () => {
    const events: HoistEvent[] = [];
    const api = await kubeApiFromKubeconfig(kubeconfig('inline', inline()), 'demo.example.com');
    await drainNode(api, 'i-gone', { timeoutMs: 1_000, events: (e) => events.push(e), ...fast });
    expect(events.map((e) => e.code)).toEqual(['drain.no-node']);
  });

  it('reads credentials from files beside the kubeconfig, and fails without a client certificate', async () => {
    const api = await kubeApiFromKubeconfig(kubeconfig('files', { 'client-certificate': 'client.crt', 'client-key': join(dir, 'client.key') }, { 'certificate-authority': 'ca.crt', server: serverUrl }), 'demo.example.com');
    expect((await api.request('GET', '/version')).status).toBe(200);
    const anonymous = await kubeApiFromKubeconfig(kubeconfig('anonymous', {}), 'demo.example.com');
    await expect(anonymous.request('GET', '/version')).rejects.toThrow(/did not answer GET \/version/);
  });

  it('refuses a kubeconfig without the cluster context, or with a credential plugin, saying how to get one', async () => {
    await expect(kubeApiFromKubeconfig(kubeconfig('inline', inline()), 'other.example.com')).rejects.toThrow(/has no context other\.example\.com/);
    await expect(kubeApiFromKubeconfig(kubeconfig('inline', inline()), 'other.example.com')).rejects.toMatchObject({ hint: expect.stringContaining('hoist export kubeconfig other.example.com --admin') });
    await expect(kubeApiFromKubeconfig(kubeconfig('exec', { exec: { command: 'aws' } }), 'demo.example.com')).rejects.toThrow(/authenticates with a plugin/);
    await expect(kubeApiFromKubeconfig(join(dir, 'missing.kubeconfig'), 'demo.example.com')).rejects.toThrow(/cannot read the kubeconfig/);
  });

  it('lets a rolling update drain each old machine before it terminates it, on a cloud without a node channel', async () => {
    const order: string[] = [];
    const machines: { id: string; version: number; detached: boolean; state: RollingInstance['state'] }[] = [];
    let next = 0;
    const launch = (version: number) => {
      const id = `i-roll${++next}`;
      machines.push({ id, version, detached: false, state: 'running' });
      nodes.set(id, { unschedulable: false });
      pods.push(pod(id, `app-${id}`, { owner: 'ReplicaSet' }));
    };
    pods = [];
    for (let i = 0; i < 2; i++) launch(1);
    const cloud: RollingCloud = {
      supportsSurge: true,
      drains: false,
      knowsReadiness: true,
      pollMs: 5,
      groups: async () => [{ name: 'nodes', role: 'Node', minSize: 2, maxSize: 2, desired: 2, instances: machines.map((m) => ({ id: m.id, group: 'nodes', state: m.state, ready: true, cloudReady: true, needsUpdate: m.version !== 2, detached: m.detached, drained: false })) }],
      async detach(_g, id) {
        machines.find((m) => m.id === id)!.detached = true;
        launch(2);
      },
      async terminate(_g, id) {
        order.push(`terminate ${id} (pods left: ${pods.filter((p) => p.node === id && !p.deleted).length}, cordoned: ${nodes.get(id)?.unschedulable})`);
        machines.find((m) => m.id === id)!.state = 'terminated';
      },
      drain: async () => undefined,
      drained: async () => true,
      apiProblem: async () => undefined,
    };
    const api = await kubeApiFromKubeconfig(kubeconfig('inline', inline()), 'demo.example.com');
    const store = await openStore(`memfs://kube-drain-${Date.now()}`);
    await rollingUpdate(withKubernetesDrain(cloud, api, { timeoutMs: 5_000, events: silent, ...fast }), {
      settings: () => ({ maxSurge: 1, maxUnavailable: 0 }),
      validationTimeoutMs: 5_000,
      validateCount: 1,
      nodeIntervalMs: 0,
      controlPlaneIntervalMs: 0,
      drainTimeoutMs: 5_000,
      failOnValidateError: true,
      recorder: await RollRecorder.open(store, 'demo.example.com'),
      events: silent,
    });
    expect(order).toEqual(['terminate i-roll1 (pods left: 0, cordoned: true)', 'terminate i-roll2 (pods left: 0, cordoned: true)']);
    expect(nodes.get('i-roll3')?.unschedulable).toBe(false);
  });
});
