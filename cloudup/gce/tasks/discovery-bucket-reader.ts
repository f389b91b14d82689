/**
 * DiscoveryBucketReader: `allUsers` as `roles/storage.objectViewer` on the discovery store's
 * bucket, so that GCP's STS (and anyone) can fetch the issuer's documents anonymously from
 * https://storage.googleapis.com/<bucket>/…, as a public issuer must be. A binding on the bucket,
 * not object ACLs: it works with uniform bucket-level access (which GCS recommends, and which the
 * state store's conditions need), and holds for the documents every apply writes again. IAM
 * Conditions cannot narrow a binding of `allUsers`, so the whole bucket is public: it must hold
 * nothing secret (the model refuses the state store's bucket).
 *
 * Several clusters may publish their issuers in one bucket: a teardown, or a spec whose store
 * moved to another bucket, keeps the binding while another issuer's documents are anywhere in it.
 *
 * A public read that was there before hoist is the user's: hoist removes only the binding it
 * added, which it marks with the bucket label `hoist-public-read` (naming the cluster that added
 * it) when it adds the binding, and takes off with it. An unmarked binding is left, with a notice.
 */

import type { LiveObject, TaskKind } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { OIDC_CONFIGURATION_PATH } from '../../../src/api/irsa.js';
import type { DiscoveryContext } from '../../discovery-documents.js';
import type { GceContext } from '../context.js';
import type { Binding } from '../iam-api.js';
import { errorInfo } from '../errors.js';
import { labelValue } from '../labels.js';

export interface DiscoveryBucketReaderFields {
  readonly bucket: string;
  readonly role: string;
  readonly member: string;
}

export const discoveryBucketReaderTask = taskConstructor<DiscoveryBucketReaderFields>('DiscoveryBucketReader');

export const PUBLIC_MEMBER = 'allUsers';
export const PUBLIC_ROLE = 'roles/storage.objectViewer';

/** The bucket of a gs:// URL. */
export const bucketOf = (url: string): string | undefined => /^gs:\/\/([^/]+)/.exec(url)?.[1];

/** The bucket label that says hoist added the public read (its value: the cluster that did). */
export const PUBLIC_READ_LABEL = 'hoist-public-read';

const bucketUrl = (ctx: GceContext, bucket: string): string => `${ctx.iam.endpoints.storage}/storage/v1/b/${encodeURIComponent(bucket)}`;

/** Who added the bucket's public read, by its label; undefined when hoist did not. */
async function addedBy(ctx: GceContext, bucket: string): Promise<string | undefined> {
  const found = await ctx.iam.send<{ labels?: Record<string, string> }>(`get the labels of bucket ${bucket}`, 'GET', `${bucketUrl(ctx, bucket)}?fields=labels`);
  return found.labels?.[PUBLIC_READ_LABEL];
}

/** Sets (a cluster's mark) or removes (null) the label: buckets.patch changes only the labels named. */
async function markAdded(ctx: GceContext, bucket: string, value: string | null): Promise<void> {
  await ctx.iam.send(`label bucket ${bucket}`, 'PATCH', `${bucketUrl(ctx, bucket)}?fields=labels`, { labels: { [PUBLIC_READ_LABEL]: value } });
}

const holds = (b: Binding, d: DiscoveryBucketReaderFields): boolean => b.role === d.role && b.condition === undefined && b.members.includes(d.member);

/**
 * Why the binding is kept when the cluster no longer wants it: another issuer in the same bucket,
 * in the discovery store's folder or any other (the binding is the whole bucket's).
 */
async function othersPublish(discovery: DiscoveryContext): Promise<string | undefined> {
  const keys = await (await discovery.root()).list('');
  // The cluster's folder, relative to the bucket.
  const own = `${discovery.folder.replace(/^gs:\/\/[^/]+\/?/, '')}/`;
  const other = keys.find((k) => (k === OIDC_CONFIGURATION_PATH || k.endsWith(`/${OIDC_CONFIGURATION_PATH}`)) && !k.startsWith(own));
  return other === undefined ? undefined : `the bucket also publishes another issuer (${other})`;
}

