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

import { parseDocument } from 'yaml';
import type { CompletedSpec } from '../../../src/api/index.js';
import { JWKS_PATH, OIDC_CONFIGURATION_PATH, irsaSettings } from '../../../src/api/irsa.js';
import type { LiveObject, ResolvedFields } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError, ValidationError } from '../../../src/errors.js';
import { jwksOf, readServiceAccountKeys } from '../../../src/pki/jwks.js';
import type { ObjectStore } from '../../../state-store/object-store.js';
import { completedSpecKey } from '../../../state-store/layout.js';
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
  /** `<discoveryStore>/<cluster>`; undefined when the spec publishes no issuer (an earlier spec may have). */
  readonly folder?: string;
  /** The keys of the documents this session looks for. */
  readonly keys: readonly string[];
  /** The cluster's folder of `discoveryStore`. */
  store(): Promise<ObjectStore>;
  /** A folder of a discovery store, opened once per session. */
  open(folder: string): Promise<ObjectStore>;
  /**
   * The folder the last applied spec published its documents in (the state store's
   * cluster-completed.spec), when it is not `folder`: what is found there is deleted.
   */
  previousFolder(): Promise<string | undefined>;
  /** The cluster's trusted service-account public keys, read from the state store; undefined before they exist. */
  serviceAccountKeys(): Promise<readonly string[] | undefined>;
  close(): void;
}

export interface DiscoveryContextOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The state store's URL: the service-account keyset and the last applied spec are read there. */
  readonly stateStore?: string;
}

/** The discovery folder a stored completed spec names, if it names one. */
function folderOf(completedSpec: string): string | undefined {
  try {
    const cluster = parseDocument(completedSpec.split(/^---$/m)[0] ?? '').toJS() as Parameters<typeof irsaSettings>[0] | null;
    return cluster?.spec === undefined ? undefined : irsaSettings(cluster)?.folder;
  } catch {
    // An unreadable record names no folder: nothing is deleted on its word.
    return undefined;
  }
}

/**
 * The session's discovery context: undefined when the cluster publishes no issuer and there is no
 * state store to say whether an earlier spec did.
 */
export function discoveryContext(spec: CompletedSpec, options: DiscoveryContextOptions): DiscoveryContext | undefined {
  const settings = irsaSettings(spec.cluster);
  if (settings === undefined && options.stateStore === undefined) return undefined;
  const cluster = spec.cluster.metadata.name;
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
  const folders = new Map<string, () => Promise<ObjectStore>>();
  const open = (folder: string) => {
    let get = folders.get(folder);
    if (get === undefined) {
      get = once(() => openStore(folder, { env: options.env, source: 'spec.serviceAccountIssuerDiscovery.discoveryStore' }));
      folders.set(folder, get);
    }
    return get();
  };
  const state = options.stateStore === undefined ? undefined : once(() => openStore(options.stateStore!, { env: options.env }));
  let previous: Promise<string | undefined> | undefined;
  return {
    ...(settings === undefined ? {} : { folder: settings.folder }),
    keys: [OIDC_CONFIGURATION_PATH, JWKS_PATH],
    store: () => {
      if (settings === undefined) throw new HoistError('INTERNAL', `cluster ${cluster} publishes no service-account issuer`);
      return open(settings.folder);
    },
    open,
    previousFolder: () => {
      previous ??= (async () => {
        if (state === undefined) return undefined;
        const found = await (await state()).get(completedSpecKey(cluster));
        const folder = found === undefined ? undefined : folderOf(Buffer.from(found.body).toString('utf8'));
        return folder === settings?.folder ? undefined : folder;
      })();
      return previous;
    },
    serviceAccountKeys: async () => (state === undefined || settings === undefined ? undefined : readServiceAccountKeys(await state(), cluster)),
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

/** The documents of one folder, named by `name`; undefined when the folder's bucket does not exist. */
async function readFolder(discovery: DiscoveryContext, folder: string, name: (key: string) => string): Promise<LiveObject[] | undefined> {
  const store = await discovery.open(folder);
  let found: { key: string; object: Awaited<ReturnType<ObjectStore['get']>> }[];
  try {
    found = await Promise.all(discovery.keys.map(async (key) => ({ key, object: await store.get(key) })));
  } catch (e) {
    if (hasName((e as { cause?: unknown }).cause ?? e, 'NoSuchBucket')) return undefined;
    throw e;
  }
  return found.flatMap(({ key, object }) => {
    if (object === undefined) return [];
    const id = `${folder}/${key}`;
    const fields: DiscoveryDocumentFields = { folder, key, document: parse(Buffer.from(object.body).toString('utf8')) };
    return [{ id, name: name(key), fields: { ...fields }, outputs: { id } }];
  });
}

async function listDocuments(ctx: AwsContext): Promise<LiveObject[]> {
  const discovery = ctx.discovery;
  if (discovery === undefined) return [];
  return ctx.listings.get('discoveryDocuments', async () => {
    const folder = discovery.folder;
    const current = folder === undefined ? [] : await readFolder(discovery, folder, (key) => documentName(key, ctx.cluster));
    // A teardown has nothing to delete in a bucket that is gone; a plan needs the bucket.
    if (current === undefined && ctx.mode.reconciling) {
      throw new ValidationError(`cluster ${ctx.cluster}`, [{
        path: 'spec.serviceAccountIssuerDiscovery.discoveryStore',
        value: folder,
        message: 'is in a bucket that does not exist',
        fix: 'create the bucket in the cluster\'s region and let anyone read the cluster\'s folder (docs/aws.md, IAM roles for service accounts)',
      }]);
    }
    // What the last applied spec published elsewhere (another discoveryStore, or IRSA since
    // turned off) is no longer in the spec: the plan deletes it. A bucket that is gone holds none.
    const previous = await discovery.previousFolder();
    const old = previous === undefined ? [] : await readFolder(discovery, previous, (key) => `${documentName(key, ctx.cluster)}@${previous}`);
    return [...(current ?? []), ...(old ?? [])];
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
    // The document's own folder: a previous discovery store's, or the spec's.
    const { folder, key } = liveFields<DiscoveryDocumentFields>(live);
    const store = await ctx.discovery?.open(folder);
    await store?.delete(key);
  },
});
