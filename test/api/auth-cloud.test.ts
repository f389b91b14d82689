/**
 * spec.authentication, spec.cloudConfig and the KubeSchedulerConfiguration additional object:
 * their rules (each problem at its field with the bad value and a fix), their defaults (one
 * place each) and the kops import, which keeps them and drops, with the reason, what hoist lacks.
 */

import { describe, expect, it } from 'vitest';
import { cloudConfigSettings, oidcSettings, parseSpecText } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { cluster, groups, validate } from './fixtures.js';

const problems = (spec: Partial<ClusterSpec>) => validate(cluster(spec), groups());
const OIDC = { issuerURL: 'https://accounts.example.com', clientID: 'kubernetes' };

describe('spec.authentication.oidc', () => {
  it('accepts an issuer and a client ID, with every other setting', () => {
    expect(problems({ authentication: { oidc: { ...OIDC, usernameClaim: 'email', usernamePrefix: 'oidc:', groupsClaims: ['groups'], groupsPrefix: 'oidc:', requiredClaims: { hd: 'example.com' } } } })).toEqual([]);
  });

  it('needs an https issuer without query and a client ID, said at their fields', () => {
    const found = problems({ authentication: { oidc: { issuerURL: 'http://accounts.example.com', usernameClaim: 'email' } } });
    expect(found.map((p) => p.path)).toEqual(['spec.authentication.oidc.issuerURL', 'spec.authentication.oidc.clientID']);
    expect(found[0]).toMatchObject({ value: 'http://accounts.example.com', message: expect.stringContaining('https') });
    expect(found[1]?.fix).toContain('kubernetes');
    expect(problems({ authentication: { oidc: { ...OIDC, issuerURL: 'accounts.example.com' } } })[0]?.message).toBe('is not a URL');
    expect(problems({ authentication: { oidc: { ...OIDC, issuerURL: 'https://a.example.com/?x=1' } } })[0]?.path).toBe('spec.authentication.oidc.issuerURL');
  });

  it('refuses more than one groups claim, and a required claim named with "="', () => {
    const found = problems({ authentication: { oidc: { ...OIDC, groupsClaims: ['groups', 'roles'], requiredClaims: { 'a=b': 'c' } } } });
    expect(found.map((p) => p.path)).toEqual(['spec.authentication.oidc.groupsClaims', 'spec.authentication.oidc.requiredClaims["a=b"]']);
    expect(found[0]?.fix).toBe('keep one, e.g. [groups]');
  });

  it('refuses kubeAPIServer\'s oidc fields beside it, at each, with where to move it', () => {
    const found = problems({ authentication: { oidc: OIDC }, kubeAPIServer: { oidcIssuerURL: 'https://other.example.com', oidcGroupsClaim: 'groups' } });
    expect(found.map((p) => p.path)).toEqual(['spec.kubeAPIServer.oidcIssuerURL', 'spec.kubeAPIServer.oidcGroupsClaim']);
    expect(found[1]?.fix).toBe('keep one place: move it to spec.authentication.oidc.groupsClaims (a list)');
  });

  it('checks kubeAPIServer\'s oidc fields alone the same way, and reads either place', () => {
    expect(problems({ kubeAPIServer: { oidcClientID: 'kubernetes' } }).map((p) => p.path)).toEqual(['spec.kubeAPIServer.oidcIssuerURL']);
    expect(oidcSettings({ kubeAPIServer: { oidcIssuerURL: OIDC.issuerURL, oidcClientID: 'k', oidcGroupsClaim: 'g' } })).toEqual({ issuerURL: OIDC.issuerURL, clientID: 'k', groupsClaim: 'g' });
    expect(oidcSettings({ authentication: { oidc: { ...OIDC, groupsClaims: ['g'], requiredClaims: {} } } })).toEqual({ ...OIDC, groupsClaim: 'g' });
    expect(oidcSettings({})).toBeUndefined();
  });
});

describe('spec.cloudConfig', () => {
  it('defaults every switch on, in one place', () => {
    expect(cloudConfigSettings({})).toEqual({ manageStorageClasses: true, awsEBSCSIDriver: true, gcpPDCSIDriver: true });
    expect(cloudConfigSettings({ cloudConfig: { manageStorageClasses: false, awsEBSCSIDriver: { enabled: false } } })).toEqual({ manageStorageClasses: false, awsEBSCSIDriver: false, gcpPDCSIDriver: true });
    expect(problems({ cloudConfig: { manageStorageClasses: false, awsEBSCSIDriver: { enabled: false } } })).toEqual([]);
  });

  it('refuses a CSI driver switch of another cloud, at its field', () => {
    const found = problems({ cloudConfig: { gcpPDCSIDriver: { enabled: false } } });
    expect(found).toEqual([{ path: 'spec.cloudConfig.gcpPDCSIDriver', value: { enabled: false }, message: 'is read on gce only, and spec.cloudProvider is aws', fix: expect.stringContaining('remove it') }]);
  });
});

