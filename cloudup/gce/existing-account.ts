/**
 * `spec.cloudConfig.gceServiceAccount` (kops's field and place): an existing service account
 * every machine runs as, instead of the accounts hoist makes (model/iam.ts). In kops it is a
 * cluster-wide setting (`cloudProvider.gce.serviceAccount` in its internal API), with no
 * per-InstanceGroup equivalent; `default` is the project's default compute account. No SDK:
 * spec commands load this module.
 */

import type { CompletedSpec } from '../../src/api/index.js';
import { formatPath } from '../../src/api/paths.js';
import type { FieldProblem } from '../../src/errors.js';
import { accountIdOf, clusterSuffix } from './iam-names.js';

/** The project's default compute account, by name: GCE also reports the account so. */
export const DEFAULT_ACCOUNT = 'default';
/** A service account's email (`…@P.iam.gserviceaccount.com`, or a Google-made one). */
const EMAIL = /^[a-z0-9][a-z0-9-]{0,62}@[a-z0-9][a-z0-9.-]*\.gserviceaccount\.com$/;
/** The default compute account's email, which GCE reads back from a template as `default`. */
const DEFAULT_EMAIL = /^\d+-compute@developer\.gserviceaccount\.com$/;

export function existingAccount(spec: Pick<CompletedSpec, 'cluster'>): string | undefined {
  return spec.cluster.spec.cloudConfig?.gceServiceAccount;
}

export function existingAccountProblems(spec: CompletedSpec): FieldProblem[] {
  const c = spec.cluster;
  const email = existingAccount(spec);
  if (email === undefined || email === DEFAULT_ACCOUNT) return [];
  const path = formatPath(['spec', 'cloudConfig', 'gceServiceAccount']);
  if (DEFAULT_EMAIL.test(email)) {
    return [{ path, value: email, message: 'is a default compute account, which GCE names "default" in the instance templates (so the templates would never match the spec)', fix: 'write default for the project\'s default compute account' }];
  }
  if (!EMAIL.test(email)) return [{ path, value: email, message: 'is not a service account\'s email', fix: 'write the account\'s email, e.g. k8s@my-project.iam.gserviceaccount.com, or default for the project\'s default compute account' }];
  if (accountIdOf(email, c.spec.project ?? '')?.endsWith(clusterSuffix(c.metadata.name))) {
    return [{ path, value: email, message: 'is one of the accounts hoist makes for this cluster, which it deletes once the spec names an existing one', fix: 'name an account of your own, or remove the field (hoist\'s accounts per role)' }];
  }
  return [];
}
