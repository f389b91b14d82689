/**
 * The pod identity webhook and aws-iam-authenticator addons as rendered from a spec: their
 * objects, pinned images, the webhook configuration's caBundle (the cluster CA's trust bundle
 * from the state store, made by the plan when the cluster has none yet, and following a CA
 * rotation), the authenticator's identity mappings in the mounted file and as IAMIdentityMapping
 * objects, and a cluster without them whose plan reads no keyset. A store in memory; no cloud.
 */

import { beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, CompletedSpec } from '../../src/api/index.js';
import { builtinAddons, renderBuiltin } from '../../cloudup/addons/render.js';
import { addonImages } from '../../cloudup/addons/images.js';
import { serviceAccountRoleName } from '../../cloudup/aws/names.js';
import { planAddons } from '../../cloudup/addons/plan.js';
import type { KubeObject } from '../../cloudup/addons/types.js';
import { cloudAddonsOf, SPEC_RULES } from '../../cloudup/providers.js';
import type { CloudAddons } from '../../cloudup/addons/types.js';
import { MemfsStore } from '../../state-store/backends/memfs.js';
import { readKeyset } from '../../src/pki/store.js';
import { trustBundle } from '../../src/pki/keyset.js';
import { addKeysetItem } from '../../src/pki/rotate.js';
import { recorder } from '../../src/output/events.js';

const NAME = 'webhooks.example.com';
const IRSA: Partial<ClusterSpec> = { serviceAccountIssuerDiscovery: { discoveryStore: 's3://example-oidc', enableAWSOIDCProvider: true } };
const ADMIN = { arn: 'arn:aws:iam::123456789012:role/KubernetesAdmin', username: 'admin:{{SessionName}}', groups: ['system:masters'] };
const ALICE = { arn: 'arn:aws:iam::123456789012:user/alice', username: 'alice' };

function spec(extra: Partial<{ -readonly [K in keyof ClusterSpec]: ClusterSpec[K] }>): CompletedSpec {
  const made = newClusterSpec({ name: NAME, cloud: 'aws', zones: ['us-east-1a'], kubernetesVersion: '1.34.0' }, SPEC_RULES);
  const cluster: Cluster = { ...made.cluster, spec: { ...made.cluster.spec, ...extra } };
  return completeSpec(cluster, made.instanceGroups);
}

