/**
 * What the GCE task kinds share: discovery in one listing per kind (filtered by the cluster's
 * label or description, paged), creation that adopts an object a lost response or a crash left
 * behind, updates through each kind's own methods, and Compute errors mapped to the engine's.
 */

import { HoistError } from '../../../src/errors.js';
import type { FieldChange } from '../../../src/engine/plan.js';
import type { Fields, LiveObject, ReplaceCheck, ResolvedFields, Task, TaskKind } from '../../../src/engine/task.js';
import { changesTouch } from '../../../src/engine/task.js';
import type { GceContext } from '../context.js';
import { isAlreadyExists, isNotFound, toEngineError } from '../errors.js';
import { relativeLink } from '../links.js';

/** The parts of a Compute resource every kind has. */
export interface GceResource {
  readonly id?: string | number | null | { toString(): string };
  readonly name?: string | null;
  readonly selfLink?: string | null;
  readonly description?: string | null;
  readonly labels?: Readonly<Record<string, string>> | null;
}

/** A live object of a kind, its fields as the kind's `fields` canonicalised them. */
export interface GceLive<D extends object> {
  readonly id: string;
  readonly name: string;
  readonly fields: D;
}

/** `D`: the kind's desired fields, as its file declares them (resolved: no Refs left). */
export interface GceKindSpec<T extends GceResource, D extends object> {
  readonly kind: string;
  readonly uses: readonly string[];
  /** The cluster's objects of this kind: one listing (or one per region), paged. */
  list(ctx: GceContext): Promise<T[]>;
  /**
   * One object by name, where `at` (desired or live fields) says its zone or region; a shared
   * object is read with nothing said (`{}`): its kind looks in the cluster's region.
   */
  read(ctx: GceContext, name: string, at: Partial<D>): Promise<T | undefined>;
  /** The fields tasks may desire, canonicalised as the model writes them. */
  fields(r: T): D;
  outputs?(r: T): ResolvedFields;
  /** Sends the insert and waits for its operation. */
  insert(ctx: GceContext, name: string, desired: D): Promise<void>;
  /** Deletes and waits; the caller maps "not found" and "in use". */
  remove(ctx: GceContext, live: GceLive<D>): Promise<void>;
  /** Fields that cannot change in place ('all': the kind is immutable). */
  readonly immutable: readonly (keyof D & string)[] | 'all';
  /** Changes what can change in place, by the kind's own methods. */
  update?(ctx: GceContext, live: GceLive<D>, desired: D, changes: readonly FieldChange[]): Promise<void>;
  readonly updatedOutputs?: readonly string[];
  /** The live fields as they compare with the desired ones (TaskKind.comparable); desired values may be unresolved references. */
  comparable?(live: D, desired: D): D;
  /** Why a live object is kept when it leaves the spec (the engine never deletes a kept one). */
  kept?(ctx: GceContext, r: T): string | undefined;
}

export function gceKind<T extends GceResource, D extends object>(spec: GceKindSpec<T, D>): TaskKind<GceContext> {
  // The engine hands every kind plain resolved fields: the task's constructor typed them as D on
  // the way in, and `fields` made the live ones as D. The casts here are the only crossing.
  const typed = (fields: ResolvedFields): D => fields as unknown as D;
  const typedLive = (live: LiveObject): GceLive<D> => ({ id: live.id, name: live.name, fields: typed(live.fields) });
  const toLive = (r: T, shared = false): LiveObject => ({
    id: String(r.id ?? r.name),
    name: r.name ?? '',
    fields: spec.fields(r) as unknown as ResolvedFields,
    outputs: { id: String(r.id ?? ''), selfLink: relativeLink(r.selfLink), ...spec.outputs?.(r) },
    ...(shared ? { shared: true } : {}),
  });
  const owned = (ctx: GceContext, r: T): boolean => r.description === ctx.description || Object.entries(ctx.labels).every(([k, v]) => r.labels?.[k] === v);
  const reread = async (ctx: GceContext, name: string, at: D): Promise<LiveObject> => {
    const r = await spec.read(ctx, name, at);
    if (!r) throw new HoistError('CONFLICT', `${spec.kind}/${name} vanished right after it was written`);
    return toLive(r);
  };
  return {
    kind: spec.kind,
    uses: spec.uses,
    ...(spec.updatedOutputs ? { updatedOutputs: spec.updatedOutputs } : {}),
    ...(spec.comparable ? { comparable: (live: ResolvedFields, desired: Fields) => spec.comparable!(typed(live), desired as unknown as D) as unknown as ResolvedFields } : {}),
    async discover(ctx) {
      const mine = await spec.list(ctx);
      const sharedNames = ctx.shared.get(spec.kind) ?? [];
      const shared = await Promise.all(sharedNames.map((n) => spec.read(ctx, n, {})));
      const keep = (r: T): LiveObject => {
        const why = spec.kept?.(ctx, r);
        return why === undefined ? toLive(r) : { ...toLive(r), kept: why };
      };
      return [...mine.map(keep), ...shared.filter((r) => r !== undefined).map((r) => toLive(r, true))];
    },
    checkChanges(_live, changes): ReplaceCheck {
      if (spec.immutable === 'all') return changes.length > 0 ? { replaceReason: `a ${spec.kind} cannot change (${changes[0]!.path})` } : {};
      const fixed = changesTouch(changes, spec.immutable);
      return fixed ? { replaceReason: `${fixed.path} cannot change in place` } : {};
    },
    async create(ctx, task: Task, resolved) {
      const desired = typed(resolved);
      try {
        await spec.insert(ctx, task.name, desired);
      } catch (e) {
        if (!isAlreadyExists(e)) throw toEngineError(e);
        // A create whose answer was lost (or a run killed after it): adopt the object if it is ours.
        const existing = await spec.read(ctx, task.name, desired);
        if (!existing || !owned(ctx, existing)) {
          throw new HoistError('ALREADY_EXISTS', `${spec.kind}/${task.name} already exists in project ${ctx.project} and does not belong to cluster ${ctx.cluster}`, {
            cause: e,
            hint: 'delete or rename the existing object, or give the cluster another name',
          });
        }
        return toLive(existing);
      }
      return reread(ctx, task.name, desired);
    },
    async update(ctx, task, live, desired, changes) {
      if (!spec.update) throw new HoistError('INTERNAL', `${spec.kind} has no in-place update; the planner should have replaced ${task.name}`);
      try {
        await spec.update(ctx, typedLive(live), typed(desired), changes);
      } catch (e) {
        throw toEngineError(e);
      }
      return reread(ctx, live.name, typed(live.fields));
    },
    async delete(ctx, live) {
      try {
        await spec.remove(ctx, typedLive(live));
      } catch (e) {
        if (isNotFound(e)) return;
        throw toEngineError(e);
      }
    },
  };
}

/** The top-level fields the changes touch. */
export function touched(changes: readonly FieldChange[]): Set<string> {
  return new Set(changes.map((c) => c.path.split(/[.[]/)[0]!));
}
