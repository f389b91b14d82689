/**
 * Names of a cluster's workload identity federation: its pool (`hoist-<cluster hash>`: pool ids
 * are 4 to 32 characters and unique in the project, so they cannot hold a cluster's name, and
 * the hash is the one the cluster's service accounts end in), its one OIDC provider, and the
 * principal and audience strings GCP builds from the project's number.
 */

import { clusterSuffix } from './iam-names.js';

/** The provider of the pool: the cluster's service-account issuer. */
export const PROVIDER_ID = 'kubernetes';
/** The role that lets a principal act as a service account (get its tokens). */
export const WORKLOAD_IDENTITY_USER = 'roles/iam.workloadIdentityUser';
/** GCP's subject is a Kubernetes token's `sub`: `system:serviceaccount:<namespace>:<name>`. */
export const ATTRIBUTE_MAPPING: Readonly<Record<string, string>> = { 'google.subject': 'assertion.sub' };
/** GCP keeps at most 127 bytes of `google.subject`. */
export const MAX_SUBJECT = 127;
/** A provider allows at most 10 audiences: its own name and 9 more. */
export const MAX_AUDIENCES = 10;

export function poolId(cluster: string): string {
  return `hoist${clusterSuffix(cluster)}`;
}

export function subjectOf(sa: { readonly namespace: string; readonly name: string }): string {
  return `system:serviceaccount:${sa.namespace}:${sa.name}`;
}

/** `projects/<number>/locations/global/workloadIdentityPools/<pool>`, as principals and audiences name it. */
export function poolPath(projectNumber: string, pool: string): string {
  return `projects/${projectNumber}/locations/global/workloadIdentityPools/${pool}`;
}

/** The IAM member of one Kubernetes service account of the cluster. */
export function principalOf(projectNumber: string, pool: string, sa: { readonly namespace: string; readonly name: string }): string {
  return `principal://iam.googleapis.com/${poolPath(projectNumber, pool)}/subject/${subjectOf(sa)}`;
}

/** What every principal of the pool starts with: how the cluster's bindings are told from others. */
export function principalPrefix(projectNumber: string, pool: string): string {
  return `principal://iam.googleapis.com/${poolPath(projectNumber, pool)}/subject/`;
}

/** The audience a pod's projected token carries for GCP's STS: the provider's full name, as GCP's own credential configurations name it. */
export function providerAudience(projectNumber: string, pool: string): string {
  return `https://iam.googleapis.com/${poolPath(projectNumber, pool)}/providers/${PROVIDER_ID}`;
}
