/** References between resources: links that must point at something, and who uses what. */

import type { Ctx } from './collection.js';
import { invalid } from './errors.js';
import { link, resolveRef } from './links.js';
import type { Json } from './validate.js';

/** A reference to a resource of `collection`, which must exist; returns its full URL. */
export function existingLink(ctx: Ctx, ref: unknown, field: string, collection: string): string {
  const path = resolveRef(ctx.project, ref, field);
  if (!path.includes(`/${collection}/`)) throw invalid(field, ref, `Expected a reference to ${collection}.`);
  ctx.state.mustGet(path);
  return link(path);
}

/** Paths of the resources whose fields (read by `get`) link to `target`. */
export function usersOf(ctx: Ctx, target: string, refs: readonly (readonly [collection: string, get: (r: Json) => unknown[]])[]): string[] {
  const url = link(target);
  const out: string[] = [];
  for (const [collection, get] of refs) {
    for (const [path, r] of ctx.state.everywhere(ctx.project, collection)) {
      if (get(r).includes(url)) out.push(path);
    }
  }
  return out;
}

export const nicNetworks = (i: Json): unknown[] => ((i.networkInterfaces as Json[] | undefined) ?? []).map((n) => n.network);
export const nicSubnetworks = (i: Json): unknown[] => ((i.networkInterfaces as Json[] | undefined) ?? []).map((n) => n.subnetwork);
