/**
 * The addon set of a cluster, rendered from its completed spec: core, the network plugin that
 * spec.networking names, CoreDNS (and node-local-dns when spec.kubeDNS.nodeLocalDNS is on), what
 * the cloud contributes (its cloud controller and CSI driver, and addons only it runs, such as
 * its identity webhooks), the optional addons the spec
 * switches on, then the user's. Each addon becomes one
 * multi-document YAML manifest whose objects carry the addon's name and version labels; the
 * manifest's sha256 says whether it changed.
 */

import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { clusterDNSDomain } from '../../src/api/index.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { ValidationError } from '../../src/errors.js';
import { ADDON_NAME_LABEL, ADDON_VERSION_LABEL } from '../../nodeup/addons/channel.js';
import type { AddonEntry } from '../../nodeup/addons/channel.js';
import { kubeDNSSettings } from '../../src/api/kube-dns.js';
import { calicoAddon } from './templates/calico.js';
import { ciliumAddon } from './templates/cilium.js';
import { coreAddon } from './templates/core.js';
import { corednsAddon } from './templates/coredns.js';
import { flannelAddon } from './templates/flannel.js';
import { kindnetAddon } from './templates/kindnet.js';
import { nodeLocalDNSAddon } from './templates/node-local-dns.js';
import { clusterAutoscalerAddon, metricsServerAddon, nodeProblemDetectorAddon } from './templates/optional.js';
import type { AddonContext, AddonDefinition, CloudAccount, CloudAddons, KubeObject } from './types.js';

/** One addon ready to publish: its channel entry and the manifest its sha256 is of. */
export interface RenderedAddon {
  readonly entry: AddonEntry;
  readonly manifest: string;
}

/** Network plugins every cloud offers; `cni` and `kubenet` publish none. */
const NETWORKS: Readonly<Record<string, ((ctx: AddonContext) => AddonDefinition) | null>> = {
  kindnet: kindnetAddon,
  flannel: flannelAddon,
  cilium: ciliumAddon,
  calico: calicoAddon,
  cni: null,
  kubenet: null,
};

export function addonContext(completed: CompletedSpec, pki: AddonInputs = {}): AddonContext {
  const spec = completed.cluster.spec;
  const mirror = spec.assets?.containerRegistry?.replace(/\/+$/, '');
  return {
    completed,
    cluster: completed.cluster.metadata.name,
    clusterDNS: kubeDNSSettings(spec).serverIP,
    clusterDomain: clusterDNSDomain(spec),
    podCIDR: spec.podCIDR ?? '',
    // A mirror holds each image under the same repository path, below its own host.
    image: (reference) => (mirror === undefined || mirror === '' ? reference : `${mirror}/${reference.replace(/^[^/]+\//, '')}`),
    ...(pki.clusterCA === undefined ? {} : { clusterCA: pki.clusterCA }),
    ...(pki.account === undefined ? {} : { account: pki.account }),
  };
}

/** What the PKI gives the templates: the cluster CA's bundle, for the webhooks' configurations. */
export interface AddonPki {
  readonly clusterCA?: string;
}

/** What the templates read besides the spec: the PKI's, and the cloud account when the cloud's addons name it. */
export interface AddonInputs extends AddonPki {
  readonly account?: CloudAccount;
}

/** Whether any builtin addon of the spec needs the cluster CA (a webhook's caBundle): only the cloud's do. */
export const needsClusterCA = (completed: CompletedSpec, cloud: CloudAddons): boolean => cloud.needsClusterCA?.(completed) === true;

/** The builtin addons of a cluster, in apply order. */
export function builtinAddons(completed: CompletedSpec, cloud: CloudAddons, pki: AddonInputs = {}): AddonDefinition[] {
  const ctx = addonContext(completed, pki);
  const spec = completed.cluster.spec;
  const network = Object.keys(spec.networking)[0] ?? 'cni';
  const template = network in NETWORKS ? NETWORKS[network] : cloud.networking?.[network];
  if (template === undefined) {
    throw new ValidationError('the cluster spec', [{
      path: `spec.networking.${network}`,
      value: (spec.networking as Readonly<Record<string, unknown>>)[network],
      message: `is not available on cloud ${spec.cloudProvider}`,
      fix: `use one of ${[...Object.keys(NETWORKS), ...Object.keys(cloud.networking ?? {})].join(', ')}`,
    }]);
  }
  return [
    coreAddon(),
    ...(template === null ? [] : [template(ctx)]),
    corednsAddon(ctx),
    ...(kubeDNSSettings(spec).nodeLocalDNS === undefined ? [] : [nodeLocalDNSAddon(ctx)]),
    ...cloud.addons(ctx),
    ...(spec.metricsServer?.enabled === true ? [metricsServerAddon(ctx)] : []),
    ...(spec.clusterAutoscaler?.enabled === true ? [clusterAutoscalerAddon(ctx, cloud)] : []),
    ...(spec.nodeProblemDetector?.enabled === true ? [nodeProblemDetectorAddon(ctx)] : []),
  ];
}

/** Labels every object with its addon's name and version: the applier prunes by the name. */
export function labelled(objects: readonly KubeObject[], name: string, version: string): KubeObject[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, labels: { ...(o.metadata.labels ?? {}), [ADDON_NAME_LABEL]: name, [ADDON_VERSION_LABEL]: labelValue(version) } } }));
}

/** A label value is at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
function labelValue(version: string): string {
  return version.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
}

export function manifestOf(objects: readonly KubeObject[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function renderBuiltin(addon: AddonDefinition): RenderedAddon {
  const manifest = manifestOf(labelled(addon.objects, addon.name, addon.version));
  return { entry: { name: addon.name, version: addon.version, sha256: sha256(manifest), source: 'builtin', health: [...addon.health] }, manifest };
}
