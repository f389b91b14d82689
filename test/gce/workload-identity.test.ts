/**
 * Service-account issuer discovery and workload identity on GCE, end to end with the CLI
 * against the fake Compute/IAM/Resource Manager server and the fake GCS: the plan shows the two
 * discovery documents, the public read of the discovery bucket, the workload identity pool, its
 * provider (the issuer, the audiences) and the workloadIdentityUser binding of each entry; the
 * apply makes them (the JWKS is the cluster's service-account public keys, the binding's member
 * is the principal of the Kubernetes service account), a second plan is empty, and delete
 * cluster leaves nothing of them (the pool and provider soft-deleted, as GCP deletes them),
 * keeping other people's grants. Bad input is refused with its field path and the store is
 * left as it was.
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { PassThroughClient } from 'google-auth-library';
import { createClients } from '../../cloudup/gce/clients.js';
import { Compute } from '../../cloudup/gce/compute.js';
import type { GceContext } from '../../cloudup/gce/context.js';
import { IamApi } from '../../cloudup/gce/iam-api.js';
import { PUBLIC_READ_LABEL, discoveryBucketReaderKind } from '../../cloudup/gce/tasks/discovery-bucket-reader.js';
import { labelValue } from '../../cloudup/gce/labels.js';
import { recorder } from '../../src/output/events.js';
import { gceDiscoveryDocumentKind } from '../../cloudup/gce/tasks/discovery-document.js';
import { poolProviderKind } from '../../cloudup/gce/tasks/pool-provider.js';
import { workloadIdentityPoolKind } from '../../cloudup/gce/tasks/workload-identity-pool.js';
import { WorkloadIdentityApi } from '../../cloudup/gce/workload-identity-api.js';
import { workloadIdentityProblems } from '../../cloudup/gce/workload-identity-rules.js';
import { irsaAwsProblems } from '../../cloudup/aws/irsa-rules.js';
import { discoveryContext } from '../../cloudup/discovery-documents.js';
import { poolId, principalOf, providerAudience } from '../../cloudup/gce/workload-identity-names.js';
import { nodeupConfigKey } from '../../nodeup/config/keys.js';
import { addonChannelKey, addonManifestKey } from '../../nodeup/addons/channel.js';
import type { AddonChannel } from '../../nodeup/addons/channel.js';
import { WORKLOAD_IDENTITY_CREDENTIALS } from '../../cloudup/gce/workload-identity-credentials.js';
import type { Cluster, CompletedClusterSpec, CompletedSpec } from '../../src/api/index.js';
import type { Plan } from '../../src/engine/plan.js';
import { jwksOf, readServiceAccountKeys } from '../../src/pki/jwks.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir } from '../support/cli.js';
import { gcsEnv } from '../support/fake-gcs/env.js';
import { FakeGcs } from '../support/fake-gcs/server.js';
import { iamOf, projectNumberOf } from './fake/iam.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, computeOptions, startFake, useAssetMirror } from './support.js';

const NAME = 'wi.example.com';
const BUCKET = 'hoist-oidc-discovery';
/** Where the issuer moves to. */
const MOVED = 'hoist-oidc-moved';
const DISCOVERY = `gs://${BUCKET}/issuers`;
const ISSUER = `https://storage.googleapis.com/${BUCKET}/issuers/${NAME}`;
const APP = `app-reader@${PROJECT}.iam.gserviceaccount.com`;
const POOL = poolId(NAME);
const NUMBER = projectNumberOf(PROJECT);
const MEMBER = principalOf(NUMBER, POOL, { namespace: 'apps', name: 's3-reader' });
/** Someone else's grant on the account, which hoist must keep. */
const BOB = { role: 'roles/iam.serviceAccountTokenCreator', members: ['user:bob@example.com'] };
const CP = 'control-plane-us-central1-a';

