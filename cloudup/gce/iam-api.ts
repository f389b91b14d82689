/**
 * The IAM calls hoist makes on GCP, over REST with the Compute clients' credentials (so they are
 * counted, and retried as Compute.call retries): service accounts (IAM v1
 * `projects.serviceAccounts`), the project's IAM policy (Resource Manager v1 `getIamPolicy` /
 * `setIamPolicy`) and the state store bucket's (GCS JSON API `b/BUCKET/iam`). Policies are
 * changed by read-modify-write with their etag: a write that raced another one is refused (409)
 * and read again, so other people's bindings are never lost.
 */

import { NotReadyError } from '../../src/engine/executor.js';
import { HoistError } from '../../src/errors.js';
import type { Compute } from './compute.js';
import { errorInfo, isNotFound } from './errors.js';

export interface IamEndpoints {
  /** Default https://iam.googleapis.com (`HOIST_GCE_IAM_ENDPOINT`). */
  readonly iam: string;
  /** Default https://cloudresourcemanager.googleapis.com (`HOIST_GCE_RESOURCE_MANAGER_ENDPOINT`). */
  readonly resourceManager: string;
  /** Default https://storage.googleapis.com (`HOIST_GCS_ENDPOINT`, as the gs:// store has it). */
  readonly storage: string;
}

export const DEFAULT_IAM_ENDPOINTS: IamEndpoints = {
  iam: 'https://iam.googleapis.com',
  resourceManager: 'https://cloudresourcemanager.googleapis.com',
  storage: 'https://storage.googleapis.com',
};

export interface ServiceAccount {
  /** `projects/P/serviceAccounts/EMAIL` */
  readonly name: string;
  readonly email: string;
  readonly uniqueId: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly disabled?: boolean;
}

export interface Condition {
  readonly title: string;
  readonly description?: string;
  readonly expression: string;
}

export interface Binding {
  readonly role: string;
  readonly members: readonly string[];
  readonly condition?: Condition;
}

export interface Policy {
  readonly version?: number;
  readonly etag?: string;
  readonly bindings?: readonly Binding[];
}

/** Whose policy: the project's, a bucket's, or a service account's (who may act as it). */
export type PolicyTarget = { readonly kind: 'project' } | { readonly kind: 'bucket'; readonly bucket: string } | { readonly kind: 'serviceAccount'; readonly email: string };

