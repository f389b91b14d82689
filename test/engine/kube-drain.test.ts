/**
 * Draining through the Kubernetes API, against the test API server of
 * test/support/fake-kube-api.ts (TLS, client certificates, the REST shapes a drain uses),
 * reached through a kubeconfig as a user's would be.
 */

import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiVersionProblem, kubeApiFromKubeconfig } from '../../cloudup/rolling/kube-api.js';
import { drainNode, joinedInstance, withKubernetesDrain } from '../../cloudup/rolling/kube-drain.js';
import { RollRecorder } from '../../cloudup/rolling/progress.js';
import { rollingUpdate } from '../../cloudup/rolling/roll.js';
import type { RollOptions } from '../../cloudup/rolling/roll.js';
import type { RollingCloud, RollingInstance } from '../../cloudup/rolling/types.js';
import type { HoistEvent } from '../../src/output/events.js';
import { silent } from '../../src/output/events.js';
import { openStore } from '../../state-store/open.js';
import { startFakeKubeApi } from '../support/fake-kube-api.js';
import type { FakeKubeApi } from '../support/fake-kube-api.js';

let kube: FakeKubeApi;
beforeAll(async () => {
  kube = await startFakeKubeApi();
});
afterAll(async () => {
  await kube?.stop();
});

const CONTEXT = 'demo.example.com';
const api = () => kubeApiFromKubeconfig(kube.kubeconfig('admin', CONTEXT), CONTEXT);

const fast = { pollMs: 10 };

/** A roll of `cloud`, one machine surged at a time, draining through the test API server. */
async function surgeRoll(cloud: RollingCloud, extra: Partial<RollOptions> = {}): Promise<void> {
  const store = await openStore(`memfs://kube-roll-${randomUUID()}`);
  await rollingUpdate(withKubernetesDrain(cloud, await api(), { timeoutMs: 5_000, events: silent, ...fast }), {
    settings: () => ({ maxSurge: 1, maxUnavailable: 0 }),
    validationTimeoutMs: 5_000,
    validateCount: 1,
    nodeIntervalMs: 0,
    controlPlaneIntervalMs: 0,
    drainTimeoutMs: 5_000,
    failOnValidateError: true,
    recorder: await RollRecorder.open(store, CONTEXT),
    events: silent,
    ...extra,
  });
}

