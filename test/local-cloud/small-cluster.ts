/**
 * The smallest local cluster that runs workloads: one control plane and one worker, on the
 * host's real etcd (the API server needs it), validated, with the admin kubeconfig exported.
 * One per test file; `destroy` stops its local cloud by PID and removes its folders.
 */

import { execFileSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { localWorld } from '../cli/local-support.js';
import type { LocalWorld } from '../cli/local-support.js';
import { hoistProcess } from '../support/cli.js';
import { kubectl, removeDir } from '../apiserver/support.js';
import type { KubectlResult } from '../apiserver/support.js';

export interface SmallCluster {
  readonly name: string;
  readonly world: LocalWorld;
  readonly dir: string;
  readonly kubeconfig: string;
  /** hoist with the cluster's environment; never throws. */
  hoist(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  /** The real kubectl with the admin kubeconfig. */
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  destroy(): Promise<{ pid: number; args: string }[]>;
}

/**
 * `groups`: more InstanceGroup documents (YAML), created before the first update; `spec`: more
 * Cluster spec fields, written before it too.
 */
export async function smallCluster(name: string, onWorld: (w: LocalWorld) => void, groups: readonly string[] = [], spec: Readonly<Record<string, unknown>> = {}): Promise<SmallCluster> {
  const etcdVersion = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1];
  if (etcdVersion === undefined) throw new Error('no etcd on this machine: apt-get install -y etcd-server');
  const dir = await mkdtemp(join(tmpdir(), 'hoist-small-cluster-'));
  const world = await localWorld();
  onWorld(world);
  const hoist = (...args: string[]) => hoistProcess(args, { env: world.env });
  const run = async (...args: string[]) => {
    const r = await hoist(...args);
    if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
    return r;
  };
  await run('create', 'cluster', name, '--control-plane-count', '1', '--node-count', '1');
  const cluster = parse((await run('get', 'cluster', name, '-o', 'yaml')).stdout) as { spec: { etcdClusters: { version?: string }[] } };
  // The machine runs the real etcd only at the host's version.
  for (const c of cluster.spec.etcdClusters) c.version = etcdVersion;
  await writeFile(join(dir, 'cluster.yaml'), stringify({ ...cluster, spec: { ...cluster.spec, ...spec } }));
  await run('replace', '-f', join(dir, 'cluster.yaml'));
  for (const [i, group] of groups.entries()) {
    await writeFile(join(dir, `group-${i}.yaml`), group);
    await run('create', '-f', join(dir, `group-${i}.yaml`));
  }
  await run('update', 'cluster', name, '--yes');
  const kubeconfig = join(dir, 'kubeconfig');
  await run('export', 'kubeconfig', name, '--admin', '--kubeconfig', kubeconfig);
  await run('validate', 'cluster', name, '--wait', '120s', '--kubeconfig', kubeconfig);
  return {
    name,
    world,
    dir,
    kubeconfig,
    hoist,
    kubectl: (args, stdin) => kubectl(kubeconfig, dir, args, stdin),
    async destroy() {
      const left = await world.destroy();
      await removeDir(dir);
      return left;
    },
  };
}
