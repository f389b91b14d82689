/**
 * The workload identity federation calls hoist makes (IAM v1 `projects.locations.
 * workloadIdentityPools` and their `providers`), and the project's number (Resource Manager v1
 * `projects.get`), which principals and audiences name instead of its id. Pools and providers
 * are changed by long-running operations, which are polled until done. A deleted pool or
 * provider is only marked DELETED for 30 days, during which its id stays taken: hoist undeletes
 * its own rather than failing to make it again.
 */

import { HoistError } from '../../src/errors.js';
import type { IamApi } from './iam-api.js';

export type WiState = 'ACTIVE' | 'DELETED' | 'STATE_UNSPECIFIED';

export interface WorkloadIdentityPool {
  /** `projects/<number>/locations/global/workloadIdentityPools/<id>` */
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly state?: WiState;
  readonly disabled?: boolean;
}

export interface PoolProvider {
  /** `projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<id>` */
  readonly name: string;
  readonly displayName?: string;
  readonly description?: string;
  readonly state?: WiState;
  readonly disabled?: boolean;
  readonly attributeMapping?: Readonly<Record<string, string>>;
  readonly oidc?: { readonly issuerUri?: string; readonly allowedAudiences?: readonly string[] };
}

interface Operation {
  readonly name: string;
  readonly done?: boolean;
  readonly error?: { readonly code?: number; readonly message?: string };
}

/** The last part of a resource name: a pool's or provider's id. */
export const idOfName = (name: string): string => name.slice(name.lastIndexOf('/') + 1);

export class WorkloadIdentityApi {
  constructor(
    private readonly iam: IamApi,
    private readonly project: string,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  private poolsUrl(pool?: string): string {
    const base = `${this.iam.endpoints.iam}/v1/projects/${encodeURIComponent(this.project)}/locations/global/workloadIdentityPools`;
    return pool === undefined ? base : `${base}/${encodeURIComponent(pool)}`;
  }

  private providersUrl(pool: string, provider?: string): string {
    const base = `${this.poolsUrl(pool)}/providers`;
    return provider === undefined ? base : `${base}/${encodeURIComponent(provider)}`;
  }

  /** The project's number (Resource Manager), which principals and audiences name. */
  async projectNumber(): Promise<string> {
    const p = await this.iam.send<{ projectNumber?: string }>(`get project ${this.project}`, 'GET', `${this.iam.endpoints.resourceManager}/v1/projects/${encodeURIComponent(this.project)}`);
    if (!p.projectNumber) throw new HoistError('CLOUD', `Resource Manager gave no number for project ${this.project}`);
    return p.projectNumber;
  }

  /** Every pool of the project, deleted ones too (their ids stay taken), one call per page. */
  async listPools(): Promise<WorkloadIdentityPool[]> {
    return this.pages<WorkloadIdentityPool>('IAM list workload identity pools', this.poolsUrl(), 'workloadIdentityPools');
  }

  async listProviders(pool: string): Promise<PoolProvider[]> {
    return this.pages<PoolProvider>(`IAM list the providers of pool ${pool}`, this.providersUrl(pool), 'workloadIdentityPoolProviders');
  }

  async createPool(id: string, pool: Omit<WorkloadIdentityPool, 'name' | 'state'>): Promise<void> {
    await this.done(`create workload identity pool ${id}`, this.iam.send<Operation>(`IAM create workload identity pool ${id}`, 'POST', `${this.poolsUrl()}?workloadIdentityPoolId=${encodeURIComponent(id)}`, pool));
  }

  async patchPool(id: string, pool: Omit<WorkloadIdentityPool, 'name' | 'state'>, mask: readonly string[]): Promise<void> {
    const url = `${this.poolsUrl(id)}?updateMask=${encodeURIComponent(mask.join(','))}`;
    await this.done(`update workload identity pool ${id}`, this.iam.send<Operation>(`IAM update workload identity pool ${id}`, 'PATCH', url, pool));
  }

  async deletePool(id: string): Promise<void> {
    await this.done(`delete workload identity pool ${id}`, this.iam.send<Operation>(`IAM delete workload identity pool ${id}`, 'DELETE', this.poolsUrl(id)));
  }

  async undeletePool(id: string): Promise<void> {
    await this.done(`undelete workload identity pool ${id}`, this.iam.send<Operation>(`IAM undelete workload identity pool ${id}`, 'POST', `${this.poolsUrl(id)}:undelete`, {}));
  }

  async createProvider(pool: string, id: string, provider: Omit<PoolProvider, 'name' | 'state'>): Promise<void> {
    await this.done(`create provider ${id} of pool ${pool}`, this.iam.send<Operation>(`IAM create provider ${id} of pool ${pool}`, 'POST', `${this.providersUrl(pool)}?workloadIdentityPoolProviderId=${encodeURIComponent(id)}`, provider));
  }

  /** Changes the fields of `mask` (dotted paths, e.g. `oidc.allowedAudiences`). */
  async patchProvider(pool: string, id: string, provider: Omit<PoolProvider, 'name' | 'state'>, mask: readonly string[]): Promise<void> {
    const url = `${this.providersUrl(pool, id)}?updateMask=${encodeURIComponent(mask.join(','))}`;
    await this.done(`update provider ${id} of pool ${pool}`, this.iam.send<Operation>(`IAM update provider ${id} of pool ${pool}`, 'PATCH', url, provider));
  }

  async deleteProvider(pool: string, id: string): Promise<void> {
    await this.done(`delete provider ${id} of pool ${pool}`, this.iam.send<Operation>(`IAM delete provider ${id} of pool ${pool}`, 'DELETE', this.providersUrl(pool, id)));
  }

  async undeleteProvider(pool: string, id: string): Promise<void> {
    await this.done(`undelete provider ${id} of pool ${pool}`, this.iam.send<Operation>(`IAM undelete provider ${id} of pool ${pool}`, 'POST', `${this.providersUrl(pool, id)}:undelete`, {}));
  }

  private async pages<T>(what: string, url: string, field: string): Promise<T[]> {
    const out: T[] = [];
    let token: string | undefined;
    do {
      const query = `?showDeleted=true&pageSize=100${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`;
      const page = await this.iam.send<Record<string, unknown>>(what, 'GET', `${url}${query}`);
      out.push(...((page[field] as T[] | undefined) ?? []));
      token = (page['nextPageToken'] as string | undefined) || undefined;
    } while (token);
    return out;
  }

  /** Polls an operation until it is done (with backoff: GCP's take seconds); its error is thrown. */
  private async done(what: string, started: Promise<Operation>): Promise<void> {
    let op = await started;
    for (let attempt = 0; op.done !== true; attempt++) {
      await this.sleep(Math.min(2000, 20 * 2 ** attempt));
      op = await this.iam.send<Operation>(`IAM get operation of ${what}`, 'GET', `${this.iam.endpoints.iam}/v1/${op.name}`);
    }
    if (op.error) throw new HoistError('CLOUD', `IAM ${what}: ${op.error.message ?? 'failed'}${op.error.code === undefined ? '' : ` (code ${op.error.code})`}`);
  }
}
