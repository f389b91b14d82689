/**
 * Node configurations built as `update cluster` builds them (cloudup/nodeup/plan.ts: choose the
 * asset locations, pin each checksum from its `.sha256` file, build every group's nodeup.yaml),
 * for tests that reach no network.
 *
 * What stands in: the release buckets' checksum files (https://dl.k8s.io, GitHub releases) are
 * answered in sha256sum's format with a fixed digest of the archive's URL, so that a plan on a
 * real cloud pins a checksum for every asset, as it would online, and the same one on every run.
 * A local cluster's stand-in mirror is made in a temporary folder (its URLs name that folder),
 * removed once the configurations are built.
 */

import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompletedSpec } from '../../src/api/index.js';
import { readLocation } from '../../src/assets/index.js';
import type { ReadLocation } from '../../src/assets/index.js';
import { planNodeupConfigs } from '../../cloudup/nodeup/index.js';
import type { NodeupConfigs } from '../../cloudup/nodeup/index.js';
import { silent } from '../../src/output/events.js';

const RELEASES = ['https://dl.k8s.io/', 'https://github.com/'];

/** The checksum file the release bucket would serve for `<archive>.sha256`. */
export const releaseChecksums: ReadLocation = async (url) => {
  if (!RELEASES.some((r) => url.startsWith(r))) return readLocation(url);
  if (!url.endsWith('.sha256')) throw new Error(`the test release bucket serves only checksum files, not ${url}`);
  const archive = url.slice(0, -'.sha256'.length);
  const hex = createHash('sha256').update(archive).digest('hex');
  return Buffer.from(`${hex}  ${archive.split('/').pop() ?? ''}\n`);
};

/** Each group's nodeup.yaml for `completed`, as a plan of `update cluster` builds them. */
export async function plannedNodeConfigs(completed: CompletedSpec, stateStore: string): Promise<{ readonly configs: NodeupConfigs; readonly localCloudDir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hoist-node-configs-'));
  const localCloudDir = join(dir, 'local-cloud');
  try {
    const configs = await planNodeupConfigs(completed, { stateStore, env: { HOIST_LOCAL_CLOUD_DIR: localCloudDir }, events: silent, read: releaseChecksums });
    return { configs, localCloudDir };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
