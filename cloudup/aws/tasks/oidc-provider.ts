/**
 * IAMOIDCProvider: the IAM OpenID Connect provider of the cluster's service-account issuer
 * (spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider), which the service accounts'
 * roles trust. Named after the cluster, as kops names it. IAM lists providers without tags or
 * filters: the listing reads each provider of the account (accounts have few) and keeps those
 * tagged as the cluster's. Its URL cannot change in place; client ids and thumbprints can.
 */

import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreateOpenIDConnectProviderCommand,
  DeleteOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  ListOpenIDConnectProvidersCommand,
  RemoveClientIDFromOpenIDConnectProviderCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import type { LiveObject } from '../../../src/engine/task.js';
import { taskConstructor } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import { hasName } from '../errors.js';
import { awsTags, ownership, tagMap } from '../tags.js';
import { awsKind, liveFields } from './kind.js';

export interface OidcProviderFields {
  /** The issuer, https://… */
  readonly url: string;
  /** Audiences whose tokens the provider accepts, sorted. */
  readonly clientIds: readonly string[];
  /** SHA-1 fingerprints (lower-case hex) of the issuer's TLS certificate chain roots, sorted. */
  readonly thumbprints: readonly string[];
}

export const oidcProviderTask = taskConstructor<OidcProviderFields>('IAMOIDCProvider');

/** IAM keeps a provider's URL without its scheme. */
const bare = (url: string): string => url.replace(/^https:\/\//, '').replace(/\/+$/, '');

async function listProviders(ctx: AwsContext): Promise<LiveObject[]> {
  return ctx.listings.get('oidcProviders', async () => {
    const iam = ctx.clients.iam;
    // A provider's ARN ends with its issuer's path, which for hoist's is always …/<cluster>: only
    // those are read, so an account with many other providers (EKS clusters) costs no more calls.
    const arns = ((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).flatMap((p) => (p.Arn?.endsWith(`/${ctx.cluster}`) ? [p.Arn] : []));
    const found = await Promise.all(
      arns.map(async (arn) => {
        try {
          return { arn, provider: await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })) };
        } catch (e) {
          // Deleted between the listing and the read: not there.
          if (hasName(e, 'NoSuchEntity', 'NoSuchEntityException')) return undefined;
          throw e;
        }
      }),
    );
    return found.flatMap((f) => {
      if (f === undefined) return [];
      const tags = tagMap(f.provider.Tags);
      if (ownership(tags, ctx.cluster) === undefined) return [];
      const fields: OidcProviderFields = {
        url: `https://${bare(f.provider.Url ?? '')}`,
        clientIds: [...(f.provider.ClientIDList ?? [])].sort(),
        thumbprints: (f.provider.ThumbprintList ?? []).map((t) => t.toLowerCase()).sort(),
      };
      return [{ id: f.arn, name: tags['Name'] ?? f.arn, fields: { ...fields }, outputs: { id: f.arn, arn: f.arn } }];
    });
  });
}

export const oidcProviderKind = awsKind<OidcProviderFields>({
  kind: 'IAMOIDCProvider',
  uses: [],
  immutable: ['url'],
  list: listProviders,
  async create(ctx, task, d) {
    try {
      const out = await ctx.clients.iam.send(
        new CreateOpenIDConnectProviderCommand({ Url: d.url, ClientIDList: [...d.clientIds], ThumbprintList: [...d.thumbprints], Tags: awsTags({ ...ctx.tags, Name: task.name }) }),
      );
      const arn = out.OpenIDConnectProviderArn!;
      return { id: arn, name: task.name, fields: { ...d }, outputs: { id: arn, arn } };
    } catch (e) {
      // One provider per URL in an account: one the cluster owns is this task's (a crashed run's).
      if (!hasName(e, 'EntityAlreadyExists', 'EntityAlreadyExistsException')) throw e;
      ctx.listings.clear();
      const mine = (await listProviders(ctx)).find((p) => liveFields<OidcProviderFields>(p).url === `https://${bare(d.url)}`);
      if (mine === undefined) throw e;
      return mine;
    }
  },
  async update(ctx, _task, live, d) {
    const iam = ctx.clients.iam;
    const was = liveFields<OidcProviderFields>(live);
    const arn = live.id;
    for (const id of d.clientIds.filter((c) => !was.clientIds.includes(c))) await iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: id }));
    for (const id of was.clientIds.filter((c) => !d.clientIds.includes(c))) await iam.send(new RemoveClientIDFromOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, ClientID: id }));
    if ([...d.thumbprints].sort().join() !== [...was.thumbprints].sort().join()) {
      await iam.send(new UpdateOpenIDConnectProviderThumbprintCommand({ OpenIDConnectProviderArn: arn, ThumbprintList: [...d.thumbprints] }));
    }
    return { ...live, fields: { ...d } };
  },
  async delete(ctx, live) {
    await ctx.clients.iam.send(new DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: live.id }));
  },
});
