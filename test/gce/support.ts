/** What the GCE tests share: the fake Compute server, how hoist reaches it, and waiting. */

import { PassThroughClient } from 'google-auth-library';
import { parse, stringify } from 'yaml';
import { completeSpec } from '../../src/api/index.js';
import type { Cluster, InstanceGroup } from '../../src/api/index.js';
import { assetSources } from '../../src/assets/index.js';
import { ensureLocalMirror } from '../../src/assets/stand-ins/index.js';
import type { ComputeClientOptions } from '../../cloudup/gce/clients.js';
import { FakeCompute } from './fake/server.js';

export const PROJECT = 'hoist-test';

/** Fast operations and instance steps: tests need not wait as long as GCE. */
export function startFake(): Promise<FakeCompute> {
  return FakeCompute.start({ operationMs: 5, instanceStepMs: 10 });
}

/** Session options that reach the fake with an auth client that sends no credentials. */
export function computeOptions(fake: FakeCompute): ComputeClientOptions {
  return { endpoint: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http' }, authClient: new PassThroughClient() };
}

/** The environment of CLI runs against the fake. */
export function cliEnv(fake: FakeCompute, stateStore: string): Record<string, string> {
  return { HOIST_STATE_STORE: stateStore, HOIST_GCE_ENDPOINT: fake.url, HOIST_GCE_AUTH: 'none', HOIST_CLUSTER_NAME: '' };
}

export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Run = (args: string[], stdin?: string) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Points the cluster's node assets at a stand-in mirror in a folder: the tests reach no network. */
export async function useAssetMirror(run: Run, cluster: string, dir: string): Promise<void> {
  const got = await run(['get', 'cluster', cluster, '-o', 'yaml']);
  if (got.code !== 0) throw new Error(got.stderr);
  const spec = parse(got.stdout) as Cluster;
  const igs = await run(['get', 'instancegroups', '--name', cluster, '-o', 'json']);
  const groups = (JSON.parse(igs.stdout) as { items: InstanceGroup[] }).items;
  const url = await ensureLocalMirror(dir, assetSources(completeSpec(spec, groups)));
  const replaced = await run(['replace', '-f', '-'], stringify({ ...spec, spec: { ...spec.spec, assets: { ...spec.spec.assets, fileRepository: url } } }));
  if (replaced.code !== 0) throw new Error(replaced.stderr);
}
