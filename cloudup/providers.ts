/**
 * The registry of clouds: the only place that names them. Each cloud's provider is imported
 * when first asked for, so a command loads one cloud's SDK only. Adding a cloud means adding
 * its folder and one line here (docs/design.md, "Adding a cloud").
 */

import type { CloudProvider as CloudName, CompletedSpec } from '../src/api/index.js';
import type { CloudSession, OpenOptions, Provider } from './provider.js';

const PROVIDERS: Readonly<Record<CloudName, () => Promise<Provider>>> = {
  aws: async () => (await import('./aws/provider.js')).awsProvider,
  gce: async () => (await import('./gce/provider.js')).gceProvider,
  local: async () => (await import('./local/provider.js')).localProvider,
};

export function providerOf(cloud: CloudName): Promise<Provider> {
  return PROVIDERS[cloud]();
}

/** The provider of the spec's cloud. */
export function providerFor(spec: CompletedSpec): Promise<Provider> {
  return providerOf(spec.cluster.spec.cloudProvider);
}

/** Opens a session with the spec's cloud; the caller closes it. */
export async function openCloud(spec: CompletedSpec, options: OpenOptions): Promise<CloudSession> {
  return (await providerFor(spec)).open(spec, options);
}

/** The clouds whose provider has a capability (to say which clouds a command supports). */
export async function cloudsWhere(has: (p: Provider) => boolean): Promise<CloudName[]> {
  const all = await Promise.all((Object.keys(PROVIDERS) as CloudName[]).map(async (name) => [name, has(await providerOf(name))] as const));
  return all.filter(([, yes]) => yes).map(([name]) => name);
}
