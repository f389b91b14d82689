/**
 * The pod identity webhook's role mapping on moto: the plan reads the account of the command's
 * credentials from STS, so the ConfigMap names each service account's role by the ARN IAM gives
 * the role the model makes (same name, same path, same account); publishing the addons twice
 * changes nothing, and a change of spec.iam.serviceAccountExternalPermissions is an update of
 * the addon (and the channel) with the new mapping in the published manifest. Credentials STS
 * cannot be reached with refuse the plan with what to do. The state store is in memory.
 */

import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { planAddons } from '../../cloudup/addons/plan.js';
import { publishAddons } from '../../cloudup/addons/publish.js';
import type { KubeObject } from '../../cloudup/addons/types.js';
import { iamPath, serviceAccountRoleName } from '../../cloudup/aws/names.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { addonManifestKey } from '../../nodeup/addons/channel.js';
import { recorder } from '../../src/output/events.js';
import { HoistError } from '../../src/errors.js';
import { MemfsStore } from '../../state-store/backends/memfs.js';
import { testAccount } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'pod-identity.example.com';
const READER = { name: 's3-reader', namespace: 'apps', aws: { policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } };
const WRITER = { name: 's3-writer', namespace: 'apps' };

let account: TestAccount;
beforeAll(async () => {
  account = await testAccount();
});
afterAll(() => account?.close());

function spec(permissions: readonly (typeof READER | typeof WRITER)[]): CompletedSpec {
  const made = newClusterSpec({ name: NAME, cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const extra: Partial<ClusterSpec> = {
    serviceAccountIssuerDiscovery: { discoveryStore: 's3://example-oidc', enableAWSOIDCProvider: true },
    podIdentityWebhook: { enabled: true },
    iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: permissions },
  };
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra } };
  return completeSpec(cluster, made.instanceGroups);
}

const mappingIn = (manifest: string): Record<string, { RoleARN: string }> => {
  const cm = parseAllDocuments(manifest).map((d) => d.toJS() as KubeObject).find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'pod-identity-webhook')!;
  return JSON.parse((cm['data'] as Record<string, string>)['config']!) as Record<string, { RoleARN: string }>;
};

describe('the pod identity webhook\'s role mapping', () => {
  it('names each role by the ARN IAM gives it, in the account of the credentials', async () => {
    const planned = await planAddons(new MemfsStore('pod-identity-arn'), spec([READER]), { env: account.env });
    const webhook = planned.rendered.find((r) => r.entry.name === 'pod-identity-webhook')!;
    const mapping = mappingIn(webhook.manifest);
    expect(Object.keys(mapping)).toEqual(['apps/s3-reader']);
    // The role as the IAM model makes it: its name and the cluster's path.
    const roleName = serviceAccountRoleName(READER, NAME);
    const made = await account.clients.iam.send(new CreateRoleCommand({ RoleName: roleName, Path: iamPath(NAME), AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }) }));
    expect(mapping['apps/s3-reader']!.RoleARN).toBe(made.Role!.Arn);
    expect(mapping['apps/s3-reader']!.RoleARN).toContain(`::${account.accountId}:role/`);
  });

  it('is published once, and a change of the list is an update of the addon and the channel', async () => {
    const store = new MemfsStore('pod-identity-publish');
    const log = recorder();
    const publish = async (c: CompletedSpec) => (await publishAddons(store, c, { env: account.env, events: log.sink })).map((x) => `${x.action} ${x.id}`);
    expect(await publish(spec([READER]))).toContain('create Addon/pod-identity-webhook');
    expect(await publish(spec([READER]))).toEqual([]);
    expect(await publish(spec([WRITER, READER]))).toEqual(['update Addon/pod-identity-webhook', `update AddonChannel/${NAME}`]);
    const planned = await planAddons(store, spec([WRITER, READER]), { env: account.env });
    const entry = planned.rendered.find((r) => r.entry.name === 'pod-identity-webhook')!.entry;
    const stored = await store.get(addonManifestKey(NAME, entry.name, entry.sha256));
    expect(Object.keys(mappingIn(Buffer.from(stored!.body).toString('utf8')))).toEqual(['apps/s3-reader', 'apps/s3-writer']);
    expect(await publish(spec([READER]))).toEqual(['update Addon/pod-identity-webhook', `update AddonChannel/${NAME}`]);
  });

  it('refuses the plan, saying what to do, when STS cannot tell the account', async () => {
    const env = { ...account.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' };
    const refused = await planAddons(new MemfsStore('pod-identity-no-sts'), spec([READER]), { env }).then(() => undefined, (e: unknown) => e);
    expect(refused).toBeInstanceOf(HoistError);
    expect((refused as HoistError).code).toBe('CLOUD');
    expect((refused as HoistError).message).toMatch(/^could not read the AWS account of the credentials \(STS GetCallerIdentity\): /);
    expect((refused as HoistError).hint).toContain('give hoist AWS credentials');
  });
});
