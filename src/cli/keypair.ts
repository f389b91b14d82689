/**
 * Key rotation, as kops names it: `create keypair KEYSET [--primary]`, `promote keypair KEYSET
 * [ID]` and `distrust keypair KEYSET [ID...]`, each on one keyset or on `all` of them. Each step
 * changes only the state store, under the cluster's lock; machines pick the change up when they
 * are replaced (docs/pki.md gives the whole procedure).
 */

import type { Command } from 'commander';
import { HoistError, NotFoundError } from '../errors.js';
import { CLUSTER_KEYSETS } from '../pki/ensure.js';
import { addKeysetItem, distrustKeysetItems, promoteKeysetItem } from '../pki/rotate.js';
import { listKeysets } from '../pki/store.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export const ALL_KEYSETS = 'all';

export interface CreateKeypairOptions {
  readonly primary?: boolean;
}

/** The keysets a command works on: one that exists, or every standard one for `all`. */
async function keysetsOf(ctx: Context, cluster: string, keyset: string, ids: readonly string[]): Promise<string[]> {
  const clients = await ctx.clientset();
  if (!(await clients.getCluster(cluster))) {
    throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  }
  const existing = await listKeysets(await ctx.store(), cluster);
  if (existing.length === 0) {
    throw new NotFoundError(`cluster ${cluster} has no keypairs yet`, `they are created by: hoist update cluster ${cluster} --yes`);
  }
  if (keyset === ALL_KEYSETS) {
    if (ids.length > 0) throw new HoistError('INVALID_FLAG', `keypair ids (${ids.join(', ')}) name items of one keyset, not of all`, { hint: 'name the keyset instead of all' });
    return CLUSTER_KEYSETS.map((k) => k.name).filter((n) => existing.includes(n));
  }
  if (!existing.includes(keyset)) {
    throw new NotFoundError(`cluster ${cluster} has no keyset ${JSON.stringify(keyset)}`, `use one of: ${[ALL_KEYSETS, ...existing].join(', ')}`);
  }
  return [keyset];
}

export async function runCreateKeypair(keyset: string, opts: CreateKeypairOptions, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName();
  const store = await ctx.store();
  return ctx.withLock(cluster, 'create keypair', async () => {
    for (const name of await keysetsOf(ctx, cluster, keyset, [])) {
      const { item } = await addKeysetItem(store, cluster, name, { primary: opts.primary === true });
      const role = opts.primary === true ? 'primary' : 'not primary: trusted once machines are replaced; then promote it';
      ctx.io.out(`${name}: created item ${item.id} (${role})\n`);
      ctx.io.events({ level: 'debug', code: 'pki.item-added', message: `added item ${item.id} to keyset ${name}`, data: { cluster, keyset: name, id: item.id, primary: opts.primary === true } });
    }
    return 0;
  });
}

export async function runPromoteKeypair(keyset: string, id: string | undefined, ctx: Context): Promise<number> {
  const cluster = ctx.clusterName();
  const store = await ctx.store();
  return ctx.withLock(cluster, 'promote keypair', async () => {
    for (const name of await keysetsOf(ctx, cluster, keyset, id === undefined ? [] : [id])) {
      const promoted = await promoteKeysetItem(store, cluster, name, id);
      ctx.io.out(`${name}: item ${promoted.id} is primary\n`);
    }
    return 0;
  });
}

export async function runDistrustKeypair(keyset: string, ids: readonly string[], ctx: Context): Promise<number> {
  const cluster = ctx.clusterName();
  const store = await ctx.store();
  return ctx.withLock(cluster, 'distrust keypair', async () => {
    for (const name of await keysetsOf(ctx, cluster, keyset, ids)) {
      const { distrusted } = await distrustKeysetItems(store, cluster, name, ids);
      ctx.io.out(distrusted.length === 0 ? `${name}: nothing to distrust\n` : `${name}: distrusted ${distrusted.join(', ')}\n`);
    }
    return 0;
  });
}

/** A parent command (`promote`, `distrust`) that another registration may have made already. */
function parent(program: Command, name: string, description: string): Command {
  return program.commands.find((c) => c.name() === name) ?? program.command(name).description(description);
}

export function registerKeypairs(program: Command, run: Runner): void {
  const keysetArg = ['<keyset>', `a keyset (kubernetes-ca, etcd-peers-ca, ...) or ${ALL_KEYSETS}`] as const;
  parent(program, 'create', 'create things')
    .command('keypair')
    .argument(...keysetArg)
    .option('--primary', 'make the new item primary at once (only for a cluster with no machines yet)')
    .description('add a new CA (or service-account key) to a keyset, beside its primary')
    .action(async (keyset: string, opts: CreateKeypairOptions, cmd: Command) => run(cmd, (ctx) => runCreateKeypair(keyset, opts, ctx)));
  parent(program, 'promote', 'promote a keypair to primary')
    .command('keypair')
    .argument(...keysetArg)
    .argument('[id]', 'the item to promote (default: the newest one that is not primary)')
    .description('make an item of a keyset primary: what is issued from now on is signed by it')
    .action(async (keyset: string, id: string | undefined, _opts: unknown, cmd: Command) => run(cmd, (ctx) => runPromoteKeypair(keyset, id, ctx)));
  parent(program, 'distrust', 'distrust keypairs')
    .command('keypair')
    .argument(...keysetArg)
    .argument('[ids...]', 'the items to distrust (default: every item older than the primary)')
    .description('take items of a keyset out of its trust bundle (they stay in the keyset, marked distrusted)')
    .action(async (keyset: string, ids: string[], _opts: unknown, cmd: Command) => run(cmd, (ctx) => runDistrustKeypair(keyset, ids, ctx)));
}
