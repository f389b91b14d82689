/**
 * The Cloud DNS v1 calls hoist makes (`managedZones` and their `rrsets`), over REST with the
 * session's credentials; transient errors are retried as Compute calls are (Compute.call).
 * Cloud DNS answers changes directly (no Operation). Record names are fully qualified with the
 * final dot, as the API wants them.
 */

import { GoogleAuth, PassThroughClient } from 'google-auth-library';
import { HoistError } from '../../src/errors.js';
import type { Compute } from './compute.js';
import { isNotFound } from './errors.js';

export interface ManagedZone {
  readonly name: string;
  /** With the final dot. */
  readonly dnsName: string;
  readonly visibility?: string;
}

export interface RecordSet {
  /** With the final dot. */
  readonly name: string;
  readonly type: string;
  readonly ttl: number;
  readonly rrdatas: readonly string[];
}

const DEFAULT_ENDPOINT = 'https://dns.googleapis.com';
const SCOPES = ['https://www.googleapis.com/auth/ndev.clouddns.readwrite', 'https://www.googleapis.com/auth/cloud-platform'];

/** `example.com` → `example.com.` */
export const dotted = (name: string): string => (name.endsWith('.') ? name.toLowerCase() : `${name.toLowerCase()}.`);

export class CloudDns {
  private readonly auth: GoogleAuth;
  private readonly base: string;

  /**
   * `HOIST_GCE_DNS_ENDPOINT`: where Cloud DNS is (default dns.googleapis.com); `HOIST_GCE_AUTH=none`
   * sends no credentials, as for Compute. `onRequest` counts each request.
   */
  constructor(
    private readonly compute: Compute,
    env: Readonly<Record<string, string | undefined>>,
    onRequest: () => void,
  ) {
    const endpoint = env.HOIST_GCE_DNS_ENDPOINT ?? DEFAULT_ENDPOINT;
    if (!/^https?:\/\/[^/]+\/?$/.test(endpoint)) {
      throw new HoistError('INVALID_FLAG', `HOIST_GCE_DNS_ENDPOINT=${endpoint} is not an http or https URL of a host`, { hint: `e.g. HOIST_GCE_DNS_ENDPOINT=${DEFAULT_ENDPOINT}` });
    }
    this.base = `${endpoint.replace(/\/$/, '')}/dns/v1/projects/${encodeURIComponent(compute.project)}/managedZones`;
    const authClient = env.HOIST_GCE_AUTH === 'none' ? { authClient: new PassThroughClient() } : {};
    const auth = new GoogleAuth({ scopes: SCOPES, ...authClient });
    const request = auth.request.bind(auth);
    auth.request = (opts) => {
      onRequest();
      return request(opts);
    };
    this.auth = auth;
  }

  /** The zone whose DNS name is `dnsZone` (or whose resource name it is), if the project has it. */
  async findZone(dnsZone: string): Promise<ManagedZone | undefined> {
    const byName = await this.get<{ managedZones?: ManagedZone[] }>(`find managed zone ${dnsZone}`, `?dnsName=${encodeURIComponent(dotted(dnsZone))}`);
    const zone = byName.managedZones?.find((z) => dotted(z.dnsName) === dotted(dnsZone));
    if (zone || dnsZone.includes('.')) return zone;
    // A zone given by its resource name (kops allows an id instead of a DNS name).
    try {
      return await this.get<ManagedZone>(`get managed zone ${dnsZone}`, `/${encodeURIComponent(dnsZone)}`);
    } catch (e) {
      if (isNotFound(e)) return undefined;
      throw e;
    }
  }

  /** Every zone whose DNS name is exactly `dnsName`, public and private, page by page. */
  async zonesNamed(dnsName: string): Promise<ManagedZone[]> {
    const zones: ManagedZone[] = [];
    let token: string | undefined;
    do {
      const query = `?dnsName=${encodeURIComponent(dotted(dnsName))}${token === undefined ? '' : `&pageToken=${encodeURIComponent(token)}`}`;
      const page = await this.get<{ managedZones?: ManagedZone[]; nextPageToken?: string }>(`list managed zones ${dnsName}`, query);
      zones.push(...(page.managedZones ?? []).filter((z) => dotted(z.dnsName) === dotted(dnsName)));
      token = page.nextPageToken === '' ? undefined : page.nextPageToken;
    } while (token !== undefined);
    return zones;
  }

  /** The records of `name` (any type, or `type`), one call. */
  async records(zone: string, name: string, type?: string): Promise<RecordSet[]> {
    const query = `?name=${encodeURIComponent(dotted(name))}${type ? `&type=${type}` : ''}`;
    const page = await this.get<{ rrsets?: RecordSet[] }>(`list records ${name} in ${zone}`, `/${encodeURIComponent(zone)}/rrsets${query}`);
    return page.rrsets ?? [];
  }

  async create(zone: string, set: RecordSet): Promise<void> {
    await this.send(`create record ${set.name} in ${zone}`, 'POST', `/${encodeURIComponent(zone)}/rrsets`, set);
  }

  async patch(zone: string, set: RecordSet): Promise<void> {
    await this.send(`change record ${set.name} in ${zone}`, 'PATCH', this.recordPath(zone, set), set);
  }

  /** Deleting a record that is gone succeeds. */
  async delete(zone: string, set: Pick<RecordSet, 'name' | 'type'>): Promise<void> {
    try {
      await this.send(`delete record ${set.name} in ${zone}`, 'DELETE', this.recordPath(zone, set));
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }

  private recordPath(zone: string, set: Pick<RecordSet, 'name' | 'type'>): string {
    return `/${encodeURIComponent(zone)}/rrsets/${encodeURIComponent(dotted(set.name))}/${encodeURIComponent(set.type)}`;
  }

  private get<T>(what: string, path: string): Promise<T> {
    return this.send<T>(what, 'GET', path);
  }

  private async send<T>(what: string, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, data?: unknown): Promise<T> {
    const response = await this.compute.call(`Cloud DNS ${what}`, () => this.auth.request<T>({ url: `${this.base}${path}`, method, ...(data === undefined ? {} : { data }) }));
    return response.data;
  }
}