describe('draining through the Kubernetes API', () => {
  it('cordons the node and evicts its pods, leaving DaemonSet, mirror and finished pods', async () => {
    kube.nodes.set('i-aaa', { unschedulable: false });
    kube.pod('i-aaa', 'web-1', { owner: 'ReplicaSet' });
    kube.pod('i-aaa', 'bare');
    kube.pod('i-aaa', 'proxy', { owner: 'DaemonSet', namespace: 'kube-system' });
    kube.pod('i-aaa', 'kube-apiserver', { mirror: true });
    kube.pod('i-aaa', 'job-1', { phase: 'Succeeded' });
    kube.pod('i-bbb', 'elsewhere');
    kube.log.length = 0;
    const events: HoistEvent[] = [];
    await drainNode(await api(), 'i-aaa', { timeoutMs: 5_000, events: (e) => events.push(e), ...fast });
    expect(kube.nodes.get('i-aaa')).toEqual({ unschedulable: true });
    expect(kube.log[0]).toBe('PATCH /api/v1/nodes/i-aaa application/strategic-merge-patch+json {"spec":{"unschedulable":true}}');
    expect(kube.log.filter((l) => l.endsWith('/eviction')).sort()).toEqual(['POST /api/v1/namespaces/default/pods/bare/eviction', 'POST /api/v1/namespaces/default/pods/web-1/eviction']);
    expect(kube.pods.filter((p) => p.deleted).map((p) => p.name).sort()).toEqual(['bare', 'web-1']);
    expect(events.map((e) => e.code)).toEqual(['drain.cordoned', 'drain.evicted', 'drain.evicted']);
  });

  it('retries an eviction a disruption budget refuses, and names it when the drain times out', async () => {
    kube.nodes.set('i-ccc', { unschedulable: false });
    kube.nodes.set('i-ddd', { unschedulable: false });
    const db0 = kube.pod('i-ccc', 'db-0', { owner: 'StatefulSet', refusals: 2 });
    kube.pod('i-ddd', 'db-1', { owner: 'StatefulSet', refusals: 1_000 });
    await drainNode(await api(), 'i-ccc', { timeoutMs: 5_000, events: silent, ...fast });
    expect(db0.deleted).toBe(true);
    await expect(drainNode(await api(), 'i-ddd', { timeoutMs: 200, events: silent, ...fast })).rejects.toThrow(/node i-ddd did not drain within 0 s: 1 pod\(s\) left \(default\/db-1\); a disruption budget refuses to evict default\/db-1/);
  });

  it('retries a dropped connection, 503 and 429 of cordon, list and evict, and stops at a 4xx', async () => {
    kube.nodes.set('i-eee', { unschedulable: false });
    const web = kube.pod('i-eee', 'web-9', { owner: 'ReplicaSet' });
    const events: HoistEvent[] = [];
    const pauses: number[] = [];
    const sleep = (ms: number) => {
      pauses.push(ms);
      return new Promise<void>((r) => setTimeout(r, 1));
    };
    // The client's first connection is cut before the TLS handshake (what a loaded API's load
    // balancer did), then the API answers 503 and 429 once each before it serves.
    kube.drops = 1;
    kube.faults.push(503, 429);
    kube.log.length = 0;
    await drainNode(await api(), 'i-eee', { timeoutMs: 5_000, events: (e) => events.push(e), sleep, ...fast });
    expect(kube.drops).toBe(0);
    expect(kube.nodes.get('i-eee')).toEqual({ unschedulable: true });
    expect(web.deleted).toBe(true);
    const retries = events.filter((e) => e.code === 'drain.retry').map((e) => e.message);
    expect(retries).toHaveLength(3);
    expect(retries[0]).toMatch(/^cordoning node i-eee: .*(socket|ECONNRESET).*; trying again \(try 2\)$/);
    expect(retries.slice(1)).toEqual(['cordoning node i-eee: HTTP 503: fault 503; trying again (try 3)', 'cordoning node i-eee: HTTP 429: fault 429; trying again (try 4)']);
    expect(pauses.slice(0, 3)).toEqual([250, 500, 1_000]);

    // Listing and evicting retry too; an eviction's own 429 stays the budget's (no retry event).
    kube.nodes.set('i-fff', { unschedulable: false });
    kube.pod('i-fff', 'web-10', { owner: 'ReplicaSet', refusals: 1 });
    kube.faults.push(0, 502, 0, 500);
    events.length = 0;
    await drainNode(await api(), 'i-fff', { timeoutMs: 5_000, events: (e) => events.push(e), sleep, ...fast });
    expect(events.filter((e) => e.code === 'drain.retry').map((e) => e.message)).toEqual(['listing the pods of node i-fff: HTTP 502: fault 502; trying again (try 2)', 'evicting pod default/web-10: HTTP 500: fault 500; trying again (try 2)']);

    // A 4xx other than 429 is an answer: no retry. A fault that does not pass fails after 5 tries.
    kube.faults.push(403);
    events.length = 0;
    await expect(drainNode(await api(), 'i-eee', { timeoutMs: 5_000, events: (e) => events.push(e), sleep, ...fast })).rejects.toThrow('cordoning node i-eee: HTTP 403: fault 403');
    expect(events.filter((e) => e.code === 'drain.retry')).toEqual([]);
    kube.faults.push(503, 503, 503, 503, 503);
    await expect(drainNode(await api(), 'i-eee', { timeoutMs: 5_000, events: (e) => events.push(e), sleep, ...fast })).rejects.toThrow('cordoning node i-eee: HTTP 503: fault 503');
    expect(events.filter((e) => e.code === 'drain.retry')).toHaveLength(4);
    expect(kube.faults).toEqual([]);
  });

  it('takes a node the API does not know as drained', async () => {
    const events: HoistEvent[] = [];
    await drainNode(await api(), 'i-gone', { timeoutMs: 1_000, events: (e) => events.push(e), ...fast });
    expect(events.map((e) => e.code)).toEqual(['drain.no-node']);
  });

  it('reads credentials from files beside the kubeconfig, and fails without a client certificate', async () => {
    const files = await kubeApiFromKubeconfig(kube.kubeconfig('files', CONTEXT, { 'client-certificate': 'client.crt', 'client-key': join(kube.dir, 'client.key') }, { 'certificate-authority': 'ca.crt', server: kube.url }), CONTEXT);
    expect(await apiVersionProblem(files)).toBeUndefined();
    const anonymous = await kubeApiFromKubeconfig(kube.kubeconfig('anonymous', CONTEXT, {}), CONTEXT);
    expect(await apiVersionProblem(anonymous)).toMatch(/./);
  });

  it('refuses a kubeconfig without the cluster context, saying how to get one, and loads one whose user is an exec plugin', async () => {
    const admin = kube.kubeconfig('admin', CONTEXT);
    await expect(kubeApiFromKubeconfig(admin, 'other.example.com')).rejects.toThrow(/has no context other\.example\.com/);
    await expect(kubeApiFromKubeconfig(admin, 'other.example.com')).rejects.toMatchObject({ hint: expect.stringContaining('hoist export kubeconfig other.example.com --admin') });
    // The library runs the plugin (aws-iam-authenticator, gke-gcloud-auth-plugin) when it sends a request.
    expect((await kubeApiFromKubeconfig(kube.kubeconfig('exec', CONTEXT, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } }), CONTEXT)).server).toBe(kube.url);
    await expect(kubeApiFromKubeconfig(join(kube.dir, 'missing.kubeconfig'), CONTEXT)).rejects.toThrow(/cannot read the kubeconfig/);
  });

  it('lets a rolling update drain each old machine before it terminates it, on a cloud without a node channel', async () => {
    const order: string[] = [];
    const machines: { id: string; version: number; detached: boolean; state: RollingInstance['state'] }[] = [];
    let next = 0;
    const launch = (version: number) => {
      const id = `i-roll${++next}`;
      machines.push({ id, version, detached: false, state: 'running' });
      kube.nodes.set(id, { unschedulable: false });
      kube.pod(id, `app-${id}`, { owner: 'ReplicaSet' });
    };
    for (let i = 0; i < 2; i++) launch(1);
    const cloud: RollingCloud = {
      supportsSurge: true,
      drains: false,
      pollMs: 5,
      groups: async () => [{ name: 'nodes', role: 'Node', minSize: 2, maxSize: 2, desired: 2, instances: machines.map((m) => ({ id: m.id, group: 'nodes', state: m.state, ready: true, cloudReady: true, needsUpdate: m.version !== 2, detached: m.detached, drained: false })) }],
      async detach(_g, id) {
        machines.find((m) => m.id === id)!.detached = true;
        launch(2);
      },
      async terminate(_g, id) {
        order.push(`terminate ${id} (pods left: ${kube.pods.filter((p) => p.node === id && !p.deleted).length}, cordoned: ${kube.nodes.get(id)?.unschedulable})`);
        machines.find((m) => m.id === id)!.state = 'terminated';
      },
      drain: async () => undefined,
      drained: async () => true,
      apiProblem: async () => undefined,
    };
    await surgeRoll(cloud);
    expect(order).toEqual(['terminate i-roll1 (pods left: 0, cordoned: true)', 'terminate i-roll2 (pods left: 0, cordoned: true)']);
    expect(kube.nodes.get('i-roll3')?.unschedulable).toBe(false);
  });

  it('drains a machine only once the Node of the machine surged for it is registered and Ready, as kops validates', async () => {
    const machines: { id: string; version: number; detached: boolean; state: RollingInstance['state'] }[] = [{ id: 'i-join1', version: 1, detached: false, state: 'running' }];
    kube.nodes.set('i-join1', { unschedulable: false });
    kube.log.length = 0;
    const cloud: RollingCloud = {
      supportsSurge: true,
      drains: false,
      pollMs: 5,
      // The cloud calls each machine ready at once, as an agent that answers before its kubelet registers.
      groups: async () => [{ name: 'nodes', role: 'Node', minSize: 1, maxSize: 1, desired: 1, instances: machines.map((m) => ({ id: m.id, group: 'nodes', state: m.state, ready: true, cloudReady: true, needsUpdate: m.version !== 2, detached: m.detached, drained: false })) }],
      async detach(_g, id) {
        machines.find((m) => m.id === id)!.detached = true;
        machines.push({ id: 'i-join2', version: 2, detached: false, state: 'running' });
        setTimeout(() => kube.nodes.set('i-join2', { unschedulable: false, ready: false }), 60);
        setTimeout(() => {
          kube.log.push('(i-join2 Ready)');
          kube.nodes.set('i-join2', { unschedulable: false, ready: true });
        }, 150);
      },
      async terminate(_g, id) {
        machines.find((m) => m.id === id)!.state = 'terminated';
      },
      drain: async () => undefined,
      drained: async () => true,
      apiProblem: async () => undefined,
    };
    await surgeRoll(cloud, { pollMs: 10 });
    const cordon = kube.log.findIndex((l) => l.startsWith('PATCH /api/v1/nodes/i-join1'));
    expect(cordon).toBeGreaterThan(kube.log.indexOf('(i-join2 Ready)'));
    expect(kube.log.indexOf('(i-join2 Ready)')).toBeGreaterThan(0);
  });

  it('leaves a bastion, which has no Node, as the cloud reports it', async () => {
    const machine = (id: string): RollingInstance => ({ id, group: 'g', state: 'running', ready: true, cloudReady: true, needsUpdate: false, detached: false, drained: false });
    const cloud: RollingCloud = {
      supportsSurge: true,
      drains: false,
      pollMs: 5,
      groups: async () => [
        { name: 'bastions', role: 'Bastion', minSize: 1, maxSize: 1, desired: 1, instances: [machine('i-bastion-no-node')] },
        { name: 'nodes', role: 'Node', minSize: 1, maxSize: 1, desired: 1, instances: [machine('i-node-no-node')] },
      ],
      detach: async () => undefined,
      terminate: async () => undefined,
      drain: async () => undefined,
      drained: async () => true,
      apiProblem: async () => undefined,
    };
    const groups = await withKubernetesDrain(cloud, await api(), { timeoutMs: 5_000, events: silent, ...fast }).groups();
    expect(groups.map((g) => [g.name, g.instances[0]?.ready])).toEqual([['bastions', true], ['nodes', false]]);
  });

  it('counts a machine ready only with its Node registered and Ready, and says which it lacks', () => {
    const machine: RollingInstance = { id: 'i-1', group: 'nodes', state: 'running', ready: true, cloudReady: true, needsUpdate: false, detached: false, drained: false, phase: 'Ready' };
    expect(joinedInstance(machine, new Map([['i-1', true]]))).toBe(machine);
    expect(joinedInstance({ ...machine, nodeName: 'ip-10-0-0-1.ec2.internal' }, new Map([['ip-10-0-0-1.ec2.internal', true]])).ready).toBe(true);
    expect(joinedInstance(machine, new Map())).toMatchObject({ ready: false, phase: 'Ready, its Node not registered yet' });
    expect(joinedInstance(machine, new Map([['i-1', false]]))).toMatchObject({ ready: false, phase: 'Ready, its Node NotReady' });
    expect(joinedInstance(machine, 'connect ECONNREFUSED')).toMatchObject({ ready: false, phase: expect.stringContaining('the Kubernetes API did not answer: connect ECONNREFUSED') });
    // A machine the cloud does not call ready, or one on its way out, is left as the cloud says.
    expect(joinedInstance({ ...machine, ready: false }, new Map())).toMatchObject({ ready: false, phase: 'Ready' });
    expect(joinedInstance({ ...machine, detached: true }, new Map())).toMatchObject({ ready: true });
  });
});
