/**
 * The project's number, read from Resource Manager for the addons before the cloud is opened:
 * the workload identity credential configurations (workload-identity-credentials.ts) name the
 * pool by it, and the addons are rendered before the session. The plan hands the number to the
 * session it opens next (OpenOptions.account), which then does not read it again: one call per
 * plan, as before. Credentials and endpoints are the session's (clientOptionsFromEnv,
 * iamEndpointsFromEnv).
 */

import { GoogleAuth } from 'google-auth-library';
import { HoistError } from '../../src/errors.js';
import type { CloudAccount } from '../addons/types.js';
import { checkCredentials, clientOptionsFromEnv } from './clients.js';
import { callWithRetries } from './compute.js';
import { iamEndpointsFromEnv } from './iam-api.js';

type Env = Readonly<Record<string, string | undefined>>;

/** GCP has no partitions: what CloudAccount.partition says on gce. */
export const GCP_PARTITION = 'gcp';

export interface ProjectNumberOptions {
  readonly maxAttempts?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The project's number as the cloud account of the addons (`id`). */
export async function projectAccount(project: string, env: Env, options: ProjectNumberOptions = {}): Promise<CloudAccount> {
  const client = clientOptionsFromEnv(env);
  await checkCredentials(client);
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'], ...(client.authClient ? { authClient: client.authClient } : {}) });
  const url = `${iamEndpointsFromEnv(env).resourceManager}/v1/projects/${encodeURIComponent(project)}`;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let answer: { projectNumber?: string };
  try {
    answer = (await callWithRetries(`get project ${project}`, () => auth.fetch<{ projectNumber?: string }>(url), options.maxAttempts ?? 5, sleep)).data;
  } catch (e) {
    throw new HoistError('CLOUD', `could not read the number of project ${project} (Resource Manager projects.get): ${(e as Error).message}`, {
      hint: 'the workload identity credential configurations name the pool by the project\'s number: hoist needs resourcemanager.projects.get on the project',
      cause: e,
    });
  }
  if (!answer.projectNumber) throw new HoistError('CLOUD', `Resource Manager gave no number for project ${project}`);
  return { id: answer.projectNumber, partition: GCP_PARTITION };
}
