/** `hoist create instancegroup NAME`: adds an instance group to the cluster named by --name. */

import { API_VERSION, completeSpec } from '../api/index.js';
import type { InstanceGroup } from '../api/index.js';
import { AlreadyExistsError, NotFoundError } from '../errors.js';
import type { Context } from './context.js';
import { oneOf } from './shared/flags.js';
import { printSpecs } from './shared/print-specs.js';
import { saveSpecSet, validateSpecChange } from './shared/save-specs.js';
import { CLUSTER_LABEL } from '../api/index.js';
import { plain } from '../../state-store/clientset.js';

export interface CreateInstanceGroupOptions {
  readonly name: string;
  readonly role: string;
  readonly subnets: readonly string[];
  readonly machineType?: string;
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly dryRun?: boolean;
  readonly output: string;
}

export async function runCreateInstanceGroup(opts: CreateInstanceGroupOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName();
  const role = oneOf('--role', opts.role, ['Node', 'ControlPlane', 'APIServer', 'Bastion'] as const);
  const format = oneOf('--output', opts.output, ['yaml', 'json'] as const);
  const clients = await ctx.clientset();
  const before = await clients.getSpecSet(cluster);
  if (!before) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  if (before.instanceGroups.some((v) => v.object.metadata.name === opts.name)) {
    throw new AlreadyExistsError(`instance group ${opts.name} already exists in cluster ${cluster}`, `change it with: hoist edit instancegroup ${opts.name} --name ${cluster}`);
  }
  const old = plain(before);
  const ig: InstanceGroup = {
    apiVersion: API_VERSION,
    kind: 'InstanceGroup',
    metadata: { name: opts.name, labels: { [CLUSTER_LABEL]: cluster } },
    spec: {
      role,
      subnets: opts.subnets.length > 0 ? [...opts.subnets] : defaultSubnets(old.cluster, old.instanceGroups, role),
      ...(opts.machineType === undefined ? {} : { machineType: opts.machineType }),
      ...(opts.minSize === undefined ? {} : { minSize: opts.minSize }),
      ...(opts.maxSize === undefined ? {} : { maxSize: opts.maxSize }),
    },
  } as InstanceGroup;
  const after = { ...old, instanceGroups: [...old.instanceGroups, ig] };
  validateSpecChange(old, after);
  if (opts.dryRun) {
    printSpecs(ctx.io, [ig], format);
    return 0;
  }
  const rev = await saveSpecSet(ctx, { cluster, before, after, operation: 'create instancegroup' });
  ctx.io.out(`instancegroup/${opts.name} created${rev ? ` (revision ${rev.rev})` : ''}\n`);
  return 0;
}

/**
 * Like kops: every subnet of the cluster's topology; bastions of a private cluster in the utility
 * ones; an APIServer group in the control plane's, which the API load balancer serves.
 */
function defaultSubnets(cluster: Parameters<typeof completeSpec>[0], igs: Parameters<typeof completeSpec>[1], role: string): string[] {
  if (role === 'APIServer') return [...new Set(igs.filter((ig) => ig.spec.role === 'ControlPlane').flatMap((ig) => ig.spec.subnets))];
  const completed = completeSpec(cluster, igs).cluster;
  const nodesPrivate = completed.spec.topology?.nodes === 'private';
  const type = !nodesPrivate ? 'Public' : role === 'Bastion' ? 'Utility' : 'Private';
  return (completed.spec.subnets ?? []).filter((s) => s.type === type).map((s) => s.name);
}
