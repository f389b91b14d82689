/**
 * DiscoveryDocument on GCE: one of the issuer's two documents in the gs:// discovery store
 * (cloudup/discovery-documents.ts), which GCP's STS fetches from its public address when a
 * workload identity provider checks a token. The bucket's public read is DiscoveryBucketReader's.
 * The documents of a store the last apply published in, when the spec names another (or none),
 * are found too, and so deleted; a store that cannot be read any more is passed over with a warning.
 */

import type { LiveObject, TaskKind } from '../../../src/engine/task.js';
import { ValidationError } from '../../../src/errors.js';
import { isMissingBucket, readDocuments, readPreviousDocuments, writeDocument } from '../../discovery-documents.js';
import type { DiscoveryContext, DiscoveryDocumentFields } from '../../discovery-documents.js';
import type { GceContext } from '../context.js';

/** The spec's documents; a plan needs the store's bucket. */
async function listCurrent(ctx: GceContext, discovery: DiscoveryContext): Promise<LiveObject[]> {
  try {
    return await readDocuments(discovery, ctx.cluster);
  } catch (e) {
    if (!isMissingBucket(e)) throw e;
    // Nothing to delete in a bucket that is gone.
    if (!ctx.mode.reconciling) return [];
    throw new ValidationError(`cluster ${ctx.cluster}`, [{
      path: 'spec.serviceAccountIssuerDiscovery.discoveryStore',
      value: discovery.folder,
      message: 'is in a bucket that does not exist',
      fix: 'create the bucket (gcloud storage buckets create gs://BUCKET --uniform-bucket-level-access); hoist lets anyone read it (docs/gce.md, Workload identity)',
    }]);
  }
}

/** The spec's documents, and those of the store the last apply published in when it moved (deleted then; passed over with a warning when unreadable). */
async function list(ctx: GceContext): Promise<LiveObject[]> {
  const [current, previous] = await Promise.all([
    ctx.discovery ? listCurrent(ctx, ctx.discovery) : [],
    ctx.previousDiscovery ? readPreviousDocuments(ctx.previousDiscovery, ctx.cluster, ctx.events) : [],
  ]);
  return [...current, ...previous];
}

/** The session's context of a folder: the spec's, or the last apply's. */
function contextOf(ctx: GceContext, folder: string): DiscoveryContext | undefined {
  return [ctx.discovery, ctx.previousDiscovery].find((d) => d?.folder === folder);
}

export const gceDiscoveryDocumentKind: TaskKind<GceContext> = {
  kind: 'DiscoveryDocument',
  uses: [],
  discover: list,
  checkChanges: (_live, changes) => {
    const fixed = changes.find((c) => c.path === 'folder' || c.path === 'key');
    return fixed ? { replaceReason: `${fixed.path} cannot change in place` } : {};
  },
  create: (ctx, task, d) => writeDocument(ctx.discovery, task, d as unknown as DiscoveryDocumentFields),
  update: (ctx, task, _live, d) => writeDocument(ctx.discovery, task, d as unknown as DiscoveryDocumentFields),
  async delete(ctx, live) {
    const d = live.fields as unknown as DiscoveryDocumentFields;
    const store = await contextOf(ctx, d.folder)?.store();
    await store?.delete(d.key);
  },
};
