/**
 * Service account issuer discovery and the service accounts' cloud permissions (IAM roles on
 * aws, workload identity on gce), resolved in one place: the issuer's public address, the
 * audiences, and the service accounts that get a role or a GCP service account. The
 * API server's flags (nodeup), the discovery documents and the cloud's tasks all read these
 * settings, never the spec fields themselves.
 *
 * The issuer is the public https:// address of `<discoveryStore>/<cluster>`, as kops makes it:
 * the documents hoist publishes there are what a verifier (AWS STS, GCP STS) fetches.
 */

import type { FieldProblem } from '../errors.js';
import type { CompletedCluster } from './defaults.js';
import { formatPath } from './paths.js';
import type { PathSegment } from './paths.js';

/** The audience of the tokens the pod identity webhook projects, and the OIDC provider's first client id, as kops. */
export const AWS_STS_AUDIENCE = 'amazonaws.com';
/** The API server's own audience when none is set, as kops sets it. */
export const DEFAULT_API_AUDIENCE = 'kubernetes.svc.default';
/** Where the documents go in the issuer's folder: the paths kube-apiserver serves them at. */
export const OIDC_CONFIGURATION_PATH = '.well-known/openid-configuration';
export const JWKS_PATH = 'openid/v1/jwks';

export interface ServiceAccountRole {
  readonly name: string;
  readonly namespace: string;
  readonly policyARNs: readonly string[];
  readonly inlinePolicy?: string;
  /** gce: the GCP service account it may act as (`gcp.serviceAccount`). */
  readonly gcpServiceAccount?: string;
}

export interface IrsaSettings {
  /** `<discoveryStore>/<cluster>`, where the documents are written. */
  readonly folder: string;
  /** --service-account-issuer: the folder's public address. */
  readonly issuer: string;
  /** --service-account-jwks-uri. */
  readonly jwksUri: string;
  /** --api-audiences. */
  readonly apiAudiences: readonly string[];
  /** The OIDC provider's client ids. */
  readonly clientIds: readonly string[];
  readonly enableAWSOIDCProvider: boolean;
  /** additionalAudiences, without duplicates. */
  readonly additionalAudiences: readonly string[];
  /** iam.useServiceAccountExternalPermissions: whether the cloud's side of the issuer is made (gce's workload identity pool). */
  readonly externalPermissions: boolean;
  /** Empty unless iam.useServiceAccountExternalPermissions is true. */
  readonly serviceAccounts: readonly ServiceAccountRole[];
}

type ClusterLike = Pick<CompletedCluster, 'metadata'> & { readonly spec: Pick<CompletedCluster['spec'], 'serviceAccountIssuerDiscovery' | 'iam' | 'region'> };

/** The settings, or undefined when the cluster publishes no issuer (or its store has no public address). */
export function irsaSettings(cluster: ClusterLike): IrsaSettings | undefined {
  const d = cluster.spec.serviceAccountIssuerDiscovery;
  const store = d?.discoveryStore;
  if (d === undefined || store === undefined || store === '') return undefined;
  const folder = `${store.replace(/\/+$/, '')}/${cluster.metadata.name}`;
  const issuer = publicAddress(folder, cluster.spec.region);
  if (issuer === undefined) return undefined;
  const additional = [...new Set(d.additionalAudiences ?? [])];
  const iam = cluster.spec.iam;
  return {
    folder,
    issuer,
    jwksUri: `${issuer}/${JWKS_PATH}`,
    apiAudiences: unique([DEFAULT_API_AUDIENCE, ...additional]),
    clientIds: unique([AWS_STS_AUDIENCE, ...additional]),
    enableAWSOIDCProvider: d.enableAWSOIDCProvider ?? false,
    additionalAudiences: additional,
    externalPermissions: iam?.useServiceAccountExternalPermissions === true,
    serviceAccounts:
      iam?.useServiceAccountExternalPermissions === true
        ? (iam.serviceAccountExternalPermissions ?? []).map((p) => ({
            name: p.name,
            namespace: p.namespace,
            policyARNs: [...new Set(p.aws?.policyARNs ?? [])],
            ...(p.aws?.inlinePolicy === undefined ? {} : { inlinePolicy: p.aws.inlinePolicy }),
            ...(p.gcp === undefined ? {} : { gcpServiceAccount: p.gcp.serviceAccount }),
          }))
        : [],
  };
}

/**
 * The public https:// address of an object-store folder, by the store's scheme: an S3 bucket's
 * regional virtual-hosted address (the bucket in the cluster's region), a GCS bucket's
 * storage.googleapis.com address.
 */
