/**
 * The hoist API: the Cluster and InstanceGroup kinds, parsing, defaults, validation, kops import
 * and serialization. Importing it costs zod and yaml, nothing more.
 */

export {
  API_VERSION,
  CLOUDS,
  CLUSTER_LABEL,
  INSTANCE_GROUP_ROLES,
  KINDS,
  SUBNET_TYPES,
  TOPOLOGIES,
  ClusterSchema,
  ClusterSpecSchema,
  InstanceGroupSchema,
  InstanceGroupSpecSchema,
} from './schema.js';
export type {
  CloudProvider,
  Cluster,
  ClusterSpec,
  EtcdCluster,
  EtcdMember,
  InstanceGroup,
  InstanceGroupRole,
  InstanceGroupSpec,
  IntOrPercent,
  Kind,
  ObjectMeta,
  RollingUpdate,
  Subnet,
  SubnetType,
  Topology,
} from './schema.js';
export { MAX_SPEC_BYTES, parseSpecText, parseStoredText } from './parse.js';
export type { ParsedCluster, ParsedDocument, ParsedInstanceGroup } from './parse.js';
export { locateProblems, parseSpecSet } from './spec-set.js';
export type { ParsedSpecSet } from './spec-set.js';
export { convertKopsDocument, dropRefusedCloudLabels, KOPS_API_VERSION, KOPS_CLUSTER_LABEL, withDropped } from './kops.js';
export type { ConversionReport, DroppedField } from './kops.js';
export { clusterNameProblems, instanceGroupNameProblems, isDnsSubdomain } from './names.js';
export { clusterDNSDomain, completeSpec, DEFAULT_CLUSTER_DNS_DOMAIN } from './defaults.js';
export { DEFAULT_IPV6_SERVICE_RANGE, isIpv6Cluster, isPrivateSubnet } from './ipv6.js';
export type { CompletedCluster, CompletedClusterSpec, CompletedInstanceGroup, CompletedInstanceGroupSpec, CompletedSpec } from './defaults.js';
export { validateSpecSet, validateUpdate } from './validation.js';
export type { CloudSpecRules, KopsImport, NewClusterRules, SpecRulesByCloud } from './cloud-rules.js';
export { OWNERSHIP_TAG_PREFIX, refusedCharacters, tagLength } from './cloud-labels.js';
export type { CloudTagRules } from './cloud-labels.js';
export type { SpecSetInput } from './validation.js';
export { newClusterSpec } from './new-cluster.js';
export type { NewClusterOptions, NewClusterSpec } from './new-cluster.js';
export { SCHEMA_BASE_URL, SCHEMA_URLS, toYaml } from './serialize.js';
export type { ToYamlOptions } from './serialize.js';
export { compareKubernetesVersions, DEFAULT_KUBERNETES_VERSION, isPrerelease, KUBERNETES_VERSIONS, kubernetesVersionWarnings, parseKubernetesVersion } from './versions.js';
export { CLOUD_DEFAULTS } from './cloud-defaults.js';
export { isZero, parsePercent } from './rolling.js';
export type { ResolvedRollingUpdate } from './rolling.js';
export { formatPath, instanceGroupPath, parsePath, splitProblemPath } from './paths.js';
export type { Path, PathSegment } from './paths.js';
export { machineSettings, parseSysctlParameters } from './machine-settings.js';
export { cloudConfigSettings, oidcSettings } from './auth-cloud.js';
export type { CloudConfigSettings, OidcSettings } from './auth-cloud.js';
export type { MachineFile, MachineHook, MachineSettings } from './machine-settings.js';
export { egressProxySettings, proxyEnvironment } from './egress-proxy.js';
export type { EgressProxySettings } from './egress-proxy.js';
