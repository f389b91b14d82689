/**
 * `update cluster --target terraform --out DIR`: the cluster as a Terraform module instead of
 * cloud calls. Planning needs no discovery: the tasks come from the spec alone, and objects the
 * spec gives by id are read by Terraform (data sources) or used as they are.
 *
 * The module writes the state-store objects the machines read (on an s3:// store). What holds
 * private keys — the cluster PKI and the worker groups' credentials — hoist writes to the store
 * itself, here, as `update cluster --yes` would: Terraform keeps every attribute of what it
 * manages in its state, and private keys must never be there.
 */

import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { toYaml } from '../../api/index.js';
import type { CompletedSpec } from '../../api/index.js';
import { HoistError } from '../../errors.js';
import { ensureClusterPKI } from '../../pki/ensure.js';
import { nodeConfigHashes } from '../../../cloudup/node-config.js';
import { writeNodeCredentials } from '../../../cloudup/nodeup/credentials.js';
import { planNodeupConfigs } from '../../../cloudup/nodeup/plan.js';
import { prepareNodes } from '../../../cloudup/nodeup/prepare.js';
import { completedSpecKey } from '../../../state-store/layout.js';
import type { Context } from '../context.js';
import { completedSpecOf } from './cluster-cloud.js';

export const TERRAFORM_MAIN_FILE = 'kubernetes.tf.json';

export interface TerraformTargetResult {
  readonly out: string;
  readonly files: readonly string[];
  /** Resource blocks of the module. */
  readonly resources: number;
  /** Whether the module writes the nodes' state-store objects (an s3:// store). */
  readonly storeObjects: boolean;
}

export async function runTerraformTarget(ctx: Context, cluster: string, out: string, format: 'text' | 'json'): Promise<number> {
  const result = await ctx.withLock(cluster, 'update cluster --target terraform', () => writeTerraformModule(ctx, cluster, resolve(ctx.io.cwd, out)));
  if (format === 'json') {
    ctx.io.out(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  const store = (await ctx.store()).url;
  ctx.io.out(
    [
      `Terraform module for ${cluster} written to ${result.out}: ${TERRAFORM_MAIN_FILE} (${result.resources} resource blocks) and ${result.files.length - 1} files in data/.`,
      result.storeObjects
        ? `The state store ${store} has the cluster's PKI and worker credentials; terraform apply writes the nodes' configuration and cluster-completed.spec there.`
        : `The state store ${store} is not on S3: the nodes' configuration, the PKI and cluster-completed.spec were written to it now.`,
      '',
      'Nothing in the cloud has changed. Apply the module with:',
      `  cd ${result.out} && terraform init && terraform apply`,
      '',
    ].join('\n'),
  );
  return 0;
}

async function writeTerraformModule(ctx: Context, cluster: string, outDir: string): Promise<TerraformTargetResult> {
  const completed = await completedSpecOf(ctx, cluster);
  const cloud = completed.cluster.spec.cloudProvider;
  if (cloud !== 'aws') throw new HoistError('UNSUPPORTED', `--target terraform supports clusters on aws; ${cluster} runs on ${cloud}`, { hint: `apply it with: hoist update cluster ${cluster} --yes` });
  const store = await ctx.store();
  const events = ctx.io.events;
  const nodeConfigs = await planNodeupConfigs(completed, { stateStore: store.url, env: ctx.io.env, events });
  // Loaded here: only this path needs the AWS model and renderers.
  const [{ buildAwsTasks }, { renderAwsTerraform }] = await Promise.all([import('../../../cloudup/aws/model/index.js'), import('../../../cloudup/aws/terraform/index.js')]);
  const tasks = buildAwsTasks(completed, { stateStore: store.url, configHash: nodeConfigHashes(completed, nodeConfigs) });
  const completedSpec = completedSpecText(completed);
  const module = renderAwsTerraform({ spec: completed, tasks, stateStore: store.url, nodeConfigs: new Map([...nodeConfigs].map(([ig, f]) => [ig, f.yaml])), completedSpec });

  if (module.storeObjects) {
    await ensureClusterPKI(store, cluster, { events });
    for (const key of await writeNodeCredentials(store, completed)) events({ level: 'debug', code: 'nodeup.config.written', message: `wrote ${key}`, data: { key } });
  } else {
    // Terraform cannot reach this store: hoist writes what the module would have.
    await prepareNodes(store, completed, nodeConfigs, events);
    await store.put(completedSpecKey(cluster), completedSpec);
  }
  await writeFiles(outDir, module.files);
  events({ level: 'debug', code: 'terraform.written', message: `wrote ${module.files.size} files to ${outDir}`, data: { out: outDir, files: [...module.files.keys()] } });
  return { out: outDir, files: [...module.files.keys()], resources: module.resources, storeObjects: module.storeObjects };
}

/** As `update cluster --yes` writes it after an apply. */
function completedSpecText(completed: CompletedSpec): string {
  return [completed.cluster, ...completed.instanceGroups].map((o) => toYaml(o)).join('---\n');
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
