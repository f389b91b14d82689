/**
 * The operations of the REST API, independent of HTTP: listing with tag filters and pages,
 * create/read/update/delete per type, template versions, and the group instance actions.
 */

import { mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { RESOURCE_TYPES } from '../api-types.js';
import { cidrsOverlap, parseCidr } from '../../../src/api/cidr.js';
import type { CreateBodies, DaemonStatus, InstanceTemplate, ListResponse, ResourceOf, ResourceType, UpdateBodies } from '../api-types.js';
import type { CloudPaths } from '../files.js';
import { LOCAL_CLOUD_VERSION } from '../version.js';
import { ApiError, conflict, invalid, notFound, singular } from './api-error.js';
import type { GroupController } from './groups.js';
import { newId } from './ids.js';
import type { InstanceSupervisor } from './instances.js';
import type { LoadBalancerController } from './load-balancers.js';
import { buildResource, checkGroup, checkListeners, checkUnused } from './resources.js';
import type { CloudState } from './state.js';
import { parseCreate, parseInstanceAction, parseTemplateVersion, parseUpdate } from './validate.js';
import type { CreatableType } from './validate.js';

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

export interface ApiContext {
  readonly state: CloudState;
  readonly paths: CloudPaths;
  readonly groups: GroupController;
  readonly instances: InstanceSupervisor;
  readonly lbs: LoadBalancerController;
  readonly startedAt: string;
  readonly bootTimeMs: number;
  readonly endpoint: () => string;
  /** The networks of the other local clouds running on this machine, which share its loopback. */
  readonly otherNetworks?: () => Promise<readonly { readonly cidr: string; readonly by: string }[]>;
}

type Resource = ResourceOf[ResourceType];

export class CloudApi {
  private readonly ctx: ApiContext;

  constructor(ctx: ApiContext) {
    this.ctx = ctx;
  }

  static isType(name: string): name is ResourceType {
    return (RESOURCE_TYPES as readonly string[]).includes(name);
  }

  list(type: ResourceType, query: URLSearchParams): ListResponse<Resource> {
    const tags: [string, string][] = [];
    let name: string | undefined;
    let pageSize = DEFAULT_PAGE_SIZE;
    let after: readonly [string, string] | undefined;
    for (const [key, value] of query) {
      if (key.startsWith('tag:') && key.length > 4) tags.push([key.slice(4), value]);
      else if (key === 'name') name = value;
      else if (key === 'maxResults') pageSize = parsePageSize(value);
      else if (key === 'pageToken') after = parsePageToken(value);
      else throw invalid(key, 'is not a listing parameter (use tag:KEY=VALUE, name, maxResults or pageToken)');
    }
    const matching = this.ctx.state
      .list(type)
      .filter((r) => (name === undefined || r.name === name) && tags.every(([k, v]) => r.tags[k] === v))
      .filter((r) => after === undefined || r.createdAt > after[0] || (r.createdAt === after[0] && r.id > after[1]));
    const page = matching.slice(0, pageSize);
    const last = page[page.length - 1];
    const items = page.map((r) => this.present(type, r));
    return matching.length > pageSize && last !== undefined ? { items, nextPageToken: pageToken(last) } : { items };
  }

  get(type: ResourceType, id: string): Resource {
    const found = this.ctx.state.get(type, id);
    if (found === undefined) throw notFound(type, id);
    return this.present(type, found);
  }

  async create(type: ResourceType, body: unknown): Promise<Resource> {
    if (type === 'instances') throw invalid('type', 'instances are launched by instance groups; create an instanceGroup');
    const parsed = parseCreate(type, body);
    if (type === 'networks') await this.checkOtherClouds((parsed as CreateBodies['networks']).cidr);
    const taken = this.ctx.state.findByName(type, parsed.name);
    if (taken !== undefined) throw new ApiError(409, 'AlreadyExists', `${singular(type)} ${JSON.stringify(parsed.name)} already exists (${taken.id})`);
    const id = newId(type);
    const resource = buildResource(this.ctx.state, type as CreatableType, parsed, id, this.ctx.paths.volumePath(id));
    // Recorded before any wait, so that a concurrent request sees the name and address taken.
    this.ctx.state.put(type, resource);
    try {
      if (type === 'loadBalancers') await this.ctx.lbs.open(resource as ResourceOf['loadBalancers']);
      if (type === 'volumes') mkdirSync(this.ctx.paths.volumePath(id), { recursive: true });
    } catch (e) {
      this.ctx.state.remove(type, id);
      throw e;
    }
    if (type === 'instanceGroups') this.ctx.groups.poke();
    return this.present(type, resource);
  }

  async update(type: ResourceType, id: string, body: unknown): Promise<Resource> {
    const before = this.ctx.state.get(type, id);
    if (before === undefined) throw notFound(type, id);
    const patch = parseUpdate(type, body);
    const after = { ...before, ...patch } as Resource;
    switch (type) {
      case 'instanceGroups':
        if (this.ctx.groups.isDeleting(id)) throw conflict(`group ${before.name} is being deleted`);
        checkGroup(this.ctx.state, after as ResourceOf['instanceGroups']);
        break;
      case 'loadBalancers':
        checkListeners((after as ResourceOf['loadBalancers']).listeners);
        break;
      case 'volumes': {
        const size = (patch as Partial<UpdateBodies['volumes']>).sizeGb;
        const old = (before as ResourceOf['volumes']).sizeGb;
        if (size !== undefined && size < old) throw invalid('sizeGb', `${size} is smaller than ${old}: volumes can only grow`);
        break;
      }
      default:
        break;
    }
    this.ctx.state.put(type, after);
    if (type === 'loadBalancers') {
      const [old, next] = [before as ResourceOf['loadBalancers'], after as ResourceOf['loadBalancers']];
      try {
        await this.ctx.lbs.reconfigure(old, next);
      } catch (e) {
        this.ctx.state.put('loadBalancers', old);
        throw e;
      }
    }
    if (type === 'instanceGroups') this.ctx.groups.poke();
    return this.present(type, after);
  }

  /** Resolves once the resource is gone (for a group: once its instances have exited). */
  async delete(type: ResourceType, id: string): Promise<void> {
    if (this.ctx.state.get(type, id) === undefined) throw notFound(type, id);
    checkUnused(this.ctx.state, type, id);
    switch (type) {
      case 'instanceGroups':
        return this.ctx.groups.delete(id);
      case 'instances':
        // Like terminating an instance of an auto scaling group: its group replaces it.
        await this.ctx.instances.terminate(id);
        this.ctx.groups.poke();
        return;
      case 'loadBalancers':
        this.ctx.state.remove(type, id);
        return this.ctx.lbs.close(id);
      case 'volumes':
        this.ctx.state.remove(type, id);
        await rm(this.ctx.paths.volumePath(id), { recursive: true, force: true });
        return;
      default:
        this.ctx.state.remove(type, id);
    }
  }

  /** A range another running local cloud uses would put two machines on one address. */
  private async checkOtherClouds(cidr: string): Promise<void> {
    const wanted = parseCidr(cidr);
    if (!wanted.ok || this.ctx.otherNetworks === undefined) return;
    for (const other of await this.ctx.otherNetworks()) {
      const theirs = parseCidr(other.cidr);
      if (theirs.ok && cidrsOverlap(wanted.cidr, theirs.cidr)) {
        throw new ApiError(409, 'AddressInUse', `cidr: ${cidr} overlaps ${other.cidr}, ${other.by}: give this network a range no other local cloud on this machine uses`);
      }
    }
  }

  createTemplateVersion(id: string, body: unknown): InstanceTemplate {
    const template = this.ctx.state.get('instanceTemplates', id);
    if (template === undefined) throw notFound('instanceTemplates', id);
    const version = parseTemplateVersion(body);
    const number = template.latestVersion + 1;
    const next: InstanceTemplate = {
      ...template,
      versions: [...template.versions, { ...version, version: number, createdAt: new Date().toISOString() }],
      latestVersion: number,
    };
    return this.ctx.state.put('instanceTemplates', next);
  }

  terminate(groupId: string, body: unknown): ResourceOf['instances'] {
    return this.ctx.groups.terminate(groupId, parseInstanceAction(body));
  }

  detach(groupId: string, body: unknown): ResourceOf['instances'] {
    return this.ctx.groups.detach(groupId, parseInstanceAction(body));
  }

  status(): DaemonStatus {
    return {
      pid: process.pid,
      endpoint: this.ctx.endpoint(),
      dir: this.ctx.paths.dir,
      startedAt: this.ctx.startedAt,
      version: LOCAL_CLOUD_VERSION,
      bootTimeMs: this.ctx.bootTimeMs,
      counts: this.ctx.state.counts(),
    };
  }

  /** A group's instanceIds are read live, so they are never a reconcile tick behind. */
  private present(type: ResourceType, r: Resource): Resource {
    if (type !== 'instanceGroups') return r;
    return { ...(r as ResourceOf['instanceGroups']), instanceIds: this.ctx.groups.members(r.id).map((i) => i.id) };
  }
}

function parsePageSize(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_PAGE_SIZE) throw invalid('maxResults', `${JSON.stringify(value)} is not a number from 1 to ${MAX_PAGE_SIZE}`);
  return n;
}

/** Tokens name the last item of the page by its sort key, so deletions between pages skip nothing. */
function pageToken(r: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([r.createdAt, r.id])).toString('base64url');
}

function parsePageToken(value: string): readonly [string, string] {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && parsed.every((x) => typeof x === 'string')) return [parsed[0] as string, parsed[1] as string];
  } catch {
    // falls through to the error
  }
  throw invalid('pageToken', 'is not a token this API returned');
}
