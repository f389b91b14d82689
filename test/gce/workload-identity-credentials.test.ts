/**
 * The credential configurations of workload identity on GCE, as rendered from a spec: one
 * ConfigMap per Kubernetes service account with a gcp.serviceAccount, its configuration exactly
 * GCP's external_account form (and one google-auth-library reads as an identity pool client
 * acting as that account), none for aws's entries nor without useServiceAccountExternalPermissions,
 * a changed entry a changed manifest hash; and the project's number read by the addons from the
 * fake Resource Manager, once, retried on a transient error.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExternalAccountClient, IdentityPoolClient } from 'google-auth-library';
import { builtinAddons, renderBuiltin } from '../../cloudup/addons/render.js';
import type { CloudAccount, CloudAddons } from '../../cloudup/addons/types.js';
import { projectAccount } from '../../cloudup/gce/project-number.js';
import { WORKLOAD_IDENTITY_CREDENTIALS, credentialConfigMaps } from '../../cloudup/gce/workload-identity-credentials.js';
import { poolId } from '../../cloudup/gce/workload-identity-names.js';
import { cloudAddonsOf, SPEC_RULES } from '../../cloudup/providers.js';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { projectNumberOf } from './fake/iam.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake } from './support.js';

const NAME = 'wi.example.com';
const POOL = poolId(NAME);
const ACCOUNT: CloudAccount = { id: '123456789012', partition: 'gcp' };
const APP = `app-reader@${PROJECT}.iam.gserviceaccount.com`;
const DNS = `external-dns@${PROJECT}.iam.gserviceaccount.com`;
const OTHER = 'writer@other-project.iam.gserviceaccount.com';
const DISCOVERY = { serviceAccountIssuerDiscovery: { discoveryStore: 'gs://example-oidc-discovery/issuers' } };
type Entry = NonNullable<NonNullable<ClusterSpec['iam']>['serviceAccountExternalPermissions']>[number];
const READER: Entry = { name: 's3-reader', namespace: 'apps', gcp: { serviceAccount: APP } };
const EXTERNAL_DNS: Entry = { name: 'external-dns', namespace: 'kube-system', gcp: { serviceAccount: DNS } };
/** The same Kubernetes service account acting as a second GCP account. */
const READER_OTHER: Entry = { name: 's3-reader', namespace: 'apps', gcp: { serviceAccount: OTHER } };

function spec(entries: readonly Entry[], options: { readonly cloud?: 'gce' | 'aws'; readonly use?: boolean } = {}): CompletedSpec {
  const cloud = options.cloud ?? 'gce';
  const made = cloud === 'gce'
    ? newClusterSpec({ name: NAME, cloud, zones: ['us-central1-a'], project: PROJECT, kubernetesVersion: '1.34.0' }, SPEC_RULES)
    : newClusterSpec({ name: NAME, cloud, zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const discovery = cloud === 'gce' ? DISCOVERY : { serviceAccountIssuerDiscovery: { discoveryStore: 's3://example-oidc', enableAWSOIDCProvider: true } };
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...discovery, iam: { useServiceAccountExternalPermissions: options.use ?? true, serviceAccountExternalPermissions: [...entries] } } };
  return completeSpec(cluster, made.instanceGroups);
}

