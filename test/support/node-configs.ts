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

/**
 * The checksum files the release buckets would serve: `<archive>.sha256` (dl.k8s.io),
 * `<archive>.sha256sum` (containerd) and etcd's `v<version>/SHA256SUMS` list.
 */
export const releaseChecksums: ReadLocation = async (url) => {
  if (!RELEASES.some((r) => url.startsWith(r))) return readLocation(url);
  const line = (archive: string) => `${createHash('sha256').update(archive).digest('hex')}  ${archive.split('/').pop() ?? ''}\n`;
  const etcdList = /^(.*\/v(\d+\.\d+\.\d+))\/SHA256SUMS$/.exec(url);
  if (etcdList) return Buffer.from(line(`${etcdList[1]}/etcd-v${etcdList[2]}-linux-amd64.tar.gz`));
  const suffix = ['.sha256sum', '.sha256'].find((s) => url.endsWith(s));
  if (suffix === undefined) throw new Error(`the test release bucket serves only checksum files, not ${url}`);
  return Buffer.from(line(url.slice(0, -suffix.length)));
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
