/**
 * The node configurations of a plan: choose where assets come from, read their checksums there
 * (once per plan), and build every group's nodeup.yaml.
 *
 * Assets come from `spec.assets.fileRepository` when set; otherwise a local cluster uses the
 * local cloud's stand-in mirror (made on first use, in the local cloud's folder), and a cluster
 * on a real cloud uses the upstream release locations.
 */

import { join } from 'node:path';
import type { CompletedSpec } from '../../src/api/index.js';
import { assetLocations, assetSources, pinAssets } from '../../src/assets/index.js';
import type { ReadLocation } from '../../src/assets/index.js';
import type { EventSink } from '../../src/output/events.js';
import { localCloudDir } from '../local/files.js';
import { buildNodeupConfigs } from './build.js';
import type { NodeupConfigs } from './build.js';

export interface PlanNodeupOptions {
  readonly stateStore: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
  readonly read?: ReadLocation;
}

export async function planNodeupConfigs(completed: CompletedSpec, options: PlanNodeupOptions): Promise<NodeupConfigs> {
  const repository = await assetRepository(completed, options);
  const locations = assetLocations(completed, repository);
  const started = Date.now();
  const assets = await pinAssets(locations, options.read);
  options.events({
    level: 'debug',
    code: 'nodeup.assets-pinned',
    message: `pinned ${assets.length} node assets from ${repository ?? 'their upstream locations'} in ${Date.now() - started} ms`,
    data: { repository, assets: assets.map((a) => ({ name: a.name, url: a.url, sha256: a.sha256 })) },
  });
  return buildNodeupConfigs(completed, { stateStore: options.stateStore, assets });
}

async function assetRepository(completed: CompletedSpec, options: PlanNodeupOptions): Promise<string | undefined> {
  const mirror = completed.cluster.spec.assets?.fileRepository;
  if (mirror !== undefined && mirror !== '') return mirror;
  if (completed.cluster.spec.cloudProvider !== 'local') return undefined;
  // The archive builder is loaded only by plans that need the stand-in mirror.
  const { ensureLocalMirror } = await import('../../src/assets/stand-ins/index.js');
  return ensureLocalMirror(join(localCloudDir(options.env), 'assets'), assetSources(completed));
}
