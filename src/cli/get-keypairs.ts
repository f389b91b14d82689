/**
 * `hoist get keypairs [NAME...] --name CLUSTER [--distrusted]`: the cluster's keysets and their
 * items; distrusted items only with --distrusted, as kops shows them. Reads only the public
 * copies, and strips keys again before printing: no format shows a private key.
 */

import type { Command } from 'commander';
import { HoistError, NotFoundError } from '../errors.js';
import { parseOutputFormat, renderTable } from '../output/format.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { publicKeyset } from '../pki/keyset.js';
import type { Keyset } from '../pki/keyset.js';
import { listKeysets, readKeyset } from '../pki/store.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';
import { printSpecs } from './shared/print-specs.js';

export interface GetKeypairsOptions {
  readonly output?: string;
  readonly distrusted?: boolean;
}

export async function runGetKeypairs(names: readonly string[], opts: GetKeypairsOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  const cluster = ctx.clusterName();
  const clients = await ctx.clientset();
  if (!(await clients.getCluster(cluster))) {
    throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  }
  const store = await ctx.store();
  const wanted = names.length > 0 ? [...new Set(names)] : await listKeysets(store, cluster);
  const read = await Promise.all(wanted.map((name) => readPublic(store, cluster, name)));
  const keysets = opts.distrusted ? read : read.map(withoutDistrusted);
  if (keysets.length === 0 && format === 'table') {
    ctx.io.err(`No keypairs found for cluster ${cluster}: they are created by: hoist update cluster ${cluster} --yes\n`);
    return 0;
  }
  if (format !== 'table') {
    printSpecs(ctx.io, keysets, format, false);
    return 0;
  }
  const rows = keysets.flatMap((k) => k.spec.items.map((item) => ({ keyset: k, item })));
  ctx.io.out(
    renderTable(rows, [
      { header: 'NAME', value: (r) => r.keyset.metadata.name },
      { header: 'ID', value: (r) => r.item.id },
      { header: 'TYPE', value: (r) => r.keyset.spec.type },
      { header: 'PRIMARY', value: (r) => String(r.item.id === r.keyset.spec.primaryId) },
      ...(opts.distrusted ? [{ header: 'DISTRUSTED', value: (r: (typeof rows)[number]) => r.item.distrustedAt?.replace(/\.\d+Z$/, 'Z') ?? '-' }] : []),
      { header: 'NOT-AFTER', value: (r) => (r.item.notAfter === undefined ? '-' : r.item.notAfter.replace(/\.\d+Z$/, 'Z')) },
    ]),
  );
  return 0;
}

function withoutDistrusted(k: Keyset): Keyset {
  return { ...k, spec: { ...k.spec, items: k.spec.items.filter((i) => i.distrustedAt === undefined) } };
}

/** The issued copy; the private one, stripped, when a crash left the issued copy unwritten. */
async function readPublic(store: ObjectStore, cluster: string, name: string): Promise<Keyset> {
  const issued = await readKeyset(store, cluster, name, { private: false });
  if (issued !== undefined) return publicKeyset(issued);
  const full = await readKeyset(store, cluster, name, { private: true });
  if (full !== undefined) return publicKeyset(full);
  throw new HoistError('NOT_FOUND', `keypair ${name} not found in cluster ${cluster}`, { hint: `list them with: hoist get keypairs --name ${cluster}` });
}

/** Adds `keypairs` to the `get` command that get.ts creates; registered after it. */
export function registerGetKeypairs(program: Command, run: Runner): void {
  const get = program.commands.find((c) => c.name() === 'get');
  if (get === undefined) throw new HoistError('INTERNAL', 'the get command must be registered before get keypairs');
  get
    .command('keypairs')
    .aliases(['keypair', 'keysets', 'keyset'])
    .argument('[names...]', 'keyset names (default: all of the cluster)')
    .option('-o, --output <format>', 'table, yaml or json')
    .option('--distrusted', 'also show distrusted items (distrust keypair), with when they were distrusted')
    .description('list the CAs and keys of the cluster named by --name (never their private keys)')
    .action(async (names: string[], opts: GetKeypairsOptions, cmd: Command) => run(cmd, (ctx) => runGetKeypairs(names, opts, ctx)));
}
