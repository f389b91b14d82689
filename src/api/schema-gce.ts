/**
 * `spec.gce`: the Cluster's options that only GCE reads (spread into ClusterSpecSchema through
 * schema-cluster-extras.ts). Their rules on gce are the GCE spec rules' (cloudup/gce); every
 * other cloud refuses them here, rather than ignoring what the user asked for, and so kops's
 * `cloudConfig.gceServiceAccount` (schema-auth-cloud.ts).
 */

import * as z from 'zod';
import type { FieldProblem } from '../errors.js';
import { formatPath } from './paths.js';
import type { Cluster } from './schema.js';

const GCE_CLOUD = 'gce';

export const GceShape = {
  gce: z
    .strictObject({
      regionalGroups: z
        .boolean()
        .optional()
        .describe('true: every Node and Bastion group is one regional managed instance group over its zones (control-plane groups stay zonal); an InstanceGroup\'s annotation hoist.dev/gce-regional-group "false" keeps it zonal. Default: false.'),
    })
    .optional()
    .describe('Options of GCE clusters (gce only).'),
};

/** `spec.gce`, or `spec.cloudConfig.gceServiceAccount`, on a cluster of another cloud, which would not read them. */
export function foreignGceProblems(cluster: Cluster): FieldProblem[] {
  if (cluster.spec.cloudProvider === GCE_CLOUD) return [];
  const message = `is read on gce only, and spec.cloudProvider is ${cluster.spec.cloudProvider}`;
  const gce = cluster.spec.gce;
  const account = cluster.spec.cloudConfig?.gceServiceAccount;
  return [
    ...(gce === undefined ? [] : [{ path: formatPath(['spec', 'gce']), value: gce, message, fix: 'remove spec.gce' }]),
    ...(account === undefined ? [] : [{ path: formatPath(['spec', 'cloudConfig', 'gceServiceAccount']), value: account, message, fix: 'remove it (the machines\' identity on this cloud is hoist\'s to make)' }]),
  ];
}
