/**
 * The network range of a new local cluster (`create cluster`). Every local cloud on this
 * machine shares one loopback interface, so a new cluster gets `--network-cidr` only when no
 * local cloud holds any of it, else the first free /16, and the range is reserved for it from
 * now on (see ranges.ts and registry.ts).
 */

import { invalidFlag } from '../../src/errors.js';
import type { NetworkRange, NetworkRangeRequest } from '../provider.js';
import { localCloudDir } from './files.js';
import { firstFreeRange, holderOf, rangesInUse, reserveRange } from './ranges.js';
import type { RangeHolder } from './ranges.js';
import { onLoopback } from './spec-rules.js';

/** Reserved unless this is a dry run; undefined leaves the range to the spec. */
export async function reserveNewClusterRange(request: NetworkRangeRequest): Promise<NetworkRange | undefined> {
  const { cluster, requested, env } = request;
  // A range that is not a loopback CIDR is refused by the spec's validation, with its fix.
  if (requested !== undefined && !onLoopback(requested)) return undefined;
  const taken = (cidr: string, holder: RangeHolder, free: string | undefined) =>
    invalidFlag('--network-cidr', cidr, `is taken on this machine: ${holder.by} uses ${holder.cidr}`, free ? `use a free range such as ${free}, or leave --network-cidr out to get one` : 'delete a local cluster you no longer need');
  if (request.dryRun) {
    const held = await rangesInUse(env);
    const holder = requested === undefined ? undefined : holderOf(requested, held.filter((h) => h.kind !== 'claim'));
    if (requested !== undefined && holder !== undefined) throw taken(requested, holder, firstFreeRange(held));
    const cidr = requested ?? firstFreeRange(held);
    return cidr === undefined ? undefined : { cidr, release: () => undefined };
  }
  const clients = await request.clientset();
  // An existing cluster keeps its claim: the create fails as it always did.
  if (await clients.getCluster(cluster)) return undefined;
  const reserved = await reserveRange(env, { cluster, store: clients.store.url, dir: localCloudDir(env, undefined, request.cwd) }, requested);
  if (!reserved.ok) throw taken(reserved.cidr, reserved.holder, reserved.free);
  if (reserved.unclaimed !== undefined) {
    request.events({ level: 'warn', code: 'localcloud.range-unclaimed', message: `${reserved.cidr} is not held for ${cluster} (${reserved.unclaimed}): if another local cluster takes it first, applying this one is refused` });
  }
  return reserved;
}