/** Policy version 3: the only one that carries conditions, and so the one always asked for. */
const VERSION = 3;
/** Writes refused for a stale etag before hoist gives up: every group's bindings race at once in an apply. */
const MAX_RACES = 16;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export class IamApi {
  constructor(
    private readonly compute: Compute,
    readonly endpoints: IamEndpoints,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private get project(): string {
    return this.compute.project;
  }

  /** One call to a Google API with the session's credentials, retried as Compute's calls are. */
  async send<T>(what: string, method: Method | 'PATCH', url: string, data?: unknown): Promise<T> {
    const auth = this.compute.clients.targetPools.auth;
    // fetch, not request: the session's auth counts what goes through fetch.
    const init = { method, ...(data === undefined ? {} : { body: JSON.stringify(data), headers: { 'Content-Type': 'application/json' } }) };
    const response = await this.compute.call(what, () => auth.fetch<T>(url, init));
    return response.data;
  }

  private accountsUrl(email?: string): string {
    const base = `${this.endpoints.iam}/v1/projects/${encodeURIComponent(this.project)}/serviceAccounts`;
    return email === undefined ? base : `${base}/${encodeURIComponent(email)}`;
  }

  /** Every service account of the project (IAM lists have no filter), one call per page of 100. */
  async listAccounts(): Promise<ServiceAccount[]> {
    const out: ServiceAccount[] = [];
    let token: string | undefined;
    do {
      const query = `?pageSize=100${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const page = await this.send<{ accounts?: ServiceAccount[]; nextPageToken?: string }>('IAM list service accounts', 'GET', `${this.accountsUrl()}${query}`);
      out.push(...(page.accounts ?? []));
      token = page.nextPageToken || undefined;
    } while (token);
    return out;
  }

  async getAccount(email: string): Promise<ServiceAccount | undefined> {
    try {
      return await this.send<ServiceAccount>(`IAM get service account ${email}`, 'GET', this.accountsUrl(email));
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  async createAccount(accountId: string, account: { readonly displayName: string; readonly description: string }): Promise<ServiceAccount> {
    return this.send<ServiceAccount>(`IAM create service account ${accountId}`, 'POST', this.accountsUrl(), { accountId, serviceAccount: account });
  }

  async deleteAccount(email: string): Promise<void> {
    await this.send(`IAM delete service account ${email}`, 'DELETE', this.accountsUrl(email));
  }

  async policy(target: PolicyTarget): Promise<Policy> {
    if (target.kind === 'project') {
      return this.send<Policy>(`get the IAM policy of project ${this.project}`, 'POST', `${this.projectUrl()}:getIamPolicy`, { options: { requestedPolicyVersion: VERSION } });
    }
    if (target.kind === 'serviceAccount') {
      return this.send<Policy>(`get the IAM policy of service account ${target.email}`, 'POST', `${this.anyAccountUrl(target.email)}:getIamPolicy`, { options: { requestedPolicyVersion: VERSION } });
    }
    return this.send<Policy>(`get the IAM policy of bucket ${target.bucket}`, 'GET', `${this.bucketUrl(target.bucket)}?optionsRequestedPolicyVersion=${VERSION}`);
  }

  private setPolicy(target: PolicyTarget, policy: Policy): Promise<Policy> {
    if (target.kind === 'project') {
      return this.send<Policy>(`set the IAM policy of project ${this.project}`, 'POST', `${this.projectUrl()}:setIamPolicy`, { policy });
    }
    if (target.kind === 'serviceAccount') {
      return this.send<Policy>(`set the IAM policy of service account ${target.email}`, 'POST', `${this.anyAccountUrl(target.email)}:setIamPolicy`, { policy });
    }
    return this.send<Policy>(`set the IAM policy of bucket ${target.bucket}`, 'PUT', this.bucketUrl(target.bucket), policy);
  }

  /** An account of any project: IAM takes `-` for the project and finds it by its email. */
  private anyAccountUrl(email: string): string {
    return `${this.endpoints.iam}/v1/projects/-/serviceAccounts/${encodeURIComponent(email)}`;
  }

  /**
   * Read-modify-write of a policy: `change` gets the current bindings and returns the new ones
   * (undefined: nothing to change, nothing written). A write refused for a stale etag (another
   * writer came first) is done again from a fresh read.
   */
  async modify(target: PolicyTarget, change: (bindings: readonly Binding[]) => Binding[] | undefined): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.policy(target);
      const bindings = change(current.bindings ?? []);
      if (bindings === undefined) return;
      try {
        await this.setPolicy(target, { version: VERSION, ...(current.etag ? { etag: current.etag } : {}), bindings: bindings.filter((b) => b.members.length > 0) });
        return;
      } catch (e) {
        const info = errorInfo(e);
        // A new account is not known to every policy at once (IAM is eventually consistent): the executor tries again.
        if (info.status === 400 && /service account .* does not exist/i.test(info.message)) throw new NotReadyError(info.message, { cause: e });
        // 409 as Resource Manager answers a stale etag; 412 as a precondition may also be refused.
        const status = info.status;
        if (status !== 409 && status !== 412) throw e;
        if (attempt < MAX_RACES) {
          // Full jitter, so that writers who lost together do not read and write together again.
          await this.sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt));
          continue;
        }
        throw new HoistError('CONFLICT', `the IAM policy of ${policyOwner(target, this.project)} kept changing under hoist (${MAX_RACES} writes refused for a stale etag)`, {
          cause: e,
          hint: 'run update cluster again once whoever else is changing the policy is done',
        });
      }
    }
  }

  private projectUrl(): string {
    return `${this.endpoints.resourceManager}/v1/projects/${encodeURIComponent(this.project)}`;
  }

  private bucketUrl(bucket: string): string {
    return `${this.endpoints.storage}/storage/v1/b/${encodeURIComponent(bucket)}/iam`;
  }
}

function policyOwner(target: PolicyTarget, project: string): string {
  if (target.kind === 'project') return `project ${project}`;
  return target.kind === 'bucket' ? `bucket ${target.bucket}` : `service account ${target.email}`;
}

/** The endpoints from the environment, each an http(s) URL of a host. */
export function iamEndpointsFromEnv(env: Readonly<Record<string, string | undefined>>): IamEndpoints {
  const pick = (name: string, fallback: string): string => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!/^https?:\/\/[^/]+\/?$/.test(raw)) throw new HoistError('INVALID_FLAG', `${name}=${raw} is not an http or https URL of a host`, { hint: `e.g. ${name}=${fallback}` });
    return raw.replace(/\/$/, '');
  };
  return {
    iam: pick('HOIST_GCE_IAM_ENDPOINT', DEFAULT_IAM_ENDPOINTS.iam),
    resourceManager: pick('HOIST_GCE_RESOURCE_MANAGER_ENDPOINT', DEFAULT_IAM_ENDPOINTS.resourceManager),
    storage: pick('HOIST_GCS_ENDPOINT', DEFAULT_IAM_ENDPOINTS.storage),
  };
}
