/**
 * The credential configurations of workload identity on GCE: for each Kubernetes service account
 * of iam.serviceAccountExternalPermissions with a gcp.serviceAccount, a ConfigMap
 * `<name>-gcp-credentials` in its namespace holding `credential-configuration.json`, GCP's
 * external_account configuration for workload identity federation with Kubernetes, as
 * `gcloud iam workload-identity-pools create-cred-config <provider> --service-account=<email>
 * --credential-source-file=/var/run/service-account/token` writes it. A pod mounts it beside a
 * projected service-account token of the provider's audience and sets
 * GOOGLE_APPLICATION_CREDENTIALS (docs/gce.md): the Google client libraries then exchange the
 * token with GCP's STS and act as the GCP account. hoist changes no pod (no webhook) and
 * annotates no ServiceAccount: GCP names no annotation outside GKE.
 *
 * A service account listed with several GCP accounts gets one ConfigMap: the first entry's
 * configuration is `credential-configuration.json`, the n-th's `credential-configuration-<n>.json`.
 * The configurations name the pool by the project's number (AddonContext.account on gce, read
 * by CloudAddons.account). No namespace is made: the ConfigMap of a namespace that does not
 * exist yet fails to apply, and the applier retries it, until the namespace is there.
 */

import { HoistError } from '../../src/errors.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { irsaSettings } from '../../src/api/irsa.js';
import { configMap } from '../addons/objects.js';
import type { AddonContext, AddonDefinition, CloudAccount, KubeObject } from '../addons/types.js';
import { poolPath, poolId, PROVIDER_ID } from './workload-identity-names.js';

export const WORKLOAD_IDENTITY_CREDENTIALS = 'gcp-workload-identity-credentials';
/** hoist's own objects: the version moves when their form changes. */
export const WORKLOAD_IDENTITY_CREDENTIALS_VERSION = '1.0.0';
/** Where a pod mounts the projected token (GCP's own example), and the file in it. */
export const TOKEN_DIR = '/var/run/service-account';
export const TOKEN_PATH = 'token';
export const CREDENTIAL_CONFIGURATION = 'credential-configuration.json';

/** GCP's external_account credential configuration, with the field names the client libraries read. */
export interface ExternalAccountConfiguration {
  readonly type: 'external_account';
  readonly audience: string;
  readonly subject_token_type: 'urn:ietf:params:oauth:token-type:jwt';
  readonly token_url: 'https://sts.googleapis.com/v1/token';
  readonly credential_source: { readonly file: string };
  readonly service_account_impersonation_url: string;
}

export function credentialConfiguration(projectNumber: string, pool: string, email: string): ExternalAccountConfiguration {
  return {
    type: 'external_account',
    audience: `//iam.googleapis.com/${poolPath(projectNumber, pool)}/providers/${PROVIDER_ID}`,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: 'https://sts.googleapis.com/v1/token',
    credential_source: { file: `${TOKEN_DIR}/${TOKEN_PATH}` },
    service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${email}:generateAccessToken`,
  };
}

export const credentialsConfigMapName = (serviceAccount: string): string => `${serviceAccount}-gcp-credentials`;

/** The n-th (from 1) GCP account of one Kubernetes service account: the key of its configuration. */
export const credentialKey = (n: number): string => (n === 1 ? CREDENTIAL_CONFIGURATION : `credential-configuration-${n}.json`);

/** The entries that get a configuration: gcp.serviceAccount set, with useServiceAccountExternalPermissions. */
function gcpEntries(completed: CompletedSpec) {
  return (irsaSettings(completed.cluster)?.serviceAccounts ?? []).flatMap((sa) => (sa.gcpServiceAccount === undefined ? [] : [{ namespace: sa.namespace, name: sa.name, email: sa.gcpServiceAccount }]));
}

/** Whether the addon is rendered for this spec, so that the plan reads the project's number. */
export const needsProjectNumber = (completed: CompletedSpec): boolean => gcpEntries(completed).length > 0;

/** One ConfigMap per Kubernetes service account, sorted by namespace and name, so that reordering the list's service accounts changes nothing. */
export function credentialConfigMaps(completed: CompletedSpec, account: CloudAccount | undefined): KubeObject[] {
  const entries = gcpEntries(completed);
  if (entries.length === 0) return [];
  if (account === undefined) throw new HoistError('INTERNAL', 'the workload identity credential configurations were rendered without the project\'s number (CloudAddons.account)');
  const pool = poolId(completed.cluster.metadata.name);
  const byAccount = new Map<string, { namespace: string; name: string; data: Record<string, string> }>();
  for (const e of entries) {
    const key = `${e.namespace}/${e.name}`;
    const map = byAccount.get(key) ?? { namespace: e.namespace, name: e.name, data: {} };
    map.data[credentialKey(Object.keys(map.data).length + 1)] = `${JSON.stringify(credentialConfiguration(account.id, pool, e.email), null, 2)}\n`;
    byAccount.set(key, map);
  }
  return [...byAccount.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, m]) => configMap(credentialsConfigMapName(m.name), m.namespace, m.data));
}

export function workloadIdentityCredentialsAddon(ctx: AddonContext): AddonDefinition | undefined {
  const objects = credentialConfigMaps(ctx.completed, ctx.account);
  if (objects.length === 0) return undefined;
  return { name: WORKLOAD_IDENTITY_CREDENTIALS, version: WORKLOAD_IDENTITY_CREDENTIALS_VERSION, objects, health: [] };
}
