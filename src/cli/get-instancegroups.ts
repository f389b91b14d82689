/** `hoist get instancegroups [IG...]`: the instance groups of the cluster named by --name. */

import { completeSpec } from '../api/index.js';
import type { InstanceGroup } from '../api/index.js';
import { NotFoundError } from '../errors.js';
import { parseOutputFormat, renderTable } from '../output/table.js';
import type { Context } from './context.js';
import type { GetOptions } from './get-clusters.js';
import { printSpecs } from './shared/print-specs.js';

export async function runGetInstanceGroups(names: readonly string[], opts: GetOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName();
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const completed = completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object));
  const stored = new Map(set.instanceGroups.map((v) => [v.object.metadata.name, v.object]));
  for (const n of names) {
    if (!stored.has(n)) throw new NotFoundError(`instance group ${n} not found in cluster ${cluster}`, `list them with: hoist get instancegroups --name ${cluster}`);
  }
  const pick = (ig: InstanceGroup) => names.length === 0 || names.includes(ig.metadata.name);
  const full = completed.instanceGroups.filter(pick);
  const shown = opts.full ? full : set.instanceGroups.map((v) => v.object).filter(pick);
  const zoneOf = new Map((completed.cluster.spec.subnets ?? []).map((s) => [s.name, s.zone]));
  if (format !== 'table') {
    printSpecs(ctx.io, shown, format, false);
    return 0;
  }
  ctx.io.out(
    renderTable(full, [
      { header: 'NAME', value: (ig) => ig.metadata.name },
      { header: 'ROLE', value: (ig) => ig.spec.role },
      { header: 'MACHINETYPE', value: (ig) => ig.spec.machineType },
      { header: 'MIN', value: (ig) => ig.spec.minSize },
      { header: 'MAX', value: (ig) => ig.spec.maxSize },
      { header: 'ZONES', value: (ig) => [...new Set((ig.spec.subnets ?? []).map((s) => zoneOf.get(s) ?? s))].join(',') },
    ]),
  );
  return 0;
}