let fake: FakeCompute;
let gcs: FakeGcs;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let stateStore: string;

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const planJson = async (): Promise<Plan> => {
  const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
  expect(planned.code, planned.stderr).toBe(0);
  return JSON.parse(planned.stdout) as Plan;
};
const getCluster = async () => parse((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout) as Cluster;
const withSpec = (c: Cluster, spec: Record<string, unknown>) => stringify({ ...c, spec: { ...c.spec, ...spec } });
const doc = (key: string) => JSON.parse(gcs.object(BUCKET, `issuers/${NAME}/${key}`)!.toString('utf8')) as Record<string, unknown>;
const wi = () => iamOf(fake.state).workloadIdentity;

const DESIRED = {
  serviceAccountIssuerDiscovery: { discoveryStore: DISCOVERY, additionalAudiences: ['sts.example.com'] },
  iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ name: 's3-reader', namespace: 'apps', gcp: { serviceAccount: APP } }] },
};

beforeAll(async () => {
  [fake, gcs, dir] = await Promise.all([startFake(), FakeGcs.start({ buckets: [BUCKET, MOVED] }), tempDir('hoist-gce-wi-')]);
  stateStore = `file://${join(dir.path, 'state')}`;
  env = { ...cliEnv(fake, stateStore), ...gcsEnv(gcs) };
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const made = await fetch(`${fake.url}/v1/projects/${PROJECT}/serviceAccounts`, { method: 'POST', body: JSON.stringify({ accountId: 'app-reader', serviceAccount: { displayName: 'reads the app bucket' } }) });
  expect(made.status).toBe(200);
  const policy = await fetch(`${fake.url}/v1/projects/-/serviceAccounts/${APP}:setIamPolicy`, { method: 'POST', body: JSON.stringify({ policy: { bindings: [BOB] } }) });
  expect(policy.status).toBe(200);
}, 60_000);

afterAll(async () => {
  await gcs?.stop();
  await fake?.stop();
  await dir?.cleanup();
});

