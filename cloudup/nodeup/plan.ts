/**
 * The node configurations of a plan: choose where assets come from, read their checksums there
 * (once per plan), and build every group's nodeup.yaml.
 *
 * Assets come from `spec.assets.fileRepository` when set; otherwise from where the cluster's
 * cloud says (the upstream release locations, or the local cloud's stand-in mirror).
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { ValidationError } from '../../src/errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { readSecrets } from '../../state-store/secrets.js';
import { assetLocations, pinAssets } from '../../src/assets/index.js';
import type { ReadLocation } from '../../src/assets/index.js';
import type { EventSink } from '../../src/output/events.js';
import { apiPortOf } from '../provider.js';
import type { Provider } from '../provider.js';
import { providerFor } from '../providers.js';
import { buildNodeupConfigs } from './build.js';
import type { BuildNodeupOptions, NodeupConfigs } from './build.js';

export interface PlanNodeupOptions {
  readonly stateStore: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
  readonly read?: ReadLocation;
  readonly apiEndpoint?: BuildNodeupOptions['apiEndpoint'];
  /** Where the cluster's secrets are read, which nodeup.yaml pins (tests of nodeup alone pass none). */
  readonly store?: ObjectStore;
}

export async function planNodeupConfigs(completed: CompletedSpec, options: PlanNodeupOptions): Promise<NodeupConfigs> {
  return (await readNodeupInputs(completed, options)).build(options.apiEndpoint);
}

/** What the configurations are made from, read; `build` makes them, reading nothing more. */
export interface NodeupInputs {
  build(apiEndpoint?: BuildNodeupOptions['apiEndpoint']): NodeupConfigs;
}

/**
 * Reads what the configurations are made from (the stored secrets' hashes, the assets'
 * checksums), so that a plan can do this before discovery fills the cloud's answers and only
 * the work that reads nothing runs beside it.
 */
export async function readNodeupInputs(completed: CompletedSpec, options: Omit<PlanNodeupOptions, 'apiEndpoint'>): Promise<NodeupInputs> {
  const secrets = options.store === undefined ? undefined : await secretHashes(options.store, completed);
  const provider = await providerFor(completed);
  const repository = await assetRepository(completed, provider, options);
  const locations = assetLocations(completed, repository);
  const started = Date.now();
  const assets = await pinAssets(locations, options.read);
  options.events({
    level: 'debug',
    code: 'nodeup.assets-pinned',
    message: `pinned ${assets.length} node assets from ${repository ?? 'their upstream locations'} in ${Date.now() - started} ms`,
    data: { repository, assets: assets.map((a) => ({ name: a.name, url: a.url, ...(a.sha512 === undefined ? { sha256: a.sha256 } : { sha512: a.sha512 }) })) },
  });
  const apiPort = apiPortOf(provider, completed);
  return {
    build: (apiEndpoint) =>
      buildNodeupConfigs(completed, {
        stateStore: options.stateStore,
        assets,
        ...(apiEndpoint ? { apiEndpoint } : {}),
        // Machines reach the API's DNS names on the port its load balancer listens on, as kubeconfigs do.
        ...(apiPort === undefined ? {} : { apiPort }),
        ...(secrets === undefined ? {} : { secrets }),
      }),
  };
}

/** The sha256 of each stored secret; spec.encryptionConfig without an encryption config is refused here. */
async function secretHashes(store: ObjectStore, completed: CompletedSpec): Promise<BuildNodeupOptions['secrets']> {
  const cluster = completed.cluster.metadata.name;
  const found = Object.fromEntries((await readSecrets(store, cluster)).map((s) => [s.name, s.sha256]));
  if (completed.cluster.spec.encryptionConfig === true && found.encryptionconfig === undefined) {
    throw new ValidationError(`cluster ${cluster}`, [{
      path: 'spec.encryptionConfig',
      value: true,
      message: 'needs an EncryptionConfiguration in the secret store, and there is none',
      fix: `store one first: hoist create secret encryptionconfig -f FILE --name ${cluster} (docs/secrets.md), or unset spec.encryptionConfig`,
    }]);
  }
  return found;
}

async function assetRepository(completed: CompletedSpec, provider: Provider, options: PlanNodeupOptions): Promise<string | undefined> {
  const mirror = completed.cluster.spec.assets?.fileRepository;
  if (mirror !== undefined && mirror !== '') return mirror;
  return provider.assetRepository(completed, options.env);
}