/** What `gcloud iam workload-identity-pools create-cred-config` writes for the provider, the account and the token file. */
const expected = (email: string) => ({
  type: 'external_account',
  audience: `//iam.googleapis.com/projects/${ACCOUNT.id}/locations/global/workloadIdentityPools/${POOL}/providers/kubernetes`,
  subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
  token_url: 'https://sts.googleapis.com/v1/token',
  credential_source: { file: '/var/run/service-account/token' },
  service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${email}:generateAccessToken`,
});

let gce: CloudAddons;
let aws: CloudAddons;
beforeAll(async () => {
  [gce, aws] = await Promise.all([cloudAddonsOf('gce'), cloudAddonsOf('aws')]);
});
const addonOf = (c: CompletedSpec, cloud = gce, account: CloudAccount | undefined = ACCOUNT) => builtinAddons(c, cloud, account === undefined ? {} : { account }).find((a) => a.name === WORKLOAD_IDENTITY_CREDENTIALS);

describe('the workload identity credentials addon', () => {
  it('comes after the cloud\'s other addons, with one ConfigMap per service account holding GCP\'s configuration exactly', () => {
    const c = spec([READER, EXTERNAL_DNS, READER_OTHER]);
    expect(builtinAddons(c, gce, { account: ACCOUNT }).map((a) => a.name)).toEqual(['core', 'flannel', 'coredns', 'gcp-cloud-controller-manager', 'gcp-pd-csi-driver', WORKLOAD_IDENTITY_CREDENTIALS]);
    const a = addonOf(c)!;
    expect(a.version).toBe('1.0.0');
    expect(a.health).toEqual([]);
    expect(a.objects.map((o) => [o.kind, o.metadata.namespace, o.metadata.name])).toEqual([
      ['ConfigMap', 'apps', 's3-reader-gcp-credentials'],
      ['ConfigMap', 'kube-system', 'external-dns-gcp-credentials'],
    ]);
    const [reader, dns] = a.objects.map((o) => o['data'] as Record<string, string>);
    expect(Object.keys(reader!)).toEqual(['credential-configuration.json', 'credential-configuration-2.json']);
    expect(reader!['credential-configuration.json']).toBe(`${JSON.stringify(expected(APP), null, 2)}\n`);
    expect(JSON.parse(reader!['credential-configuration-2.json']!)).toEqual(expected(OTHER));
    expect(dns).toEqual({ 'credential-configuration.json': `${JSON.stringify(expected(DNS), null, 2)}\n` });
    // No annotation, no label but the addon's: GCP names no ServiceAccount annotation outside GKE.
    expect(a.objects.map((o) => o.metadata.annotations)).toEqual([undefined, undefined]);
  });

  it('is a configuration google-auth-library reads as an identity pool client acting as the GCP account', () => {
    const json = (credentialConfigMaps(spec([READER]), ACCOUNT)[0]!['data'] as Record<string, string>)['credential-configuration.json']!;
    const client = ExternalAccountClient.fromJSON(JSON.parse(json) as Parameters<typeof ExternalAccountClient.fromJSON>[0]);
    expect(client).toBeInstanceOf(IdentityPoolClient);
    expect(client!.getServiceAccountEmail()).toBe(APP);
    // The library finds the project's number in the audience, where the pool's name holds it.
    expect(client!.projectNumber).toBe(ACCOUNT.id);
  });

  it('is not rendered for aws\'s entries, entries without gcp, nor without useServiceAccountExternalPermissions, and then needs no project number', async () => {
    const awsEntry: Entry = { name: 'a', namespace: 'apps', aws: { policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } };
    expect(addonOf(spec([awsEntry], { cloud: 'aws' }), aws, { id: '123456789012', partition: 'aws' })).toBeUndefined();
    expect(addonOf(spec([awsEntry]))).toBeUndefined();
    expect(addonOf(spec([READER], { use: false }))).toBeUndefined();
    expect(addonOf(spec([]))).toBeUndefined();
    // Read without a call: no endpoint would answer this environment.
    const unreachable = { HOIST_GCE_RESOURCE_MANAGER_ENDPOINT: 'http://127.0.0.1:9', HOIST_GCE_AUTH: 'none' };
    expect(await gce.account!(spec([READER], { use: false }), unreachable)).toBeUndefined();
    expect(await gce.account!(spec([awsEntry]), unreachable)).toBeUndefined();
  });

  it('refuses to render the configurations without the project\'s number', () => {
    expect(() => builtinAddons(spec([READER]), gce, {})).toThrow(/without the project's number/);
  });

  it('changes its manifest\'s hash with an entry, and not with the order of different service accounts', () => {
    const sha = (entries: readonly Entry[], account = ACCOUNT) => renderBuiltin(addonOf(spec(entries), gce, account)!).entry.sha256;
    const base = sha([READER, EXTERNAL_DNS]);
    expect(sha([EXTERNAL_DNS, READER])).toBe(base);
    expect(sha([READER])).not.toBe(base);
    expect(sha([{ ...READER, gcp: { serviceAccount: OTHER } }, EXTERNAL_DNS])).not.toBe(base);
    expect(sha([{ ...READER, namespace: 'apps-2' }, EXTERNAL_DNS])).not.toBe(base);
    expect(sha([READER, EXTERNAL_DNS], { id: '999999999999', partition: 'gcp' })).not.toBe(base);
  });
});

describe('the project\'s number for the addons', () => {
  let fake: FakeCompute;
  beforeAll(async () => {
    fake = await startFake();
  });
  afterAll(async () => {
    await fake?.stop();
  });

  it('is read once from Resource Manager with the session\'s endpoints and credentials, retried on a transient error', async () => {
    const env = cliEnv(fake, 'file:///unused');
    const before = fake.count('GET', /\/v1\/projects\//);
    expect(await gce.account!(spec([READER]), env)).toEqual({ id: projectNumberOf(PROJECT), partition: 'gcp' });
    expect(fake.count('GET', /\/v1\/projects\//) - before).toBe(1);
    fake.failNext({ method: 'GET', path: new RegExp(`^/v1/projects/${PROJECT}$`), status: 503 });
    expect(await projectAccount(PROJECT, env, { sleep: async () => undefined })).toEqual({ id: projectNumberOf(PROJECT), partition: 'gcp' });
    expect(fake.requests.slice(-2).map((r) => r.status)).toEqual([503, 200]);
  });

  it('fails with the call and the permission it needs', async () => {
    fake.failNext({ method: 'GET', path: /^\/v1\/projects\/no-such-project$/, status: 503 });
    await expect(projectAccount('no-such-project', cliEnv(fake, 'file:///unused'), { maxAttempts: 1 })).rejects.toMatchObject({ code: 'CLOUD', message: expect.stringMatching(/^could not read the number of project no-such-project \(Resource Manager projects.get\): /), hint: expect.stringContaining('resourcemanager.projects.get') });
  });
});
