/**
 * AWS's rules for service account issuer discovery and IAM roles for service accounts: the
 * discovery store is an S3 bucket (the OIDC provider and STS fetch the documents from its
 * public address), and the service accounts' roles trust the cluster's own OIDC provider,
 * whose ARN hoist knows only when it makes it. No SDK: spec commands load this module.
 */

import { formatPath } from '../../src/api/index.js';
import type { CompletedClusterSpec, Path } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

export function irsaAwsProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const d = spec.serviceAccountIssuerDiscovery;
  const store = d?.discoveryStore;
  if (store !== undefined && store !== '' && !store.startsWith('s3://')) {
    problems.push({ path: at('serviceAccountIssuerDiscovery', 'discoveryStore'), value: store, message: 'is not an S3 bucket: on aws the issuer\'s documents are published in S3', fix: 'name an S3 bucket (and folder) in the cluster\'s region that allows anonymous s3:GetObject, e.g. s3://example-oidc-discovery' });
  }
  const bucket = /^s3:\/\/([^/]+)/.exec(store ?? '')?.[1];
  if (bucket?.includes('.')) {
    problems.push({ path: at('serviceAccountIssuerDiscovery', 'discoveryStore'), value: store, message: `names the bucket ${bucket}, whose dots put its https:// address (the issuer) outside S3's certificate: STS could not fetch the documents`, fix: 'use a bucket whose name has no dots, e.g. s3://example-oidc-discovery' });
  }
  const permissions = spec.iam?.serviceAccountExternalPermissions ?? [];
  permissions.forEach((p, i) => {
    if (p.gcp !== undefined) problems.push({ path: at('iam', 'serviceAccountExternalPermissions', i, 'gcp'), value: p.gcp.serviceAccount, message: 'is gce\'s: aws has no workload identity pools', fix: 'use aws: {policyARNs: [...]} to give the service account\'s role its permissions' });
  });
  if (spec.iam?.useServiceAccountExternalPermissions === true && permissions.length > 0 && d?.enableAWSOIDCProvider !== true) {
    problems.push({
      path: at('serviceAccountIssuerDiscovery', 'enableAWSOIDCProvider'),
      value: d?.enableAWSOIDCProvider ?? null,
      message: 'must be true for iam.serviceAccountExternalPermissions: the service accounts\' roles trust the OIDC provider hoist makes; hoist does not look up a provider made by others',
      fix: 'set serviceAccountIssuerDiscovery.enableAWSOIDCProvider: true (delete a provider of the same issuer made by hand first)',
    });
  }
  return problems;
}
