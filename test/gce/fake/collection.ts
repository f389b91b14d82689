/** How a resource collection of the fake plugs into the router. */

import type { Scope } from './links.js';
import type { State } from './state.js';
import type { Json } from './validate.js';

export interface Ctx {
  readonly state: State;
  readonly project: string;
  readonly scope: Scope;
}

/** A custom method's answer: an operation on the resource, or a plain response. */
export type MethodResult =
  | { readonly operation: string; readonly finished?: () => boolean }
  | { readonly response: Json };

export type Method = (ctx: Ctx, path: string, resource: Json, body: Json, query: URLSearchParams) => MethodResult;

export interface Collection {
  /** The URL segment, e.g. `instanceGroupManagers`. */
  readonly name: string;
  /** e.g. `compute#network`; its list is `compute#networkList`. */
  readonly kind: string;
  readonly scope: Scope['kind'];
  /** Validates an insert body; returns the resource's own fields (name, id and links are added). */
  insert(ctx: Ctx, body: Json, path: string): Json;
  /** Runs once the resource is stored (a group creates its instances). */
  afterInsert?(ctx: Ctx, path: string, resource: Json): void;
  /** Throws 400 resourceInUseByAnotherResource while something uses the resource. */
  checkDelete?(ctx: Ctx, path: string, resource: Json): void;
  /** Removes the resource; returns when the removal is over if it takes time. */
  remove?(ctx: Ctx, path: string, resource: Json): (() => boolean) | undefined;
  /** Output-only fields computed when the resource is read. */
  view?(ctx: Ctx, path: string, resource: Json): Json;
  /** PUT: the whole resource replaced. */
  update?(ctx: Ctx, path: string, resource: Json, body: Json): Json;
  /** PATCH: the fields given replaced. */
  patch?(ctx: Ctx, path: string, resource: Json, body: Json): Json;
  readonly methods?: Readonly<Record<string, Method>>;
}
