/**
 * The one path by which a command changes a cluster's spec set: validate everything first
 * (so bad input never reaches the store), then take the cluster lock, write only the objects
 * that differ, each conditionally, and record the change in history.
 */

import { isDeepStrictEqual } from 'node:util';
import { kubernetesVersionWarnings, locateProblems, validateSpecSet, validateUpdate } from '../../api/index.js';
import type { InstanceGroup, ParsedDocument } from '../../api/index.js';
import { dnsZoneNotice } from '../../api/api-dns.js';
import { ValidationError } from '../../errors.js';
import { specRulesOf } from '../../../cloudup/providers.js';
import type { SpecChange, SpecSet, StoredSpecSet } from '../../../state-store/clientset.js';
import { plain } from '../../../state-store/clientset.js';
import type { Revision } from '../../../state-store/history.js';
import type { Context } from '../context.js';

export interface SaveRequest {
  readonly cluster: string;
  /** The spec set as read before the change; undefined when the cluster is new. */
  readonly before: StoredSpecSet | undefined;
  readonly after: SpecSet;
  /** Lock operation and history label, e.g. "edit cluster". */
  readonly operation: string;
  readonly reason?: string;
}

/**
 * Every problem of the new spec set, its cloud's rules included (from the registry); `documents`
 * (a parsed file) lets problems name their line.
 */
export function validateSpecChange(before: SpecSet | undefined, after: SpecSet, documents: readonly ParsedDocument[] = []): void {
  const problems = [...validateSpecSet(after.cluster, after.instanceGroups, specRulesOf(after.cluster.spec.cloudProvider))];
  if (before) problems.push(...validateUpdate(before, after));
  if (problems.length > 0) {
    throw new ValidationError(`cluster ${after.cluster.metadata.name}`, locateProblems(problems, documents));
  }
}

/** Computes the writes that turn `before` into `after`; empty when nothing differs. */
export function specChange(cluster: string, before: StoredSpecSet | undefined, after: SpecSet): SpecChange {
  const old = new Map((before?.instanceGroups ?? []).map((v) => [v.object.metadata.name, v]));
  const next = new Set(after.instanceGroups.map((ig) => ig.metadata.name));
  const clusterChanged = !before || !isDeepStrictEqual(before.cluster.object, after.cluster);
  const puts = after.instanceGroups
    .filter((ig) => !isDeepStrictEqual(old.get(ig.metadata.name)?.object, ig))
    .map((ig: InstanceGroup) => ({ object: ig, etag: old.get(ig.metadata.name)?.etag }));
  const deletes = [...old.values()]
    .filter((v) => !next.has(v.object.metadata.name))
    .map((v) => ({ name: v.object.metadata.name, etag: v.etag }));
  return {
    cluster,
    ...(clusterChanged ? { putCluster: { object: after.cluster, etag: before?.cluster.etag } } : {}),
    putInstanceGroups: puts,
    deleteInstanceGroups: deletes,
  };
}

export function isEmptyChange(c: SpecChange): boolean {
  return !c.putCluster && (c.putInstanceGroups?.length ?? 0) === 0 && (c.deleteInstanceGroups?.length ?? 0) === 0;
}

/** Validates and saves; returns the new revision, or undefined when there was nothing to change. */
export async function saveSpecSet(ctx: Context, req: SaveRequest): Promise<Revision | undefined> {
  validateSpecChange(req.before ? plain(req.before) : undefined, req.after);
  for (const message of kubernetesVersionWarnings(req.after.cluster.spec.kubernetesVersion, 'spec.kubernetesVersion')) {
    ctx.io.events({ level: 'warn', code: 'spec.prerelease', message, data: { kubernetesVersion: req.after.cluster.spec.kubernetesVersion } });
  }
  const change = specChange(req.cluster, req.before, req.after);
  if (isEmptyChange(change)) return undefined;
  // A cluster whose zone is left to the cloud is told when its Cluster is written, not on every change.
  const zoneNotice = change.putCluster && specRulesOf(req.after.cluster.spec.cloudProvider).newCluster?.apiNamesNeedZone ? dnsZoneNotice(req.after.cluster) : undefined;
  if (zoneNotice !== undefined) ctx.io.events({ level: 'info', code: 'spec.dns-zone-lookup', message: zoneNotice, data: { cluster: req.cluster } });
  const clients = await ctx.clientset();
  return ctx.withLock(req.cluster, req.operation, () =>
    clients.commit(change, { command: ctx.commandLine, ...(req.reason === undefined ? {} : { reason: req.reason }) }),
  );
}
