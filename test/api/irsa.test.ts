/**
 * Service account issuer discovery and IRSA without a cloud: the spec's rules (each problem at
 * its field path, with a fix), the settings every consumer reads (issuer, JWKS address,
 * audiences) and the local cloud's kube-apiserver flags from them, the kops import carrying the
 * fields, the JWKS of a key, and the AWS model's tasks.
 */

import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeSpec, newClusterSpec, parseSpecText } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { irsaSettings } from '../../src/api/irsa.js';
import { settleSpec } from '../../src/api/validate-settled.js';
import { jwksOf, readServiceAccountKeys } from '../../src/pki/jwks.js';
import { irsaTasks } from '../../cloudup/aws/model/irsa.js';
import { serviceAccountRoleName } from '../../cloudup/aws/names.js';
import { PENDING_KEYS, discoveryDocumentTask } from '../../cloudup/discovery-documents.js';
import { discoveryDocumentKind } from '../../cloudup/aws/tasks/discovery-document.js';
import { Listings } from '../../cloudup/aws/context.js';
import type { AwsContext } from '../../cloudup/aws/context.js';
import { MemfsStore } from '../../state-store/backends/memfs.js';
import { ensureClusterPKI } from '../../src/pki/ensure.js';
import { controlPlaneSettings } from '../../cloudup/nodeup/components.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/build.js';
import { buildNodeModel } from '../../nodeup/model/index.js';
import type { NodePki } from '../../nodeup/pki/material.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { CLUSTER_NAME, cluster, groups, validate } from './fixtures.js';

const STORE = 's3://example-oidc/discovery';
const ISSUER = `https://example-oidc.s3.us-east-1.amazonaws.com/discovery/${CLUSTER_NAME}`;
const ROLE = { name: 's3-reader', namespace: 'apps', aws: { policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], inlinePolicy: '[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]' } };
const irsa: Partial<ClusterSpec> = {
  serviceAccountIssuerDiscovery: { discoveryStore: STORE, enableAWSOIDCProvider: true, additionalAudiences: ['sts.example.com'] },
  iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [ROLE] },
};
const problemsOf = (spec: Partial<ClusterSpec>) => validate(cluster(spec), groups()).map((p) => `${p.path}: ${p.message}`);

