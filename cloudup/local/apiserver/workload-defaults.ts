/**
 * The defaults kube-apiserver gives apps/v1 DaemonSets and Deployments when they are written,
 * those that kubectl and the controllers read: an update strategy (`kubectl rollout status`
 * works only for RollingUpdate), a Deployment's replicas and progress deadline, the revision
 * history limit. A field that is set is left as it is.
 */

import type { Resource } from './resources.js';
import type { KubeObject } from './storage.js';

type JsonMap = Record<string, unknown>;
const asMap = (v: unknown): JsonMap => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as JsonMap) : {});

export function withWorkloadDefaults(r: Resource, object: KubeObject): KubeObject {
  if (r.group !== 'apps' || object.spec === undefined) return object;
  const spec = asMap(object.spec);
  if (r.plural === 'daemonsets') {
    const strategy = asMap(spec.updateStrategy);
    const type = strategy.type ?? 'RollingUpdate';
    const rolling = type === 'RollingUpdate' ? { rollingUpdate: { maxUnavailable: 1, maxSurge: 0, ...asMap(strategy.rollingUpdate) } } : {};
    return { ...object, spec: { revisionHistoryLimit: 10, ...spec, updateStrategy: { ...strategy, type, ...rolling } } };
  }
  if (r.plural === 'deployments') {
    const strategy = asMap(spec.strategy);
    const type = strategy.type ?? 'RollingUpdate';
    const rolling = type === 'RollingUpdate' ? { rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%', ...asMap(strategy.rollingUpdate) } } : {};
    return { ...object, spec: { replicas: 1, revisionHistoryLimit: 10, progressDeadlineSeconds: 600, ...spec, strategy: { ...strategy, type, ...rolling } } };
  }
  return object;
}