describe('a KubeSchedulerConfiguration additional object', () => {
  const object = { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration', profiles: [{ schedulerName: 'default-scheduler' }] };

  it('is accepted in v1, once', () => {
    expect(problems({ additionalObjects: [object] })).toEqual([]);
    const found = problems({ additionalObjects: [object, { ...object, apiVersion: 'kubescheduler.config.k8s.io/v1beta3' }, object] });
    expect(found.map((p) => p.path)).toEqual(['spec.additionalObjects[1].apiVersion', 'spec.additionalObjects[2].kind']);
    expect(found[0]?.fix).toContain('kubescheduler.config.k8s.io/v1');
    expect(problems({ additionalObjects: [{ ...object, profiles: 'x' }] }).map((p) => p.path)).toEqual(['spec.additionalObjects[0].profiles']);
  });
});

describe('the kops import', () => {
  const kops = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: auth.example.com
spec:
  cloudProvider: aws
  kubernetesVersion: 1.34.0
  dnsZone: example.com
  subnets:
  - {name: us-east-1a, zone: us-east-1a, type: Public}
  authentication:
    oidc: {issuerURL: "https://accounts.example.com", clientID: kubernetes, usernamePrefix: "oidc:", groupsClaims: [groups], requiredClaims: {hd: example.com}}
    aws: {backendMode: CRD, image: example/aws-iam-authenticator:v1}
  cloudConfig:
    manageStorageClasses: false
    awsEBSCSIDriver: {enabled: false, version: v1.38.1}
    nodeTags: team=a
`;

  it('keeps authentication.oidc, authentication.aws and cloudConfig\'s switches, and drops the rest with the reason', () => {
    const [doc] = parseSpecText(kops, 'kops.yaml', SPEC_RULES);
    const spec = doc?.object.spec as ClusterSpec;
    expect(spec.authentication).toEqual({ oidc: { issuerURL: 'https://accounts.example.com', clientID: 'kubernetes', usernamePrefix: 'oidc:', groupsClaims: ['groups'], requiredClaims: { hd: 'example.com' } }, aws: { backendMode: 'CRD' } });
    expect(spec.cloudConfig).toEqual({ manageStorageClasses: false, awsEBSCSIDriver: { enabled: false } });
    const dropped = Object.fromEntries((doc?.converted?.dropped ?? []).map((d) => [d.path, d.reason]));
    expect(Object.keys(dropped).sort()).toEqual(['spec.authentication.aws.image', 'spec.cloudConfig.awsEBSCSIDriver.version', 'spec.cloudConfig.nodeTags']);
    expect(dropped['spec.authentication.aws.image']).toContain('pins aws-iam-authenticator');
    expect(dropped['spec.cloudConfig.awsEBSCSIDriver.version']).toContain('pins the EBS CSI driver');
  });

  it('moves kubeAPIServer\'s oidc fields to authentication.oidc when they hold one hoist\'s kubeAPIServer lacks', () => {
    const older = kops.replace(/ {2}authentication:\n(.*\n){2}/, '').replace('  cloudConfig:', `  kubeAPIServer:
    oidcIssuerURL: https://accounts.example.com
    oidcClientID: kubernetes
    oidcGroupsClaim: groups
    oidcGroupsPrefix: "oidc:"
    oidcRequiredClaim: [hd=example.com, broken]
    oidcCAFile: /srv/ca.pem
  cloudConfig:`);
    const [doc] = parseSpecText(older, 'kops.yaml', SPEC_RULES);
    const spec = doc?.object.spec as ClusterSpec;
    expect(spec.authentication).toEqual({ oidc: { issuerURL: 'https://accounts.example.com', clientID: 'kubernetes', groupsClaims: ['groups'], groupsPrefix: 'oidc:', requiredClaims: { hd: 'example.com' } } });
    expect(spec.kubeAPIServer).toEqual({});
    const dropped = (doc?.converted?.dropped ?? []).filter((d) => d.path.startsWith('spec.kubeAPIServer'));
    expect(dropped.map((d) => [d.path, d.value])).toEqual([['spec.kubeAPIServer.oidcRequiredClaim', 'broken'], ['spec.kubeAPIServer.oidcCAFile', '/srv/ca.pem']]);
    expect(dropped[1]?.reason).toContain('system\'s CAs');
    // Only the four hoist's kubeAPIServer has: they stay where they are.
    const four = parseSpecText(older.replace(/ {4}oidc(GroupsPrefix|RequiredClaim|CAFile):.*\n/g, ''), 'kops.yaml', SPEC_RULES)[0]?.object.spec as ClusterSpec;
    expect(four.kubeAPIServer).toEqual({ oidcIssuerURL: 'https://accounts.example.com', oidcClientID: 'kubernetes', oidcGroupsClaim: 'groups' });
    expect(four.authentication).toBeUndefined();
  });
});
