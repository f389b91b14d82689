/** Cloud tests' node assets: a stand-in mirror in a folder, since the tests reach no network. */

import { parse, stringify } from 'yaml';
import { completeSpec } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { assetSources } from '../../src/assets/index.js';
import { ensureLocalMirror } from '../../cloudup/local/stand-ins/index.js';

type Run = (args: string[], stdin?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/**
 * Points a cluster's node assets at a stand-in mirror in `dir` (machines on moto or the fake
 * Compute API never boot): `update cluster` pins the assets' checksums from it.
 */
export async function useAssetMirror(run: Run, cluster: string, dir: string): Promise<void> {
  const got = await run(['get', 'cluster', cluster, '-o', 'yaml']);
  if (got.code !== 0) throw new Error(got.stderr);
  const spec = parse(got.stdout) as Cluster;
  const igs = await run(['get', 'instancegroups', '--name', cluster, '-o', 'json']);
  const groups = (JSON.parse(igs.stdout) as { items: InstanceGroup[] }).items;
  const url = await ensureLocalMirror(dir, assetSources(completeSpec(spec, groups)));
  const edited = { ...spec, spec: { ...spec.spec, assets: { ...spec.spec.assets, fileRepository: url } } };
  const replaced = await run(['replace', '-f', '-'], stringify(edited));
  if (replaced.code !== 0) throw new Error(replaced.stderr);
}
