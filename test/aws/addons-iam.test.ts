/**
 * The AWS addons on moto, through the CLI: the plan lists the AWS cloud-controller-manager and
 * the EBS CSI driver among the addons (text and JSON); after --yes their manifests and the
 * channel are in the S3 state store, the control-plane role has the `addons` policy with the
 * actions both controllers need (changes only to what the cluster owns, creations only with its
 * tag), the node roles get none of them, and a second plan has no changes. On the same cluster,
 * spec.externalPolicies attaches managed policies to the roles and detaches one taken off the
 * list; an instance profile that lost its role is planned as an update and gets it back; the
 * cluster's deletion (afterAll) deletes roles that have policies attached. IRSA on the
 * same cluster: the issuer's documents, its OIDC provider and a service account's role, which
 * the deletion takes too, and the pod identity webhook's mapping of that service account to the
 * role's ARN.
 */

import { join } from 'node:path';
import { createHash, createPublicKey } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import {
  CreatePolicyCommand,
  GetInstanceProfileCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListOpenIDConnectProvidersCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { iamTasks } from '../../cloudup/aws/model/iam.js';
import { iamName, serviceAccountRoleName } from '../../cloudup/aws/names.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';
import { kubernetesClusterTag } from '../../cloudup/tags.js';
import type { AddonChannel } from '../../nodeup/addons/channel.js';
import { hoist, tempDir } from '../support/cli.js';
import { testAccount, useAssetMirror } from './support.js';
import type { TestAccount } from './support.js';

const NAME = 'addons.iam.example.com';
let account: TestAccount;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
const run = (...args: string[]) => hoist(args, { env });

interface Statement { Sid?: string; Action: string | string[]; Resource: string | string[]; Condition?: Record<string, Record<string, unknown>> }

async function policies(role: string): Promise<Map<string, Statement[]>> {
  const iam = account.clients.iam;
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? [];
  const out = new Map<string, Statement[]>();
  for (const name of names) {
    const doc = (await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }))).PolicyDocument!;
    out.set(name, (JSON.parse(decodeURIComponent(doc)) as { Statement: Statement[] }).Statement);
  }
  return out;
}
const actions = (s: readonly Statement[]): string[] => s.flatMap((x) => (Array.isArray(x.Action) ? x.Action : [x.Action]));

