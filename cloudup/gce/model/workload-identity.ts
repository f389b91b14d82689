/**
 * Service account issuer discovery and workload identity on GCE (spec.serviceAccountIssuerDiscovery,
 * iam.useServiceAccountExternalPermissions): what kops does for IRSA on AWS, with GCP's parts.
 *
 * - The issuer's two documents in the gs:// discovery store, and `allUsers` as object viewer on
 *   that bucket, so that GCP's STS fetches them from https://storage.googleapis.com/<bucket>/….
 * - With useServiceAccountExternalPermissions: the cluster's workload identity pool and its OIDC
 *   provider trusting the issuer (audiences: the provider's own name, then additionalAudiences),
 *   and for each entry `roles/iam.workloadIdentityUser` on its GCP service account for the
 *   principal of its Kubernetes service account. The principals and the provider's name hold the
 *   project's number, which the session reads from Resource Manager.
 */

import { JWKS_PATH, OIDC_CONFIGURATION_PATH, irsaSettings } from '../../../src/api/irsa.js';
import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Fields, Task } from '../../../src/engine/task.js';
import { idOf } from '../../../src/engine/task.js';
import { HoistError, ValidationError } from '../../../src/errors.js';
import { jwksOf } from '../../../src/pki/jwks.js';
import { PENDING_KEYS, discoveryDocumentTask, documentName, openidConfiguration } from '../../discovery-documents.js';
import type { BootOptions } from '../../provider.js';
import { PUBLIC_MEMBER, PUBLIC_ROLE, bucketOf, discoveryBucketReaderTask } from '../tasks/discovery-bucket-reader.js';
import { poolProviderTask, providerName } from '../tasks/pool-provider.js';
import { accountMemberName, serviceAccountIamMemberTask } from '../tasks/service-account-iam-member.js';
import { workloadIdentityPoolTask } from '../tasks/workload-identity-pool.js';
import { ATTRIBUTE_MAPPING, PROVIDER_ID, WORKLOAD_IDENTITY_USER, poolId, principalOf, providerAudience, subjectOf } from '../workload-identity-names.js';

export interface WorkloadIdentityOptions {
  /** The project's number; required when the spec asks for workload identity. */
  readonly projectNumber?: string;
}

export function workloadIdentityTasks(spec: SettledSpec, boot: Pick<BootOptions, 'serviceAccountKeys' | 'stateStore'>, options: WorkloadIdentityOptions): Task[] {
  const settings = irsaSettings(spec.cluster);
  const bucket = settings && bucketOf(settings.folder);
  if (settings === undefined || bucket === undefined) return [];
  const cluster = spec.cluster.metadata.name;
  // The bucket becomes readable by anyone: never the one that holds the cluster's secrets.
  if (bucketOf(boot.stateStore) === bucket) {
    throw new ValidationError(`cluster ${cluster}`, [{
      path: 'spec.serviceAccountIssuerDiscovery.discoveryStore',
      value: spec.cluster.spec.serviceAccountIssuerDiscovery?.discoveryStore ?? null,
      message: `is in the state store's bucket gs://${bucket}, which hoist would make readable by anyone (the documents must be public), the cluster's keys and secrets with it`,
      fix: 'use a bucket of its own for the discovery documents, e.g. gs://example-oidc-discovery',
    }]);
  }
  const keys = boot.serviceAccountKeys;
  const reader = discoveryBucketReaderTask(bucket, { bucket, role: PUBLIC_ROLE, member: PUBLIC_MEMBER });
  const configuration = discoveryDocumentTask(documentName(OIDC_CONFIGURATION_PATH, cluster), { folder: settings.folder, key: OIDC_CONFIGURATION_PATH, document: openidConfiguration(settings) });
  const jwks = discoveryDocumentTask(documentName(JWKS_PATH, cluster), {
    folder: settings.folder,
    key: JWKS_PATH,
    document: keys === undefined ? { keys: PENDING_KEYS } : (jwksOf(keys) as unknown as Fields),
  });
  const tasks: Task[] = [reader, configuration, jwks];
  if (!settings.externalPermissions) return tasks;

  const number = options.projectNumber;
  if (number === undefined) throw new HoistError('INTERNAL', `the model of ${cluster} needs the project's number for its workload identity pool`);
  const pool = poolId(cluster);
  const poolTask = workloadIdentityPoolTask(pool, { displayName: `hoist ${cluster}`.slice(0, 32), disabled: false });
  // GCP's STS reads the documents when it checks a token: they are public before the provider trusts them.
  const provider = poolProviderTask(
    providerName(pool, PROVIDER_ID),
    {
      pool,
      displayName: 'kubernetes service accounts',
      issuerUri: settings.issuer,
      allowedAudiences: [...new Set([providerAudience(number, pool), ...settings.additionalAudiences])],
      attributeMapping: { ...ATTRIBUTE_MAPPING },
      disabled: false,
    },
    { dependsOn: [idOf(poolTask), idOf(reader), idOf(configuration), idOf(jwks)] },
  );
  tasks.push(poolTask, provider);
  for (const sa of settings.serviceAccounts) {
    if (sa.gcpServiceAccount === undefined) continue;
    tasks.push(
      serviceAccountIamMemberTask(
        accountMemberName(sa.gcpServiceAccount, subjectOf(sa)),
        { serviceAccount: sa.gcpServiceAccount, role: WORKLOAD_IDENTITY_USER, member: principalOf(number, pool, sa) },
        { dependsOn: [idOf(poolTask), idOf(provider)] },
      ),
    );
  }
  return tasks;
}
