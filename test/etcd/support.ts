/**
 * A local cloud cluster whose control plane runs the real etcd: the host's etcd (3.4.23 from
 * Debian's etcd-server) is packed into the mirror, and the cluster pins that version. Without
 * etcd on the host these tests fail with the command that installs it; they never skip.
 */

import { execFileSync } from 'node:child_process';
import { hoist, hoistProcess } from '../support/cli.js';
import type { RunResult } from '../support/cli.js';
import type { LocalWorld } from '../cli/local-support.js';
import { localWorld } from '../cli/local-support.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import { operatorCredentials } from '../../nodeup/etcd/status.js';
import type { EtcdClusterReport } from '../../nodeup/etcd/status.js';
import { openStore } from '../../state-store/open.js';
import type { PublishedMember } from '../../nodeup/etcd/registry.js';
import { readMembers } from '../../nodeup/etcd/registry.js';

export const INSTALL_ETCD = 'apt-get update && apt-get install -y etcd-server';

/** The version of the host's etcd; throws with the install command when there is none. */
export function hostEtcdVersion(): string {
  let out: string;
  try {
    out = execFileSync('etcd', ['--version'], { encoding: 'utf8' });
  } catch {
    throw new Error(`these tests run the real etcd, and no etcd is installed: ${INSTALL_ETCD}`);
  }
  const version = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(out)?.[1];
  if (version === undefined) throw new Error(`etcd --version printed no version: ${out}`);
  return version;
}

export interface EtcdWorld {
  readonly world: LocalWorld;
  readonly name: string;
  run(...args: string[]): Promise<RunResult>;
  status(): Promise<{ code: number; reports: EtcdClusterReport[] }>;
  credentials(): Promise<EtcdCredentials>;
  /** The addresses the members of etcd main publish in the state store. */
  published(): Promise<ReadonlyMap<string, PublishedMember>>;
}

/**
 * Creates and applies a cluster with `controlPlanes` control-plane machines and no nodes, at
 * the local cloud's default etcd version (which must be the host's for it to run the real etcd).
 */
export async function etcdWorld(name: string, controlPlanes: number): Promise<EtcdWorld> {
  hostEtcdVersion();
  const world = await localWorld();
  try {
    return await createCluster(world, name, controlPlanes);
  } catch (e) {
    // Nothing is left behind when the cluster cannot be made: the test never gets a world to destroy.
    await world.destroy();
    throw e;
  }
}

async function createCluster(world: LocalWorld, name: string, controlPlanes: number): Promise<EtcdWorld> {
  const run = (...args: string[]) => hoistProcess(args, { env: world.env });
  const must = async (what: string, r: Promise<RunResult>) => {
    const done = await r;
    if (done.code !== 0) throw new Error(`${what} failed (${done.code}): ${done.stderr}`);
    return done;
  };
  await must('create cluster', run('create', 'cluster', name, '--control-plane-count', String(controlPlanes), '--node-count', '0'));
  await must('update cluster', run('update', 'cluster', name, '--yes'));
  // In this process: waitHealthy asks every half second for minutes, and a child process per
  // question pays Node's start-up and the etcd client's loading each time (0.3 s of CPU or more).
  const status = async () => {
    const r = await hoist(['etcd', 'status', name, '-o', 'json'], { env: world.env });
    const parsed = r.stdout.trim() === '' ? { etcdClusters: [] } : (JSON.parse(r.stdout) as { etcdClusters: EtcdClusterReport[] });
    return { code: r.code, reports: parsed.etcdClusters };
  };
  const store = await openStore(world.env.HOIST_STATE_STORE ?? '', { env: { ...process.env, ...world.env } });
  return { world, name, run, status, credentials: () => operatorCredentials(store, name), published: () => readMembers(store, name, 'main') };
}

/**
 * Polls until every etcd cluster reports healthy with `members` healthy members each. Members
 * join one at a time, each after the last has caught up: on cores shared with other test files
 * that takes minutes, so the wait is long, and a timeout says what it saw and when.
 */
export async function waitHealthy(w: EtcdWorld, members: number, timeoutMs = 240_000): Promise<EtcdClusterReport[]> {
  const start = Date.now();
  const deadline = start + timeoutMs;
  const seen: string[] = [];
  let last = '';
  for (;;) {
    const { code, reports } = await w.status();
    if (code === 0 && reports.length > 0 && reports.every((r) => r.healthy && r.members.filter((m) => m.healthy).length === members)) return reports;
    const now = JSON.stringify(reports.map((r) => ({ name: r.name, problem: r.problem })));
    if (now !== last) seen.push(`${String(Math.round((Date.now() - start) / 1000))} s: ${now}`);
    last = now;
    if (Date.now() > deadline) throw new Error(`etcd did not become healthy with ${members} members within ${timeoutMs} ms; what it saw:\n${seen.join('\n')}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
