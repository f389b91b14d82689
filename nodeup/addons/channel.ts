/**
 * The addon channel: what `update cluster` publishes into the state store and the control plane's
 * addon applier reads. One index names every addon the cluster should run, each with its version
 * and the sha256 of its manifest; each manifest is stored under its own hash, so a published one
 * never changes and the applier can tell a changed addon from an unchanged one by the hash alone.
 *
 *   <cluster>/addons/channel.yaml                    the index (AddonChannel, YAML)
 *   <cluster>/addons/<name>/<sha256>.yaml            one addon's objects (multi-document YAML)
 *   <cluster>/status/addons.json                     what the applier last applied (AddonStatusReport)
 */

import { z } from 'zod';

/** Every object of an addon carries this label with the addon's name: pruning selects by it. */
export const ADDON_NAME_LABEL = 'addons.hoist.dev/name';
/** The addon's version on each of its objects, for people reading the cluster. */
export const ADDON_VERSION_LABEL = 'addons.hoist.dev/version';
/** The one field manager the applier's server-side apply uses. */
export const ADDON_FIELD_MANAGER = 'hoist-addons';

export const addonChannelKey = (cluster: string): string => `${cluster}/addons/channel.yaml`;
export const addonManifestKey = (cluster: string, name: string, sha256: string): string => `${cluster}/addons/${name}/${sha256}.yaml`;
export const addonStatusKey = (cluster: string): string => `${cluster}/status/addons.json`;

/** A workload whose availability says the addon is healthy. */
const HealthCheckSchema = z.strictObject({
  kind: z.enum(['Deployment', 'DaemonSet']),
  namespace: z.string().min(1),
  name: z.string().min(1),
});

const AddonEntrySchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/),
  version: z.string().min(1),
  /** Hex sha256 of the manifest's bytes; the manifest lives at addonManifestKey(cluster, name, sha256). */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** builtin: rendered by hoist from the spec; user: from spec.addons[].manifest. */
  source: z.enum(['builtin', 'user']),
  /** Where a user addon came from (its manifest URL), for messages. */
  from: z.string().optional(),
  /** The workloads that must be available for the addon to count as healthy. */
  health: z.array(HealthCheckSchema).default([]),
});

export const AddonChannelSchema = z.strictObject({
  apiVersion: z.literal('hoist.dev/v1alpha1'),
  kind: z.literal('AddonChannel'),
  cluster: z.string().min(1),
  /** Applied in this order; the system ones (core, network, DNS) come first. */
  addons: z.array(AddonEntrySchema),
});

export type AddonHealthCheck = z.infer<typeof HealthCheckSchema>;
export type AddonEntry = z.infer<typeof AddonEntrySchema>;
export type AddonChannel = z.infer<typeof AddonChannelSchema>;

export const ADDON_APPLY_PHASES = ['Applied', 'Applying', 'Failed', 'Pruned'] as const;

const AddonStatusSchema = z.strictObject({
  name: z.string(),
  version: z.string(),
  sha256: z.string(),
  phase: z.enum(ADDON_APPLY_PHASES),
  /** Whether every health check passed at the last look. */
  healthy: z.boolean(),
  appliedAt: z.string().optional(),
  /** Set when phase is Failed: the API server's or the applier's message, naming the object. */
  error: z.string().optional(),
});

export const AddonStatusReportSchema = z.strictObject({
  cluster: z.string(),
  /** The instance whose applier wrote this report. */
  instanceId: z.string(),
  updatedAt: z.string(),
  addons: z.array(AddonStatusSchema),
});

export type AddonStatus = z.infer<typeof AddonStatusSchema>;
export type AddonStatusReport = z.infer<typeof AddonStatusReportSchema>;