/** The binding on the bucket of a discovery store, if it is there; `desired`: the spec's store in a reconcile. */
async function readerOf(ctx: GceContext, discovery: DiscoveryContext, desired: boolean): Promise<LiveObject[]> {
  const bucket = bucketOf(discovery.folder);
  if (bucket === undefined) return [];
  const fields: DiscoveryBucketReaderFields = { bucket, role: PUBLIC_ROLE, member: PUBLIC_MEMBER };
  let bindings: readonly Binding[];
  try {
    bindings = (await ctx.iam.policy({ kind: 'bucket', bucket })).bindings ?? [];
  } catch (e) {
    // The documents' listing says what a missing bucket of the spec means; nothing to delete otherwise.
    if (desired) throw e;
    if (errorInfo(e).status !== 404) leftBehind(ctx, bucket, `its IAM policy cannot be read (${errorInfo(e).message})`);
    return [];
  }
  if (!bindings.some((b) => holds(b, fields))) return [];
  const live: LiveObject = { id: bucket, name: bucket, fields: { ...fields }, outputs: { id: bucket } };
  if (desired) return [live];
  const kept = await whyKept(ctx, discovery, bucket);
  return [kept === undefined ? live : { ...live, kept }];
}

/** Why the binding stays when the cluster no longer wants it; undefined: hoist removes it. */
async function whyKept(ctx: GceContext, discovery: DiscoveryContext, bucket: string): Promise<string | undefined> {
  try {
    if ((await addedBy(ctx, bucket)) === undefined) {
      const why = `hoist did not add it (the bucket has no ${PUBLIC_READ_LABEL} label): it was there before`;
      ctx.events({ level: 'info', code: 'discovery.public-read-kept', message: `the public read of bucket ${bucket} (${PUBLIC_MEMBER} as ${PUBLIC_ROLE}) is left: ${why}; remove it yourself if nothing else needs it`, data: { bucket } });
      return why;
    }
    return await othersPublish(discovery);
  } catch (e) {
    // Unsure whose it is or who needs it: a public read left is safer than one taken away.
    const why = `the bucket cannot be read (${errorInfo(e).message})`;
    leftBehind(ctx, bucket, why);
    return why;
  }
}

function leftBehind(ctx: GceContext, bucket: string, why: string): void {
  ctx.events({ level: 'warn', code: 'discovery.public-read-unread', message: `the public read of bucket ${bucket}, where the last apply published the service-account issuer, is not removed: ${why}; remove it yourself, or let hoist read the bucket and plan again`, data: { bucket } });
}

export const discoveryBucketReaderKind: TaskKind<GceContext> = {
  kind: 'DiscoveryBucketReader',
  uses: [],
  async discover(ctx) {
    const current = ctx.discovery ? await readerOf(ctx, ctx.discovery, ctx.mode.reconciling) : [];
    const previous = ctx.previousDiscovery && bucketOf(ctx.previousDiscovery.folder) !== (ctx.discovery && bucketOf(ctx.discovery.folder)) ? await readerOf(ctx, ctx.previousDiscovery, false) : [];
    return [...current, ...previous];
  },
  checkChanges: (_live, changes) => (changes.length > 0 ? { replaceReason: `a DiscoveryBucketReader cannot change (${changes[0]!.path})` } : {}),
  async create(ctx, task, resolved) {
    const d = resolved as unknown as DiscoveryBucketReaderFields;
    const policy = await ctx.iam.policy({ kind: 'bucket', bucket: d.bucket });
    // Marked before it is added: a binding hoist added is never left unmarked, so never taken for the user's.
    if (!(policy.bindings ?? []).some((b) => holds(b, d))) await markAdded(ctx, d.bucket, labelValue(ctx.cluster));
    await ctx.iam.modify({ kind: 'bucket', bucket: d.bucket }, (bindings) => {
      if (bindings.some((b) => holds(b, d))) return undefined;
      const at = bindings.findIndex((b) => b.role === d.role && b.condition === undefined);
      if (at < 0) return [...bindings, { role: d.role, members: [d.member] }];
      return bindings.map((b, i) => (i === at ? { ...b, members: [...b.members, d.member] } : b));
    });
    return { id: d.bucket, name: task.name, fields: { ...d }, outputs: { id: d.bucket } };
  },
  update: (_ctx, _task, live) => Promise.resolve(live),
  async delete(ctx, live) {
    const d = live.fields as unknown as DiscoveryBucketReaderFields;
    await ctx.iam.modify({ kind: 'bucket', bucket: d.bucket }, (bindings) => {
      if (!bindings.some((b) => holds(b, d))) return undefined;
      return bindings.map((b) => (holds(b, d) ? { ...b, members: b.members.filter((m) => m !== d.member) } : b));
    });
    await markAdded(ctx, d.bucket, null);
  },
};
