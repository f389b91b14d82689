/**
 * DiscoveryDocument: one of the two documents of the service-account issuer, written to the
 * discovery store (spec.serviceAccountIssuerDiscovery.discoveryStore) under the cluster's
 * folder, where kube-apiserver would serve them: `.well-known/openid-configuration` and
 * `openid/v1/jwks`. The documents are JSON; the plan compares them field by field, so a
 * rotated service-account key shows as a change of the JWKS.
 *
 * The store is read through hoist's object stores (state-store/), opened once per session.
 * Making the folder publicly readable is the bucket owner's part (docs/aws.md): hoist writes
 * plain objects, as a bucket with ACLs disabled accepts.
 *
 * Before a cluster's first apply its service-account key does not exist yet: the JWKS task then
 * desires PENDING_KEYS, and its apply reads the key the apply has just made.
 */

import type { CompletedSpec } from '../../../src/api/index.js';
import { JWKS_PATH, OIDC_CONFIGURATION_PATH, irsaSettings } from '../../../src/api/irsa.js';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError, ValidationError } from '../../../src/errors.js';
import { jwksOf, readServiceAccountKeys } from '../../../src/pki/jwks.js';
import type { ObjectStore } from '../../../state-store/object-store.js';
import { openStore } from '../../../state-store/open.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { awsKind, liveFields } from './kind.js';

export interface DiscoveryDocumentFields {
  /** The cluster's folder of the discovery store: `<discoveryStore>/<cluster>`. */
  readonly folder: string;
  /** The object's key in the folder. */
  readonly key: string;
  readonly document: ResolvedFields;
}

export const discoveryDocumentTask = taskConstructor<DiscoveryDocumentFields>('DiscoveryDocument');

/** What the JWKS holds in a plan made before the service-account key exists. */
export const PENDING_KEYS = '(the service-account keys, made by this apply)';

/** The session's access to the discovery store and to the keys it publishes. */
export interface DiscoveryContext {
  /** `<discoveryStore>/<cluster>`. */
  readonly folder: string;
  /** The keys of the documents this session looks for. */
  readonly keys: readonly string[];
  store(): Promise<ObjectStore>;
  /** The cluster's trusted service-account public keys, read from the state store; undefined before they exist. */
  serviceAccountKeys(): Promise<readonly string[] | undefined>;
  close(): void;
}

export interface DiscoveryContextOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The state store's URL: the service-account keyset is read there. */
  readonly stateStore?: string;
}

/** The session's discovery context, or undefined when the cluster publishes no issuer. */
export function discoveryContext(spec: CompletedSpec, options: DiscoveryContextOptions): DiscoveryContext | undefined {
  const settings = irsaSettings(spec.cluster);
  if (settings === undefined) return undefined;
  const opened: Promise<ObjectStore>[] = [];
  const once = (open: () => Promise<ObjectStore>) => {
    let p: Promise<ObjectStore> | undefined;
    return () => {
      if (p === undefined) {
        p = open();
        opened.push(p);
      }
      return p;
    };
  };
  const store = once(() => openStore(settings.folder, { env: options.env, source: 'spec.serviceAccountIssuerDiscovery.discoveryStore' }));
  const state = options.stateStore === undefined ? undefined : once(() => openStore(options.stateStore!, { env: options.env }));
  return {
    folder: settings.folder,
    keys: [OIDC_CONFIGURATION_PATH, JWKS_PATH],
    store,
    serviceAccountKeys: async () => (state === undefined ? undefined : readServiceAccountKeys(await state(), spec.cluster.metadata.name)),
    close: () => {
      for (const p of opened) p.then((s) => s.close?.(), () => undefined);
    },
  };
}

function parse(text: string): ResolvedFields {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as ResolvedFields;
  } catch {
    // Not JSON: compared as text, so the plan rewrites it.
  }
  return { text };
}

async function listDocuments(ctx: AwsContext): Promise<LiveObject[]> {
  const discovery = ctx.discovery;
  if (discovery === undefined) return [];
  return ctx.listings.get('discoveryDocuments', async () => {
    const store = await discovery.store();
    let found: { key: string; object: Awaited<ReturnType<ObjectStore['get']>> }[];
    try {
      found = await Promise.all(discovery.keys.map(async (key) => ({ key, object: await store.get(key) })));
    } catch (e) {
      if (!hasName((e as { cause?: unknown }).cause ?? e, 'NoSuchBucket')) throw e;
      // A teardown has nothing to delete in a bucket that is gone; a plan needs the bucket.
      if (!ctx.mode.reconciling) return [];
      throw new ValidationError(`cluster ${ctx.cluster}`, [{
        path: 'spec.serviceAccountIssuerDiscovery.discoveryStore',
        value: discovery.folder,
        message: 'is in a bucket that does not exist',
        fix: 'create the bucket in the cluster\'s region and let anyone read the cluster\'s folder (docs/aws.md, IAM roles for service accounts)',
      }]);
    }
    return found.flatMap(({ key, object }) => {
      if (object === undefined) return [];
      const id = `${discovery.folder}/${key}`;
      const fields: DiscoveryDocumentFields = { folder: discovery.folder, key, document: parse(Buffer.from(object.body).toString('utf8')) };
      return [{ id, name: documentName(key, ctx.cluster), fields: { ...fields }, outputs: { id } }];
    });
  });
}

/** Task names: `openid-configuration.<cluster>`, `jwks.<cluster>`. */
export function documentName(key: string, cluster: string): string {
  return `${key.split('/').pop()}.${cluster}`;
}

async function write(ctx: AwsContext, task: { readonly name: string }, d: DiscoveryDocumentFields): Promise<LiveObject> {
  const discovery = ctx.discovery;
  if (discovery === undefined || discovery.folder !== d.folder) throw new HoistError('INTERNAL', `${task.name}: the session has no discovery store ${d.folder}`);
  let document = d.document;
  if (document['keys'] === PENDING_KEYS) {
    const keys = await discovery.serviceAccountKeys();
    if (keys === undefined) throw new HoistError('STORE', `${task.name}: the cluster's service-account keyset does not exist`, { hint: 'run update cluster --yes, which makes it' });
    document = { ...document, ...jwksOf(keys) } as unknown as ResolvedFields;
  }
  const store = await discovery.store();
  await store.put(d.key, `${JSON.stringify(document, null, 2)}\n`);
  const id = `${discovery.folder}/${d.key}`;
  return { id, name: task.name, fields: { folder: d.folder, key: d.key, document }, outputs: { id } };
}

export const discoveryDocumentKind = awsKind<DiscoveryDocumentFields>({
  kind: 'DiscoveryDocument',
  uses: [],
  immutable: ['folder', 'key'],
  list: listDocuments,
  create: (ctx, task, d) => write(ctx, task, d),
  update: (ctx, task, _live, d) => write(ctx, task, d),
  async delete(ctx, live) {
    const store = await ctx.discovery?.store();
    await store?.delete(liveFields<DiscoveryDocumentFields>(live).key);
  },
});
