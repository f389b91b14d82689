/**
 * nodeup.yaml for every instance group of a cluster: a pure function of the completed spec and
 * the pinned asset checksums (never of CA material), so that a plan can show its hash. The
 * hash goes into the boot configuration; a change of nodeup.yaml changes the instance
 * template's version, and so marks running machines out of date.
 */

import { egressProxySettings, machineSettings } from '../../src/api/index.js';
import { WARM_POOL_HOOK, warmPoolOf } from '../../src/api/warm-pool.js';
import type { CompletedInstanceGroup, CompletedSpec, MachineHook } from '../../src/api/index.js';
import type { AssetLocation, PinnedAsset } from '../../src/assets/index.js';
import { API_SERVER_PORT, apiServerUrlFromSpec } from '../../src/pki/api-endpoint.js';
import { hashText } from '../../nodeup/config/hash.js';
import { NODEUP_CONFIG_KIND } from '../../nodeup/config/schema.js';
import type { NodeupConfig } from '../../nodeup/config/schema.js';
import { apiServerOnlySettings, controlPlaneSettings, kubeProxySettings, kubeletSettings } from './components.js';
import { NodeupYamlText } from './yaml-text.js';

export interface NodeupConfigFile {
  readonly config: NodeupConfig;
  /** The exact text written to `igconfig/<ig>/nodeup.yaml`. */
  readonly yaml: string;
  /** `sha256:<hex>` of `yaml`. */
  readonly hash: string;
}

export type NodeupConfigs = ReadonlyMap<string, NodeupConfigFile>;

export interface BuildNodeupOptions {
  readonly stateStore: string;
  /** With checksums pinned; a location without one (a preview that could not read it) pins "". */
  readonly assets: readonly (AssetLocation | PinnedAsset)[];
  /**
   * How machines reach the API when the cluster has no DNS name for it (`topology.dns.type:
   * None`): the load balancer's URL, and its name (or address), which the API server's
   * certificate then carries. Default: the API's DNS name.
   */
  readonly apiEndpoint?: { readonly url: string; readonly host: string };
  /**
   * The port of the API's DNS names, where the cloud's load balancer listens (the provider's
   * `apiPort`: 443 on AWS, 6443 on GCE). Default: the API servers' own, 6443.
   */
  readonly apiPort?: number;
  /**
   * The sha256 of each file in the cluster's secret store (state-store/secrets.ts), which
   * nodeup.yaml pins: the docker config goes to every machine that runs a kubelet, the
   * encryption config to the control plane when spec.encryptionConfig is true.
   */
  readonly secrets?: Readonly<Partial<Record<'dockerconfig' | 'encryptionconfig', string>>>;
}

/** The CAs every node trusts, and those whose keys only the control plane reads. */
export const CA_KEYSETS = ['kubernetes-ca', 'etcd-peers-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca'] as const;
export const CONTROL_PLANE_SECRETS = [...CA_KEYSETS, 'service-account'] as const;
/**
 * An APIServer machine issues what its API server and kubelet present, as the control plane
 * does, from the same CAs: no new keyset. It runs no etcd member, so it never reads the etcd
 * peers' CA; it signs tokens with the control plane's service-account key.
 */
export const API_SERVER_CAS = ['kubernetes-ca', 'etcd-clients-ca', 'apiserver-aggregator-ca'] as const;
export const API_SERVER_SECRETS = [...API_SERVER_CAS, 'service-account'] as const;
/** Client credentials `update cluster --yes` makes for each worker group. */
export const NODE_CREDENTIALS = ['kubelet-bootstrap', 'kube-proxy'] as const;

const PACKAGES = ['conntrack', 'ebtables', 'ethtool', 'iptables', 'socat'];
const SYSCTLS: Readonly<Record<string, string>> = {
  'fs.inotify.max_user_instances': '8192',
  'fs.inotify.max_user_watches': '524288',
  'net.bridge.bridge-nf-call-ip6tables': '1',
  'net.bridge.bridge-nf-call-iptables': '1',
  'net.ipv4.ip_forward': '1',
  'vm.overcommit_memory': '1',
};
const SANDBOX_IMAGE = 'pause:3.10';

export function buildNodeupConfigs(completed: CompletedSpec, options: BuildNodeupOptions): Map<string, NodeupConfigFile> {
  // One cache for all the groups: most of their text is the same (yaml-text.ts).
  const text = new NodeupYamlText();
  return new Map(completed.instanceGroups.map((ig) => [ig.metadata.name, nodeupConfigFile(buildNodeupConfig(completed, ig, options), text)]));
}

export function nodeupConfigFile(config: NodeupConfig, text = new NodeupYamlText()): NodeupConfigFile {
  const yaml = text.render(config);
  return { config, yaml, hash: hashText(yaml) };
}

export { hashText };

