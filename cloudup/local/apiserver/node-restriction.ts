/**
 * The object-level half of what a node may do (kube-apiserver's NodeRestriction admission and
 * the Node authorizer's graph): a node creates only its own Node and Lease, creates and deletes
 * only mirror pods bound to itself, writes the status of its own pods only, and reads only the
 * Secrets and ConfigMaps its pods use. Returns why a request is refused, or undefined.
 */

import type { KubeObject } from './storage.js';

export interface NodeRequest {
  readonly node: string;
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly existing?: KubeObject;
  readonly incoming?: KubeObject;
  /** The pods bound to the node, for Secrets and ConfigMaps. */
  readonly podsOnNode: () => Promise<readonly KubeObject[]>;
}

const nodeNameOf = (pod: KubeObject | undefined): unknown => (pod?.spec as { nodeName?: unknown } | undefined)?.nodeName;
const nameOf = (o: KubeObject | undefined): unknown => o?.metadata?.name;
const MIRROR = 'kubernetes.io/config.mirror';

/** Whether a pod spec names the Secret or ConfigMap: volumes, projected sources, env and envFrom. */
function podUses(pod: KubeObject, resource: 'secrets' | 'configmaps', name: string): boolean {
  const refKey = resource === 'secrets' ? 'secretName' : 'name';
  const holder = resource === 'secrets' ? ['secret', 'secretRef', 'secretKeyRef'] : ['configMap', 'configMapRef', 'configMapKeyRef'];
  let found = false;
  const walk = (v: unknown, parent: string): void => {
    if (found || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, parent);
      return;
    }
    const map = v as Record<string, unknown>;
    if (holder.includes(parent) && (map[refKey] === name || map.name === name)) found = true;
    if (resource === 'secrets' && parent === 'imagePullSecrets' && map.name === name) found = true;
    for (const [k, child] of Object.entries(map)) walk(child, k);
  };
  walk(pod.spec, 'spec');
  return found;
}

export async function nodeRestriction(r: NodeRequest): Promise<string | undefined> {
  const key = `${r.group}:${r.resource}${r.subresource === undefined ? '' : `/${r.subresource}`}`;
  if ((key === ':nodes' || key === 'coordination.k8s.io:leases') && r.verb === 'create' && nameOf(r.incoming) !== r.node) {
    return `node "${r.node}" may only create its own ${r.resource === 'nodes' ? 'Node' : 'Lease'}, not "${String(nameOf(r.incoming))}"`;
  }
  if (key === ':pods' && r.verb === 'create') {
    const annotations = (r.incoming?.metadata?.annotations ?? {}) as Record<string, unknown>;
    if (annotations[MIRROR] === undefined) return `node "${r.node}" may only create mirror pods (annotation ${MIRROR})`;
    if (nodeNameOf(r.incoming) !== r.node) return `node "${r.node}" may only create pods bound to itself`;
  }
  if ((key === ':pods' && r.verb === 'delete') || key === ':pods/status' || key === ':pods/eviction') {
    if (nodeNameOf(r.existing) !== r.node) return `node "${r.node}" may only change pods bound to itself`;
  }
  if ((key === ':secrets' || key === ':configmaps') && r.verb === 'get') {
    const name = String(nameOf(r.existing) ?? '');
    const namespace = r.existing?.metadata?.namespace;
    const pods = await r.podsOnNode();
    const used = pods.some((p) => p.metadata?.namespace === namespace && podUses(p, r.resource as 'secrets' | 'configmaps', name));
    if (!used) return `no relationship found between node '${r.node}' and this object`;
  }
  return undefined;
}