let aws: CloudAddons;
beforeAll(async () => {
  aws = await cloudAddonsOf('aws');
});
const addon = (c: CompletedSpec, name: string, clusterCA?: string) => builtinAddons(c, aws, clusterCA === undefined ? {} : { clusterCA }).find((a) => a.name === name);
const objectOf = (objects: readonly KubeObject[] | undefined, kind: string, name?: string) => objects?.find((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const podOf = (o: KubeObject | undefined) => (o?.['spec'] as { template: { spec: Record<string, unknown> & { containers: { image: string; command?: string[]; args?: string[] }[]; volumes: unknown[] } } }).template.spec;

describe('the pod identity webhook addon', () => {
  const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('comes after the cloud\'s addons when enabled, and not otherwise', () => {
    const names = (c: CompletedSpec) => builtinAddons(c, aws).map((a) => a.name);
    expect(names(spec({ ...IRSA, podIdentityWebhook: { enabled: true } }))).toEqual(['core', 'flannel', 'coredns', 'aws-cloud-controller-manager', 'aws-ebs-csi-driver', 'pod-identity-webhook']);
    expect(names(spec({ ...IRSA, podIdentityWebhook: { enabled: false } }))).not.toContain('pod-identity-webhook');
  });

  it('runs the pinned image on the control plane with the certificate nodeup issued, and names the cluster CA as the webhook\'s caBundle', () => {
    const a = addon(spec({ ...IRSA, podIdentityWebhook: { enabled: true, replicas: 3 } }), 'pod-identity-webhook', CA)!;
    expect(a.version).toBe('0.5.7');
    expect(a.health).toEqual([{ kind: 'Deployment', namespace: 'kube-system', name: 'pod-identity-webhook' }]);
    expect(a.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ServiceAccount/pod-identity-webhook', 'ClusterRole/pod-identity-webhook', 'ClusterRoleBinding/pod-identity-webhook',
      'Role/pod-identity-webhook', 'RoleBinding/pod-identity-webhook', 'ConfigMap/pod-identity-webhook', 'Service/pod-identity-webhook',
      'Deployment/pod-identity-webhook', 'PodDisruptionBudget/pod-identity-webhook', 'MutatingWebhookConfiguration/pod-identity-webhook',
    ]);
    const deployment = objectOf(a.objects, 'Deployment');
    expect((deployment?.['spec'] as { replicas: number }).replicas).toBe(3);
    const pod = podOf(deployment);
    expect(pod['nodeSelector']).toEqual({ 'node-role.kubernetes.io/control-plane': '' });
    expect(pod.containers[0]?.image).toBe('docker.io/amazon/amazon-eks-pod-identity-webhook:v0.5.7');
    expect(pod.containers[0]?.command).toEqual(expect.arrayContaining(['--token-audience=amazonaws.com', '--annotation-prefix=eks.amazonaws.com', '--aws-default-region=us-east-1', '--tls-cert=/etc/webhook/certs/tls.crt', '--watch-config-map', '--namespace=kube-system']));
    expect(pod.volumes).toEqual([{ name: 'cert', hostPath: { path: '/srv/kubernetes/pod-identity-webhook', type: 'Directory' } }]);
    const hook = (objectOf(a.objects, 'MutatingWebhookConfiguration')?.['webhooks'] as { clientConfig: { caBundle: string; service: unknown }; failurePolicy: string; rules: unknown[] }[])[0]!;
    expect(Buffer.from(hook.clientConfig.caBundle, 'base64').toString('utf8')).toBe(CA);
    expect(hook.clientConfig.service).toEqual({ name: 'pod-identity-webhook', namespace: 'kube-system', path: '/mutate', port: 443 });
    expect(hook.failurePolicy).toBe('Ignore');
    expect(hook.rules).toEqual([{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }]);
    const mirrored = addon(spec({ ...IRSA, podIdentityWebhook: { enabled: true }, assets: { containerRegistry: 'mirror.example.com' } }), 'pod-identity-webhook', CA)!;
    expect(podOf(objectOf(mirrored.objects, 'Deployment')).containers[0]?.image).toBe('mirror.example.com/amazon/amazon-eks-pod-identity-webhook:v0.5.7');
  });

  it('maps each service account of iam.serviceAccountExternalPermissions to its role\'s ARN in the ConfigMap the webhook watches, and may read that ConfigMap', () => {
    const account = { id: '123456789012', partition: 'aws' };
    const permissions = [
      { name: 's3-reader', namespace: 'apps', aws: { policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } },
      { name: 'dns', namespace: 'kube-system', aws: { inlinePolicy: '[{"Effect":"Allow","Action":["route53:*"],"Resource":["*"]}]' } },
    ];
    const c = spec({ ...IRSA, podIdentityWebhook: { enabled: true }, iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: permissions } });
    const a = builtinAddons(c, aws, { clusterCA: CA, account }).find((x) => x.name === 'pod-identity-webhook')!;
    const cm = objectOf(a.objects, 'ConfigMap', 'pod-identity-webhook')!;
    expect(cm.metadata.namespace).toBe('kube-system');
    const data = cm['data'] as Record<string, string>;
    expect(Object.keys(data)).toEqual(['config']);
    const config = JSON.parse(data['config']!) as Record<string, unknown>;
    expect(Object.keys(config)).toEqual(['apps/s3-reader', 'kube-system/dns']);
    expect(config['apps/s3-reader']).toEqual({ RoleARN: `arn:aws:iam::123456789012:role/hoist/${NAME}/s3-reader.apps.sa.${NAME}`, Audience: 'amazonaws.com', UseRegionalSTS: true, TokenExpiration: 86400 });
    expect(config['kube-system/dns']).toMatchObject({ RoleARN: `arn:aws:iam::123456789012:role/hoist/${NAME}/${serviceAccountRoleName({ name: 'dns', namespace: 'kube-system' }, NAME)}` });
    // In another partition the ARN names it.
    const china = builtinAddons(c, aws, { clusterCA: CA, account: { id: '123456789012', partition: 'aws-cn' } }).find((x) => x.name === 'pod-identity-webhook')!;
    expect((JSON.parse((objectOf(china.objects, 'ConfigMap')!['data'] as Record<string, string>)['config']!) as Record<string, { RoleARN: string }>)['apps/s3-reader']?.RoleARN).toMatch(/^arn:aws-cn:iam::123456789012:role\/hoist\//);
    // The informer lists and watches the ConfigMaps of the webhook's namespace, and nothing more.
    expect(objectOf(a.objects, 'Role')).toMatchObject({ metadata: { namespace: 'kube-system' }, rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }] });
    expect(objectOf(a.objects, 'RoleBinding')).toMatchObject({ metadata: { namespace: 'kube-system' }, roleRef: { kind: 'Role', name: 'pod-identity-webhook' }, subjects: [{ kind: 'ServiceAccount', name: 'pod-identity-webhook', namespace: 'kube-system' }] });
  });

  it('changes its manifest when the list changes, not when it is reordered; maps nothing (and reads no account) without the list', async () => {
    const account = { id: '123456789012', partition: 'aws' };
    const READER = { name: 's3-reader', namespace: 'apps', aws: { policyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'] } };
    const WRITER = { name: 's3-writer', namespace: 'apps' };
    const withList = (list: readonly (typeof READER | typeof WRITER)[]) => spec({ ...IRSA, podIdentityWebhook: { enabled: true }, iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: list } });
    const sha = (c: CompletedSpec) => renderBuiltin(builtinAddons(c, aws, { clusterCA: CA, account }).find((x) => x.name === 'pod-identity-webhook')!).entry.sha256;
    const one = sha(withList([READER]));
    expect(sha(withList([READER, WRITER]))).not.toBe(one);
    expect(sha(withList([READER, WRITER]))).toBe(sha(withList([WRITER, READER])));
    expect(sha(withList([READER]))).toBe(one);
    // The version stays the image's: the hash says the manifest changed.
    expect(builtinAddons(withList([READER, WRITER]), aws, { clusterCA: CA, account }).find((x) => x.name === 'pod-identity-webhook')!.version).toBe('0.5.7');

    const none = withList([]);
    expect(await aws.account!(none, {})).toBeUndefined();
    expect(await aws.account!(spec({ ...IRSA, iam: { useServiceAccountExternalPermissions: true, serviceAccountExternalPermissions: [READER] } }), {})).toBeUndefined();
    const empty = builtinAddons(none, aws, { clusterCA: CA }).find((x) => x.name === 'pod-identity-webhook')!;
    expect(objectOf(empty.objects, 'ConfigMap')!['data']).toEqual({ config: '{}' });
    // A mapping rendered without the account would name no role: that is a bug, not a broken ARN.
    expect(() => builtinAddons(withList([READER]), aws, { clusterCA: CA })).toThrow(/without the AWS account/);
    // The images of such a cluster are listed without the account.
    const images = await addonImages(withList([READER]));
    expect(images.map((i) => i.reference)).toContain('docker.io/amazon/amazon-eks-pod-identity-webhook:v0.5.7');
  });

  it('takes the caBundle from the store\'s kubernetes-ca, made by the first plan, the same on the next, and follows a rotation', async () => {
    const store = new MemfsStore('webhooks-rotation');
    const c = spec({ ...IRSA, podIdentityWebhook: { enabled: true } });
    const caBundleOf = async () => {
      const planned = await planAddons(store, c, { env: {}, events: log.sink });
      const manifest = planned.rendered.find((r) => r.entry.name === 'pod-identity-webhook')!.manifest;
      const hook = parseAllDocuments(manifest).map((d) => d.toJS() as KubeObject).find((o) => o.kind === 'MutatingWebhookConfiguration')!;
      return { sha: planned.rendered.find((r) => r.entry.name === 'pod-identity-webhook')!.entry.sha256, bundle: Buffer.from((hook['webhooks'] as { clientConfig: { caBundle: string } }[])[0]!.clientConfig.caBundle, 'base64').toString('utf8') };
    };
    const log = recorder();
    const first = await caBundleOf();
    const stored = await readKeyset(store, NAME, 'kubernetes-ca', { private: false });
    expect(first.bundle).toBe(trustBundle(stored!));
    expect(first.bundle).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(log.events.map((e) => e.code)).toContain('pki.created');
    expect(await caBundleOf()).toEqual(first);
    await addKeysetItem(store, NAME, 'kubernetes-ca');
    const rotated = await caBundleOf();
    expect(rotated.sha).not.toBe(first.sha);
    expect(rotated.bundle.startsWith(first.bundle)).toBe(true);
    expect(rotated.bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('makes no keyset for a cluster without it', async () => {
    const store = new MemfsStore('webhooks-none');
    await planAddons(store, spec({ authentication: { aws: {} } }), { env: {} });
    expect(await store.list(`${NAME}/`)).toEqual([]);
  });
});

describe('the aws-iam-authenticator addon', () => {
  it('runs the pinned image on every API server machine, on the host network, with nodeup\'s certificate folder and the mounted mappings', () => {
    const a = addon(spec({ authentication: { aws: { identityMappings: [ADMIN, ALICE] } } }), 'aws-iam-authenticator')!;
    expect(a.version).toBe('0.5.9');
    expect(a.health).toEqual([{ kind: 'DaemonSet', namespace: 'kube-system', name: 'aws-iam-authenticator' }]);
    expect(a.objects.map((o) => o.kind)).toEqual(['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'ConfigMap', 'DaemonSet']);
    const pod = podOf(objectOf(a.objects, 'DaemonSet'));
    expect(pod['hostNetwork']).toBe(true);
    expect(JSON.stringify(pod['affinity'])).toContain('node-role.kubernetes.io/api-server');
    expect(pod.containers[0]?.image).toBe('602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-iam-authenticator:v0.5.9');
    expect(pod.containers[0]?.args).toEqual(['server', '--config=/etc/aws-iam-authenticator/config.yaml', `--cluster-id=${NAME}`, '--state-dir=/var/aws-iam-authenticator', '--kubeconfig-pregenerated=true', '--backend-mode=MountedFile']);
    expect(pod.volumes).toContainEqual({ name: 'state', hostPath: { path: '/srv/kubernetes/aws-iam-authenticator', type: 'Directory' } });
    const config = parse((objectOf(a.objects, 'ConfigMap')?.['data'] as Record<string, string>)['config.yaml']!) as unknown;
    expect(config).toEqual({
      clusterID: NAME,
      server: { mapRoles: [{ roleARN: ADMIN.arn, username: ADMIN.username, groups: ['system:masters'] }], mapUsers: [{ userARN: ALICE.arn, username: 'alice' }] },
    });
  });

  it('writes the mappings as IAMIdentityMapping objects with their CRD for backend CRD, named by the ARN', () => {
    const a = addon(spec({ authentication: { aws: { backendMode: 'CRD', clusterID: 'prod', identityMappings: [ADMIN, ALICE] } } }), 'aws-iam-authenticator')!;
    expect(a.objects.map((o) => o.kind)).toEqual(['CustomResourceDefinition', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'DaemonSet', 'IAMIdentityMapping', 'IAMIdentityMapping']);
    expect(podOf(objectOf(a.objects, 'DaemonSet')).containers[0]?.args).toEqual(['server', '--cluster-id=prod', '--state-dir=/var/aws-iam-authenticator', '--kubeconfig-pregenerated=true', '--backend-mode=CRD']);
    const mappings = a.objects.filter((o) => o.kind === 'IAMIdentityMapping');
    expect(mappings.map((m) => m['spec'])).toEqual([{ arn: ADMIN.arn, username: ADMIN.username, groups: ['system:masters'] }, { arn: ALICE.arn, username: 'alice' }]);
    expect(mappings[0]?.metadata.name).toMatch(/^hoist-[0-9a-f]{16}$/);
    const reordered = addon(spec({ authentication: { aws: { backendMode: 'CRD', clusterID: 'prod', identityMappings: [ALICE, ADMIN] } } }), 'aws-iam-authenticator')!;
    expect(reordered.objects.find((o) => o.kind === 'IAMIdentityMapping' && (o['spec'] as { arn: string }).arn === ADMIN.arn)?.metadata.name).toBe(mappings[0]?.metadata.name);
  });
});

describe('the identity webhooks, as addons', () => {
  it.each(['gce', 'local'] as const)('are aws\'s: %s runs neither, and its plan reads no cluster CA for them, even for a spec not validated', async (cloud) => {
    const made = newClusterSpec({ name: NAME, cloud, zones: [cloud === 'gce' ? 'us-central1-a' : 'local-a'], project: 'p', kubernetesVersion: '1.34.0' }, SPEC_RULES);
    const c = completeSpec({ ...made.cluster, spec: { ...made.cluster.spec, ...IRSA, podIdentityWebhook: { enabled: true }, authentication: { aws: { identityMappings: [ADMIN] } } } }, made.instanceGroups);
    const names = builtinAddons(c, await cloudAddonsOf(cloud)).map((a) => a.name);
    expect(names).toContain('coredns');
    expect(names.filter((n) => n === 'pod-identity-webhook' || n === 'aws-iam-authenticator')).toEqual([]);
    const store = new MemfsStore(`webhooks-${cloud}`);
    await planAddons(store, c, { env: {} });
    expect(await store.list(`${NAME}/`)).toEqual([]);
  });
});
