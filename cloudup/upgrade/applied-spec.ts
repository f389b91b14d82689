/**
 * The spec the cloud last had applied (`cluster-completed.spec`, written after each apply): the
 * version a reconcile starts from. Undefined for a cluster never applied.
 */

import { parseAllDocuments } from 'yaml';
import type { ObjectStore } from '../../state-store/object-store.js';
import { completedSpecKey } from '../../state-store/layout.js';
import type { ClusterSpecLike } from './guards.js';

export async function appliedClusterSpec(store: ObjectStore, cluster: string): Promise<ClusterSpecLike | undefined> {
  const found = await store.get(completedSpecKey(cluster));
  if (!found) return undefined;
  // The first document is the Cluster; the instance groups follow.
  const [first] = parseAllDocuments(Buffer.from(found.body).toString('utf8'));
  const spec = (first?.toJS() as { spec?: Partial<ClusterSpecLike> } | null)?.spec;
  return typeof spec?.kubernetesVersion === 'string' ? { kubernetesVersion: spec.kubernetesVersion, etcdClusters: spec.etcdClusters ?? [] } : undefined;
}
