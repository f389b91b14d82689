/**
 * The registry of clouds: the only place that names them. Each cloud has one entry: its spec
 * rules (a small module with no SDK, loaded with the registry, so that spec commands check a
 * cloud's rules without loading the cloud) and its provider, imported when first asked for, so
 * a command loads one cloud's SDK only. Adding a cloud means adding its folder and one entry
 * here (docs/design.md, "Adding a cloud").
 */

import type { CloudProvider as CloudName, CloudSpecRules, CompletedSpec, SpecRulesByCloud } from '../src/api/index.js';
import type { CloudAddons } from './addons/types.js';
import { awsSpecRules } from './aws/spec-rules.js';
import { gceSpecRules } from './gce/spec-rules.js';
import { localSpecRules } from './local/spec-rules.js';
import type { CloudSession, OpenOptions, Provider } from './provider.js';

interface Cloud {
  readonly rules: CloudSpecRules;
  /** What the cloud adds to the addon set (templates, no SDK), imported when a plan needs it. */
  readonly addons: () => Promise<CloudAddons>;
  readonly provider: () => Promise<Provider>;
}

const CLOUDS: Readonly<Record<CloudName, Cloud>> = {
  aws: { rules: awsSpecRules, addons: async () => (await import('./aws/addons.js')).awsAddons, provider: async () => (await import('./aws/provider.js')).awsProvider },
  gce: { rules: gceSpecRules, addons: async () => (await import('./gce/addons.js')).gceAddons, provider: async () => (await import('./gce/provider.js')).gceProvider },
  local: { rules: localSpecRules, addons: async () => (await import('./local/addons.js')).localAddons, provider: async () => (await import('./local/provider.js')).localProvider },
};

const NAMES = Object.keys(CLOUDS) as CloudName[];

/**
 * Every cloud's spec rules, for the paths that learn the cloud from the spec they read (parsing,
 * the kops import, `create cluster`); src/api takes them as an argument.
 */
export const SPEC_RULES: SpecRulesByCloud = Object.fromEntries(NAMES.map((name) => [name, CLOUDS[name].rules])) as Record<CloudName, CloudSpecRules>;

/** The spec rules of one cloud, for validating a set whose cloud is known. */
export function specRulesOf(cloud: CloudName): CloudSpecRules {
  return CLOUDS[cloud].rules;
}

/** The addons a cloud contributes: its cloud controller, CSI driver, network plugins of its own. */
export function cloudAddonsOf(cloud: CloudName): Promise<CloudAddons> {
  return CLOUDS[cloud].addons();
}

export function providerOf(cloud: CloudName): Promise<Provider> {
  return CLOUDS[cloud].provider();
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
  const all = await Promise.all(NAMES.map(async (name) => [name, has(await providerOf(name))] as const));
  return all.filter(([, yes]) => yes).map(([name]) => name);
}
