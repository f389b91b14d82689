/**
 * DiscoveryDocument on GCE: one of the issuer's two documents in the gs:// discovery store
 * (cloudup/discovery-documents.ts), which GCP's STS fetches from its public address when a
 * workload identity provider checks a token. The bucket's public read is DiscoveryBucketReader's.
 */

import type { LiveObject, TaskKind } from '../../../src/engine/task.js';
import { HoistError, ValidationError } from '../../../src/errors.js';
import { readDocuments, writeDocument } from '../../discovery-documents.js';
import type { DiscoveryDocumentFields } from '../../discovery-documents.js';
import type { GceContext } from '../context.js';

async function list(ctx: GceContext): Promise<LiveObject[]> {
  const discovery = ctx.discovery;
  if (discovery === undefined) return [];
  try {
    return await readDocuments(discovery, ctx.cluster);
  } catch (e) {
    if (!(e instanceof HoistError && e.code === 'STORE' && /bucket .* does not exist/.test(e.message))) throw e;
    // A teardown has nothing to delete in a bucket that is gone; a plan needs the bucket.
    if (!ctx.mode.reconciling) return [];
    throw new ValidationError(`cluster ${ctx.cluster}`, [{
      path: 'spec.serviceAccountIssuerDiscovery.discoveryStore',
      value: discovery.folder,
      message: 'is in a bucket that does not exist',
      fix: 'create the bucket (gcloud storage buckets create gs://BUCKET --uniform-bucket-level-access); hoist lets anyone read it (docs/gce.md, Workload identity)',
    }]);
  }
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
    const store = await ctx.discovery?.store();
    await store?.delete((live.fields as unknown as DiscoveryDocumentFields).key);
  },
};
