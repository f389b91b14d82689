/** `hoist create cluster NAME`: writes a new cluster spec, built from kops-style flags. */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CLOUDS, newClusterSpec } from '../api/index.js';
import type { CloudProvider } from '../api/index.js';
import { cidrContains, parseCidr } from '../api/cidr.js';
import { AlreadyExistsError, invalidFlag } from '../errors.js';
import type { Context } from './context.js';
import { printSpecs } from './shared/print-specs.js';
import { saveSpecSet, validateSpecChange } from './shared/save-specs.js';
import { oneOf } from './shared/flags.js';

const LOOPBACK = parseCidr('127.0.0.0/8');

export interface CreateClusterOptions {
  readonly name?: string;
  readonly cloud: string;
  readonly zones: readonly string[];
  readonly controlPlaneCount?: number;
  readonly controlPlaneSize?: string;
  readonly nodeCount?: number;
  readonly nodeSize?: string;
  readonly kubernetesVersion?: string;
  readonly networkCidr?: string;
  readonly networkId?: string;
  readonly topology: string;
  readonly sshPublicKey?: string;
  readonly dnsZone?: string;
  readonly project?: string;
  readonly dryRun?: boolean;
  readonly output: string;
}

export async function runCreateCluster(opts: CreateClusterOptions, ctx: Context): Promise<number> {
  const name = ctx.clusterName(opts.name);
  const cloud = oneOf<CloudProvider>('--cloud', opts.cloud, CLOUDS);
  const topology = oneOf('--topology', opts.topology, ['public', 'private'] as const);
  const format = oneOf('--output', opts.output, ['yaml', 'json'] as const);
  const sshPublicKey = opts.sshPublicKey === undefined ? undefined : await readSshKey(ctx, opts.sshPublicKey);
  // A local cluster gets a range no other local cloud on this machine uses, held from now on.
  const range = cloud === 'local' && opts.networkId === undefined ? await localRange(ctx, name, opts) : undefined;
  try {
    return await createCluster(ctx, { ...opts, networkCidr: range?.cidr ?? opts.networkCidr }, { name, cloud, topology, format, sshPublicKey });
  } catch (e) {
    range?.release();
    throw e;
  }
}

interface Checked {
  readonly name: string;
  readonly cloud: CloudProvider;
  readonly topology: 'public' | 'private';
  readonly format: 'yaml' | 'json';
  readonly sshPublicKey: string | undefined;
}

async function createCluster(ctx: Context, opts: CreateClusterOptions, { name, cloud, topology, format, sshPublicKey }: Checked): Promise<number> {
  const spec = newClusterSpec({
    name,
    cloud,
    zones: opts.zones,
    topology,
    ...defined({
      controlPlaneCount: opts.controlPlaneCount,
      controlPlaneSize: opts.controlPlaneSize,
      nodeCount: opts.nodeCount,
      nodeSize: opts.nodeSize,
      kubernetesVersion: opts.kubernetesVersion,
      networkCIDR: opts.networkCidr,
      networkID: opts.networkId,
      sshPublicKey,
      dnsZone: opts.dnsZone,
      project: opts.project,
    }),
  });
  validateSpecChange(undefined, spec);

  if (opts.dryRun) {
    printSpecs(ctx.io, [spec.cluster, ...spec.instanceGroups], format);
    return 0;
  }
  const clients = await ctx.clientset();
  if (await clients.getCluster(name)) {
    throw new AlreadyExistsError(`cluster ${name} already exists in ${clients.store.url}`, `change it with: hoist edit cluster ${name}`);
  }
  await saveSpecSet(ctx, { cluster: name, before: undefined, after: spec, operation: 'create cluster' });

  const igs = spec.instanceGroups.map((ig) => `  ${ig.metadata.name} (${ig.spec.role})`).join('\n');
  ctx.io.err(
    [
      `Cluster ${name} was created in ${clients.store.url}, with instance groups:`,
      igs,
      '',
      'Nothing was created in the cloud yet. Next:',
      `  review the spec:     hoist get cluster ${name} -o yaml`,
      `  change it:           hoist edit cluster ${name}`,
      `  create the cluster:  hoist update cluster ${name} --yes`,
      '',
    ].join('\n'),
  );
  return 0;
}

/**
 * The local cluster's network range: `--network-cidr` when no local cloud on this machine
 * holds any of it, else the first free /16. Reserved (released again if the create fails)
 * unless this is a dry run.
 */
async function localRange(ctx: Context, name: string, opts: CreateClusterOptions): Promise<{ cidr: string; release(): void } | undefined> {
  const explicit = opts.networkCidr;
  const parsed = explicit === undefined ? undefined : parseCidr(explicit);
  // A range that is not a loopback CIDR is refused by the spec's validation, with its fix.
  if (parsed !== undefined && (!parsed.ok || !LOOPBACK.ok || !cidrContains(LOOPBACK.cidr, parsed.cidr))) return undefined;
  const { firstFreeRange, holderOf, rangesInUse, reserveRange } = await import('../../cloudup/local/ranges.js');
  const { localCloudDir } = await import('../../cloudup/local/files.js');
  const taken = (cidr: string, holder: { cidr: string; by: string }, free: string | undefined) =>
    invalidFlag('--network-cidr', cidr, `is taken on this machine: ${holder.by} uses ${holder.cidr}`, free ? `use a free range such as ${free}, or leave --network-cidr out to get one` : 'delete a local cluster you no longer need');
  if (opts.dryRun) {
    const held = await rangesInUse(ctx.io.env);
    const holder = explicit === undefined ? undefined : holderOf(explicit, held.filter((h) => h.kind !== 'claim'));
    if (explicit !== undefined && holder !== undefined) throw taken(explicit, holder, firstFreeRange(held));
    const cidr = explicit ?? firstFreeRange(held);
    return cidr === undefined ? undefined : { cidr, release: () => undefined };
  }
  const clients = await ctx.clientset();
  // An existing cluster keeps its claim: the create fails as it always did.
  if (await clients.getCluster(name)) return undefined;
  const store = clients.store.url;
  const reserved = await reserveRange(ctx.io.env, { cluster: name, store, dir: localCloudDir(ctx.io.env, undefined, ctx.io.cwd) }, explicit);
  if (!reserved.ok) throw taken(reserved.cidr, reserved.holder, reserved.free);
  if (reserved.unclaimed !== undefined) {
    ctx.io.events({ level: 'warn', code: 'localcloud.range-unclaimed', message: `${reserved.cidr} is not held for ${name} (${reserved.unclaimed}): if another local cluster takes it first, applying this one is refused` });
  }
  return reserved;
}

async function readSshKey(ctx: Context, file: string): Promise<string> {
  let text: string;
  try {
    text = (await readFile(resolve(ctx.io.cwd, file), 'utf8')).trim();
  } catch {
    throw invalidFlag('--ssh-public-key', file, 'cannot be read', 'name an SSH public key file, e.g. ~/.ssh/id_ed25519.pub');
  }
  if (!/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-\S+) [A-Za-z0-9+/=]+( .*)?$/.test(text)) {
    throw invalidFlag('--ssh-public-key', file, 'does not hold an SSH public key', 'use the .pub file, not the private key');
  }
  return text;
}

/** Drops undefined values so optional fields stay absent rather than present-but-undefined. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
