/**
 * What the applier applied, kept in the cluster (the ConfigMap kube-system/hoist-addons, one
 * JSON value per addon) rather than on the machine: whichever control-plane machine holds the
 * Lease next knows what the last one applied, and which objects, so an object of a kind that
 * has left the manifest is still pruned.
 */

import type { KubernetesObject } from '@kubernetes/client-node';
import { z } from 'zod';
import type { AddonKube } from './kube.js';

export const RECORD_NAMESPACE = 'kube-system';
export const RECORD_NAME = 'hoist-addons';

const RefSchema = z.object({ apiVersion: z.string(), kind: z.string(), namespace: z.string().optional(), name: z.string() });

const AppliedSchema = z.object({
  version: z.string(),
  sha256: z.string(),
  appliedAt: z.string(),
  objects: z.array(RefSchema),
});

export type AppliedAddon = z.infer<typeof AppliedSchema>;
export type AppliedRecord = ReadonlyMap<string, AppliedAddon>;

const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: RECORD_NAMESPACE, name: RECORD_NAME };

/** The record; an entry that does not parse counts as never applied (it is applied again). */
export async function readRecord(kube: AddonKube): Promise<Map<string, AppliedAddon>> {
  const cm = (await kube.read(ref)) as (KubernetesObject & { data?: Record<string, string> }) | undefined;
  const out = new Map<string, AppliedAddon>();
  for (const [name, text] of Object.entries(cm?.data ?? {})) {
    try {
      out.set(name, AppliedSchema.parse(JSON.parse(text)));
    } catch {
      // unreadable: applied again, which is harmless
    }
  }
  return out;
}

export async function writeRecord(kube: AddonKube, record: AppliedRecord): Promise<void> {
  const data = Object.fromEntries([...record].sort(([a], [b]) => a.localeCompare(b)).map(([name, applied]) => [name, JSON.stringify(applied)]));
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: RECORD_NAME, namespace: RECORD_NAMESPACE, labels: { 'app.kubernetes.io/managed-by': 'hoist' } },
    data,
  };
  await kube.applyOwn(body);
}