describe('workload identity on GCE', () => {
  it('refuses aws\'s fields, an s3:// store and an entry without its GCP account, with their paths, and leaves the store as it was', async () => {
    const config = join(dir.path, 'state', NAME, 'config');
    const before = await readFile(config, 'utf8');
    const cluster = await getCluster();
    const refused = await run(['replace', '-f', '-'], withSpec(cluster, {
      serviceAccountIssuerDiscovery: { discoveryStore: 's3://example-oidc', enableAWSOIDCProvider: true },
      iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ name: 'a', namespace: 'apps', aws: { policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } }] },
    }));
    expect(refused.code).toBe(1);
    for (const path of ['spec.serviceAccountIssuerDiscovery.discoveryStore', 'spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider', 'spec.iam.serviceAccountExternalPermissions[0].aws', 'spec.iam.serviceAccountExternalPermissions[0].gcp']) {
      expect(refused.stderr).toContain(path);
    }
    expect(refused.stderr).toContain('gs://example-oidc-discovery');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const badEmail = await run(['replace', '-f', '-'], withSpec(cluster, { ...DESIRED, iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ name: 'a', namespace: 'apps', gcp: { serviceAccount: 'not-an-email' } }] } }));
    expect(badEmail.code).toBe(1);
    expect(badEmail.stderr).toContain('spec.iam.serviceAccountExternalPermissions[0].gcp.serviceAccount');
    expect(await readFile(config, 'utf8')).toBe(before);
  });

  it('plans the documents, the bucket\'s public read, the pool, its provider and the binding', async () => {
    const replaced = await run(['replace', '-f', '-'], withSpec(await getCluster(), DESIRED));
    expect(replaced.code, replaced.stderr).toBe(0);
    const plan = await planJson();
    const created = (kind: string) => plan.changes.filter((c) => c.kind === kind && c.action === 'create');
    expect(created('DiscoveryDocument').map((c) => c.name).sort()).toEqual([`jwks.${NAME}`, `openid-configuration.${NAME}`]);
    expect(created('DiscoveryBucketReader').map((c) => c.name)).toEqual([BUCKET]);
    expect(created('WorkloadIdentityPool').map((c) => c.name)).toEqual([POOL]);
    const provider = created('WorkloadIdentityPoolProvider');
    expect(provider.map((c) => c.name)).toEqual([`${POOL}.kubernetes`]);
    const fields = JSON.stringify(provider[0]!.changes);
    expect(fields).toContain(ISSUER);
    expect(fields).toContain(providerAudience(NUMBER, POOL));
    expect(fields).toContain('sts.example.com');
    const binding = created('ServiceAccountIamMember');
    expect(binding.map((c) => c.name)).toEqual([`${APP}:system:serviceaccount:apps:s3-reader`]);
    expect(JSON.stringify(binding[0]!.changes)).toContain(JSON.stringify(MEMBER));
    expect(binding[0]!.dependsOn).toContain(`WorkloadIdentityPoolProvider/${POOL}.kubernetes`);
    // The pods' credential configuration is an addon; the project's number it names is read once.
    expect(created('Addon').map((c) => c.name)).toContain(WORKLOAD_IDENTITY_CREDENTIALS);
    const before = fake.count('GET', new RegExp(`^/v1/projects/${PROJECT}$`));
    await planJson();
    expect(fake.count('GET', new RegExp(`^/v1/projects/${PROJECT}$`)) - before).toBe(1);
  });

  it('applies against the fakes: public documents, the JWKS of the service-account keys, the pool, the provider and the exact binding', async () => {
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(gcs.iam.policy(BUCKET).bindings).toContainEqual({ role: 'roles/storage.objectViewer', members: ['allUsers'] });
    expect(doc('.well-known/openid-configuration')).toMatchObject({ issuer: ISSUER, jwks_uri: `${ISSUER}/openid/v1/jwks` });
    const store = await openStore(stateStore);
    const keys = await readServiceAccountKeys(store, NAME);
    expect(keys?.length).toBeGreaterThan(0);
    expect(doc('openid/v1/jwks')).toEqual(JSON.parse(JSON.stringify(jwksOf(keys!))));
    const pool = wi().pools.get(`projects/${NUMBER}/locations/global/workloadIdentityPools/${POOL}`);
    expect(pool).toMatchObject({ state: 'ACTIVE', description: `hoist.dev/cluster=${NAME}` });
    const provider = wi().providers.get(`${pool!.name}/providers/kubernetes`);
    expect(provider).toMatchObject({ state: 'ACTIVE', attributeMapping: { 'google.subject': 'assertion.sub' }, oidc: { issuerUri: ISSUER, allowedAudiences: [providerAudience(NUMBER, POOL), 'sts.example.com'] } });
    expect(iamOf(fake.state).accountPolicy(APP).bindings).toEqual([BOB, { role: 'roles/iam.workloadIdentityUser', members: [MEMBER] }]);
    // The API server signs as the published issuer.
    const nodeup = (await store.get(nodeupConfigKey(NAME, CP)))!;
    const text = Buffer.from(nodeup.body).toString('utf8');
    expect(text).toContain(`serviceAccountIssuer: ${ISSUER}`);
    expect(text).toContain(`serviceAccountJWKSURI: ${ISSUER}/openid/v1/jwks`);
    // The addon channel names the credential configurations, with the provider's audience and the account.
    const channel = parse(Buffer.from((await store.get(addonChannelKey(NAME)))!.body).toString('utf8')) as AddonChannel;
    const entry = channel.addons.find((a) => a.name === WORKLOAD_IDENTITY_CREDENTIALS)!;
    const manifest = Buffer.from((await store.get(addonManifestKey(NAME, entry.name, entry.sha256)))!.body).toString('utf8');
    const [configMap] = parseAllDocuments(manifest).map((d) => d.toJS() as { metadata: { name: string; namespace: string }; data: Record<string, string> });
    expect(configMap!.metadata).toMatchObject({ name: 's3-reader-gcp-credentials', namespace: 'apps' });
    expect(JSON.parse(configMap!.data['credential-configuration.json']!)).toMatchObject({
      type: 'external_account',
      audience: providerAudience(NUMBER, POOL).replace(/^https:/, ''),
      credential_source: { file: '/var/run/service-account/token' },
      service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${APP}:generateAccessToken`,
    });
    store.close?.();
  }, 60_000);

  it('plans no changes right after', async () => {
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  });

  it('an entry taken off the list loses its binding; turning external permissions off plans the pool and provider away', async () => {
    const cluster = await getCluster();
    const fewer = await run(['replace', '-f', '-'], withSpec(cluster, { ...DESIRED, iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [] } }));
    expect(fewer.code, fewer.stderr).toBe(0);
    const plan = await planJson();
    // The entry's credential configuration goes with it: the addon leaves the channel, and the applier prunes its ConfigMap.
    expect(plan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.id}`).sort()).toEqual([
      `delete Addon/${WORKLOAD_IDENTITY_CREDENTIALS}`,
      `delete ServiceAccountIamMember/${APP}:system:serviceaccount:apps:s3-reader`,
      `update AddonChannel/${NAME}`,
    ]);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(iamOf(fake.state).accountPolicy(APP).bindings).toEqual([BOB]);

    const off = await run(['replace', '-f', '-'], withSpec(await getCluster(), { ...DESIRED, iam: {} }));
    expect(off.code, off.stderr).toBe(0);
    const offPlan = await planJson();
    expect(offPlan.changes.filter((c) => c.action !== 'noop').map((c) => `${c.action} ${c.id}`).sort()).toEqual([`delete WorkloadIdentityPool/${POOL}`, `delete WorkloadIdentityPoolProvider/${POOL}.kubernetes`]);
  }, 60_000);

  it('a discovery store moved to another bucket: the documents and public read move, the provider trusts the new issuer in place', async () => {
    const moved = `https://storage.googleapis.com/${MOVED}/${NAME}`;
    // hoist's apply marked the public read it added.
    expect(gcs.buckets.resource(BUCKET).labels).toEqual({ [PUBLIC_READ_LABEL]: labelValue(NAME) });
    const replaced = await run(['replace', '-f', '-'], withSpec(await getCluster(), { serviceAccountIssuerDiscovery: { ...DESIRED.serviceAccountIssuerDiscovery, discoveryStore: `gs://${MOVED}` }, iam: { useServiceAccountExternalPermissions: true } }));
    expect(replaced.code, replaced.stderr).toBe(0);
    const plan = await planJson();
    const acts = plan.changes.filter((c) => /Discovery|Workload/.test(c.kind) && c.action !== 'noop').map((c) => `${c.action} ${c.id}`).sort();
    expect(acts).toEqual([
      `create DiscoveryBucketReader/${MOVED}`,
      `delete DiscoveryBucketReader/${BUCKET}`,
      `replace DiscoveryDocument/jwks.${NAME}`,
      `replace DiscoveryDocument/openid-configuration.${NAME}`,
      `update WorkloadIdentityPoolProvider/${POOL}.kubernetes`,
    ]);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(gcs.names(BUCKET)).toEqual([]);
    expect(gcs.iam.policy(BUCKET).bindings.flatMap((b) => b.members)).not.toContain('allUsers');
    expect(gcs.names(MOVED).sort()).toEqual([`${NAME}/.well-known/openid-configuration`, `${NAME}/openid/v1/jwks`]);
    expect(gcs.iam.policy(MOVED).bindings).toContainEqual({ role: 'roles/storage.objectViewer', members: ['allUsers'] });
    expect(gcs.buckets.resource(BUCKET).labels).toBeUndefined();
    expect(gcs.buckets.resource(MOVED).labels).toEqual({ [PUBLIC_READ_LABEL]: labelValue(NAME) });
    expect(wi().providers.get(`projects/${NUMBER}/locations/global/workloadIdentityPools/${POOL}/providers/kubernetes`)?.oidc.issuerUri).toBe(moved);
    expect((await planJson()).summary).toMatchObject({ create: 0, update: 0, replace: 0, delete: 0 });
  }, 60_000);

  it('delete cluster leaves nothing: documents, public read, binding gone, the pool and provider deleted as GCP deletes them', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect(gcs.names(MOVED)).toEqual([]);
    expect(gcs.iam.policy(MOVED).bindings.flatMap((b) => b.members)).not.toContain('allUsers');
    expect(iamOf(fake.state).accountPolicy(APP).bindings).toEqual([BOB]);
    expect([...wi().pools.values(), ...wi().providers.values()].map((x) => [x.name.replace(/.*\//, ''), x.state])).toEqual([[POOL, 'DELETED'], ['kubernetes', 'DELETED']]);
  }, 60_000);

  it('a cluster made again within GCP\'s 30 days undeletes its own pool and provider; another cluster\'s issuer in the bucket keeps the public read', async () => {
    const compute = new Compute({ project: PROJECT, clients: createClients({ ...computeOptions(fake), authClient: new PassThroughClient() }, () => undefined), sleep: async () => undefined });
    const iam = new IamApi(compute, { iam: fake.url, resourceManager: fake.url, storage: gcs.url });
    const api = new WorkloadIdentityApi(iam, PROJECT);
    const { sink, events } = recorder();
    const ctx = { iam, project: PROJECT, cluster: NAME, events: sink, description: `hoist.dev/cluster=${NAME}`, mode: { reconciling: true }, workloadIdentity: { api, pool: POOL, projectNumber: await api.projectNumber(), accounts: [] } } as unknown as GceContext;
    const pool = { kind: 'WorkloadIdentityPool', name: POOL, lifecycle: 'Sync' as const, dependsOn: [], desired: { displayName: `hoist ${NAME}`, disabled: false } };
    expect(await workloadIdentityPoolKind.create(ctx, pool, pool.desired)).toMatchObject({ name: POOL, fields: pool.desired });
    const desired = { pool: POOL, displayName: 'kubernetes service accounts', issuerUri: `${ISSUER}-again`, allowedAudiences: ['a'], attributeMapping: { 'google.subject': 'assertion.sub' }, disabled: false };
    const provider = { kind: 'WorkloadIdentityPoolProvider', name: `${POOL}.kubernetes`, lifecycle: 'Sync' as const, dependsOn: [], desired };
    expect(await poolProviderKind.create(ctx, provider, desired)).toMatchObject({ fields: desired });
    expect([...wi().pools.values(), ...wi().providers.values()].map((x) => x.state)).toEqual(['ACTIVE', 'ACTIVE']);
    // Someone else's pool of the same id is not taken over.
    const other = { ...ctx, description: 'hoist.dev/cluster=other.example.com' } as unknown as GceContext;
    await expect(workloadIdentityPoolKind.create(other, pool, pool.desired)).rejects.toMatchObject({ code: 'ALREADY_EXISTS' });

    const policy = gcs.iam.policy(BUCKET);
    gcs.iam.write(BUCKET, { version: 1, etag: policy.etag, bindings: [...policy.bindings, { role: 'roles/storage.objectViewer', members: ['allUsers'] }] });
    const bucket = await openStore(`gs://${BUCKET}`, { env: gcsEnv(gcs) });
    const issuer = { cluster: { metadata: { name: NAME }, spec: { region: 'us-central1', serviceAccountIssuerDiscovery: { discoveryStore: DISCOVERY } } } } as unknown as CompletedSpec;
    const discovery = discoveryContext(issuer, { env: gcsEnv(gcs) });
    const reader = () => discoveryBucketReaderKind.discover({ ...ctx, discovery, mode: { reconciling: false } } as unknown as GceContext);
    try {
      // A public read hoist did not add (no label) is the user's: left, with a notice.
      await bucket.put(`issuers/${NAME}/.well-known/openid-configuration`, '{}');
      expect((await reader()).map((l) => [l.name, l.kept])).toEqual([[BUCKET, `hoist did not add it (the bucket has no ${PUBLIC_READ_LABEL} label): it was there before`]]);
      expect(events.map((e) => [e.level, e.code, e.message])).toEqual([['info', 'discovery.public-read-kept', `the public read of bucket ${BUCKET} (allUsers as roles/storage.objectViewer) is left: hoist did not add it (the bucket has no ${PUBLIC_READ_LABEL} label): it was there before; remove it yourself if nothing else needs it`]]);
      // Creating the reader over it does not claim it.
      const task = { kind: 'DiscoveryBucketReader', name: BUCKET, lifecycle: 'Sync' as const, dependsOn: [], desired: { bucket: BUCKET, role: 'roles/storage.objectViewer', member: 'allUsers' } };
      await discoveryBucketReaderKind.create(ctx, task, task.desired);
      expect(gcs.buckets.resource(BUCKET).labels).toBeUndefined();
      // Marked as hoist's: the cluster's own documents do not keep it.
      gcs.buckets.patchLabels(BUCKET, { [PUBLIC_READ_LABEL]: labelValue(NAME) });
      expect((await reader()).map((l) => [l.name, l.kept])).toEqual([[BUCKET, undefined]]);
      // Another issuer in another folder of the bucket does: the binding is the whole bucket's.
      await bucket.put('elsewhere/other.example.com/.well-known/openid-configuration', '{}');
      expect(await reader()).toEqual([expect.objectContaining({ name: BUCKET, kept: 'the bucket also publishes another issuer (elsewhere/other.example.com/.well-known/openid-configuration)' })]);
    } finally {
      discovery?.close();
      bucket.close?.();
    }
  });

  it('passes over, with a warning, a discovery store the last apply published in that refuses hoist; the spec\'s own store still fails the plan', async () => {
    const refusing = await FakeGcs.start({ buckets: [BUCKET], requireToken: 'not-hoist' });
    const { sink, events } = recorder();
    const issuer = (store: string) => ({ cluster: { metadata: { name: NAME }, spec: { region: 'us-central1', serviceAccountIssuerDiscovery: { discoveryStore: store } } } }) as unknown as CompletedSpec;
    const current = discoveryContext(issuer(`gs://${MOVED}`), { env: gcsEnv(gcs) })!;
    const previous = discoveryContext(issuer(DISCOVERY), { env: gcsEnv(refusing) })!;
    const ctx = { cluster: NAME, events: sink, mode: { reconciling: true }, discovery: current, previousDiscovery: previous } as unknown as GceContext;
    try {
      await (await current.store()).put('openid/v1/jwks', '{}');
      expect((await gceDiscoveryDocumentKind.discover(ctx)).map((l) => l.id)).toEqual([`gs://${MOVED}/${NAME}/openid/v1/jwks`]);
      expect(events).toEqual([expect.objectContaining({ level: 'warn', code: 'discovery.previous-unreadable', data: expect.objectContaining({ folder: `${DISCOVERY}/${NAME}` }) })]);
      expect(events[0]!.message).toMatch(new RegExp(`^cannot read ${DISCOVERY}/${NAME}, where the last apply published the service-account issuer \\(access denied .*\\): its documents \\(.well-known/openid-configuration, openid/v1/jwks\\) are not deleted and stay there`));
      await expect(gceDiscoveryDocumentKind.discover({ ...ctx, discovery: previous, previousDiscovery: undefined } as unknown as GceContext)).rejects.toThrow(/access denied/);
    } finally {
      await (await current.store()).delete('openid/v1/jwks');
      current.close();
      previous.close();
      await refusing.stop();
    }
  });
});

describe('the fake\'s workload identity pools', () => {
  const call = async (method: string, path: string, body?: unknown) => {
    const r = await fetch(`${fake.url}/v1/${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> & { error?: { code: number; status: string } } };
  };
  const pools = `projects/${PROJECT}/locations/global/workloadIdentityPools`;

  it('answer with long-running operations, delete softly, refuse a taken or bad id, and undelete', async () => {
    const started = await call('POST', `${pools}?workloadIdentityPoolId=fake-pool`, { displayName: 'p' });
    expect(started).toMatchObject({ status: 200, body: { name: expect.stringMatching(new RegExp(`^projects/${NUMBER}/locations/global/workloadIdentityPools/fake-pool/operations/`)), done: false } });
    let op = started.body;
    while (op['done'] !== true) op = (await call('GET', String(op['name']))).body;
    expect(op['response']).toMatchObject({ name: `projects/${NUMBER}/locations/global/workloadIdentityPools/fake-pool`, state: 'ACTIVE' });
    expect((await call('POST', `${pools}?workloadIdentityPoolId=gcp-pool`, {})).body.error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    expect((await call('POST', `${pools}/fake-pool/providers?workloadIdentityPoolProviderId=prov`, { oidc: { issuerUri: 'http://plain' }, attributeMapping: { 'google.subject': 'assertion.sub' } })).status).toBe(400);
    expect((await call('DELETE', `${pools}/fake-pool`)).status).toBe(200);
    expect((await call('GET', pools)).body['workloadIdentityPools'] ?? []).not.toContainEqual(expect.objectContaining({ name: expect.stringContaining('fake-pool') }));
    expect((await call('GET', `${pools}?showDeleted=true`)).body['workloadIdentityPools']).toContainEqual(expect.objectContaining({ state: 'DELETED', expireTime: expect.any(String) }));
    expect((await call('POST', `${pools}?workloadIdentityPoolId=fake-pool`, {})).body.error).toMatchObject({ code: 409, status: 'ALREADY_EXISTS' });
    expect((await call('POST', `${pools}/fake-pool/providers?workloadIdentityPoolProviderId=prov`, { oidc: { issuerUri: 'https://a' }, attributeMapping: { 'google.subject': 'assertion.sub' } })).body.error).toMatchObject({ code: 400, status: 'FAILED_PRECONDITION' });
    expect((await call('POST', `${pools}/fake-pool:undelete`, {})).status).toBe(200);
    expect((await call('GET', `${pools}/fake-pool`)).body).toMatchObject({ state: 'ACTIVE' });
  });
});

describe('the workload identity rules', () => {
  const spec = (s: Record<string, unknown>) => s as unknown as CompletedClusterSpec;
  it('refuse on gce what GCP cannot hold, and gcp on aws, each at its path', () => {
    const long = 'n'.repeat(101);
    const problems = workloadIdentityProblems(spec({
      serviceAccountIssuerDiscovery: { discoveryStore: 'gs://oidc', additionalAudiences: Array.from({ length: 10 }, (_, i) => `aud-${i}`) },
      iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ name: long, namespace: 'apps', gcp: { serviceAccount: APP } }] },
    }), NAME);
    expect(problems.map((p) => p.path)).toEqual(['spec.serviceAccountIssuerDiscovery.additionalAudiences', 'spec.iam.serviceAccountExternalPermissions[0]']);
    expect(workloadIdentityProblems(spec({ iam: { useServiceAccountExternalPermissions: true } }), `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}`).map((p) => p.path)).toEqual(['spec.iam.useServiceAccountExternalPermissions']);
    expect(problems[1]!.message).toContain('at most 127 bytes');
    const aws = irsaAwsProblems(spec({ serviceAccountIssuerDiscovery: { discoveryStore: 's3://oidc', enableAWSOIDCProvider: true }, iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ name: 'a', namespace: 'b', gcp: { serviceAccount: APP } }] } }));
    expect(aws.map((p) => p.path)).toEqual(['spec.iam.serviceAccountExternalPermissions[0].gcp']);
    // The same service account may act as two GCP accounts, but not twice as one.
    const entry = { name: 's3-reader', namespace: 'apps', gcp: { serviceAccount: APP } };
    const other = { ...entry, gcp: { serviceAccount: `other@${PROJECT}.iam.gserviceaccount.com` } };
    const twice = workloadIdentityProblems(spec({ iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [entry, other, entry] } }), NAME);
    expect(twice.map((p) => [p.path, p.message])).toEqual([['spec.iam.serviceAccountExternalPermissions[2]', `lets apps/s3-reader act as ${APP}, as serviceAccountExternalPermissions[0] does already`]]);
  });
});
