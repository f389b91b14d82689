/**
 * AWS's rules for the identity webhooks it runs (CloudSpecRules.identityWebhooks): the pod
 * identity webhook hands pods IAM roles that STS gives only for tokens of the cluster's own IAM
 * OIDC provider, so it needs IAM roles for service accounts (a discovery store and that
 * provider). No SDK: spec commands load this module.
 */

import { formatPath } from '../../src/api/index.js';
import type { CompletedClusterSpec, Path } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';

const at = (...path: Path): string => formatPath(['spec', ...path]);

export function webhookAwsProblems(spec: CompletedClusterSpec): FieldProblem[] {
  if (spec.podIdentityWebhook?.enabled !== true) return [];
  const d = spec.serviceAccountIssuerDiscovery;
  if (d?.discoveryStore !== undefined && d.discoveryStore !== '' && d.enableAWSOIDCProvider === true) return [];
  return [{
    path: at('podIdentityWebhook', 'enabled'),
    value: true,
    message: 'needs IAM roles for service accounts: the tokens it gives pods are exchanged for a role only through the cluster\'s IAM OIDC provider',
    fix: 'set spec.serviceAccountIssuerDiscovery.discoveryStore (e.g. s3://example-oidc-discovery) and enableAWSOIDCProvider: true, or remove spec.podIdentityWebhook',
  }];
}
