/**
 * The cluster PKI: keysets in the state store (CAs and the service-account key), issuing
 * certificates from them, and kubeconfigs. See docs/pki.md.
 *
 * Importing this loads the X.509 library; code that only reads keysets (listing them, or
 * nodeup fetching the issued copies) can import ./store.js and ./keyset.js alone.
 */

export { distrustItems, itemsOlderThanPrimary, KEYSET_KIND, KEYSET_TYPES, keysetToYaml, newKeyset, parseKeyset, primaryItem, promoteItem, publicKeyset, trustBundle, withItem, withoutItem } from './keyset.js';
export type { Keyset, KeysetItem, KeysetType, ParseKeysetOptions } from './keyset.js';
export { createKeyset, issuedKeysetKey, listKeysets, pkiPrefix, privateKeysetKey, publishKeyset, readKeyset, readVersioned, updateKeyset } from './store.js';
export type { ReadKeysetOptions, VersionedKeyset } from './store.js';
export { CLUSTER_KEYSETS, ensureClusterPKI } from './ensure.js';
export type { EnsurePKIOptions, StandardKeyset } from './ensure.js';
export { addKeysetItem, distrustKeysetItems, promoteKeysetItem, removeKeysetItem } from './rotate.js';
export type { AddItemOptions } from './rotate.js';
export { CA_VALIDITY_YEARS, createCA, createKeyItem } from './ca.js';
export type { NewItemOptions } from './ca.js';
export { DEFAULT_VALIDITY_DAYS, issueCertificate } from './issue.js';
export type { CertificateAuthority, CertificateRequest, CertificateUsage, IssuedCertificate, IssueOptions } from './issue.js';
export {
  adminCertRequest,
  aggregatorProxyClientCertRequest,
  apiServerCertRequest,
  apiServerKubeletClientCertRequest,
  controllerManagerCertRequest,
  etcdClientCertRequest,
  etcdPeerCertRequest,
  etcdServerCertRequest,
  firstServiceIP,
  internalApiName,
  kubeletCertRequest,
  kubeProxyCertRequest,
  schedulerCertRequest,
} from './requests.js';
export { buildKubeconfig, hasUserCredentials, mergeKubeconfig } from './kubeconfig.js';
export type { KubeconfigInput, KubeconfigUser } from './kubeconfig.js';
export { kubeconfigPath, readKubeconfigFile, writeKubeconfigFile } from './kubeconfig-file.js';
export { API_SERVER_PORT, apiRecordNames, apiServerUrlFromSpec, apiUrl, usesLoadBalancerName } from './api-endpoint.js';
export { loadPrivateKey } from './keys.js';
