/**
 * The certificates of a cluster's components, as requests for issueCertificate. Names and groups
 * follow what Kubernetes's authorizers expect: the Node authorizer wants `system:node:<name>` in
 * group `system:nodes`, RBAC's default bindings name `system:kube-proxy`,
 * `system:kube-controller-manager` and `system:kube-scheduler`, and group `system:masters` is
 * cluster-admin.
 */

import { isIP } from 'node:net';
import type { CompletedSpec } from '../api/index.js';
import { clusterDNSDomain } from '../api/defaults.js';
import { cidrOf, formatCidr } from '../api/cidr.js';
import { HoistError } from '../errors.js';
import type { CertificateRequest } from './issue.js';

export const internalApiName = (cluster: string): string => `api.internal.${cluster}`;

/**
 * The API server's serving certificate. `extra.addresses` are what else clients dial: the load
 * balancer's and the node's own addresses (IPs or names); spec.api.additionalSANs adds the
 * user's own.
 */
export function apiServerCertRequest(spec: CompletedSpec, extra: { readonly addresses: readonly string[] }): CertificateRequest {
  const cluster = spec.cluster.metadata.name;
  const serviceIP = firstServiceIP(spec.cluster.spec.serviceClusterIPRange);
  if (serviceIP === undefined) {
    throw new HoistError('INVALID_SPEC', `spec.serviceClusterIPRange of ${cluster} is not a CIDR: the API server's service IP cannot be named`, { path: 'spec.serviceClusterIPRange' });
  }
  const names = split([...extra.addresses, ...(spec.cluster.spec.api.additionalSANs ?? [])]);
  return {
    commonName: 'kubernetes-master',
    dnsNames: [
      'kubernetes',
      'kubernetes.default',
      'kubernetes.default.svc',
      `kubernetes.default.svc.${clusterDNSDomain(spec.cluster.spec)}`,
      spec.cluster.spec.api.publicName,
      internalApiName(cluster),
      ...names.dns,
    ],
    ipAddresses: [serviceIP, '127.0.0.1', ...names.ips],
    usage: 'server',
  };
}

/** Between etcd members: each side is server and client of the other. */
export function etcdPeerCertRequest(member: string, addresses: readonly string[]): CertificateRequest {
  const names = split(addresses);
  return { commonName: member, dnsNames: names.dns, ipAddresses: names.ips, usage: 'server-client' };
}

/** What an etcd member serves its clients (the API server) with; they also dial it on loopback. */
export function etcdServerCertRequest(member: string, addresses: readonly string[]): CertificateRequest {
  const names = split(addresses);
  return { commonName: member, dnsNames: ['localhost', ...names.dns], ipAddresses: ['127.0.0.1', ...names.ips], usage: 'server' };
}

/** A client of etcd, e.g. `kube-apiserver`. */
export function etcdClientCertRequest(name: string): CertificateRequest {
  return { commonName: name, usage: 'client' };
}

export function kubeletCertRequest(nodeName: string): CertificateRequest {
  return { commonName: `system:node:${nodeName}`, organizations: ['system:nodes'], usage: 'client' };
}

export function kubeProxyCertRequest(): CertificateRequest {
  return { commonName: 'system:kube-proxy', usage: 'client' };
}

export function adminCertRequest(user: string): CertificateRequest {
  return { commonName: user, organizations: ['system:masters'], usage: 'client' };
}

export function controllerManagerCertRequest(): CertificateRequest {
  return { commonName: 'system:kube-controller-manager', usage: 'client' };
}

export function schedulerCertRequest(): CertificateRequest {
  return { commonName: 'system:kube-scheduler', usage: 'client' };
}

/** The API server as a client of kubelets (logs, exec); system:masters lets it do that. */
export function apiServerKubeletClientCertRequest(): CertificateRequest {
  return { commonName: 'kube-apiserver-kubelet-client', organizations: ['system:masters'], usage: 'client' };
}

/**
 * The control plane's plain-HTTP health port as a client of the local API server: a user with no
 * groups, which RBAC lets `get` /readyz, /livez and /healthz only (nodeup/model/bootstrap-rbac.ts).
 */
export function apiServerHealthcheckCertRequest(): CertificateRequest {
  return { commonName: 'kube-apiserver-healthcheck', usage: 'client' };
}

/** The API server as the aggregation layer's proxy client, signed by apiserver-aggregator-ca. */
export function aggregatorProxyClientCertRequest(): CertificateRequest {
  return { commonName: 'aggregator', usage: 'client' };
}

/** The first usable address of the service range: the `kubernetes` service's ClusterIP. */
export function firstServiceIP(range: string | undefined): string | undefined {
  const cidr = cidrOf(range);
  if (cidr === undefined) return undefined;
  const host = formatCidr({ family: cidr.family, base: cidr.base + 1n, prefix: cidr.family === 4 ? 32 : 128 });
  return host.slice(0, host.indexOf('/'));
}

function split(addresses: readonly string[]): { dns: string[]; ips: string[] } {
  return { dns: addresses.filter((a) => isIP(a) === 0), ips: addresses.filter((a) => isIP(a) !== 0) };
}
