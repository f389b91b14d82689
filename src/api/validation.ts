/**
 * Semantic validation: the rules the schema cannot express, run on the completed spec set, all
 * problems at once, each with its path, the bad value and how to fix it.
 */

import type { FieldProblem } from '../errors.js';
import { cloudLabelProblems } from './cloud-labels.js';
import { checkRules } from './cloud-rules.js';
import type { CloudSpecRules } from './cloud-rules.js';
import { completeSpec } from './defaults.js';
import type { Cluster, InstanceGroup } from './schema.js';
import { clusterProblems } from './validate-cluster.js';
import { egressProxyProblems } from './egress-proxy.js';
import { irsaProblems } from './irsa.js';
import { etcdProblems, instanceGroupProblems } from './validate-groups.js';
import { machineProblems } from './validate-machine.js';
import { auditProblems } from './validate-audit.js';
import { foreignGceProblems } from './schema-gce.js';
import { networkProblems } from './validate-network.js';
import { webhookProblems } from './webhooks.js';
import { nodeTerminationHandlerProblems } from './node-termination-handler.js';
import { warmPoolProblems } from './warm-pool.js';
import { kubeDNSProblems } from './kube-dns.js';

export { validateUpdate } from './update.js';
export type { SpecSetInput } from './update.js';

/**
 * Every problem of the spec set: the rules every cloud shares and those of the cluster's cloud
 * (`rules`, from the cloud's folder through the registry). The input is completed first
 * (completion is idempotent, so an already completed set may be passed), so the rules see what
 * the cluster will really be.
 */
export function validateSpecSet(cluster: Cluster, igs: readonly InstanceGroup[], rules: CloudSpecRules): FieldProblem[] {
  const completed = completeSpec(cluster, igs);
  const cloud = checkRules(rules, completed.cluster.spec.cloudProvider);
  return [
    ...clusterProblems(completed.cluster),
    // The spec as written: the completed excludes carry the cluster's own entries too.
    ...egressProxyProblems(cluster.spec),
    ...webhookProblems(completed.cluster.spec, cloud),
    ...nodeTerminationHandlerProblems(completed.cluster.spec, cloud),
    ...kubeDNSProblems(completed.cluster.spec),
    ...irsaProblems(completed.cluster),
    ...foreignGceProblems(completed.cluster),
    ...cloudLabelProblems(completed.cluster, completed.instanceGroups, cloud.tags),
    ...networkProblems(completed.cluster.spec, cloud),
    ...etcdProblems(completed.cluster, completed.instanceGroups),
    ...instanceGroupProblems(completed.cluster, completed.instanceGroups),
    ...machineProblems(completed.cluster, completed.instanceGroups),
    ...auditProblems(completed.cluster, completed.instanceGroups),
    ...warmPoolProblems(completed.cluster.spec, completed.instanceGroups, cloud),
    ...cloud.validate(completed),
  ];
}
