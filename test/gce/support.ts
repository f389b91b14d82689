/** What the GCE tests share: the fake Compute server, how hoist reaches it, and waiting. */

import { PassThroughClient } from 'google-auth-library';
import type { ComputeClientOptions } from '../../cloudup/gce/clients.js';
import { FakeCompute } from './fake/server.js';

export { useAssetMirror } from '../support/asset-mirror.js';

export const PROJECT = 'hoist-test';

/** Fast operations and instance steps: tests need not wait as long as GCE. */
export function startFake(): Promise<FakeCompute> {
  return FakeCompute.start({ operationMs: 5, instanceStepMs: 10 });
}

/** Session options that reach the fake with an auth client that sends no credentials. */
export function computeOptions(fake: FakeCompute): ComputeClientOptions {
  return { endpoint: { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http' }, authClient: new PassThroughClient(), iam: { iam: fake.url, resourceManager: fake.url } };
}

/** The environment of CLI runs against the fake. */
export function cliEnv(fake: FakeCompute, stateStore: string): Record<string, string> {
  return { HOIST_STATE_STORE: stateStore, HOIST_GCE_ENDPOINT: fake.url, HOIST_GCE_IAM_ENDPOINT: fake.url, HOIST_GCE_RESOURCE_MANAGER_ENDPOINT: fake.url, HOIST_GCE_AUTH: 'none', HOIST_CLUSTER_NAME: '' };
}

export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
