/**
 * The kubelets a change of minor must still serve: the Nodes' versions where the cluster's
 * kubeconfig context answers, else the applied spec's version (cloudup/upgrade/guards-update.ts).
 */

import { CoreV1Api } from '@kubernetes/client-node';
import { loadClusterKubeconfig } from '../rolling/kubeconfig-load.js';
import type { KubeletVersion } from './guards.js';
import type { UpdateGuardOptions } from './guards-update.js';

const LIVE_TIMEOUT_MS = 5_000;

export async function kubeletVersions(cluster: string, appliedVersion: string, opts: UpdateGuardOptions): Promise<KubeletVersion[]> {
  const fallback = [{ name: 'the nodes (the applied spec\'s version)', version: appliedVersion }];
  try {
    const config = loadClusterKubeconfig({ env: opts.env, cwd: opts.cwd }, cluster);
    if (!config) return fallback;
    const nodes = await withTimeout(config.makeApiClient(CoreV1Api).listNode(), LIVE_TIMEOUT_MS);
    const live = nodes.items.flatMap((n) => (n.status?.nodeInfo?.kubeletVersion ? [{ name: `node ${n.metadata?.name ?? '?'}`, version: n.status.nodeInfo.kubeletVersion }] : []));
    return live.length > 0 ? live : fallback;
  } catch (e) {
    opts.events({ level: 'debug', code: 'update.kubelets-unread', message: `the nodes' versions could not be read (${e instanceof Error ? e.message : String(e)}): taking the applied spec's ${appliedVersion}` });
    return fallback;
  }
}

/** An unreachable API must not hold up a plan: after `ms` the applied spec's version is taken. */
async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