describe('spec.serviceAccountIssuerDiscovery and iam.serviceAccountExternalPermissions', () => {
  it('are valid together on aws', () => {
    expect(problemsOf(irsa)).toEqual([]);
  });

  it('refuse each half-configured combination at its field, with a fix', () => {
    const problems = validate(cluster({
      serviceAccountIssuerDiscovery: { enableAWSOIDCProvider: true },
      iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [ROLE, { ...ROLE, aws: { inlinePolicy: '{not json' } }] },
    }), groups());
    expect(problems.map((p) => p.path)).toEqual([
      'spec.serviceAccountIssuerDiscovery.enableAWSOIDCProvider',
      'spec.iam.useServiceAccountExternalPermissions',
      'spec.iam.serviceAccountExternalPermissions[1]',
      'spec.iam.serviceAccountExternalPermissions[1].aws.inlinePolicy',
    ]);
    expect(problems.every((p) => (p.fix ?? '').length > 10)).toBe(true);
    expect(problemsOf({ iam: { serviceAccountExternalPermissions: [ROLE] } })).toEqual(['spec.iam.serviceAccountExternalPermissions: is ignored unless iam.useServiceAccountExternalPermissions is true']);
    expect(problemsOf({ iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ ...ROLE, aws: { inlinePolicy: '[{"Action":"s3:*"}]' } }] }, serviceAccountIssuerDiscovery: { discoveryStore: STORE, enableAWSOIDCProvider: true } }))
      .toEqual(['spec.iam.serviceAccountExternalPermissions[0].aws.inlinePolicy: is not a list of IAM statements (each with Effect, Action and Resource)']);
  });

  it('need an S3 bucket and hoist\'s own OIDC provider on aws', () => {
    expect(problemsOf({ serviceAccountIssuerDiscovery: { discoveryStore: 'file:///srv/oidc' } })).toEqual(['spec.serviceAccountIssuerDiscovery.discoveryStore: is not a bucket with a public https:// address', 'spec.serviceAccountIssuerDiscovery.discoveryStore: is not an S3 bucket: on aws the issuer\'s documents are published in S3']);
    expect(problemsOf({ serviceAccountIssuerDiscovery: { discoveryStore: 'gs://example-oidc' } })).toEqual(['spec.serviceAccountIssuerDiscovery.discoveryStore: is not an S3 bucket: on aws the issuer\'s documents are published in S3']);
    expect(problemsOf({ serviceAccountIssuerDiscovery: { discoveryStore: 's3://oidc.example.com/issuers' } })).toEqual(['spec.serviceAccountIssuerDiscovery.discoveryStore: names the bucket oidc.example.com, whose dots put its https:// address (the issuer) outside S3\'s certificate: STS could not fetch the documents']);
    expect(problemsOf({ ...irsa, serviceAccountIssuerDiscovery: { discoveryStore: STORE } })[0]).toMatch(/^spec\.serviceAccountIssuerDiscovery\.enableAWSOIDCProvider: must be true for iam\.serviceAccountExternalPermissions/);
  });

  it('resolve to the issuer, its JWKS address and the audiences in one place, which the API server\'s settings read', () => {
    const completed = completeSpec(cluster({ ...irsa, region: 'us-east-1' }), groups());
    expect(irsaSettings(completed.cluster)).toEqual({
      folder: `${STORE}/${CLUSTER_NAME}`,
      issuer: ISSUER,
      jwksUri: `${ISSUER}/openid/v1/jwks`,
      apiAudiences: ['kubernetes.svc.default', 'sts.example.com'],
      clientIds: ['amazonaws.com', 'sts.example.com'],
      enableAWSOIDCProvider: true,
      additionalAudiences: ['sts.example.com'],
      externalPermissions: true,
      serviceAccounts: [{ name: 's3-reader', namespace: 'apps', policyARNs: ROLE.aws.policyARNs, inlinePolicy: ROLE.aws.inlinePolicy }],
    });
    const plane = completed.instanceGroups.find((g) => g.spec.role === 'ControlPlane')!;
    expect(controlPlaneSettings(completed, plane).apiServer).toMatchObject({ serviceAccountIssuer: ISSUER, serviceAccountJWKSURI: `${ISSUER}/openid/v1/jwks`, apiAudiences: ['kubernetes.svc.default', 'sts.example.com'] });
    const without = completeSpec(cluster(), groups());
    expect(controlPlaneSettings(without, without.instanceGroups.find((g) => g.spec.role === 'ControlPlane')!).apiServer).not.toHaveProperty('serviceAccountIssuer');
  });

  it('are carried by the kops import, not dropped', () => {
    const kops = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: ${CLUSTER_NAME}
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.0
  dnsZone: example.com
  networkCIDR: 172.20.0.0/16
  subnets:
  - {name: us-east-1a, zone: us-east-1a, type: Public}
  serviceAccountIssuerDiscovery:
    discoveryStore: ${STORE}
    enableAWSOIDCProvider: true
  iam:
    useServiceAccountExternalPermissions: true
    serviceAccountExternalPermissions:
    - name: s3-reader
      namespace: apps
      aws:
        policyARNs: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]
`;
    const [doc] = parseSpecText(kops, 'kops.yaml', SPEC_RULES);
    expect(doc?.converted?.dropped ?? []).toEqual([]);
    expect(doc?.object.spec).toMatchObject({
      serviceAccountIssuerDiscovery: { discoveryStore: STORE, enableAWSOIDCProvider: true },
      iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [{ name: 's3-reader', namespace: 'apps', aws: { policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } }] },
    });
  });
});

describe('the API server\'s flags on the local cloud', () => {
  // The model reads only names and fingerprints to plan: no key is needed.
  const pki: NodePki = {
    trusted: () => ({ bundle: '', primaryFingerprint: 'sha256:0', certificates: [] }),
    keypair: () => ({ privateKey: '', fingerprint: 'sha256:0' }),
    token: () => ({ token: '', fingerprint: 'sha256:0' }),
    secret: () => ({ content: '', sha256: '' }),
    issue: () => Promise.reject(new Error('not issued in a pure test')),
  };
  const apiServerFlags = (extra: Partial<ClusterSpec>): string[] => {
    const made = newClusterSpec({ name: 'irsa.k8s.local', cloud: 'local', kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const completed = completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, ...extra } }, made.instanceGroups);
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
    const file = [...buildNodeupConfigs(completed, { stateStore: 'file:///state', assets: [] }).values()].find((f) => f.config.role === 'ControlPlane')!;
    const model = buildNodeModel({ config: file.config, node: { instanceId: 'i-1', address: '127.0.0.2', nodeName: 'i-1' }, pki });
    const manifest = model.tasks.find((t) => t.kind === 'File' && t.name === '/etc/kubernetes/manifests/kube-apiserver.yaml')!;
    const command = (parse(String(manifest.desired['content'])) as { spec: { containers: { command: string[] }[] } }).spec.containers[0]!.command;
    return command.filter((f) => /^--(service-account-issuer|service-account-jwks-uri|api-audiences)=/.test(f));
  };

  it('names the published issuer, its keys and the audiences; without a discovery store, the internal issuer as before', () => {
    const gcs = 'https://storage.googleapis.com/example-oidc/irsa.k8s.local';
    expect(apiServerFlags({ serviceAccountIssuerDiscovery: { discoveryStore: 'gs://example-oidc', additionalAudiences: ['vault'] } })).toEqual([
      `--service-account-issuer=${gcs}`,
      `--service-account-jwks-uri=${gcs}/openid/v1/jwks`,
      '--api-audiences=kubernetes.svc.default,vault',
    ]);
    expect(apiServerFlags({})).toEqual(['--service-account-issuer=https://api.internal.irsa.k8s.local']);
  });
});

describe('the JWKS and the AWS model', () => {
  it('publishes each key under kube-apiserver\'s key id, and the key converts back to itself', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const [jwk] = jwksOf([pem]).keys;
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: createHash('sha256').update(createPublicKey(pem).export({ type: 'spki', format: 'der' })).digest('base64url') });
    expect(createPublicKey({ key: jwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' })).toBe(pem);
  });

  it('names the roles as kops does, within IAM\'s 64 characters, and waits for the key before the first apply', () => {
    expect(serviceAccountRoleName({ name: 's3-reader', namespace: 'apps' }, 'demo.example.com')).toBe('s3-reader.apps.sa.demo.example.com');
    const long = serviceAccountRoleName({ name: 'a-service-account-with-a-long-name', namespace: 'kube-system' }, 'a-rather-long-cluster.example.com');
    expect(long.length).toBeLessThanOrEqual(64);
    const spec = settleSpec(completeSpec(cluster({ ...irsa, region: 'us-east-1' }), groups()), SPEC_RULES.aws);
    const tasks = irsaTasks(spec, {});
    expect(tasks.map((t) => `${t.kind}/${t.name}`)).toEqual([
      `DiscoveryDocument/openid-configuration.${CLUSTER_NAME}`,
      `DiscoveryDocument/jwks.${CLUSTER_NAME}`,
      `IAMOIDCProvider/${CLUSTER_NAME}`,
      `IAMRole/s3-reader.apps.sa.${CLUSTER_NAME}`,
      `IAMRolePolicyAttachment/s3-reader.apps.sa.${CLUSTER_NAME}:arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess`,
      `IAMRolePolicy/s3-reader.apps.sa.${CLUSTER_NAME}`,
    ]);
    expect(tasks[1]?.desired['document']).toEqual({ keys: PENDING_KEYS });
    expect(irsaTasks(settleSpec(completeSpec(cluster({ region: 'us-east-1' }), groups()), SPEC_RULES.aws), {})).toEqual([]);
  });

  it('writes the JWKS planned before the first apply from the key the apply made', async () => {
    const state = new MemfsStore(`irsa-state-${process.pid}`);
    const discovery = new MemfsStore(`irsa-discovery-${process.pid}`);
    await ensureClusterPKI(state, CLUSTER_NAME);
    const folder = `${STORE}/${CLUSTER_NAME}`;
    const ctx = {
      cluster: CLUSTER_NAME,
      listings: new Listings(),
      mode: { reconciling: true },
      discovery: { folder, keys: ['openid/v1/jwks'], store: async () => discovery, root: async () => discovery, serviceAccountKeys: () => readServiceAccountKeys(state, CLUSTER_NAME), close: () => undefined },
    } as unknown as AwsContext;
    const task = discoveryDocumentTask(`jwks.${CLUSTER_NAME}`, { folder, key: 'openid/v1/jwks', document: { keys: PENDING_KEYS } });
    const made = await discoveryDocumentKind.create(ctx, task, task.desired as never);
    const keys = (await readServiceAccountKeys(state, CLUSTER_NAME))!;
    expect(made.fields['document']).toEqual(jwksOf(keys));
    expect(JSON.parse(Buffer.from((await discovery.get('openid/v1/jwks'))!.body).toString('utf8'))).toEqual(jwksOf(keys));
    // The next plan reads it back as the keys it now desires: no change.
    expect((await discoveryDocumentKind.discover(ctx)).map((o) => o.fields)).toEqual([{ folder, key: 'openid/v1/jwks', document: jwksOf(keys) }]);
  });
});
