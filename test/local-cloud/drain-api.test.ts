/**
 * A rolling update on the local cloud drains through the Kubernetes API, as on AWS and GCE:
 * on a cluster of one control plane and one worker, a pod bound to the worker with a
 * PodDisruptionBudget of maxUnavailable 0 makes the drain wait and then fail after
 * --drain-timeout, naming the budget; with the budget deleted the roll drains (the pod is
 * evicted through the API and gone) and completes. The worker's Node is cordoned before the
 * eviction, as a watch on it and on the pod shows.
 */

import { KubeConfig, Watch } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorld } from '../cli/local-support.js';
import { smallCluster } from './small-cluster.js';
import type { SmallCluster } from './small-cluster.js';

const NAME = 'drain.k8s.local';
const GROUP = 'nodes-local-a';
let cluster: SmallCluster | undefined;
let world: LocalWorld | undefined;
let worker: string;
const aborts: (() => void)[] = [];
/** When the watches saw the worker cordoned and the pod deleted. */
const seen: { cordoned?: number; evicted?: number } = {};

const c = (): SmallCluster => {
  if (cluster === undefined) throw new Error('the cluster did not come up');
  return cluster;
};

async function k(args: readonly string[], stdin?: string): Promise<string> {
  const r = await c().kubectl(args, stdin);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

const pod = (node: string) => `apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: default, labels: {app: pinned}}
spec:
  nodeName: ${node}
  containers: [{name: app, image: registry.k8s.io/pause:3.10}]
`;

const BUDGET = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pinned-budget, namespace: default}
spec:
  maxUnavailable: 0
  selector: {matchLabels: {app: pinned}}
`;

beforeAll(async () => {
  cluster = await smallCluster(NAME, (w) => (world = w));
  const nodes = (JSON.parse(await k(['get', 'nodes', '-o', 'json'])) as { items: { metadata: { name: string; labels: Record<string, string> } }[] }).items;
  worker = nodes.find((n) => !('node-role.kubernetes.io/control-plane' in n.metadata.labels))?.metadata.name ?? '';
  expect(worker).not.toBe('');
  await k(['apply', '-f', '-'], pod(worker));
  await k(['apply', '-f', '-'], BUDGET);
  // The worker's kubelet stand-in reports the pod Running and Ready, so the budget protects it.
  await k(['wait', '--for=condition=Ready', 'pod/pinned', '--timeout=25s']);

  const kc = new KubeConfig();
  kc.loadFromFile(c().kubeconfig);
  const watch = new Watch(kc);
  const onError = (e: unknown) => {
    if (e !== null && e !== undefined && (e as { name?: string }).name !== 'AbortError') process.stderr.write(`watch ended: ${String(e)}\n`);
  };
  const nodeWatch = await watch.watch('/api/v1/nodes', { fieldSelector: `metadata.name=${worker}` }, (_type: string, node: { spec?: { unschedulable?: boolean } }) => {
    if (node.spec?.unschedulable === true) seen.cordoned ??= Date.now();
  }, onError);
  aborts.push(() => nodeWatch.abort());
  const podWatch = await watch.watch('/api/v1/namespaces/default/pods', { fieldSelector: 'metadata.name=pinned' }, (type: string) => {
    if (type === 'DELETED') seen.evicted ??= Date.now();
  }, onError);
  aborts.push(() => podWatch.abort());
}, 240_000);

afterAll(async () => {
  for (const abort of aborts) abort();
  const left = cluster !== undefined ? await cluster.destroy() : await world?.destroy();
  expect(left ?? []).toEqual([]);
});

describe('rolling update drains through the Kubernetes API on the local cloud', () => {
  it('waits on a budget of maxUnavailable 0 and fails after --drain-timeout, naming it; the worker is cordoned and the pod stays', async () => {
    const rolled = await c().hoist('rolling-update', 'cluster', NAME, '--yes', '--force', '--instance-group', GROUP, '--drain-timeout', '5s', '--kubeconfig', c().kubeconfig);
    const ended = Date.now();
    expect(rolled.code, rolled.stderr).toBe(1);
    expect(rolled.stderr).toMatch(new RegExp(`node ${worker} did not drain within 5 s: 1 pod\\(s\\) left \\(default/pinned\\); a disruption budget refuses to evict default/pinned \\(The disruption budget pinned-budget needs 1 healthy pods`));
    expect(seen.cordoned, 'the worker was cordoned').toBeDefined();
    // It waited out the timeout from the cordon on. The watch tells this process of the cordon a
    // moment after it happened (milliseconds, more on loaded cores), so the span seen here may be
    // that much short of the roll's own: 250 ms of slack, far below the 5 s it shows.
    expect(ended - (seen.cordoned ?? ended)).toBeGreaterThanOrEqual(4_750);
    expect(seen.evicted).toBeUndefined();
    expect(await k(['get', 'pod', 'pinned', '-o', 'jsonpath={.status.phase}'])).toBe('Running');
    expect(await k(['get', 'node', worker, '-o', 'jsonpath={.spec.unschedulable}'])).toBe('true');
  }, 120_000);

  it('drains once the budget is gone: the pod is evicted after the cordon, and the roll completes', async () => {
    await k(['delete', 'pdb', 'pinned-budget']);
    // The interrupted batch is finished: its detached worker is drained and terminated.
    const rolled = await c().hoist('rolling-update', 'cluster', NAME, '--yes', '--instance-group', GROUP, '--drain-timeout', '30s', '--kubeconfig', c().kubeconfig);
    expect(rolled.code, rolled.stderr).toBe(0);
    expect(rolled.stdout).toContain('Rolling update completed: 1 instance(s) replaced');
    const gone = await c().kubectl(['get', 'pod', 'pinned']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('NotFound');
    expect(seen.evicted, 'the pod was deleted').toBeDefined();
    expect(seen.cordoned ?? Infinity).toBeLessThan(seen.evicted ?? 0);
  }, 120_000);
});
