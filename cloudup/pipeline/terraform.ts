/**
 * `update cluster --target terraform --out DIR`: the cluster as a Terraform module instead of
 * cloud calls. Planning needs no discovery: the tasks come from the spec alone, and objects the
 * spec gives by id are read by Terraform (data sources) or used as they are.
 *
 * The module writes the state-store objects the machines read (on an s3:// store). What holds
 * private keys — the cluster PKI and the worker groups' credentials — hoist writes to the store
 * itself, here, as `update cluster --yes` would: Terraform keeps every attribute of what it
 * manages in its state, and private keys must never be there. The nodeup bundle (megabytes,
 * named by its hash) hoist publishes too.
 */

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { ensureClusterPKI } from '../../src/pki/ensure.js';
import { readServiceAccountKeys } from '../../src/pki/jwks.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { completedSpecKey } from '../../state-store/layout.js';
import { publishAddons } from '../addons/publish.js';
import { publishNodeupBundle } from '../nodeup/bundle.js';
import { writeNodeSecrets } from '../nodeup/secrets.js';
import { writeNodeCredentials } from '../nodeup/credentials.js';
import { planNodeupConfigs } from '../nodeup/plan.js';
import { prepareNodes } from '../nodeup/prepare.js';
import type { Env } from '../provider.js';
import { cloudsWhere, providerFor } from '../providers.js';
import { clusterBoot } from './boot.js';
import { completedSpecText } from './plan.js';

export const TERRAFORM_MAIN_FILE = 'kubernetes.tf.json';

export interface TerraformTargetResult {
  readonly out: string;
  readonly files: readonly string[];
  /** Resource blocks of the module. */
  readonly resources: number;
  /** Whether the module writes the nodes' state-store objects (an s3:// store). */
  readonly storeObjects: boolean;
}

export interface TerraformTargetOptions {
  readonly env: Env;
  readonly events: EventSink;
}

/** Writes the cluster's module to `outDir` (an absolute path); the caller holds the cluster's lock. */
export async function writeTerraformModule(store: ObjectStore, completed: CompletedSpec, outDir: string, opts: TerraformTargetOptions): Promise<TerraformTargetResult> {
  const cluster = completed.cluster.metadata.name;
  const cloud = completed.cluster.spec.cloudProvider;
  // Loaded here: only this path needs the cloud's model and renderers.
  const renderers = await (await providerFor(completed)).terraform?.();
  if (renderers === undefined) {
    const clouds = await cloudsWhere((p) => p.terraform !== undefined);
    throw new HoistError('UNSUPPORTED', `--target terraform supports clusters on ${clouds.join(', ')}; ${cluster} runs on ${cloud}`, { hint: `apply it with: hoist update cluster ${cluster} --yes` });
  }
  const events = opts.events;
  const nodeConfigs = await planNodeupConfigs(completed, { stateStore: store.url, store, env: opts.env, events });
  // The keysets exist before the module is built: it publishes the service-account keys
  // (spec.serviceAccountIssuerDiscovery), and the machines' credentials are issued from them.
  await ensureClusterPKI(store, cluster, { events });
  const booted = await clusterBoot(completed, nodeConfigs, { stateStore: store.url, env: opts.env });
  const serviceAccountKeys = await readServiceAccountKeys(store, cluster);
  const boot = serviceAccountKeys === undefined ? booted : { ...booted, options: { ...booted.options, serviceAccountKeys } };
  // The module is built from what the cloud fills in; the completed spec written is the user's.
  const prepared = renderers.prepare ? await renderers.prepare(completed, { env: opts.env, events }) : completed;
  const tasks = renderers.buildTasks(prepared, boot.options);
  const completedSpec = completedSpecText(completed);
  const module = renderers.render({ spec: prepared, tasks, stateStore: store.url, nodeConfigs: new Map([...nodeConfigs].map(([ig, f]) => [ig, f.yaml])), completedSpec });

  if (module.storeObjects) {
    const secrets = await writeNodeSecrets(store, completed, nodeConfigs);
    for (const key of [...(await writeNodeCredentials(store, completed)), ...secrets.written]) events({ level: 'debug', code: 'nodeup.config.written', message: `wrote ${key}`, data: { key } });
    // A file of megabytes, named by its hash: hoist publishes it rather than Terraform's state holding it.
    const published = await publishNodeupBundle(store, cluster, boot.bundle);
    if (published !== undefined) events({ level: 'debug', code: 'nodeup.bundle.published', message: `published the nodeup bundle to ${published}`, data: { key: published, sha256: boot.bundle.sha256 } });
  } else {
    // Terraform cannot reach this store: hoist writes what the module would have.
    await prepareNodes(store, completed, nodeConfigs, events, boot.bundle);
    await store.put(completedSpecKey(cluster), completedSpec);
  }
  // The addons live in the state store only: hoist publishes them either way, as a direct apply does.
  await publishAddons(store, completed, { env: opts.env, events });
  await writeFiles(outDir, module.files);
  events({ level: 'debug', code: 'terraform.written', message: `wrote ${module.files.size} files to ${outDir}`, data: { out: outDir, files: [...module.files.keys()] } });
  return { out: outDir, files: [...module.files.keys()], resources: module.resources, storeObjects: module.storeObjects };
}

/**
 * Writes the module; files left in `data/` by an earlier run that this one no longer has (a
 * removed instance group's) are removed, so the folder is exactly the module.
 */
async function writeFiles(outDir: string, files: ReadonlyMap<string, string>): Promise<void> {
  await mkdir(join(outDir, 'data'), { recursive: true });
  const stale = (await readdir(join(outDir, 'data'), { withFileTypes: true })).filter((e) => e.isFile() && !files.has(`data/${e.name}`));
  await Promise.all(stale.map((e) => rm(join(outDir, 'data', e.name))));
  for (const [path, text] of files) {
    await mkdir(dirname(join(outDir, path)), { recursive: true });
    await writeFile(join(outDir, path), text);
  }
}