/** The group's warm pool, as nodeup reads it: only when it has one. */
function warmPoolSettings(completed: CompletedSpec, ig: CompletedInstanceGroup): Pick<NodeupConfig, 'warmPool'> {
  const pool = warmPoolOf(completed.cluster.spec, ig);
  if (pool === undefined) return {};
  return { warmPool: pool.enableLifecycleHook ? { lifecycleHook: WARM_POOL_HOOK } : {} };
}

export function buildNodeupConfig(completed: CompletedSpec, ig: CompletedInstanceGroup, options: BuildNodeupOptions): NodeupConfig {
  const c = completed.cluster.spec;
  const role = ig.spec.role;
  const plane = role === 'ControlPlane';
  const apiOnly = role === 'APIServer';
  // A bastion runs no Kubernetes component: it gets the OS settings and nothing to trust.
  const kube = role !== 'Bastion';
  const registry = c.assets?.containerRegistry ?? 'registry.k8s.io';
  const machine = machineSettings(completed.cluster, ig);
  const apiServer = options.apiEndpoint?.url ?? apiServerUrlFromSpec(completed, { port: options.apiPort ?? API_SERVER_PORT });
  const proxy = egressProxySettings(c, options.apiEndpoint?.host);
  return {
    apiVersion: 'hoist.dev/v1alpha1',
    kind: NODEUP_CONFIG_KIND,
    cluster: completed.cluster.metadata.name,
    instanceGroup: ig.metadata.name,
    role,
    kubernetesVersion: c.kubernetesVersion.replace(/^v/, ''),
    stateStore: options.stateStore,
    apiServer,
    imageRegistry: registry,
    assets: kube
      ? options.assets
          .filter((a) => a.roles.includes(role))
          .map((a) => ({ name: a.name, version: a.version, url: a.url, sha256: ('sha256' in a && a.sha256) || '', ...('sha512' in a && a.sha512 !== undefined ? { sha512: a.sha512 } : {}) }))
      : [],
    packages: kube ? [...new Set([...PACKAGES, ...machine.packages])] : [...machine.packages],
    sysctls: { ...(kube ? SYSCTLS : {}), ...machine.sysctls },
    ...(machine.files.length > 0 ? { files: machine.files.map((f) => ({ ...f })) } : {}),
    ...(machine.hooks.length > 0 ? { hooks: machine.hooks.map(nodeupHook) } : {}),
    // Each only when set, so that nodeup.yaml (and its hash) is unchanged without them.
    ...(machine.ntp ? { ntp: { ...machine.ntp } } : {}),
    ...(machine.updatePolicy !== undefined ? { updatePolicy: machine.updatePolicy } : {}),
    ...(machine.volumeMounts.length > 0 ? { volumeMounts: machine.volumeMounts.map((m) => ({ device: m.device, path: m.path, filesystem: m.filesystem, formatOptions: [...m.formatOptions], mountOptions: [...m.mountOptions] })) } : {}),
    containerd: { version: options.assets.find((a) => a.name === 'containerd')?.version ?? '', sandboxImage: `${registry}/${SANDBOX_IMAGE}` },
    ...(proxy ? { egressProxy: { url: proxy.url, noProxy: proxy.noProxy } } : {}),
    kubelet: kubeletSettings(completed, ig),
    kubeProxy: kubeProxySettings(completed),
    ...warmPoolSettings(completed, ig),
    ...(plane ? { controlPlane: controlPlaneSettings(completed, ig, options.apiEndpoint?.host) } : {}),
    ...(apiOnly ? { controlPlane: apiServerOnlySettings(completed, ig, options.apiEndpoint?.host) } : {}),
    ...nodeSecrets(options.secrets, { kube, plane: plane || apiOnly, encrypt: c.encryptionConfig === true }),
    pki: {
      trust: kube ? (plane ? [...CA_KEYSETS] : apiOnly ? [...API_SERVER_CAS] : ['kubernetes-ca']) : [],
      secrets: plane ? [...CONTROL_PLANE_SECRETS] : apiOnly ? [...API_SERVER_SECRETS] : [],
      credentials: role === 'Node' ? [...NODE_CREDENTIALS] : [],
    },
  };
}

function nodeSecrets(hashes: BuildNodeupOptions['secrets'], on: { kube: boolean; plane: boolean; encrypt: boolean }): Pick<NodeupConfig, 'secrets'> {
  const docker = on.kube ? hashes?.dockerconfig : undefined;
  const encryption = on.plane && on.encrypt ? hashes?.encryptionconfig : undefined;
  const secrets = [
    ...(docker === undefined ? [] : [{ name: 'dockerconfig' as const, sha256: docker }]),
    ...(encryption === undefined ? [] : [{ name: 'encryptionconfig' as const, sha256: encryption }]),
  ];
  return secrets.length === 0 ? {} : { secrets };
}

function nodeupHook(h: MachineHook): NodeupConfig['hooks'] extends readonly (infer H)[] | undefined ? H : never {
  const e = h.execContainer;
  return {
    ...h,
    requires: [...h.requires],
    before: [...h.before],
    ...(e ? { execContainer: { image: e.image, command: [...e.command], environment: { ...e.environment } } } : {}),
  };
}
