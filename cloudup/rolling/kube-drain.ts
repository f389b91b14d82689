/**
 * Draining a node through the Kubernetes API, as kops's rolling update does (kubectl drain
 * with --force --ignore-daemonsets --delete-emptydir-data): cordon it, evict every pod on it
 * except DaemonSet pods, mirror (static) pods and finished ones, retrying an eviction that a
 * PodDisruptionBudget refuses (429) until the drain timeout, and wait until the evicted pods
 * are gone. A node the API does not know is drained already. Each call is retried through a
 * passing network fault, 429 or 5xx (kube-retry.ts).
 */

import { CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { V1Pod } from '@kubernetes/client-node';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { apiErrorCode, apiErrorText } from './kube-api.js';
import type { KubeApi } from './kube-api.js';
import { withRetries } from './kube-retry.js';
import type { RetryOptions } from './kube-retry.js';
import type { RollingCloud, RollingGroup, RollingInstance } from './types.js';

/** The first look at a drained node's pods after its evictions; then twice as long each time, up to the poll interval. */
const FIRST_DRAIN_LOOK_MS = 50;

interface Pod {
  readonly metadata: {
    readonly name: string;
    readonly namespace: string;
    readonly uid: string;
    readonly annotations?: Record<string, string>;
    readonly ownerReferences?: { readonly kind: string; readonly controller?: boolean }[];
  };
  readonly status?: { readonly phase?: string };
}

const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export interface DrainOptions {
  readonly timeoutMs: number;
  readonly events: EventSink;
  /** Between retries of refused evictions and looks at what is left, at most (the first looks come sooner). */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

const MIRROR = 'kubernetes.io/config.mirror';

/** Pods that a drain leaves where they are. */
function stays(p: Pod): boolean {
  if (p.metadata.annotations?.[MIRROR] !== undefined) return true;
  if (p.metadata.ownerReferences?.some((o) => o.kind === 'DaemonSet' && o.controller !== false)) return true;
  return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
}

/**
 * Why a 429 refused an eviction: the causes of its Status name the budget ("The disruption
 * budget web needs 1 healthy pods and has 1 currently"), its message does not.
 */
function refusal(e: unknown): string {
  const body = (e as { body?: unknown }).body;
  let status: { details?: { causes?: { message?: unknown }[] } } | undefined;
  try {
    status = (typeof body === 'string' ? JSON.parse(body) : body) as typeof status;
  } catch {
    return '';
  }
  return (status?.details?.causes ?? []).map((c) => c.message).filter((m): m is string => typeof m === 'string' && m !== '').join('; ');
}

function failed(what: string, e: unknown): HoistError {
  return new HoistError('ABORTED', `${what}: ${apiErrorText(e)}`, { user: true, cause: e });
}

const asPod = (p: V1Pod): Pod => ({
  metadata: { name: p.metadata?.name ?? '', namespace: p.metadata?.namespace ?? 'default', uid: p.metadata?.uid ?? `${p.metadata?.namespace}/${p.metadata?.name}`, ...(p.metadata?.annotations ? { annotations: p.metadata.annotations } : {}), ...(p.metadata?.ownerReferences ? { ownerReferences: p.metadata.ownerReferences } : {}) },
  ...(p.status?.phase !== undefined ? { status: { phase: p.status.phase } } : {}),
});

async function podsOn(core: CoreV1Api, node: string, retry: RetryOptions): Promise<Pod[]> {
  try {
    const list = await withRetries(() => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${node}` }), retry);
    return list.items.map(asPod).filter((p) => !stays(p));
  } catch (e) {
    throw failed(`listing the pods of node ${node}`, e);
  }
}

/** Cordons `node` and evicts its pods; resolves once they are gone. */
export async function drainNode(api: KubeApi, node: string, opts: DrainOptions): Promise<void> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const poll = opts.pollMs ?? 2_000;
  const deadline = Date.now() + opts.timeoutMs;
  const core = api.config.makeApiClient(CoreV1Api);
  const retry = (what: string, keep?: RetryOptions['keep']): RetryOptions => ({
    sleep,
    ...(keep ? { keep } : {}),
    retrying: (e, next) => opts.events({ level: 'warn', code: 'drain.retry', message: `${what}: ${apiErrorText(e)}; trying again (try ${next})`, data: { node } }),
  });
  try {
    await withRetries(() => core.patchNode({ name: node, body: { spec: { unschedulable: true } } }, strategic), retry(`cordoning node ${node}`));
  } catch (e) {
    if (apiErrorCode(e) === 404) {
      opts.events({ level: 'info', code: 'drain.no-node', message: `node ${node} is not in the cluster: nothing to drain`, data: { node } });
      return;
    }
    throw failed(`cordoning node ${node}`, e);
  }
  opts.events({ level: 'info', code: 'drain.cordoned', message: `cordoned node ${node}`, data: { node } });

  const evicted = new Map<string, Pod>();
  // An evicted pod is often gone at once (no grace period, or an API server that deletes on
  // eviction): look again soon, then less often, up to the poll interval. A look is one list of
  // one node's pods, so the first comes sooner than a look at the cloud's machines (waiting.ts): a batch of
  // machines waits for its slowest drain.
  for (let pause = Math.min(FIRST_DRAIN_LOOK_MS, poll); ; pause = Math.min(pause * 2, poll)) {
    const left = await podsOn(core, node, retry(`listing the pods of node ${node}`));
    const waiting = left.filter((p) => !evicted.has(p.metadata.uid));
    const refused: { pod: string; why: string }[] = [];
    for (const p of waiting) {
      const { name, namespace } = p.metadata;
      let code: number | undefined = 201;
      let why = '';
      try {
        // A 429 here is a disruption budget's refusal: the loop below retries it until the timeout.
        const budget = (e: unknown) => apiErrorCode(e) === 429;
        await withRetries(() => core.createNamespacedPodEviction({ name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } } }), retry(`evicting pod ${namespace}/${name}`, budget));
      } catch (e) {
        code = apiErrorCode(e);
        // 404: the pod is gone already; 429: a disruption budget refuses it for now.
        if (code !== 404 && code !== 429) throw failed(`evicting pod ${namespace}/${name} from node ${node}`, e);
        why = refusal(e);
      }
      if (code === 429) {
        refused.push({ pod: `${namespace}/${name}`, why });
      } else {
        evicted.set(p.metadata.uid, p);
        opts.events({ level: 'info', code: 'drain.evicted', message: `evicted pod ${namespace}/${name} from node ${node}`, data: { node, pod: `${namespace}/${name}` } });
      }
    }
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      const blocked = refused.length > 0 ? `; a disruption budget refuses to evict ${refused.map((r) => (r.why === '' ? r.pod : `${r.pod} (${r.why})`)).join(', ')}` : '';
      throw new HoistError('ABORTED', `node ${node} did not drain within ${Math.round(opts.timeoutMs / 1000)} s: ${left.length} pod(s) left (${left.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')})${blocked}`, {
        hint: 'raise --drain-timeout, or relax the PodDisruptionBudget; --cloudonly replaces machines without draining',
      });
    }
    // Wake at the deadline rather than a poll after it, so the failure comes when it is due.
    await sleep(Math.max(1, Math.min(pause, deadline + 1 - Date.now())));
  }
}

/** Whether each Node is Ready, by name; or, when the API did not answer, why. */
async function nodeReadiness(api: KubeApi): Promise<ReadonlyMap<string, boolean> | string> {
  try {
    const nodes = (await api.config.makeApiClient(CoreV1Api).listNode()).items;
    return new Map(nodes.map((n) => [n.metadata?.name ?? '', n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true]));
  } catch (e) {
    return apiErrorText(e);
  }
}

/**
 * A machine its cloud calls ready serves once its Node has registered and is Ready, as kops's
 * validation has it ("has not yet joined"): until then the roll neither drains the machines it
 * replaces nor counts the cluster valid. A detached machine is on its way out: left as it is.
 */
export function joinedInstance(i: RollingInstance, nodes: ReadonlyMap<string, boolean> | string): RollingInstance {
  if (!i.ready || i.detached) return i;
  if (typeof nodes === 'string') return { ...i, ready: false, phase: `${i.phase ?? 'Ready'}, its Node unknown (the Kubernetes API did not answer: ${nodes})` };
  const ready = nodes.get(i.nodeName ?? i.id);
  if (ready === true) return i;
  return { ...i, ready: false, phase: `${i.phase ?? 'Ready'}, ${ready === undefined ? 'its Node not registered yet' : 'its Node NotReady'}` };
}

/**
 * `cloud` with drains through the Kubernetes API: `drain` starts one (on the instance's node:
 * its `nodeName`, else its id), `drained` says whether it is done, and throws what made it fail.
 * Once the drain's own timeout has passed, `drained` waits for it to settle, so that the roll
 * fails with the drain's reasons (the pods left, the budget that holds them) rather than its
 * own timeout racing ahead. A machine is ready only once its Node is (joinedInstance), so a
 * surged machine serves before the one it replaces is drained. Everything else is the cloud's.
 */
export function withKubernetesDrain(cloud: RollingCloud, api: KubeApi, opts: DrainOptions): RollingCloud {
  const drains = new Map<string, { done: boolean; error?: unknown; deadline: number; settled: Promise<void> }>();
  return {
    ...cloud,
    drains: true,
    async groups(): Promise<RollingGroup[]> {
      const [groups, nodes] = await Promise.all([cloud.groups(), nodeReadiness(api)]);
      // A bastion runs no kubelet: it never has a Node.
      return groups.map((g) => (g.role === 'Bastion' ? g : { ...g, instances: g.instances.map((i) => joinedInstance(i, nodes)) }));
    },
    detach: (g, id) => cloud.detach(g, id),
    terminate: (g, id) => cloud.terminate(g, id),
    apiProblem: () => cloud.apiProblem(),
    async drain(id) {
      if (drains.has(id)) return;
      const state: { done: boolean; error?: unknown; deadline: number; settled: Promise<void> } = { done: false, deadline: Date.now() + opts.timeoutMs, settled: Promise.resolve() };
      drains.set(id, state);
      const instance = (await cloud.groups()).flatMap((g) => g.instances).find((i) => i.id === id);
      state.settled = drainNode(api, instance?.nodeName ?? id, opts).then(
        () => void (state.done = true),
        (e: unknown) => void (state.error = e),
      );
    },
    async drained(id) {
      const state = drains.get(id);
      if (state !== undefined && !state.done && state.error === undefined && Date.now() >= state.deadline) await state.settled;
      if (state?.error !== undefined) throw state.error;
      return state?.done ?? false;
    },
  };
}
