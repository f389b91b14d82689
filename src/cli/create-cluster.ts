/** `hoist create cluster NAME`: writes a new cluster spec, built from kops-style flags. */

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { CLOUDS, newClusterSpec } from '../api/index.js';
import type { CloudProvider, CloudSpecRules, NewClusterSpec } from '../api/index.js';
import type { NetworkRange } from '../../cloudup/provider.js';
import { providerOf, SPEC_RULES } from '../../cloudup/providers.js';
import { AlreadyExistsError, invalidFlag } from '../errors.js';
import type { Context } from './context.js';
import { setSpecFields } from './shared/set-fields.js';
import { printSpecs } from './shared/print-specs.js';
import { saveSpecSet, validateSpecChange } from './shared/save-specs.js';
import { oneOf } from './shared/flags.js';
import { checkSpecFlags, throwFlagProblems } from './create-cluster-flags.js';
import type { KopsSpecFlags } from './create-cluster-flags.js';
import { runUpdateCluster } from './update-cluster.js';

export interface CreateClusterOptions extends KopsSpecFlags {
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
  /** `--set path=value` and `--unset path` on the new Cluster, as `edit cluster` takes them. */
  readonly set?: readonly string[];
  readonly unset?: readonly string[];
  readonly bastion?: boolean;
  /** Existing subnets, one per zone of --zones in its order (kops's --subnets, --utility-subnets). */
  readonly subnets?: readonly string[];
  readonly utilitySubnets?: readonly string[];
  /** Create the cluster in the cloud at once: what `update cluster --yes` runs. */
  readonly yes?: boolean;
  /** direct, or terraform: write the Terraform module to --out, as `update cluster --target terraform` does. */
  readonly target?: string;
  readonly out?: string;
}

export async function runCreateCluster(opts: CreateClusterOptions, ctx: Context): Promise<number> {
  const name = ctx.clusterName(opts.name);
  const cloud = oneOf<CloudProvider>('--cloud', opts.cloud, CLOUDS);
  const topology = oneOf('--topology', opts.topology, ['public', 'private'] as const);
  const format = oneOf('--output', opts.output, ['yaml', 'json'] as const);
  checkApplyFlags(opts);
  const flags = checkSpecFlags(opts, (SPEC_RULES as Partial<Record<string, CloudSpecRules>>)[cloud]);
  throwFlagProblems(flags.problems);
  const sshPublicKey = opts.sshPublicKey === undefined ? undefined : await readSshKey(ctx, opts.sshPublicKey);
  const range = opts.networkId === undefined ? await reserveRange(ctx, name, cloud, opts) : undefined;
  let created: number | (() => Promise<number>);
  try {
    created = await createCluster(ctx, { ...opts, networkCidr: range?.cidr ?? opts.networkCidr }, { name, cloud, topology, format, sshPublicKey, dnsType: flags.dnsType, applyFlags: flags.apply });
  } catch (e) {
    range?.release();
    throw e;
  }
  // Once stored, the cluster holds its range: a failed apply after that must not free it.
  return typeof created === 'number' ? created : created();
}

interface Checked {
  readonly name: string;
  readonly cloud: CloudProvider;
  readonly topology: 'public' | 'private';
  readonly format: 'yaml' | 'json';
  readonly sshPublicKey: string | undefined;
  readonly dnsType: 'Public' | 'Private' | 'None' | undefined;
  readonly applyFlags: (spec: NewClusterSpec) => NewClusterSpec;
}

/** --yes, --target and --out, checked before anything is written. */
function checkApplyFlags(opts: CreateClusterOptions): void {
  const target = oneOf('--target', opts.target ?? 'direct', ['direct', 'terraform'] as const);
  if (target === 'terraform' && (opts.out === undefined || opts.out === '')) {
    throw invalidFlag('--target', target, 'needs --out DIR, the folder to write the Terraform module to', 'add --out ./terraform');
  }
  if (target !== 'terraform' && opts.out !== undefined) throw invalidFlag('--out', opts.out, 'is the folder of --target terraform', 'add --target terraform, or leave out --out');
  if (opts.dryRun && (opts.yes || target === 'terraform')) {
    throw invalidFlag(opts.yes ? '--yes' : '--target', opts.yes ? true : target, 'cannot be used with --dry-run, which stores nothing', 'leave out --dry-run to create the cluster, or the other flag to print the spec');
  }
}

/** The exit code; or, with --yes or --target, the update to run once the cluster is stored. */
async function createCluster(ctx: Context, opts: CreateClusterOptions, { name, cloud, topology, format, sshPublicKey, dnsType, applyFlags }: Checked): Promise<number | (() => Promise<number>)> {
  const built = newClusterSpec(
    {
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
        dnsType,
        subnetIDs: opts.subnets?.length ? opts.subnets : undefined,
        utilitySubnetIDs: opts.utilitySubnets?.length ? opts.utilitySubnets : undefined,
        bastion: opts.bastion,
      }),
    },
    SPEC_RULES,
  );
  // The kops flags first, then --set/--unset, which win.
  let spec = applyFlags(built);
  const changes = (opts.set?.length ?? 0) + (opts.unset?.length ?? 0) > 0;
  if (changes) spec = { ...spec, cluster: setSpecFields(spec.cluster, opts.set ?? [], opts.unset ?? [], `cluster ${name} with --set/--unset`) };
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
  if (opts.yes || opts.target === 'terraform') {
    // kops's --yes (and a target that changes no cloud): what update cluster runs, on the spec just stored.
    ctx.io.err(`Cluster ${name} was created in ${clients.store.url}, with instance groups:\n${igs}\n\n`);
    const terraform = opts.target === 'terraform';
    return () => runUpdateCluster(name, terraform ? { target: 'terraform', out: opts.out } : { yes: true, parallelism: 10 }, ctx);
  }
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
 * The network range of a cluster on a cloud whose clusters share one address space (the local
 * cloud): `--network-cidr` when free, else a free one, held from now on (released again if the
 * create fails) unless this is a dry run. Other clouds leave the range to the spec.
 */
async function reserveRange(ctx: Context, name: string, cloud: CloudProvider, opts: CreateClusterOptions): Promise<NetworkRange | undefined> {
  const provider = await providerOf(cloud);
  if (!provider.reserveNetworkRange) return undefined;
  return provider.reserveNetworkRange({
    cluster: name,
    ...(opts.networkCidr === undefined ? {} : { requested: opts.networkCidr }),
    dryRun: opts.dryRun === true,
    env: ctx.io.env,
    cwd: ctx.io.cwd,
    events: ctx.io.events,
    clientset: () => ctx.clientset(),
  });
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