export function publicAddress(url: string, region: string | undefined): string | undefined {
  const m = /^(s3|gs):\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(\/.*)?$/.exec(url);
  if (!m) return undefined;
  const path = (m[3] ?? '').replace(/\/+$/, '');
  if (m[1] === 'gs') return `https://storage.googleapis.com/${m[2]}${path}`;
  return region === undefined || region === '' ? undefined : `https://${m[2]}.s3.${region}.amazonaws.com${path}`;
}

/**
 * `iam.permissionsBoundary` on a cloud whose rules do not carry it (it bounds IAM roles, which
 * only aws has): refused at its path rather than ignored.
 */
export function permissionsBoundaryProblems(cluster: CompletedCluster, cloud: string): FieldProblem[] {
  const boundary = cluster.spec.iam?.permissionsBoundary;
  if (boundary === undefined) return [];
  return [{ path: formatPath(['spec', 'iam', 'permissionsBoundary']), value: boundary, message: `is not supported on ${cloud}: hoist makes no IAM roles there`, fix: 'remove it' }];
}

/** The rules every cloud shares; the cloud's own (which stores, which fields) are in its rules. */
export function irsaProblems(cluster: CompletedCluster): FieldProblem[] {
  const spec = cluster.spec;
  const at = (...p: PathSegment[]) => formatPath(['spec', ...p]);
  const problems: FieldProblem[] = [];
  const d = spec.serviceAccountIssuerDiscovery;
  const store = d?.discoveryStore;
  const hasStore = store !== undefined && store !== '';
  if (hasStore && !/^(s3|gs):\/\/[a-z0-9][a-z0-9._-]{1,220}[a-z0-9](\/[^\s]*)?$/.test(store)) {
    problems.push({ path: at('serviceAccountIssuerDiscovery', 'discoveryStore'), value: store, message: 'is not a bucket with a public https:// address', fix: 'name a bucket (and folder) that anyone may read, e.g. s3://example-oidc-discovery' });
  }
  if (d?.enableAWSOIDCProvider === true && !hasStore) {
    problems.push({ path: at('serviceAccountIssuerDiscovery', 'enableAWSOIDCProvider'), value: true, message: 'needs serviceAccountIssuerDiscovery.discoveryStore: the OIDC provider trusts the issuer published there', fix: 'set serviceAccountIssuerDiscovery.discoveryStore (e.g. s3://example-oidc-discovery), or remove enableAWSOIDCProvider' });
  }
  const iam = spec.iam;
  const permissions = iam?.serviceAccountExternalPermissions ?? [];
  if (iam?.useServiceAccountExternalPermissions === true && !hasStore) {
    problems.push({ path: at('iam', 'useServiceAccountExternalPermissions'), value: true, message: 'needs serviceAccountIssuerDiscovery.discoveryStore: the roles trust the issuer published there', fix: 'set serviceAccountIssuerDiscovery.discoveryStore and enableAWSOIDCProvider: true' });
  }
  if (permissions.length > 0 && iam?.useServiceAccountExternalPermissions !== true) {
    problems.push({ path: at('iam', 'serviceAccountExternalPermissions'), value: permissions.map((p) => `${p.namespace}/${p.name}`), message: 'is ignored unless iam.useServiceAccountExternalPermissions is true', fix: 'set iam.useServiceAccountExternalPermissions: true, or remove the list' });
  }
  const seen = new Map<string, number>();
  permissions.forEach((p, i) => {
    const key = `${p.namespace}/${p.name}`;
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push({ path: at('iam', 'serviceAccountExternalPermissions', i), value: key, message: `names the same service account as serviceAccountExternalPermissions[${first}]`, fix: 'merge the two entries into one' });
    } else seen.set(key, i);
    const inline = p.aws?.inlinePolicy;
    if (inline !== undefined) {
      const problem = inlinePolicyProblem(inline);
      if (problem !== undefined) problems.push({ path: at('iam', 'serviceAccountExternalPermissions', i, 'aws', 'inlinePolicy'), value: inline, message: problem, fix: 'e.g. [{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::example-bucket/*"]}]' });
    }
  });
  return problems;
}

/** The statements of an inline policy: a list of statements or a whole document, as kops takes. */
export function inlineStatements(text: string): unknown[] {
  const parsed: unknown = JSON.parse(text);
  if (Array.isArray(parsed)) return parsed;
  const statement = (parsed as { Statement?: unknown } | null)?.Statement;
  if (statement !== undefined) return Array.isArray(statement) ? statement : [statement];
  return [parsed];
}

function inlinePolicyProblem(text: string): string | undefined {
  let statements: unknown[];
  try {
    statements = inlineStatements(text);
  } catch (e) {
    return `is not JSON (${(e as Error).message})`;
  }
  const ok = statements.length > 0 && statements.every((s) => typeof s === 'object' && s !== null && 'Effect' in s);
  return ok ? undefined : 'is not a list of IAM statements (each with Effect, Action and Resource)';
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
