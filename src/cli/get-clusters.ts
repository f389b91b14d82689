/** `hoist get clusters [NAME...]`: a table of the clusters, or their specs as YAML or JSON. */

import type { Cluster } from '../api/index.js';
import { NotFoundError } from '../errors.js';
import { parseOutputFormat, renderTable } from '../output/table.js';
import { listClusterNames, readListedCluster } from '../../state-store/cluster-listing.js';
import type { Context } from './context.js';

export interface GetOptions {
  readonly output?: string;
  readonly full?: boolean;
}

type Read = (name: string) => Promise<Cluster | undefined>;

export async function runGetClusters(names: readonly string[], opts: GetOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const store = await ctx.store();
  const wanted = names.length > 0 ? names.map((n) => ctx.clusterName(n)) : await listClusterNames(store);
  // The table shows three fields of each Cluster, read without the spec API (the bulk of this
  // command's start-up). YAML is printed in the schema's order, JSON as the schema returns the
  // object, --full completes the spec: those read through the clientset.
  const read: Read = format === 'table' && !opts.full ? (name) => readListedCluster(store, name) : await specReader(ctx, opts.full === true);
  const clusters = await Promise.all(
    wanted.map(async (name) => {
      const found = await read(name);
      if (!found) throw new NotFoundError(`cluster ${name} not found in ${store.url}`, 'list the clusters with: hoist get clusters');
      return found;
    }),
  );
  if (format !== 'table') {
    (await import('./shared/print-specs.js')).printSpecs(ctx.io, clusters, format, false);
  } else if (clusters.length === 0) {
    ctx.io.err(`No clusters found in ${store.url}\n`);
  } else {
    ctx.io.out(
      renderTable(clusters, [
        { header: 'NAME', value: (c) => c.metadata.name },
        { header: 'CLOUD', value: (c) => c.spec.cloudProvider },
        { header: 'ZONES', value: (c) => [...new Set((c.spec.subnets ?? []).map((s) => s.zone))].join(',') },
      ]),
    );
  }
  return 0;
}

/** The stored Cluster as the clientset reads it (validated); with `full`, completed with its groups. */
async function specReader(ctx: Context, full: boolean): Promise<Read> {
  const clients = await ctx.clientset();
  if (!full) return async (name) => (await clients.getCluster(name))?.object;
  const { completeSpec } = await import('../api/index.js');
  return async (name) => {
    const set = await clients.getSpecSet(name);
    return set && completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object)).cluster;
  };
}
