/**
 * AWS's rules of the API load balancer's options (spec.api.loadBalancer) that the schema's
 * shapes cannot say. No SDK: the spec commands load this module.
 */

import { formatPath } from '../../src/api/index.js';
import type { CompletedClusterSpec } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';

/** ELB's limit of security groups on a load balancer, one of which is hoist's own. */
const MAX_SECURITY_GROUPS = 5;

const at = (field: string): string => formatPath(['spec', 'api', 'loadBalancer', field]);

export function loadBalancerProblems(spec: CompletedClusterSpec): FieldProblem[] {
  const lb = spec.api.loadBalancer;
  if (!lb) return [];
  const problems: FieldProblem[] = [];
  if (lb.sslPolicy !== undefined && lb.sslCertificate === undefined) {
    problems.push({ path: at('sslPolicy'), value: lb.sslPolicy, message: 'applies only to the TLS listener that sslCertificate makes', fix: 'set spec.api.loadBalancer.sslCertificate, or remove sslPolicy' });
  }
  // A load balancer takes certificates of its own region only (IAM's are global).
  const region = /^arn:[^:]+:acm:([^:]+):/.exec(lb.sslCertificate ?? '')?.[1];
  if (region !== undefined && spec.region !== undefined && region !== spec.region) {
    problems.push({ path: at('sslCertificate'), value: lb.sslCertificate, message: `is an ACM certificate of ${region}, not of the cluster's region ${spec.region}`, fix: `import or request the certificate in ${spec.region} and give its ARN` });
  }
  const groups = lb.additionalSecurityGroups ?? [];
  if (groups.length > MAX_SECURITY_GROUPS - 1) {
    problems.push({ path: at('additionalSecurityGroups'), value: groups, message: `lists ${groups.length} groups: a load balancer takes ${MAX_SECURITY_GROUPS}, one of which is hoist's own`, fix: `list at most ${MAX_SECURITY_GROUPS - 1}` });
  }
  const repeated = groups.filter((g, i) => groups.indexOf(g) !== i);
  if (repeated.length > 0) {
    problems.push({ path: at('additionalSecurityGroups'), value: groups, message: `lists ${repeated.join(', ')} more than once`, fix: 'list each group once' });
  }
  return problems;
}
