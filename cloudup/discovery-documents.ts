/**
 * The service-account issuer's two discovery documents, as any cloud publishes them in its
 * discovery store (spec.serviceAccountIssuerDiscovery.discoveryStore) under the cluster's folder,
 * where kube-apiserver would serve them: `.well-known/openid-configuration` and `openid/v1/jwks`.
 * The documents are JSON; a plan compares them field by field, so a rotated service-account key
 * shows as a change of the JWKS. Cloud-neutral: a cloud's DiscoveryDocument kind reads and
 * writes through the DiscoveryContext its session opens (hoist's object stores, state-store/).
 *
 * Before a cluster's first apply its service-account key does not exist yet: the JWKS task then
 * desires PENDING_KEYS, and its apply reads the key the apply has just made.
 */

import { parseDocument } from 'yaml';
import type { Cluster, CompletedSpec } from '../src/api/index.js';
import { JWKS_PATH, OIDC_CONFIGURATION_PATH, irsaSettings } from '../src/api/irsa.js';
import type { IrsaSettings } from '../src/api/irsa.js';
import type { Fields, LiveObject, ResolvedFields } from '../src/engine/task.js';
import { taskConstructor } from '../src/engine/task.js';
import { HoistError } from '../src/errors.js';
import type { EventSink } from '../src/output/events.js';
import { jwksOf, readServiceAccountKeys } from '../src/pki/jwks.js';
import { completedSpecKey } from '../state-store/layout.js';
import type { ObjectStore } from '../state-store/object-store.js';
import { openStore } from '../state-store/open.js';

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
  /** The cluster's folder. */
  store(): Promise<ObjectStore>;
  /**
   * The whole bucket of the discovery store (`discoveryStore` may name a folder of it), where other
   * clusters may publish too, under that folder or another.
   */
  root(): Promise<ObjectStore>;
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
  const source = 'spec.serviceAccountIssuerDiscovery.discoveryStore';
  const store = once(() => openStore(settings.folder, { env: options.env, source }));
  // The bucket, not the store's folder: a bucket's public read serves every folder of it.
  const bucket = /^[a-z][a-z0-9+.-]*:\/\/[^/]+/i.exec(settings.folder)?.[0] ?? settings.folder;
  const root = once(() => openStore(bucket, { env: options.env, source }));
  const state = options.stateStore === undefined ? undefined : once(() => openStore(options.stateStore!, { env: options.env }));
  return {
    folder: settings.folder,
    keys: [OIDC_CONFIGURATION_PATH, JWKS_PATH],
    store,
    root,
    serviceAccountKeys: async () => (state === undefined ? undefined : readServiceAccountKeys(await state(), spec.cluster.metadata.name)),
    close: () => {
      for (const p of opened) p.then((s) => s.close?.(), () => undefined);
    },
  };
}

/** The discovery document kube-apiserver would serve for the issuer. */
export function openidConfiguration(s: Pick<IrsaSettings, 'issuer' | 'jwksUri'>): Fields {
  return {
    issuer: s.issuer,
    jwks_uri: s.jwksUri,
    authorization_endpoint: 'urn:kubernetes:programmatic_authorization',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256', 'RS256'],
    claims_supported: ['sub', 'iss'],
  };
}

/** Task names: `openid-configuration.<cluster>`, `jwks.<cluster>`. */
export function documentName(key: string, cluster: string): string {
  return `${key.split('/').pop()}.${cluster}`;
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

/** The documents the cluster's folder holds, as live objects (named `name(key)`, by default the task's name). */
export async function readDocuments(discovery: DiscoveryContext, cluster: string, name: (key: string) => string = (key) => documentName(key, cluster)): Promise<LiveObject[]> {
  const store = await discovery.store();
  const found = await Promise.all(discovery.keys.map(async (key) => ({ key, object: await store.get(key) })));
  return found.flatMap(({ key, object }) => {
    if (object === undefined) return [];
    const id = `${discovery.folder}/${key}`;
    const fields: DiscoveryDocumentFields = { folder: discovery.folder, key, document: parse(Buffer.from(object.body).toString('utf8')) };
    return [{ id, name: name(key), fields: { ...fields }, outputs: { id } }];
  });
}

/** Whether an object store's error says that its bucket does not exist. */
export function isMissingBucket(e: unknown): boolean {
  return e instanceof HoistError && e.code === 'STORE' && /bucket .* does not exist/.test(e.message);
}

/**
 * The documents left in the store the last apply published in (the spec names another, or none),
 * which the plan deletes. That store is no longer the spec's, so it must not hold the cluster
 * hostage: a bucket that is gone holds none, and on any other error (a bucket that now refuses
 * hoist) nothing is planned there and a warning says what is left behind. Only an apply rewrites
 * the record that names this store, so failing here would fail every plan.
 */
export async function readPreviousDocuments(previous: DiscoveryContext, cluster: string, events: EventSink, name?: (key: string) => string): Promise<LiveObject[]> {
  try {
    return await readDocuments(previous, cluster, name);
  } catch (e) {
    if (isMissingBucket(e)) return [];
    const reason = e instanceof Error ? e.message : String(e);
    events({
      level: 'warn',
      code: 'discovery.previous-unreadable',
      message: `cannot read ${previous.folder}, where the last apply published the service-account issuer (${reason}): its documents (${previous.keys.join(', ')}) are not deleted and stay there; delete them yourself, or let hoist read the store and plan again`,
      data: { folder: previous.folder, keys: previous.keys, reason },
    });
    return [];
  }
}

/** The cluster a stored completed spec holds, if it is this cluster's and readable. */
export function storedCluster(text: string, cluster: string): Cluster | undefined {
  try {
    const doc = parseDocument(text.split(/^---$/m)[0] ?? '').toJS() as Cluster | null;
    return doc?.kind === 'Cluster' && doc.metadata?.name === cluster && doc.spec !== undefined ? doc : undefined;
  } catch {
    // An unreadable record names no store: nothing is deleted on its word.
    return undefined;
  }
}

/** The discovery store the last apply published in, opened when first asked for. */
export interface PreviousDiscovery {
  /** Its context, when the last applied spec (the state store's cluster-completed.spec) published in a folder that is not the spec's. */
  get(): Promise<DiscoveryContext | undefined>;
  close(): void;
}

/** The store the last apply published in, read from the state store once; undefined without a state store. */
export function previousDiscovery(spec: CompletedSpec, options: DiscoveryContextOptions): PreviousDiscovery | undefined {
  const stateStore = options.stateStore;
  if (stateStore === undefined) return undefined;
  const cluster = spec.cluster.metadata.name;
  const current = irsaSettings(spec.cluster)?.folder;
  let found: Promise<DiscoveryContext | undefined> | undefined;
  return {
    get: () => {
      found ??= (async () => {
        const state = await openStore(stateStore, { env: options.env });
        try {
          const stored = await state.get(completedSpecKey(cluster));
          const before = stored === undefined ? undefined : storedCluster(Buffer.from(stored.body).toString('utf8'), cluster);
          const folder = before === undefined ? undefined : irsaSettings(before)?.folder;
          return folder === undefined || folder === current ? undefined : discoveryContext({ ...spec, cluster: before } as unknown as CompletedSpec, options);
        } finally {
          state.close?.();
        }
      })();
      return found;
    },
    close: () => {
      found?.then((d) => d?.close(), () => undefined);
    },
  };
}

/** Writes one document (the JWKS with the keys this apply made, when the plan had none yet). */
export async function writeDocument(discovery: DiscoveryContext | undefined, task: { readonly name: string }, d: DiscoveryDocumentFields): Promise<LiveObject> {
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
