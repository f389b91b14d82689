/**
 * WorkloadIdentityPoolProvider: the OIDC provider of the cluster's pool (IAM v1), named
 * `kubernetes`, that trusts the cluster's service-account issuer: GCP's STS fetches the issuer's
 * discovery documents from its public address, checks a token's signature with the JWKS, its
 * `aud` against `allowedAudiences`, and maps its `sub` (`system:serviceaccount:<ns>:<name>`) to
 * `google.subject`, which the principals of the IAM bindings name. The issuer, audiences and
 * mapping change in place (patch with an update mask); another pool is a new provider. Deleted
 * softly, as pools are: a create that finds the cluster's own deleted provider undeletes it.
 */

import type { LiveObject, TaskKind } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { HoistError } from '../../../src/errors.js';
import type { GceContext } from '../context.js';
import { isAlreadyExists, isNotFound, toEngineError } from '../errors.js';
import type { PoolProvider } from '../workload-identity-api.js';
import { idOfName } from '../workload-identity-api.js';

export interface PoolProviderFields {
  /** The pool's id. */
  readonly pool: string;
  readonly displayName: string;
  readonly issuerUri: string;
  /** The audiences a token may carry, in the order given (the provider's own name first). */
  readonly allowedAudiences: readonly string[];
  readonly attributeMapping: Readonly<Record<string, string>>;
  readonly disabled: boolean;
}

export const poolProviderTask = taskConstructor<PoolProviderFields>('WorkloadIdentityPoolProvider');

/** `<pool>.<provider>`: the task's name, and the live one. */
export const providerName = (pool: string, provider: string): string => `${pool}.${provider}`;

/** The pool and provider ids of a provider's resource name. */
function partsOf(name: string): { readonly pool: string; readonly provider: string } {
  const m = /workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/.exec(name);
  return { pool: m?.[1] ?? '', provider: m?.[2] ?? '' };
}

function live(p: PoolProvider): LiveObject {
  const { pool, provider } = partsOf(p.name);
  const fields: PoolProviderFields = {
    pool,
    displayName: p.displayName ?? '',
    issuerUri: p.oidc?.issuerUri ?? '',
    allowedAudiences: [...(p.oidc?.allowedAudiences ?? [])],
    attributeMapping: { ...(p.attributeMapping ?? {}) },
    disabled: p.disabled ?? false,
  };
  return { id: p.name, name: providerName(pool, provider), fields: { ...fields }, outputs: { id: p.name, name: p.name } };
}

const body = (ctx: GceContext, d: PoolProviderFields) => ({
  displayName: d.displayName,
  description: ctx.description,
  disabled: d.disabled,
  attributeMapping: { ...d.attributeMapping },
  oidc: { issuerUri: d.issuerUri, allowedAudiences: [...d.allowedAudiences] },
});

/** Which provider ids a task's name stands for. */
const idsOf = (name: string): { readonly pool: string; readonly provider: string } => {
  const at = name.lastIndexOf('.');
  return { pool: name.slice(0, at), provider: name.slice(at + 1) };
};

async function find(ctx: GceContext, name: string): Promise<PoolProvider | undefined> {
  const { pool, provider } = idsOf(name);
  return (await wi(ctx).api.listProviders(pool)).find((p) => idOfName(p.name) === provider);
}

function wi(ctx: GceContext) {
  if (!ctx.workloadIdentity) throw new HoistError('INTERNAL', 'the GCE session has no workload identity context');
  return ctx.workloadIdentity;
}

/** The update mask of the changed fields, as the API names them. */
const MASK: Readonly<Record<string, string>> = { displayName: 'displayName', issuerUri: 'oidc.issuerUri', allowedAudiences: 'oidc.allowedAudiences', attributeMapping: 'attributeMapping', disabled: 'disabled' };

export const poolProviderKind: TaskKind<GceContext> = {
  kind: 'WorkloadIdentityPoolProvider',
  uses: ['WorkloadIdentityPool'],
  async discover(ctx) {
    if (!ctx.workloadIdentity) return [];
    let providers: PoolProvider[];
    try {
      providers = await ctx.workloadIdentity.api.listProviders(ctx.workloadIdentity.pool);
    } catch (e) {
      // No pool yet (or a pool GCP has purged): no providers.
      if (isNotFound(e)) return [];
      throw e;
    }
    return providers.filter((p) => p.description === ctx.description && p.state !== 'DELETED').map(live);
  },
  checkChanges(_live, changes) {
    const moved = changes.find((c) => c.path === 'pool');
    return moved ? { replaceReason: 'pool cannot change in place' } : {};
  },
  async create(ctx, task, resolved) {
    const d = resolved as unknown as PoolProviderFields;
    const { provider } = idsOf(task.name);
    try {
      await wi(ctx).api.createProvider(d.pool, provider, body(ctx, d));
    } catch (e) {
      if (!isAlreadyExists(e)) throw toEngineError(e);
      const existing = await find(ctx, task.name);
      if (existing?.description !== ctx.description) {
        throw new HoistError('ALREADY_EXISTS', `WorkloadIdentityPoolProvider/${task.name} already exists and does not belong to cluster ${ctx.cluster}`, { cause: e, hint: 'delete the provider, or give the cluster another name' });
      }
      if (existing.state === 'DELETED') await wi(ctx).api.undeleteProvider(d.pool, provider);
      // Undeleted (or adopted) as it was: bring it to what the task wants.
      await wi(ctx).api.patchProvider(d.pool, provider, body(ctx, d), Object.values(MASK));
    }
    const made = await find(ctx, task.name);
    if (!made) throw new HoistError('CONFLICT', `WorkloadIdentityPoolProvider/${task.name} vanished right after it was made`);
    return live(made);
  },
  async update(ctx, task, _live, resolved, changes) {
    const d = resolved as unknown as PoolProviderFields;
    const mask = [...new Set(changes.flatMap((c) => MASK[c.path.split(/[.[]/)[0]!] ?? []))];
    try {
      await wi(ctx).api.patchProvider(d.pool, idsOf(task.name).provider, body(ctx, d), mask);
    } catch (e) {
      throw toEngineError(e);
    }
    const now = await find(ctx, task.name);
    if (!now) throw new HoistError('CONFLICT', `WorkloadIdentityPoolProvider/${task.name} vanished right after it was changed`);
    return live(now);
  },
  async delete(ctx, obj) {
    const { pool, provider } = idsOf(obj.name);
    try {
      await wi(ctx).api.deleteProvider(pool, provider);
    } catch (e) {
      if (isNotFound(e)) return;
      throw toEngineError(e);
    }
  },
};
