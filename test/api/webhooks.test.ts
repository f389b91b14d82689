/**
 * spec.podIdentityWebhook and spec.authentication.aws without a cloud: their rules (each problem
 * at its field, with the value and a fix), their defaults (one place), the kops import keeping
 * them, and what nodeup makes of them on the control plane: the serving certificates it issues
 * from the cluster CA, the API server's webhook kubeconfig, flag and mount.
 */

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { completeSpec, newClusterSpec, parseSpecText, validateSpecSet } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { awsAuthenticatorSettings, podIdentityWebhookSettings } from '../../src/api/webhooks.js';
import { buildNodeupConfigs } from '../../cloudup/nodeup/build.js';
import { buildNodeModel } from '../../nodeup/model/index.js';
import type { NodePki } from '../../nodeup/pki/material.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { CLUSTER_NAME, cluster, group, groups, validate } from './fixtures.js';

const IRSA: Partial<ClusterSpec> = { serviceAccountIssuerDiscovery: { discoveryStore: 's3://example-oidc', enableAWSOIDCProvider: true } };
const ADMIN = { arn: 'arn:aws:iam::123456789012:role/KubernetesAdmin', username: 'admin:{{SessionName}}', groups: ['system:masters'] };
const ALICE = { arn: 'arn:aws:iam::123456789012:user/alice', username: 'alice' };
const problems = (spec: Partial<ClusterSpec>) => validate(cluster(spec), groups());
const onGce = (spec: Partial<ClusterSpec>) => validate(cluster({ cloudProvider: 'gce', project: 'demo', networkCIDR: '10.0.0.0/16', subnets: [{ name: 'us-central1', region: 'us-central1', type: 'Public' }], ...spec }), [group('control-plane', { role: 'ControlPlane', subnets: ['us-central1'], zones: ['us-central1-a'] })]);
function onLocal(spec: Partial<ClusterSpec>) {
  const made = newClusterSpec({ name: 'webhooks.local.example.com', cloud: 'local', zones: ['local-a'] }, SPEC_RULES);
  return validateSpecSet({ ...made.cluster, spec: { ...made.cluster.spec, ...spec } }, made.instanceGroups, SPEC_RULES.local);
}
const lines = (spec: Partial<ClusterSpec>) => problems(spec).map((p) => `${p.path}: ${p.message}`);

describe('spec.podIdentityWebhook', () => {
  it('is valid on aws with IRSA\'s OIDC provider, and defaults to 2 replicas', () => {
    expect(problems({ ...IRSA, podIdentityWebhook: { enabled: true } })).toEqual([]);
    expect(podIdentityWebhookSettings({ podIdentityWebhook: { enabled: true } })).toEqual({ replicas: 2 });
    expect(podIdentityWebhookSettings({ podIdentityWebhook: { enabled: true, replicas: 3 } })).toEqual({ replicas: 3 });
    expect(podIdentityWebhookSettings({ podIdentityWebhook: { replicas: 3 } })).toBeUndefined();
  });

  it('needs the discovery store and the OIDC provider, said at enabled with the fix', () => {
    const found = problems({ podIdentityWebhook: { enabled: true } });
    expect(found).toEqual([{ path: 'spec.podIdentityWebhook.enabled', value: true, message: expect.stringContaining('needs IAM roles for service accounts'), fix: expect.stringContaining('enableAWSOIDCProvider: true') }]);
    expect(lines({ serviceAccountIssuerDiscovery: { discoveryStore: 's3://example-oidc' }, podIdentityWebhook: { enabled: true } })).toEqual([found[0] && `${found[0].path}: ${found[0].message}`]);
    expect(problems({ podIdentityWebhook: { enabled: false } })).toEqual([]);
  });

  it('is refused off aws, by the cloud\'s rules, and its replicas outside 1..10 by the schema', () => {
    const gce = onGce({ podIdentityWebhook: { enabled: true } });
    expect(gce.filter((p) => p.path.startsWith('spec.podIdentityWebhook'))).toEqual([{ path: 'spec.podIdentityWebhook.enabled', value: true, message: expect.stringContaining('is not read on gce: the pod identity webhook hands pods roles of another cloud\'s IAM'), fix: 'remove spec.podIdentityWebhook' }]);
    expect(onLocal({ podIdentityWebhook: { enabled: true } })).toEqual([expect.objectContaining({ path: 'spec.podIdentityWebhook.enabled', message: expect.stringContaining('is not read on local') })]);
    expect(SPEC_RULES.aws.identityWebhooks).toBe(true);
    const text = `apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ${CLUSTER_NAME}}\nspec: {cloudProvider: aws, kubernetesVersion: 1.34.0, subnets: [], podIdentityWebhook: {enabled: true, replicas: 0}}\n`;
    expect(() => parseSpecText(text, 'c.yaml', SPEC_RULES)).toThrow(/spec\.podIdentityWebhook\.replicas/);
  });
});

