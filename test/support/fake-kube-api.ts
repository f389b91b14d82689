/**
 * A Kubernetes API server for tests of draining: no real one runs here, so this one follows the
 * public REST shapes of what a roll uses (GET /version, the Nodes and their Ready condition,
 * PATCH a node, pods by field selector, the eviction subresource with 429 from a disruption
 * budget) over TLS with client certificates that openssl makes, and writes kubeconfigs that
 * reach it as a user's would.
 */

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface FakePod {
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

export interface FakeKubeApi {
  readonly url: string;
  readonly dir: string;
  /** Requests as `METHOD path` (a PATCH also with its content type and body), in order. */
  readonly log: string[];
  /** The registered Nodes; one is Ready unless `ready: false`. */
  readonly nodes: Map<string, { unschedulable: boolean; ready?: boolean }>;
  pods: FakePod[];
  /** TCP connections accepted so far (a client that keeps its connections alive opens few). */
  readonly connections: number;
  /** Connections to cut before the TLS handshake, as a loaded API or its load balancer may. */
  drops: number;
  /** Statuses to answer the next requests with (e.g. 503), one each; 0 serves that request. */
  faults: number[];
  /** A pod on `node`, with a fresh uid. */
  pod(node: string, name: string, extra?: Partial<FakePod>): FakePod;
  /** Writes a kubeconfig with context `context`; the user is an admin client certificate unless given. */
  kubeconfig(name: string, context: string, user?: Record<string, unknown>, cluster?: Record<string, unknown>): string;
  /** The files of the client certificate, for kubeconfigs that name files. */
  file(name: string): Buffer;
  stop(): Promise<void>;
}

type Answer = { status: number; body: unknown };

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-fake-kube-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=test-kubernetes-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  openssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=kube-apiserver');
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '1', '-extfile', 'server.ext');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  openssl('req', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/O=system:masters/CN=admin');
  openssl('x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'client.crt', '-days', '1', '-extfile', 'client.ext');
  const file = (name: string) => readFileSync(join(dir, name));

  let uid = 0;
  const api = {
    dir,
    log: [] as string[],
    nodes: new Map<string, { unschedulable: boolean; ready?: boolean }>(),
    pods: [] as FakePod[],
    drops: 0,
    connections: 0,
    faults: [] as number[],
  };

  const handle = (method: string, url: URL, body: unknown): Answer => {
    const path = url.pathname;
    if (method === 'GET' && path === '/version') return { status: 200, body: { gitVersion: 'v1.34.0' } };
    if (method === 'GET' && path === '/api/v1/nodes') {
      const items = [...api.nodes].map(([name, n]) => ({
        metadata: { name },
        spec: { unschedulable: n.unschedulable },
        status: { conditions: [{ type: 'Ready', status: n.ready === false ? 'False' : 'True' }] },
      }));
      return { status: 200, body: { kind: 'NodeList', items } };
    }
    const node = /^\/api\/v1\/nodes\/([^/]+)$/.exec(path);
    if (node && method === 'PATCH') {
      const n = api.nodes.get(decodeURIComponent(node[1]!));
      if (!n) return { status: 404, body: { kind: 'Status', message: 'nodes not found' } };
      n.unschedulable = (body as { spec?: { unschedulable?: boolean } }).spec?.unschedulable ?? n.unschedulable;
      return { status: 200, body: {} };
    }
    if (method === 'GET' && path === '/api/v1/pods') {
      const on = /^spec\.nodeName=(.+)$/.exec(url.searchParams.get('fieldSelector') ?? '')?.[1];
      const items = api.pods
        .filter((p) => !p.deleted && p.node === on)
        .map((p) => ({
          metadata: { name: p.name, namespace: p.namespace, uid: p.uid, ...(p.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}), ...(p.owner ? { ownerReferences: [{ kind: p.owner, controller: true }] } : {}) },
          status: { phase: p.phase ?? 'Running' },
        }));
      return { status: 200, body: { kind: 'PodList', items } };
    }
    const eviction = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(path);
    if (eviction && method === 'POST') {
      const pod = api.pods.find((p) => !p.deleted && p.namespace === eviction[1] && p.name === eviction[2]);
      if (!pod) return { status: 404, body: { message: 'pods not found' } };
      if ((pod.refusals ?? 0) > 0) {
        pod.refusals! -= 1;
        return { status: 429, body: { message: "Cannot evict pod as it would violate the pod's disruption budget." } };
      }
      // Terminating takes a moment, as a pod's grace period does.
      setTimeout(() => (pod.deleted = true), 30);
      return { status: 201, body: { kind: 'Status', status: 'Success' } };
    }
    return { status: 404, body: { message: `no route ${method} ${path}` } };
  };

  const server = createServer({ key: file('server.key'), cert: file('server.crt'), ca: file('ca.crt'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      api.log.push(`${req.method} ${url.pathname}${req.method === 'PATCH' ? ` ${req.headers['content-type']} ${text}` : ''}`);
      const fault = api.faults.shift();
      const answer = fault !== undefined && fault !== 0 ? { status: fault, body: { kind: 'Status', message: `fault ${fault}` } } : handle(req.method ?? 'GET', url, text ? JSON.parse(text) : undefined);
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  server.prependListener('connection', (socket: Socket) => {
    api.connections += 1;
    if (api.drops <= 0) return;
    api.drops -= 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return Object.assign(api, {
    url,
    file,
    pod(node: string, name: string, extra: Partial<FakePod> = {}): FakePod {
      const p = { name, namespace: 'default', uid: `uid-${++uid}`, node, ...extra };
      api.pods.push(p);
      return p;
    },
    kubeconfig(name: string, context: string, user?: Record<string, unknown>, cluster?: Record<string, unknown>): string {
      const path = join(dir, `${name}.kubeconfig`);
      const u = user ?? { 'client-certificate-data': file('client.crt').toString('base64'), 'client-key-data': file('client.key').toString('base64') };
      const c = cluster ?? { 'certificate-authority-data': file('ca.crt').toString('base64'), server: url };
      writeFileSync(path, stringify({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'c', cluster: c }], users: [{ name: 'u', user: u }], contexts: [{ name: context, context: { cluster: 'c', user: 'u' } }], 'current-context': context }));
      return path;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
