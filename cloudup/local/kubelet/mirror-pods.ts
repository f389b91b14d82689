/**
 * Mirror pods: how a kubelet shows its static pods (those of its manifest folder, which no API
 * object created) in the API, as the real kubelet does: a pod named `<pod>-<node>`, bound to the
 * node, owned by the Node, annotated `kubernetes.io/config.mirror` with the manifest's hash.
 */

import { createHash } from 'node:crypto';
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';
import { parse } from 'yaml';

export interface StaticPod {
  /** The manifest's file name in the static pod folder. */
  readonly file: string;
  readonly text: string;
}

interface Manifest {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: V1Pod['spec'];
}

export function mirrorPod(pod: StaticPod, nodeName: string, now: Date): V1Pod {
  let manifest: Manifest = {};
  try {
    manifest = (parse(pod.text) as Manifest | null) ?? {};
  } catch {
    // A manifest the kubelet cannot read still gets a pod, named after its file, so it shows.
  }
  const hash = createHash('sha256').update(pod.text).digest('hex').slice(0, 32);
  const base = manifest.metadata?.name ?? pod.file.replace(/\.[a-z]+$/, '');
  const spec = manifest.spec ?? { containers: [] };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${base}-${nodeName}`,
      namespace: manifest.metadata?.namespace ?? 'default',
      labels: manifest.metadata?.labels ?? {},
      annotations: {
        ...manifest.metadata?.annotations,
        'kubernetes.io/config.mirror': hash,
        'kubernetes.io/config.hash': hash,
        'kubernetes.io/config.source': 'file',
        'kubernetes.io/config.seen': now.toISOString(),
      },
    },
    spec: { ...spec, containers: spec.containers ?? [], nodeName },
  };
}

export function mirrorPodStatus(pod: V1Pod, address: string, now: Date): V1PodStatus {
  const containers = pod.spec?.containers ?? [];
  return {
    phase: 'Running',
    hostIP: address,
    podIP: pod.spec?.hostNetwork === true ? address : undefined,
    startTime: now,
    conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastTransitionTime: now })),
    containerStatuses: containers.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } } })),
  };
}