describe('spec.authentication.aws', () => {
  it('is valid with mappings, beside oidc too, and defaults the cluster ID and the backend', () => {
    expect(problems({ authentication: { aws: { identityMappings: [ADMIN, ALICE] } } })).toEqual([]);
    expect(problems({ authentication: { aws: { backendMode: 'CRD,MountedFile', clusterID: 'prod' }, oidc: { issuerURL: 'https://accounts.example.com', clientID: 'k' } } })).toEqual([]);
    expect(awsAuthenticatorSettings(cluster({ authentication: { aws: {} } }))).toEqual({ clusterID: CLUSTER_NAME, backends: ['MountedFile'], identityMappings: [] });
    expect(awsAuthenticatorSettings(cluster({ authentication: { aws: { backendMode: 'CRD, EKSConfigMap', clusterID: 'prod', identityMappings: [ALICE] } } })))
      .toEqual({ clusterID: 'prod', backends: ['CRD', 'EKSConfigMap'], identityMappings: [{ ...ALICE, groups: [] }] });
    expect(awsAuthenticatorSettings(cluster({}))).toBeUndefined();
  });

  it('refuses an unknown or empty backend, mappings no backend reads, and an ARN mapped twice, each at its field', () => {
    expect(lines({ authentication: { aws: { backendMode: 'CRD,ConfigMap' } } })).toEqual(['spec.authentication.aws.backendMode: names "ConfigMap", which is not a backend of aws-iam-authenticator']);
    expect(problems({ authentication: { aws: { backendMode: ' , ' } } })[0]).toMatchObject({ path: 'spec.authentication.aws.backendMode', message: 'names no backend', fix: expect.stringContaining('CRD,MountedFile') });
    const unread = problems({ authentication: { aws: { backendMode: 'EKSConfigMap', identityMappings: [ADMIN] } } });
    expect(unread).toEqual([{ path: 'spec.authentication.aws.identityMappings', value: [ADMIN.arn], message: expect.stringContaining('are not read by backendMode EKSConfigMap'), fix: expect.stringContaining('kube-system/aws-auth') }]);
    expect(lines({ authentication: { aws: { identityMappings: [ADMIN, ALICE, { ...ADMIN, username: 'other' }] } } })).toEqual(['spec.authentication.aws.identityMappings[2].arn: is mapped already by identityMappings[0]']);
  });

  it('is refused off aws at its field, by the cloud\'s rules, with the fix, and none of its own rules said besides', () => {
    const aws = { backendMode: 'CRD,ConfigMap', identityMappings: [ADMIN] };
    const refusal = { path: 'spec.authentication.aws', value: aws, message: expect.stringMatching(/^is not read on (gce|local): aws-iam-authenticator checks users' tokens with another cloud's STS and IAM, and its image is in that cloud's registry/), fix: expect.stringContaining('remove spec.authentication.aws') };
    expect(onGce({ authentication: { aws } }).filter((p) => p.path.startsWith('spec.authentication'))).toEqual([refusal]);
    expect(onLocal({ authentication: { aws } })).toEqual([refusal]);
    expect(onLocal({ authentication: { aws: {} } })).toEqual([{ ...refusal, value: {} }]);
  });

  it('refuses an ARN that is not an IAM role or user, in the schema, at its field', () => {
    const text = `apiVersion: hoist.dev/v1alpha1\nkind: Cluster\nmetadata: {name: ${CLUSTER_NAME}}\nspec: {cloudProvider: aws, kubernetesVersion: 1.34.0, subnets: [], authentication: {aws: {identityMappings: [{arn: "arn:aws:s3:::bucket", username: x}]}}}\n`;
    expect(() => parseSpecText(text, 'c.yaml', SPEC_RULES)).toThrow(/spec\.authentication\.aws\.identityMappings\[0\]\.arn .*"arn:aws:s3:::bucket" has the wrong form \(e\.g\. "arn:aws:iam::123456789012:role\/KubernetesAdmin"\)/);
  });
});

describe('the kops import', () => {
  it('keeps podIdentityWebhook and authentication.aws, dropping only the authenticator\'s image and resources, with the reason', () => {
    const kops = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: webhooks.example.com
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.0
  subnets:
  - {name: us-east-1a, zone: us-east-1a, type: Public}
  podIdentityWebhook: {enabled: true, replicas: 3}
  authentication:
    aws:
      backendMode: CRD
      clusterID: webhooks
      image: example/aws-iam-authenticator:v1
      memoryRequest: 30Mi
      identityMappings:
      - {arn: "arn:aws:iam::123456789012:role/KubernetesAdmin", username: admin, groups: [system:masters]}
`;
    const [doc] = parseSpecText(kops, 'kops.yaml', SPEC_RULES);
    const spec = doc?.object.spec as ClusterSpec;
    expect(spec.podIdentityWebhook).toEqual({ enabled: true, replicas: 3 });
    expect(spec.authentication?.aws).toEqual({ backendMode: 'CRD', clusterID: 'webhooks', identityMappings: [{ arn: 'arn:aws:iam::123456789012:role/KubernetesAdmin', username: 'admin', groups: ['system:masters'] }] });
    const dropped = doc?.converted?.dropped ?? [];
    expect(dropped.map((d) => d.path)).toEqual(['spec.authentication.aws.image', 'spec.authentication.aws.memoryRequest']);
    expect(dropped[0]?.reason).toContain('pins aws-iam-authenticator');
  });
});

describe('nodeup on the control plane', () => {
  // The model reads only names and fingerprints to plan: no key is needed.
  const pki: NodePki = {
    trusted: () => ({ bundle: '', primaryFingerprint: 'sha256:0', certificates: [] }),
    keypair: () => ({ privateKey: '', fingerprint: 'sha256:0' }),
    token: () => ({ token: '', fingerprint: 'sha256:0' }),
    secret: () => ({ content: '', sha256: '' }),
    issue: () => Promise.reject(new Error('not issued in a pure test')),
  };
  const igs = [...groups(), group('apiserver', { role: 'APIServer' })];
  const modelOf = (extra: Partial<ClusterSpec>, role: 'ControlPlane' | 'APIServer' = 'ControlPlane') => {
    const completed = completeSpec(cluster(extra), igs);
    expect(validate(completed.cluster, completed.instanceGroups)).toEqual([]);
    const file = [...buildNodeupConfigs(completed, { stateStore: 'file:///state', assets: [] }).values()].find((f) => f.config.role === role)!;
    return { config: file.config, model: buildNodeModel({ config: file.config, node: { instanceId: 'i-1', address: '172.20.32.10', nodeName: 'i-1' }, pki }) };
  };
  const task = (m: ReturnType<typeof modelOf>['model'], kind: string, name: string) => m.tasks.find((t) => t.kind === kind && t.name === name);
  const apiServerPod = (m: ReturnType<typeof modelOf>['model']) => parse(String(task(m, 'File', '/etc/kubernetes/manifests/kube-apiserver.yaml')!.desired['content'])) as {
    spec: { containers: { command: string[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes: { name: string; hostPath: { path: string } }[] };
  };

  it('issues the pod identity webhook\'s serving certificate from the cluster CA for its Service\'s names, on ControlPlane machines only', () => {
    const { config, model } = modelOf({ ...IRSA, podIdentityWebhook: { enabled: true } });
    expect(config.controlPlane?.podIdentityWebhook).toBe(true);
    expect(task(model, 'Certificate', 'pod-identity-webhook')?.desired).toMatchObject({
      signer: 'kubernetes-ca',
      commonName: 'pod-identity-webhook.kube-system.svc',
      dnsNames: ['pod-identity-webhook', 'pod-identity-webhook.kube-system', 'pod-identity-webhook.kube-system.svc', 'pod-identity-webhook.kube-system.svc.cluster.local'],
      usage: 'server',
      certificate: '/srv/kubernetes/pod-identity-webhook/tls.crt',
      key: '/srv/kubernetes/pod-identity-webhook/tls.key',
    });
    expect(apiServerPod(model).spec.containers[0]!.command.some((f) => f.startsWith('--authentication-token-webhook'))).toBe(false);
    // spec.clusterDNSDomain names the Service's full name.
    const other = modelOf({ ...IRSA, podIdentityWebhook: { enabled: true }, clusterDNSDomain: 'k8s.internal' }).model;
    expect(task(other, 'Certificate', 'pod-identity-webhook')?.desired['dnsNames']).toContain('pod-identity-webhook.kube-system.svc.k8s.internal');
    expect(task(other, 'Certificate', 'pod-identity-webhook')?.desired['dnsNames']).not.toContain('pod-identity-webhook.kube-system.svc.cluster.local');
    expect(task(modelOf({ ...IRSA, podIdentityWebhook: { enabled: true } }, 'APIServer').model, 'Certificate', 'pod-identity-webhook')).toBeUndefined();
  });

  it('gives every API server aws-iam-authenticator\'s certificate, the webhook kubeconfig, its flag and its mount', () => {
    for (const role of ['ControlPlane', 'APIServer'] as const) {
      const { config, model } = modelOf({ authentication: { aws: { identityMappings: [ADMIN] } } }, role);
      expect(config.controlPlane?.apiServer.awsIamAuthenticator).toBe(true);
      expect(task(model, 'Certificate', 'aws-iam-authenticator')?.desired).toMatchObject({ signer: 'kubernetes-ca', commonName: 'aws-iam-authenticator', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], usage: 'server', certificate: '/srv/kubernetes/aws-iam-authenticator/cert.pem', key: '/srv/kubernetes/aws-iam-authenticator/key.pem' });
      const kubeconfig = parse(String(task(model, 'File', '/etc/kubernetes/authn.config')!.desired['content'])) as { clusters: { cluster: Record<string, string> }[] };
      expect(kubeconfig.clusters[0]?.cluster).toEqual({ 'certificate-authority': '/etc/kubernetes/pki/kubernetes-ca.crt', server: 'https://127.0.0.1:21362/authenticate' });
      const pod = apiServerPod(model).spec;
      expect(pod.containers[0]!.command).toContain('--authentication-token-webhook-config-file=/etc/kubernetes/authn.config');
      expect(pod.containers[0]!.volumeMounts).toContainEqual({ name: 'authnconfig', mountPath: '/etc/kubernetes/authn.config', readOnly: true });
      expect(pod.volumes).toContainEqual({ name: 'authnconfig', hostPath: { path: '/etc/kubernetes/authn.config' } });
    }
  });

  it('leaves a cluster without them as it was: no key in nodeup.yaml, no certificate, no flag', () => {
    const { config, model } = modelOf({});
    expect(JSON.stringify(config)).not.toMatch(/podIdentityWebhook|awsIamAuthenticator/);
    expect(model.tasks.filter((t) => /pod-identity-webhook|aws-iam-authenticator|authn\.config/.test(t.name))).toEqual([]);
  });
});
