/**
 * The API server's OpenID Connect rules, one set for both places a spec may hold the settings
 * (kubeAPIServer's oidc fields and spec.authentication.oidc): each problem at the field the
 * user wrote, with the bad value and a fix; and, for any settings the older fields can hold,
 * the same problems in either place.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../../src/api/index.js';
import type { ClusterSpec } from '../../src/api/index.js';
import { ValidationError } from '../../src/errors.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { cluster, groups, validate } from './fixtures.js';

const problems = (spec: Partial<ClusterSpec>) => validate(cluster(spec), groups()).filter((p) => /oidc/i.test(p.path));
const api = (fields: NonNullable<ClusterSpec['kubeAPIServer']>) => problems({ kubeAPIServer: fields });
const ISSUER = 'https://accounts.example.com';

describe("kubeAPIServer's oidc fields", () => {
  it('are accepted with an https issuer and a client ID', () => {
    expect(api({ oidcIssuerURL: ISSUER, oidcClientID: 'kubernetes', oidcUsernameClaim: 'email', oidcGroupsClaim: 'groups' })).toEqual([]);
    expect(api({ oidcIssuerURL: `${ISSUER}/realms/k8s`, oidcClientID: 'kubernetes' })).toEqual([]);
  });

  it('need the issuer and the client ID together, once any of them is set', () => {
    expect(api({ oidcIssuerURL: ISSUER }).map((p) => `${p.path}: ${p.message}`)).toEqual(['spec.kubeAPIServer.oidcClientID: is required with the other OpenID Connect settings']);
    expect(api({ oidcClientID: 'kubernetes' }).map((p) => p.path)).toEqual(['spec.kubeAPIServer.oidcIssuerURL']);
    const alone = api({ oidcGroupsClaim: 'groups' });
    expect(alone.map((p) => p.path)).toEqual(['spec.kubeAPIServer.oidcIssuerURL', 'spec.kubeAPIServer.oidcClientID']);
    expect(alone.every((p) => (p.fix ?? '').includes('e.g.'))).toBe(true);
    expect(api({ oidcIssuerURL: ISSUER, oidcClientID: ' ' })[0]).toMatchObject({ path: 'spec.kubeAPIServer.oidcClientID', value: ' ' });
  });

  it('refuse an issuer the API server refuses: not https, with a user, a query or a fragment', () => {
    const issuer = (url: string) => api({ oidcIssuerURL: url, oidcClientID: 'kubernetes' })[0];
    expect(issuer('http://accounts.example.com')).toMatchObject({ path: 'spec.kubeAPIServer.oidcIssuerURL', value: 'http://accounts.example.com', message: expect.stringContaining('https') });
    expect(issuer('https://admin:secret@accounts.example.com')?.message).toBe('has a user name or password, which an issuer URL cannot have');
    expect(issuer(`${ISSUER}/?tenant=1`)?.message).toBe('has a query or fragment, which an issuer URL cannot have');
    expect(issuer(`${ISSUER}#x`)?.message).toBe('has a query or fragment, which an issuer URL cannot have');
    expect(issuer('accounts.example.com')).toMatchObject({ message: 'is not a URL', fix: expect.stringContaining('https://accounts.example.com') });
    expect(issuer('')).toMatchObject({ path: 'spec.kubeAPIServer.oidcIssuerURL', message: 'is required with the other OpenID Connect settings' });
  });

  it('refuse an empty claim at its field', () => {
    const found = api({ oidcIssuerURL: ISSUER, oidcClientID: 'kubernetes', oidcUsernameClaim: '', oidcGroupsClaim: ' ' });
    expect(found.map((p) => `${p.path}=${JSON.stringify(p.value)}: ${p.message}`)).toEqual([
      'spec.kubeAPIServer.oidcUsernameClaim="": is empty: the API server needs a claim to name the user',
      'spec.kubeAPIServer.oidcGroupsClaim=" ": is empty',
    ]);
  });
});

describe("kops's kubeAPIServer oidc fields that hoist's kubeAPIServer lacks", () => {
  it('are refused with where authentication.oidc holds them, not with a near name', () => {
    const spec = { kubernetesVersion: '1.34.0', cloudProvider: 'local', subnets: [{ name: 'local-a', type: 'Public' }], kubeAPIServer: { oidcIssuerURL: ISSUER, oidcClientID: 'kubernetes', oidcUsernamePrefix: 'oidc:', oidcRequiredClaim: ['hd=example.com'], oidcCAFile: '/ca.pem' } };
    const text = JSON.stringify({ apiVersion: 'hoist.dev/v1alpha1', kind: 'Cluster', metadata: { name: 'demo.k8s.local' }, spec });
    let refused: unknown;
    try {
      parseSpecText(text, 'cluster.yaml', SPEC_RULES);
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(ValidationError);
    const fixes = new Map((refused as ValidationError).problems.map((p) => [p.path, p.fix ?? '']));
    expect(fixes.get('spec.kubeAPIServer.oidcUsernamePrefix')).toMatch(/^hoist keeps it in spec\.authentication\.oidc\.usernamePrefix: move it there/);
    expect(fixes.get('spec.kubeAPIServer.oidcRequiredClaim')).toContain('spec.authentication.oidc.requiredClaims (a map, claim: value)');
    // A field hoist has nowhere: the usual fix.
    expect(fixes.get('spec.kubeAPIServer.oidcCAFile')).not.toContain('authentication.oidc');
  });
});

describe('spec.authentication.oidc', () => {
  it('refuses a groups prefix without a groups claim, and empty claims, at their fields', () => {
    const found = problems({ authentication: { oidc: { issuerURL: ISSUER, clientID: 'kubernetes', usernameClaim: '', groupsPrefix: 'oidc:' } } });
    expect(found.map((p) => p.path)).toEqual(['spec.authentication.oidc.usernameClaim', 'spec.authentication.oidc.groupsPrefix']);
    expect(found[1]?.fix).toContain('groupsClaims: [groups]');
    expect(problems({ authentication: { oidc: { issuerURL: ISSUER, clientID: 'kubernetes', groupsClaims: [''], groupsPrefix: 'oidc:' } } }).map((p) => p.path)).toEqual(['spec.authentication.oidc.groupsClaims[0]']);
    expect(problems({ authentication: { oidc: { issuerURL: 'https://u@accounts.example.com', clientID: 'kubernetes' } } })[0]?.path).toBe('spec.authentication.oidc.issuerURL');
  });

  it('holds the same rules as kubeAPIServer\'s fields, for any settings both can hold', () => {
    const text = fc.oneof(fc.constant(undefined), fc.constantFrom('', ' ', 'groups', 'email', ISSUER, 'http://a.example.com', `${ISSUER}?q`, 'https://u:p@a.example.com', 'not a url'));
    fc.assert(
      fc.property(text, text, text, text, (issuerURL, clientID, usernameClaim, groupsClaim) => {
        const older = api({ oidcIssuerURL: issuerURL, oidcClientID: clientID, oidcUsernameClaim: usernameClaim, oidcGroupsClaim: groupsClaim });
        const oidc = Object.fromEntries(Object.entries({ issuerURL, clientID, usernameClaim, groupsClaims: groupsClaim === undefined ? undefined : [groupsClaim] }).filter(([, v]) => v !== undefined));
        const newer = Object.keys(oidc).length === 0 ? [] : problems({ authentication: { oidc } });
        const field = (path: string) => ({
          'spec.kubeAPIServer.oidcIssuerURL': 'issuerURL',
          'spec.kubeAPIServer.oidcClientID': 'clientID',
          'spec.kubeAPIServer.oidcUsernameClaim': 'usernameClaim',
          'spec.kubeAPIServer.oidcGroupsClaim': 'groupsClaims[0]',
        })[path] ?? path.replace('spec.authentication.oidc.', '');
        expect(older.map((p) => [field(p.path), p.value, p.message])).toEqual(newer.map((p) => [field(p.path), p.value, p.message]));
      }),
      { numRuns: 300 },
    );
  });
});
