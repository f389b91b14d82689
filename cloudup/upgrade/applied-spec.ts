/**
 * The spec the cloud last had applied (`cluster-completed.spec`, written after each apply): the
 * version a reconcile starts from. Undefined for a cluster never applied.
 */

import { Composer, Parser } from 'yaml';
import type { Document } from 'yaml';
import type { ObjectStore } from '../../state-store/object-store.js';
import { completedSpecKey } from '../../state-store/layout.js';
import type { ClusterSpecLike } from './guards.js';

export async function appliedClusterSpec(store: ObjectStore, cluster: string): Promise<ClusterSpecLike | undefined> {
  const found = await store.get(completedSpecKey(cluster));
  if (!found) return undefined;
  // The first document is the Cluster; the instance groups follow, one per group, unread.
  const first = firstDocument(Buffer.from(found.body).toString('utf8'));
  const spec = (first?.toJS() as { spec?: Partial<ClusterSpecLike> } | null)?.spec;
  return typeof spec?.kubernetesVersion === 'string' ? { kubernetesVersion: spec.kubernetesVersion, etcdClusters: spec.etcdClusters ?? [] } : undefined;
}

/**
 * The first YAML document of `text`, parsed without the rest: only the text before the next
 * document marker (a line that starts with `---` and a space or its end, which no content of a
 * document can) is read, and the parser and composer stop at the first document, so a cluster
 * of 200 groups costs a plan one document's work, not 201.
 */
function firstDocument(text: string): Document.Parsed | undefined {
  const marker = /^---(?:[ \t]|$)/gm;
  marker.lastIndex = 1;
  const next = marker.exec(text);
  const composer = new Composer();
  for (const token of new Parser().parse(next === null ? text : text.slice(0, next.index))) {
    for (const doc of composer.next(token)) return doc;
  }
  for (const doc of composer.end()) return doc;
  return undefined;
}
