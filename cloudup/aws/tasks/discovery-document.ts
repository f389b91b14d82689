/**
 * DiscoveryDocument on AWS: one of the issuer's two documents (cloudup/discovery-documents.ts)
 * in the s3:// discovery store, where IAM's OIDC provider and STS fetch them. Making the folder
 * publicly readable is the bucket owner's part (docs/aws.md): hoist writes plain objects, as a
 * bucket with ACLs disabled accepts.
 *
 * The documents of the store the last apply published in, when the spec names another (or none),
 * are found too (named `<task>@<folder>`), and so deleted; a store that cannot be read any more
 * is passed over with a warning.
 */

import type { LiveObject } from '../../../src/engine/task.js';
import { ValidationError } from '../../../src/errors.js';
import { documentName, isMissingBucket, readDocuments, readPreviousDocuments, writeDocument } from '../../discovery-documents.js';
import type { DiscoveryContext, DiscoveryDocumentFields } from '../../discovery-documents.js';
import type { AwsContext } from '../context.js';
import { awsKind, liveFields } from './kind.js';

/** The spec's documents; undefined when the store's bucket does not exist. */
async function readCurrent(ctx: AwsContext, discovery: DiscoveryContext): Promise<LiveObject[] | undefined> {
  try {
    return await readDocuments(discovery, ctx.cluster);
  } catch (e) {
    if (isMissingBucket(e)) return undefined;
    throw e;
  }
}

async function listDocuments(ctx: AwsContext): Promise<LiveObject[]> {
  return ctx.listings.get('discoveryDocuments', async () => {
    const discovery = ctx.discovery;
    const current = discovery === undefined ? [] : await readCurrent(ctx, discovery);
    // A teardown has nothing to delete in a bucket that is gone; a plan needs the bucket.
    if (current === undefined && ctx.mode.reconciling) {
      throw new ValidationError(`cluster ${ctx.cluster}`, [{
        path: 'spec.serviceAccountIssuerDiscovery.discoveryStore',
        value: discovery?.folder,
        message: 'is in a bucket that does not exist',
        fix: 'create the bucket in the cluster\'s region and let anyone read the cluster\'s folder (docs/aws.md, IAM roles for service accounts)',
      }]);
    }
    // What the last applied spec published elsewhere (another discoveryStore, or IRSA since
    // turned off) is no longer in the spec: the plan deletes it.
    const previous = await ctx.previousDiscovery?.get();
    const old = previous === undefined ? [] : await readPreviousDocuments(previous, ctx.cluster, ctx.events, (key) => `${documentName(key, ctx.cluster)}@${previous.folder}`);
    return [...(current ?? []), ...old];
  });
}

/** The session's context of a folder: the spec's, or the last apply's. */
async function contextOf(ctx: AwsContext, folder: string): Promise<DiscoveryContext | undefined> {
  if (ctx.discovery?.folder === folder) return ctx.discovery;
  const previous = await ctx.previousDiscovery?.get();
  return previous?.folder === folder ? previous : undefined;
}

export const discoveryDocumentKind = awsKind<DiscoveryDocumentFields>({
  kind: 'DiscoveryDocument',
  uses: [],
  immutable: ['folder', 'key'],
  list: listDocuments,
  create: (ctx, task, d) => writeDocument(ctx.discovery, task, d),
  update: (ctx, task, _live, d) => writeDocument(ctx.discovery, task, d),
  async delete(ctx, live) {
    // The document's own folder: a previous discovery store's, or the spec's.
    const { folder, key } = liveFields<DiscoveryDocumentFields>(live);
    const store = await (await contextOf(ctx, folder))?.store();
    await store?.delete(key);
  },
});