beforeAll(async () => {
  account = await testAccount();
  env = { ...account.env, HOIST_STATE_STORE: `s3://${account.bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
  dir = await tempDir('hoist-aws-addons-');
  const created = await run('create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--node-count', '1');
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror((args, stdin) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) }), NAME, join(dir.path, 'assets'));
});
afterAll(async () => {
  const deleted = await run('delete', 'cluster', NAME, '--yes');
  expect(deleted.code, deleted.stderr).toBe(0);
  // What IRSA made goes with the cluster: the provider, the service account's role, the documents.
  expect((await account.clients.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).toEqual([]);
  expect(((await account.clients.iam.send(new ListRolesCommand({ PathPrefix: `/hoist/${NAME}/` }))).Roles ?? []).map((r) => r.RoleName)).toEqual([]);
  expect((await account.clients.s3.send(new ListObjectsV2Command({ Bucket: `${account.bucket}-oidc` }))).Contents ?? []).toEqual([]);
  await dir?.cleanup();
  account?.close();
});

describe('the AWS addons', () => {
  it('are listed in the plan, published by --yes with the control plane\'s IAM for them, and unchanged on a second plan', async () => {
    const text = await run('update', 'cluster', NAME);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('  Will create addon aws-cloud-controller-manager 1.32.3\n');
    expect(text.stdout).toContain('  Will create addon aws-ebs-csi-driver 1.40.1\n');
    expect(text.stdout).toContain('  Will create addon coredns 1.12.0\n');
    expect(text.stdout).toMatch(new RegExp(`IAMRolePolicy/control-plane\\.${NAME.replaceAll('.', '\\.')}:addons\\n`));
    const json = JSON.parse((await run('update', 'cluster', NAME, '-o', 'json')).stdout) as { changes: { id: string; kind: string; action: string }[] };
    const addons = json.changes.filter((c) => c.kind === 'Addon').map((c) => `${c.action} ${c.id}`);
    expect(addons).toEqual(['create Addon/aws-cloud-controller-manager', 'create Addon/aws-ebs-csi-driver', 'create Addon/core', 'create Addon/coredns', 'create Addon/flannel']);

    const applied = await run('update', 'cluster', NAME, '--yes');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const got = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: `clusters/${NAME}/addons/channel.yaml` }));
    const channel = parse(await got.Body!.transformToString()) as AddonChannel;
    expect(channel.addons.map((a) => a.name)).toEqual(['core', 'flannel', 'coredns', 'aws-cloud-controller-manager', 'aws-ebs-csi-driver']);
    const ccm = channel.addons.find((a) => a.name === 'aws-cloud-controller-manager')!;
    const manifest = await account.clients.s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: `clusters/${NAME}/addons/${ccm.name}/${ccm.sha256}.yaml` }));
    expect(await manifest.Body!.transformToString()).toContain('registry.k8s.io/provider-aws/cloud-controller-manager:v1.32.3@sha256:');

    const plane = await policies(iamName(`control-plane.${NAME}`));
    const statements = plane.get('addons');
    expect(statements, `policies: ${[...plane.keys()].join(', ')}`).toBeDefined();
    const bySid = new Map(statements!.map((s) => [s.Sid, s]));
    // The cloud controller: nodes and Services' load balancers; the EBS CSI controller: volumes.
    expect(actions([bySid.get('AddonsDescribe')!])).toEqual(expect.arrayContaining(['ec2:DescribeInstances', 'ec2:DescribeVolumes', 'elasticloadbalancing:DescribeLoadBalancers', 'autoscaling:DescribeAutoScalingGroups']));
    expect(actions([bySid.get('AddonsOwned')!])).toEqual(expect.arrayContaining(['ec2:AttachVolume', 'ec2:DetachVolume', 'ec2:DeleteVolume', 'ec2:ModifyVolume', 'ec2:ModifyInstanceAttribute', 'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeleteLoadBalancer']));
    expect(bySid.get('AddonsOwned')!.Condition).toEqual({ StringEquals: { [`aws:ResourceTag/${kubernetesClusterTag(NAME)}`]: 'owned' } });
    expect(actions([bySid.get('AddonsCreate')!])).toEqual(expect.arrayContaining(['ec2:CreateVolume', 'ec2:CreateSecurityGroup', 'elasticloadbalancing:CreateLoadBalancer', 'elasticloadbalancing:CreateTargetGroup']));
    expect(bySid.get('AddonsCreate')!.Condition).toEqual({ StringEquals: { [`aws:RequestTag/${kubernetesClusterTag(NAME)}`]: 'owned' } });
    expect(actions([bySid.get('AddonsEncryptedVolumes')!])).toEqual(expect.arrayContaining(['kms:CreateGrant', 'kms:Decrypt']));
    // Nothing more: no routes (the CCM runs without cloud routes), no IAM but the load balancer's service role, no wildcards.
    const all = actions(statements!);
    expect(all.filter((a) => /^ec2:(Create|Delete|Replace)Route|:\*$|^iam:(?!CreateServiceLinkedRole)|^s3:/.test(a))).toEqual([]);

    // Nodes are unchanged: none of the addons' actions.
    const nodes = await policies(iamName(`nodes-us-east-1a.${NAME}`));
    expect([...nodes.keys()]).toEqual([iamName(`nodes-us-east-1a.${NAME}`)]);
    const nodeActions = actions([...nodes.values()].flat());
    expect(nodeActions.filter((a) => ['ec2:CreateVolume', 'ec2:AttachVolume', 'elasticloadbalancing:CreateLoadBalancer', 'kms:CreateGrant'].includes(a))).toEqual([]);

    const again = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^No changes: the cloud matches the spec/);
  });

  it('attaches spec.externalPolicies to the roles, detaches one taken off the list, and converges', async () => {
    const iam = account.clients.iam;
    // moto loads none of AWS's own managed policies (arn:aws:iam::aws:policy/…): the account's own stand in.
    const managedPolicy = async (name: string) =>
      (await iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }) }))).Policy!.Arn!;
    const policy = await managedPolicy('hoist-external');
    const managed = await managedPolicy('hoist-external-ssm');
    const attached = async (role: string) => ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: iamName(role) }))).AttachedPolicies ?? []).map((p) => p.PolicyArn).sort();
    const setPolicies = async (external: Record<string, string[]> | undefined) => {
      const cluster = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: Record<string, unknown> };
      const spec = { ...cluster.spec };
      if (external) spec['externalPolicies'] = external;
      else delete spec['externalPolicies'];
      const replaced = await hoist(['replace', '-f', '-'], { env, stdin: stringify({ ...cluster, spec }) });
      expect(replaced.code, replaced.stderr).toBe(0);
      const applied = await run('update', 'cluster', NAME, '--yes');
      expect(applied.code, applied.stdout + applied.stderr).toBe(0);
      const again = await run('update', 'cluster', NAME, '--detailed-exitcode');
      expect(again.code, again.stdout + again.stderr).toBe(0);
    };

    await setPolicies({ node: [policy, managed], 'control-plane': [policy] });
    expect(await attached(`nodes-us-east-1a.${NAME}`)).toEqual([managed, policy].sort());
    expect(await attached(`control-plane.${NAME}`)).toEqual([policy]);

    await setPolicies({ node: [managed] });
    expect(await attached(`nodes-us-east-1a.${NAME}`)).toEqual([managed]);
    expect(await attached(`control-plane.${NAME}`)).toEqual([]);
  });

  it('plans an instance profile that lost its role as an update, and --yes puts the role back', async () => {
    const iam = account.clients.iam;
    const role = iamName(`nodes-us-east-1a.${NAME}`);
    // A plan finds the profiles through their roles (GetAccountAuthorizationDetails); a machine's
    // role without one makes it list the profiles, which finds this one.
    await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: role, RoleName: role }));
    const plan = JSON.parse((await run('update', 'cluster', NAME, '-o', 'json')).stdout) as { changes: { id: string; action: string; changes: { path: string; before?: unknown; after?: unknown }[] }[] };
    const acting = plan.changes.filter((c) => c.action !== 'noop');
    expect(acting.map((c) => `${c.action} ${c.id}`)).toEqual([`update IAMInstanceProfile/${role}`]);
    expect(acting[0]!.changes.map((c) => c.path)).toEqual(['roleName']);
    const applied = await run('update', 'cluster', NAME, '--yes');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const profile = (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: role }))).InstanceProfile!;
    expect(profile.Roles?.map((r) => r.RoleName)).toEqual([role]);
    const again = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(again.code, again.stdout + again.stderr).toBe(0);
  });

  it('makes the roles of spec.iam.serviceAccountExternalPermissions, the OIDC provider and the discovery documents (IRSA), converges, and plans the JWKS anew after a key rotation', async () => {
    const iam = account.clients.iam;
    const s3 = account.clients.s3;
    const discovery = `${account.bucket}-oidc`;
    const policy = (await iam.send(new CreatePolicyCommand({ PolicyName: 'hoist-irsa', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }] }) }))).Policy!.Arn!;
    const inline = [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::example-bucket/*'] }];
    const cluster = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: Record<string, unknown> };
    const spec = {
      ...cluster.spec,
      serviceAccountIssuerDiscovery: { discoveryStore: `s3://${discovery}/oidc`, enableAWSOIDCProvider: true, additionalAudiences: ['sts.example.com'] },
      iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ name: 's3-reader', namespace: 'apps', aws: { policyARNs: [policy], inlinePolicy: JSON.stringify(inline) } }] },
      podIdentityWebhook: { enabled: true },
    };
    const replaced = await hoist(['replace', '-f', '-'], { env, stdin: stringify({ ...cluster, spec }) });
    expect(replaced.code, replaced.stderr).toBe(0);
    // The bucket is the user's to make (and to make public): a plan without it says so.
    const noBucket = await run('update', 'cluster', NAME);
    expect(noBucket.code).toBe(1);
    expect(noBucket.stderr).toContain(`spec.serviceAccountIssuerDiscovery.discoveryStore: "s3://${discovery}/oidc/${NAME}" is in a bucket that does not exist (create the bucket`);
    await s3.send(new CreateBucketCommand({ Bucket: discovery }));

    const role = serviceAccountRoleName({ name: 's3-reader', namespace: 'apps' }, NAME);
    const planned = JSON.parse((await run('update', 'cluster', NAME, '-o', 'json')).stdout) as { changes: { id: string; action: string }[] };
    const creates = planned.changes.filter((c) => c.action === 'create').map((c) => c.id);
    expect(creates).toEqual(expect.arrayContaining([`IAMOIDCProvider/${NAME}`, `DiscoveryDocument/openid-configuration.${NAME}`, `DiscoveryDocument/jwks.${NAME}`, `IAMRole/${role}`, `IAMRolePolicy/${role}`, `IAMRolePolicyAttachment/${role}:${policy}`]));
    const applied = await run('update', 'cluster', NAME, '--yes');
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    // The documents: the issuer is the folder's public address, and the JWKS is the service-account key.
    const issuer = `https://${discovery}.s3.us-east-1.amazonaws.com/oidc/${NAME}`;
    const object = async (Bucket: string, Key: string) => (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body!.transformToString();
    const configuration = JSON.parse(await object(discovery, `oidc/${NAME}/.well-known/openid-configuration`)) as { issuer: string; jwks_uri: string };
    expect(configuration).toMatchObject({ issuer, jwks_uri: `${issuer}/openid/v1/jwks` });
    const jwks = JSON.parse(await object(discovery, `oidc/${NAME}/openid/v1/jwks`)) as { keys: (JsonWebKey & { kid: string; alg: string; use: string })[] };
    const keyset = parse(await object(account.bucket, `clusters/${NAME}/pki/issued/service-account/keyset.yaml`)) as { spec: { items: { publicKey: string }[] } };
    const published = keyset.spec.items.map((i) => i.publicKey.trim());
    expect(jwks.keys.map((k) => String(createPublicKey({ key: k, format: 'jwk' }).export({ type: 'spki', format: 'pem' })).trim())).toEqual(published);
    const kid = (pem: string) => createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('base64url');
    expect(jwks.keys.map((k) => [k.kid, k.alg, k.use])).toEqual(published.map((p) => [kid(p), 'ES256', 'sig']));

    // The API server names that issuer.
    const configs = ((await s3.send(new ListObjectsV2Command({ Bucket: account.bucket, Prefix: `clusters/${NAME}/igconfig/control-plane` }))).Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith('/nodeup.yaml'));
    expect(configs.length).toBeGreaterThan(0);
    const plane = parse(await object(account.bucket, configs[0]!)) as { controlPlane: { apiServer: Record<string, unknown> } };
    expect(plane.controlPlane.apiServer).toMatchObject({ serviceAccountIssuer: issuer, serviceAccountJWKSURI: `${issuer}/openid/v1/jwks`, apiAudiences: ['kubernetes.svc.default', 'sts.example.com'] });

    // The provider and the role that trusts it for that one service account.
    const arns = ((await iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).map((p) => p.Arn!);
    expect(arns).toHaveLength(1);
    const provider = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arns[0] }));
    expect(provider.Url?.replace(/^https:\/\//, '')).toBe(issuer.replace(/^https:\/\//, ''));
    expect([...(provider.ClientIDList ?? [])].sort()).toEqual(['amazonaws.com', 'sts.example.com']);
    expect(provider.ThumbprintList?.length).toBeGreaterThan(0);
    const got = (await iam.send(new GetRoleCommand({ RoleName: role }))).Role!;
    expect(got.Path).toBe(`/hoist/${NAME}/`);
    const host = issuer.replace(/^https:\/\//, '');
    expect(JSON.parse(decodeURIComponent(got.AssumeRolePolicyDocument!))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Federated: arns[0] }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}:sub`]: 'system:serviceaccount:apps:s3-reader', [`${host}:aud`]: 'amazonaws.com' } } }],
    });
    expect(((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role }))).AttachedPolicies ?? []).map((p) => p.PolicyArn)).toEqual([policy]);
    expect((await policies(role)).get(role)).toEqual(inline);

    // The pod identity webhook maps the service account to that role, by the ARN IAM gave it.
    const channel = parse(await object(account.bucket, `clusters/${NAME}/addons/channel.yaml`)) as AddonChannel;
    const webhook = channel.addons.find((a) => a.name === 'pod-identity-webhook')!;
    const docs = parseAllDocuments(await object(account.bucket, `clusters/${NAME}/addons/${webhook.name}/${webhook.sha256}.yaml`)).map((d) => d.toJS() as { kind: string; metadata: { name: string }; data?: Record<string, string> });
    const mapping = JSON.parse(docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'pod-identity-webhook')!.data!['config']!) as Record<string, unknown>;
    expect(mapping).toEqual({ 'apps/s3-reader': { RoleARN: got.Arn, Audience: 'amazonaws.com', UseRegionalSTS: true, TokenExpiration: 86400 } });

    const again = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(again.code, again.stdout + again.stderr).toBe(0);

    // A new service-account key is published with the old one before it signs anything.
    const rotated = await run('create', 'keypair', 'service-account', '--name', NAME);
    expect(rotated.code, rotated.stderr).toBe(0);
    const replan = JSON.parse((await run('update', 'cluster', NAME, '-o', 'json')).stdout) as { changes: { id: string; action: string }[] };
    expect(replan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.id}`)).toContain(`update DiscoveryDocument/jwks.${NAME}`);
    const updated = await run('update', 'cluster', NAME, '--yes');
    expect(updated.code, updated.stdout + updated.stderr).toBe(0);
    expect((JSON.parse(await object(discovery, `oidc/${NAME}/openid/v1/jwks`)) as { keys: unknown[] }).keys).toHaveLength(2);
  });

  it('deletes the documents it published in the old discovery store when discoveryStore changes, and when IRSA is turned off', async () => {
    const s3 = account.clients.s3;
    const discovery = `${account.bucket}-oidc`;
    const keys = async () => ((await s3.send(new ListObjectsV2Command({ Bucket: discovery }))).Contents ?? []).map((o) => o.Key!).sort();
    const replaceSpec = async (edit: (spec: Record<string, unknown>) => Record<string, unknown>) => {
      const cluster = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: Record<string, unknown> };
      const replaced = await hoist(['replace', '-f', '-'], { env, stdin: stringify({ ...cluster, spec: edit(cluster.spec) }) });
      expect(replaced.code, replaced.stderr).toBe(0);
    };
    const documents = (folder: string) => [`${folder}/.well-known/openid-configuration`, `${folder}/openid/v1/jwks`];
    expect(await keys()).toEqual(documents(`oidc/${NAME}`));

    await replaceSpec((spec) => ({ ...spec, serviceAccountIssuerDiscovery: { ...(spec['serviceAccountIssuerDiscovery'] as object), discoveryStore: `s3://${discovery}/moved` } }));
    const planned = JSON.parse((await run('update', 'cluster', NAME, '-o', 'json')).stdout) as { changes: { id: string; action: string; deleteReason?: string }[] };
    const documentChanges = planned.changes.filter((c) => c.id.startsWith('DiscoveryDocument/')).map((c) => `${c.action} ${c.id}${c.deleteReason ? ` (${c.deleteReason})` : ''}`).sort();
    const old = `s3://${discovery}/oidc/${NAME}`;
    expect(documentChanges).toEqual([
      `create DiscoveryDocument/jwks.${NAME}`,
      `create DiscoveryDocument/openid-configuration.${NAME}`,
      `delete DiscoveryDocument/jwks.${NAME}@${old} (no longer in the spec)`,
      `delete DiscoveryDocument/openid-configuration.${NAME}@${old} (no longer in the spec)`,
    ]);
    const moved = await run('update', 'cluster', NAME, '--yes');
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(await keys()).toEqual(documents(`moved/${NAME}`));
    const settled = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(settled.code, settled.stdout + settled.stderr).toBe(0);

    // IRSA turned off (and the webhook that needs it): the documents go with the provider and the roles.
    await replaceSpec(({ serviceAccountIssuerDiscovery: _d, iam: _i, podIdentityWebhook: _w, ...spec }) => spec);
    const off = await run('update', 'cluster', NAME, '--yes');
    expect(off.code, off.stdout + off.stderr).toBe(0);
    expect(await keys()).toEqual([]);
    expect((await account.clients.iam.send(new ListOpenIDConnectProvidersCommand({}))).OpenIDConnectProviderList ?? []).toEqual([]);
    const none = await run('update', 'cluster', NAME, '--detailed-exitcode');
    expect(none.code, none.stdout + none.stderr).toBe(0);
  });

  it('passes over, with a warning, the store the last apply published in when S3 refuses to read it; the spec\'s own store still fails the plan', async () => {
    const s3 = account.clients.s3;
    const bucket = `${account.bucket}-oidc`;
    const store = `s3://${bucket}/archived`;
    const documents = [`archived/${NAME}/.well-known/openid-configuration`, `archived/${NAME}/openid/v1/jwks`];
    const recordKey = `clusters/${NAME}/cluster-completed.spec`;
    const record = await (await s3.send(new GetObjectCommand({ Bucket: account.bucket, Key: recordKey }))).Body!.transformToString();
    // The last apply published in `archived`, whose documents a lifecycle rule has since moved
    // to Glacier: S3 answers 403 InvalidObjectState to reading them.
    const [first, ...rest] = record.split(/^---$/m);
    const applied = parse(first!) as { spec: Record<string, unknown> };
    const published = stringify({ ...applied, spec: { ...applied.spec, serviceAccountIssuerDiscovery: { discoveryStore: store, enableAWSOIDCProvider: true } } });
    await s3.send(new PutObjectCommand({ Bucket: account.bucket, Key: recordKey, Body: [published, ...rest].join('---') }));
    for (const Key of documents) await s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body: '{}', StorageClass: 'GLACIER' }));
    const current = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: Record<string, unknown> };
    try {
      const planned = await run('update', 'cluster', NAME, '-o', 'json');
      expect(planned.code, planned.stderr).toBe(0);
      expect((JSON.parse(planned.stdout) as { changes: { id: string; action: string }[] }).changes.filter((c) => c.id.startsWith('DiscoveryDocument/'))).toEqual([]);
      expect(planned.stderr).toContain(`cannot read ${store}/${NAME}, where the last apply published the service-account issuer (access denied`);
      expect(planned.stderr).toContain('its documents (.well-known/openid-configuration, openid/v1/jwks) are not deleted and stay there');

      // The same store as the spec's: its documents must be read, so the plan fails.
      const replaced = await hoist(['replace', '-f', '-'], { env, stdin: stringify({ ...current, spec: { ...current.spec, serviceAccountIssuerDiscovery: { discoveryStore: store, enableAWSOIDCProvider: true } } }) });
      expect(replaced.code, replaced.stderr).toBe(0);
      const refused = await run('update', 'cluster', NAME, '-o', 'json');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/access denied/);
    } finally {
      const restored = await hoist(['replace', '-f', '-'], { env, stdin: stringify(current) });
      expect(restored.code, restored.stderr).toBe(0);
      await s3.send(new PutObjectCommand({ Bucket: account.bucket, Key: recordKey, Body: record }));
      await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: documents.map((Key) => ({ Key })) } }));
    }
  });

  it('gives every role the VPC CNI\'s policy only when spec.networking is amazonvpc', () => {
    const policiesOf = (networking: Record<string, object>) => {
      const made = newClusterSpec({ name: NAME, cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
      const completed = completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, networking } }, made.instanceGroups);
      const boot = testBoot({ stateStore: 's3://state/clusters', configHash: (ig: string) => `sha256:${ig}` });
      return iamTasks(settleSpec(completed, SPEC_RULES.aws), boot, undefined).tasks.filter((t) => t.kind === 'IAMRolePolicy').map((t) => t.name).sort();
    };
    const plane = iamName(`control-plane.${NAME}`);
    const nodes = iamName(`nodes-us-east-1a.${NAME}`);
    expect(policiesOf({ flannel: {} })).toEqual([plane, `${plane}:addons`, nodes]);
    expect(policiesOf({ amazonvpc: {} })).toEqual([plane, `${plane}:addons`, `${plane}:amazon-vpc-cni`, nodes, `${nodes}:amazon-vpc-cni`]);
  });
});
