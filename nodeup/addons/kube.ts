/**
 * The applier's calls to the cluster, all through @kubernetes/client-node's generic object API
 * (which finds each kind's resource by discovery): server-side apply under the addons' field
 * manager, list by the addon's label across every namespace, delete. Errors name the object
 * and carry the API server's own message.
 */

import { ApiException, KubernetesObjectApi, PatchStrategy } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { ADDON_FIELD_MANAGER, ADDON_NAME_LABEL } from './channel.js';
import type { AddonObject, ObjectRef } from './manifest.js';
import { describeRef, refOf } from './manifest.js';

/** The API server's message of a failed call (its Status's message), else the error's first line. */
export function apiMessage(e: unknown): string {
  if (e instanceof ApiException) {
    const body = (e as ApiException<unknown>).body;
    try {
      const parsed = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: unknown };
      if (typeof parsed.message === 'string') return `HTTP ${e.code}: ${parsed.message}`;
    } catch {
      // not JSON: the body as it is below
    }
    return `HTTP ${e.code}: ${typeof body === 'string' ? body : JSON.stringify(body)}`;
  }
  return e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
}

export const statusOf = (e: unknown): number | undefined => (e instanceof ApiException ? (e as ApiException<unknown>).code : undefined);

/** A call about one object that failed: the message names the object first. */
export class ObjectError extends Error {
  constructor(readonly ref: ObjectRef, cause: unknown) {
    super(`${describeRef(ref)}: ${apiMessage(cause)}`, { cause });
  }
}

const header = (r: ObjectRef): KubernetesObject & { metadata: { name: string; namespace?: string } } => ({ apiVersion: r.apiVersion, kind: r.kind, metadata: { name: r.name, ...(r.namespace === undefined ? {} : { namespace: r.namespace }) } });

export class AddonKube {
  private readonly objects: KubernetesObjectApi;

  constructor(readonly config: KubeConfig) {
    this.objects = KubernetesObjectApi.makeApiClient(config);
  }

  /** Server-side apply, forcing conflicts (the addon's manifest is what the object must say); answers the object as the cluster names it. */
  async apply(o: AddonObject): Promise<ObjectRef> {
    let live: KubernetesObject;
    try {
      // A copy: the library fills in a default namespace on the object it is given.
      live = await this.objects.patch(structuredClone(o) as KubernetesObject, undefined, undefined, ADDON_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (e) {
      throw new ObjectError(refOf(o), e);
    }
    const namespace = live.metadata?.namespace;
    return refOf({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.metadata.name, ...(namespace === undefined ? {} : { namespace }) } });
  }

  /** The objects of `kind` labelled as the addon's, in every namespace; none when the API serves no such kind (any more). */
  async labelled(addon: string, apiVersion: string, kind: string): Promise<ObjectRef[]> {
    let items: KubernetesObject[];
    try {
      items = (await this.objects.list(apiVersion, kind, undefined, undefined, undefined, undefined, undefined, `${ADDON_NAME_LABEL}=${addon}`)).items;
    } catch (e) {
      if (statusOf(e) === 404 || (e instanceof Error && /^Unrecognized API version and kind/.test(e.message))) return [];
      throw new Error(`listing ${kind} (${apiVersion}) of addon ${addon}: ${apiMessage(e)}`, { cause: e });
    }
    return items.map((o) => refOf({ apiVersion, kind, metadata: { name: o.metadata?.name ?? '', ...(o.metadata?.namespace === undefined ? {} : { namespace: o.metadata.namespace }) } }));
  }

  /** Deletes the object; one already gone, or of a kind no longer served, is no error. */
  async delete(r: ObjectRef): Promise<void> {
    try {
      await this.objects.delete(header(r), undefined, undefined, undefined, undefined, 'Background');
    } catch (e) {
      if (statusOf(e) === 404 || (e instanceof Error && /^Unrecognized API version and kind/.test(e.message))) return;
      throw new ObjectError(r, e);
    }
  }

  async read(r: ObjectRef): Promise<KubernetesObject | undefined> {
    try {
      return await this.objects.read(header(r));
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw new ObjectError(r, e);
    }
  }

  /** Server-side apply of an object the applier owns itself (its record). */
  async applyOwn(o: KubernetesObject): Promise<void> {
    await this.objects.patch(o, undefined, undefined, ADDON_FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
  }
}
