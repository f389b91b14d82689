/**
 * The real kubectl against the local API server (a real etcd behind it): what a user does
 * first on a cluster, with the admin's client certificate, a node's, and none.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { anonymousGet, kubectl, makePki, removeDir, startEtcd, startServer, writeKubeconfig } from './support.js';
import type { Etcd, Pki } from './support.js';

let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let pki: Pki;
let admin: string;
let node: string;
let nobody: string;

const run = (args: readonly string[], kubeconfig = admin, stdin?: string) => kubectl(kubeconfig, dir, args, stdin);

function readyNode(name: string, labels: Record<string, string> = {}) {
  return {
    metadata: { name, labels },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }],
      nodeInfo: { kubeletVersion: 'v1.35.0', architecture: 'amd64', operatingSystem: 'linux', bootID: '', containerRuntimeVersion: '', kernelVersion: '', kubeProxyVersion: '', machineID: '', osImage: '', systemUUID: '' },
      addresses: [{ type: 'InternalIP', address: '127.0.0.9' }],
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-apiserver-kubectl-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  pki = await makePki();
  server = await startServer(etcd, pki);
  admin = await writeKubeconfig(dir, 'admin.conf', server.url, pki, pki.admin);
  node = await writeKubeconfig(dir, 'node-a.conf', server.url, pki, await pki.node('node-a'));
  nobody = await writeKubeconfig(dir, 'nobody.conf', server.url, pki, { username: 'nobody', password: 'secret' });
  // Nodes are created through the API, as kubelets register them.
  const kc = new KubeConfig();
  kc.loadFromFile(admin);
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNode({ body: readyNode('node-a', { 'node-role.kubernetes.io/control-plane': '' }) });
  await core.createNode({ body: readyNode('node-b', { 'node-role.kubernetes.io/node': '' }) });
});

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

describe('kubectl against the local API server', () => {
  it('get nodes lists the registered nodes Ready, with their roles and version', async () => {
    const r = await run(['get', 'nodes']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(lines[1]).toMatch(/^node-a\s+Ready\s+control-plane\s+\d+s\s+v1\.35\.0$/);
    expect(lines[2]).toMatch(/^node-b\s+Ready\s+node\s+\d+s\s+v1\.35\.0$/);
  });

  it('create configmap, get -o yaml, label and delete round-trip', async () => {
    expect((await run(['create', 'configmap', 'settings', '--from-literal=color=blue'])).stdout).toBe('configmap/settings created\n');
    const yaml = await run(['get', 'configmap', 'settings', '-o', 'yaml']);
    expect(yaml.stdout).toMatch(/data:\n {2}color: blue\n/);
    expect(yaml.stdout).toMatch(/resourceVersion: "\d+"/);
    expect(yaml.stdout).toMatch(/uid: [0-9a-f-]{36}/);
    expect((await run(['label', 'configmap', 'settings', 'tier=web'])).stdout).toBe('configmap/settings labeled\n');
    expect((await run(['get', 'configmap', '-l', 'tier=web', '-o', 'name'])).stdout).toBe('configmap/settings\n');
    expect((await run(['get', 'configmap', '-l', 'tier!=web', '-o', 'name'])).stdout).toBe('');
    expect((await run(['delete', 'configmap', 'settings'])).stdout).toBe('configmap "settings" deleted\n');
    const gone = await run(['get', 'configmap', 'settings']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('configmaps "settings" not found');
  });

  it('create secret, namespace and rolebinding: the typed commands, which send protobuf', async () => {
    expect((await run(['create', 'namespace', 'team'])).stdout).toBe('namespace/team created\n');
    expect((await run(['create', 'secret', 'generic', 'token', '-n', 'team', '--from-literal=key=s3cret'])).stdout).toBe('secret/token created\n');
    expect((await run(['get', 'secret', 'token', '-n', 'team', '-o', 'jsonpath={.data.key}'])).stdout).toBe(Buffer.from('s3cret').toString('base64'));
    expect((await run(['create', 'serviceaccount', 'bot', '-n', 'team'])).stdout).toBe('serviceaccount/bot created\n');
    expect((await run(['create', 'clusterrole', 'node-reader', '--verb=get,list', '--resource=nodes'])).stdout).toBe('clusterrole.rbac.authorization.k8s.io/node-reader created\n');
    expect((await run(['create', 'clusterrolebinding', 'sam-reads-nodes', '--clusterrole=node-reader', '--user=sam'])).stdout).toBe('clusterrolebinding.rbac.authorization.k8s.io/sam-reads-nodes created\n');
    expect((await run(['auth', 'can-i', 'list', 'nodes', '--as', 'sam'])).stdout).toBe('yes\n');
    expect((await run(['auth', 'can-i', 'delete', 'nodes', '--as', 'sam'])).stdout).toBe('no\n');
  });

  it('apply -f, client-side then server-side, keeps and changes fields as the managers say', async () => {
    const file = join(dir, 'app.yaml');
    const manifest = (value: string, extra = '') => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  labels: {app: web}\ndata:\n  mode: "${value}"\n${extra}`;
    await writeFile(file, manifest('one'));
    expect((await run(['apply', '-f', file])).stdout).toBe('configmap/app created\n');
    await writeFile(file, manifest('two'));
    expect((await run(['apply', '-f', file])).stdout).toBe('configmap/app configured\n');
    expect((await run(['get', 'configmap', 'app', '-o', 'jsonpath={.data.mode}'])).stdout).toBe('two');

    // Server-side apply by another manager that changes a field kubectl's client-side apply owns: a conflict.
    await writeFile(file, manifest('three'));
    const clash = await run(['apply', '--server-side', '--field-manager=ops', '-f', file]);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toMatch(/conflict with "kubectl-client-side-apply"/);
    expect(clash.stderr).toContain('.data.mode');
    expect((await run(['apply', '--server-side', '--field-manager=ops', '--force-conflicts', '-f', file])).stdout).toBe('configmap/app serverside-applied\n');
    // A field ops applied and no longer applies is removed.
    await writeFile(file, manifest('three', '  extra: "x"\n'));
    await run(['apply', '--server-side', '--field-manager=ops', '-f', file]);
    expect((await run(['get', 'configmap', 'app', '-o', 'jsonpath={.data}'])).stdout).toBe('{"extra":"x","mode":"three"}');
    await writeFile(file, manifest('three'));
    await run(['apply', '--server-side', '--field-manager=ops', '-f', file]);
    const json = JSON.parse((await run(['get', 'configmap', 'app', '-o', 'json', '--show-managed-fields'])).stdout) as { data: Record<string, string>; metadata: { managedFields: { manager: string; operation: string; fieldsV1: unknown }[] } };
    expect(json.data).toEqual({ mode: 'three' });
    const ops = json.metadata.managedFields.find((m) => m.manager === 'ops');
    expect(ops?.operation).toBe('Apply');
    expect(ops?.fieldsV1).toMatchObject({ 'f:data': { 'f:mode': {} } });
  });

  it('auth can-i answers as RBAC says', async () => {
    expect((await run(['auth', 'can-i', 'delete', 'nodes'])).stdout).toBe('yes\n');
    const before = await run(['auth', 'can-i', 'get', 'configmaps', '--as', 'jane']);
    expect(before.stdout).toBe('no\n');
    const rbac = [
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: default}\nrules:\n- {apiGroups: [""], resources: [configmaps], verbs: [get, list]}',
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: jane-reads, namespace: default}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects:\n- {apiGroup: rbac.authorization.k8s.io, kind: User, name: jane}',
    ].join('\n---\n');
    expect((await run(['apply', '-f', '-'], admin, rbac)).code).toBe(0);
    expect((await run(['auth', 'can-i', 'get', 'configmaps', '--as', 'jane'])).stdout).toBe('yes\n');
    expect((await run(['auth', 'can-i', 'delete', 'configmaps', '--as', 'jane'])).stdout).toBe('no\n');
    expect((await run(['auth', 'can-i', 'get', 'configmaps', '--as', 'jane', '-n', 'kube-system'])).stdout).toBe('no\n');
    // Impersonated, jane's own request gets the same answer.
    const denied = await run(['delete', 'configmap', 'app', '--as', 'jane']);
    expect(denied.stderr).toContain('User "jane" cannot delete resource "configmaps"');
  });

  it('drain cordons, waits on a PodDisruptionBudget, and evicts once the budget allows', async () => {
    const objects = [
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {nodeName: node-b, containers: [{name: c, image: x}]}',
      'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: web-budget}\nspec: {maxUnavailable: 0, selector: {matchLabels: {app: web}}}',
    ].join('\n---\n');
    expect((await run(['apply', '-f', '-'], admin, objects)).code).toBe(0);
    // A stored pod is Pending (evicted regardless of budgets) until its status says it runs.
    await run(['patch', 'pod', 'web', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}']);
    const blocked = await run(['drain', 'node-b', '--force', '--timeout=3s']);
    expect(blocked.code).not.toBe(0);
    expect(blocked.stderr).toContain("Cannot evict pod as it would violate the pod's disruption budget.");
    expect((await run(['get', 'node', 'node-b', '--no-headers'])).stdout).toMatch(/^node-b\s+Ready,SchedulingDisabled\s/);
    await run(['patch', 'pdb', 'web-budget', '--type=merge', '-p', '{"spec":{"maxUnavailable":1}}']);
    const drained = await run(['drain', 'node-b', '--force', '--timeout=10s']);
    expect(drained.stdout).toContain('pod/web evicted');
    expect((await run(['get', 'pods', '-o', 'name'])).stdout).toBe('');
    await run(['uncordon', 'node-b']);
  });

  it('a request without a client certificate gets 401 and a Status', async () => {
    // A user entry with no credentials makes kubectl ask for a password, so this one offers basic auth, which the server does not take.
    const r = await run(['get', 'nodes'], nobody);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/error: You must be logged in to the server/);
    const raw = await anonymousGet(server?.url ?? '', '/api/v1/nodes', pki.ca.certificate);
    expect(raw.status).toBe(401);
    expect(raw.body).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });

  it("a node may change its own Node but gets 403 for another node's", async () => {
    expect((await run(['label', 'node', 'node-a', 'zone=a'], node)).stdout).toBe('node/node-a labeled\n');
    const other = await run(['label', 'node', 'node-b', 'zone=a'], node);
    expect(other.code).not.toBe(0);
    expect(other.stderr).toContain('Error from server (Forbidden): nodes "node-b" is forbidden: User "system:node:node-a" cannot patch resource "nodes"');
    const secrets = await run(['get', 'secrets', '-n', 'kube-system'], node);
    expect(secrets.stderr).toContain('(Forbidden)');
  });
});
