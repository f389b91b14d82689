/** The tags of an AWS cluster's objects: ownership, the spec's cloud labels, and a Name. */

import type { CompletedSpec } from '../../../src/api/index.js';
import { ownershipTags } from '../../tags.js';

export function clusterTags(spec: Pick<CompletedSpec, 'cluster'>): Record<string, string> {
  const cluster = spec.cluster.metadata.name;
  return { ...spec.cluster.spec.cloudLabels, ...ownershipTags(cluster) };
}

export function named(spec: Pick<CompletedSpec, 'cluster'>, name: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { ...clusterTags(spec), ...extra, Name: name };
}
