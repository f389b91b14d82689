/**
 * Workloads on a local cluster (one control plane, one worker): the controller-manager
 * stand-in's DaemonSet and Deployment controllers and scheduler step make and bind pods, the
 * kubelet stand-ins report them Running and Ready (no containers run), and the controllers keep
 * the status kubectl and validation read. A DaemonSet gets a pod on every node and validates; a
 * Deployment spreads over the nodes, and a node drained as a rolling update drains it keeps its
 * DaemonSet pod while its Deployment pod is evicted and made again elsewhere; a Deployment no
 * node can take fails validation, named with what is missing.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeApiFromKubeconfig } from '../../cloudup/rolling/kube-api.js';
import { drainNode } from '../../cloudup/rolling/kube-drain.js';
import type { LocalWorld } from '../cli/local-support.js';
import { smallCluster } from './small-cluster.js';
import type { SmallCluster } from './small-cluster.js';

const NAME = 'workloads.k8s.local';
let cluster: SmallCluster | undefined;
let world: LocalWorld | undefined;
let controlPlane: string;
let worker: string;

const c = (): SmallCluster => {
  if (cluster === undefined) throw new Error('the cluster did not come up');
  return cluster;
};

/** kubectl, failing the test with its stderr when it fails. */
async function k(args: readonly string[], stdin?: string): Promise<string> {
  const r = await c().kubectl(args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

interface Pod {
  metadata: { name: string; ownerReferences?: { kind: string }[] };
  spec: { nodeName?: string };
  status?: { phase?: string; conditions?: { type: string; status: string; message?: string }[] };
}
const pods = async (selector: string, namespace = 'kube-system'): Promise<Pod[]> => (JSON.parse(await k(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json'])) as { items: Pod[] }).items;

/** Polls `look` every 500 ms until it returns a value, for at most `timeoutMs`; throws with the last state. */
async function until<T>(what: string, look: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await look();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const daemonSet = (name: string) => `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ${name}, namespace: kube-system}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
      containers: [{name: agent, image: registry.k8s.io/pause:3.10}]
`;

const deployment = (name: string, replicas: number, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: kube-system}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      # Not every taint: a pod that tolerates node.kubernetes.io/unschedulable goes to cordoned nodes too.
      tolerations: [{key: node-role.kubernetes.io/control-plane, operator: Exists, effect: NoSchedule}]
${extra}      containers: [{name: web, image: registry.k8s.io/pause:3.10}]
`;

beforeAll(async () => {
  cluster = await smallCluster(NAME, (w) => (world = w));
  const nodes = (JSON.parse(await k(['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string; labels: Record<string, string> } }[] }).items;
  expect(nodes).toHaveLength(2);
  const isControlPlane = (n: (typeof nodes)[number]) => 'node-role.kubernetes.io/control-plane' in n.metadata.labels;
  controlPlane = nodes.find(isControlPlane)?.metadata.name ?? '';
  worker = nodes.find((n) => !isControlPlane(n))?.metadata.name ?? '';
  expect([controlPlane, worker].every((n) => n !== '')).toBe(true);
}, 240_000);

afterAll(async () => {
  const left = cluster !== undefined ? await cluster.destroy() : await world?.destroy();
  expect(left ?? []).toEqual([]);
});

describe('workloads on the local cloud', () => {
  it('gives a DaemonSet one Running, Ready pod on every node and keeps its status, and validation passes', async () => {
    await k(['apply', '-f', '-'], daemonSet('node-agent'));
    // kubectl's own check of the status the controller keeps: desired, updated and available.
    await k(['rollout', 'status', 'daemonset/node-agent', '-n', 'kube-system', '--timeout=25s']);
    const mine = await pods('app=node-agent');
    expect(mine.map((p) => p.spec.nodeName).sort()).toEqual([controlPlane, worker].sort());
    expect(mine.every((p) => p.status?.phase === 'Running' && p.status.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'))).toBe(true);
    expect(mine.every((p) => p.metadata.ownerReferences?.[0]?.kind === 'DaemonSet')).toBe(true);
    const row = (await k(['get', 'ds', 'node-agent', '-n', 'kube-system', '--no-headers'])).trim().split(/\s+/);
    expect(row.slice(0, 6)).toEqual(['node-agent', '2', '2', '2', '2', '2']);
    const valid = await c().hoist('validate', 'cluster', NAME, '--kubeconfig', c().kubeconfig, '-o', 'json');
    expect(valid.code, valid.stdout + valid.stderr).toBe(0);
  }, 60_000);

  it('spreads a Deployment over the nodes; a drained node keeps its DaemonSet pod, its Deployment pod moves elsewhere', async () => {
    await k(['apply', '-f', '-'], deployment('web', 2));
    await k(['rollout', 'status', 'deployment/web', '-n', 'kube-system', '--timeout=25s']);
    const before = await pods('app=web');
    expect(before.map((p) => p.spec.nodeName).sort(), 'spread over both nodes').toEqual([controlPlane, worker].sort());
    const row = (await k(['get', 'deploy', 'web', '-n', 'kube-system', '--no-headers'])).trim().split(/\s+/);
    expect(row.slice(0, 4)).toEqual(['web', '2/2', '2', '2']);

    // The drain a rolling update runs: cordon, evict all but DaemonSet and mirror pods.
    const evicted: string[] = [];
    await drainNode(await kubeApiFromKubeconfig(c().kubeconfig, NAME), worker, { timeoutMs: 25_000, pollMs: 500, events: (e) => void (e.code === 'drain.evicted' && evicted.push(String(e.data?.['pod']))) });
    expect(evicted.filter((p) => p.startsWith('kube-system/web-'))).toHaveLength(1);
    expect(evicted.filter((p) => p.startsWith('kube-system/node-agent-'))).toEqual([]);
    const moved = await until('the evicted Deployment pod to be made again on the control plane', async () => {
      const now = await pods('app=web');
      const ready = now.filter((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True'));
      return ready.length === 2 && now.length === 2 ? now : undefined;
    });
    expect(moved.map((p) => p.spec.nodeName), `moved off ${worker}`).toEqual([controlPlane, controlPlane]);
    const agents = await pods('app=node-agent');
    expect(agents.map((p) => p.spec.nodeName).sort()).toEqual([controlPlane, worker].sort());
    await k(['uncordon', worker]);
    await k(['delete', 'deployment', 'web', '-n', 'kube-system']);
  }, 90_000);

  it('fails validation on a Deployment no node can take, naming it and what is missing', async () => {
    await k(['apply', '-f', '-'], deployment('nowhere', 1, '      nodeSelector: {hoist.dev/no-such-label: "true"}\n'));
    const failed = await until('validation to name the deployment', async () => {
      const r = await c().hoist('validate', 'cluster', NAME, '--kubeconfig', c().kubeconfig, '-o', 'json');
      const failures = (JSON.parse(r.stdout) as { failures: { kind: string; name: string; message: string }[] }).failures;
      // Only it: the addons' pods the drain above moved are back and ready.
      return r.code !== 0 && failures.length === 1 ? { r, failures } : undefined;
    });
    expect(failed.failures).toEqual([{ kind: 'deployment', name: 'kube-system/nowhere', message: expect.stringMatching(/^0 of 1 replicas ready/) }]);
    const table = await c().hoist('validate', 'cluster', NAME, '--kubeconfig', c().kubeconfig);
    expect(table.stdout).toMatch(/deployment\s+kube-system\/nowhere\s+0 of 1 replicas ready/);
    const [pending] = await pods('app=nowhere');
    expect(pending?.spec.nodeName).toBeUndefined();
    expect(pending?.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message).toMatch(/^0\/2 nodes are available: 2 node\(s\) had no label hoist\.dev\/no-such-label=true/);
    await k(['delete', 'deployment', 'nowhere', '-n', 'kube-system']);
  }, 60_000);
});
