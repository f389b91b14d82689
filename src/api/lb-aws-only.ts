/**
 * The API load balancer's fields that only AWS has (ELB's access logs, the subnets and addresses
 * it takes): the other clouds refuse them at their paths rather than ignore them.
 */

import type { FieldProblem } from '../errors.js';
import type { CompletedCluster } from './defaults.js';
import { formatPath } from './paths.js';

const AWS_ONLY = ['accessLog', 'subnets'] as const;

export function awsOnlyLoadBalancerProblems(cluster: CompletedCluster, cloud: string): FieldProblem[] {
  const lb = cluster.spec.api.loadBalancer;
  if (!lb) return [];
  return AWS_ONLY.filter((field) => lb[field] !== undefined).map((field) => ({
    path: formatPath(['spec', 'api', 'loadBalancer', field]),
    value: lb[field],
    message: `is not supported on ${cloud}: it sets an AWS load balancer's ${field === 'accessLog' ? 'access logs' : 'subnets and addresses'}`,
    fix: 'remove it',
  }));
}
