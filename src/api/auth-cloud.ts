/**
 * What `spec.authentication` and `spec.cloudConfig` mean once defaulted, and their rules.
 *
 * Resolved where they are used (as etcdBackupSettings is), not written into the completed spec:
 * the completed spec is stored and hashed into every machine's configuration, which must stay
 * the same for clusters that do not set these fields.
 */

import type { FieldProblem } from '../errors.js';
import type { ClusterSpec } from './schema.js';
import { formatPath } from './paths.js';

/** The API server's OpenID Connect settings, from either place a spec may hold them. */
export interface OidcSettings {
  readonly issuerURL?: string;
  readonly clientID?: string;
  readonly usernameClaim?: string;
  readonly usernamePrefix?: string;
  readonly groupsClaim?: string;
  readonly groupsPrefix?: string;
  readonly requiredClaims?: Readonly<Record<string, string>>;
}

/** kubeAPIServer's older oidc fields, and the authentication.oidc field each is now. */
const API_SERVER_FIELDS = {
  oidcIssuerURL: 'issuerURL',
  oidcClientID: 'clientID',
  oidcUsernameClaim: 'usernameClaim',
  oidcGroupsClaim: 'groupsClaims',
} as const;

/**
 * spec.authentication.oidc (kops's newer place), else the kubeAPIServer oidc fields; undefined
 * when neither sets anything. Validation refuses a spec that uses both places.
 */
export function oidcSettings(spec: Pick<ClusterSpec, 'authentication' | 'kubeAPIServer'>): OidcSettings | undefined {
  const o = spec.authentication?.oidc;
  const a = spec.kubeAPIServer ?? {};
  const settings: OidcSettings = o !== undefined
    ? {
        issuerURL: o.issuerURL,
        clientID: o.clientID,
        usernameClaim: o.usernameClaim,
        usernamePrefix: o.usernamePrefix,
        groupsClaim: o.groupsClaims?.[0],
        groupsPrefix: o.groupsPrefix,
        requiredClaims: o.requiredClaims !== undefined && Object.keys(o.requiredClaims).length > 0 ? o.requiredClaims : undefined,
      }
    : { issuerURL: a.oidcIssuerURL, clientID: a.oidcClientID, usernameClaim: a.oidcUsernameClaim, groupsClaim: a.oidcGroupsClaim };
  const set = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as OidcSettings;
  return Object.keys(set).length > 0 ? set : undefined;
}

/** spec.cloudConfig with kops's defaults: every switch on. */
export interface CloudConfigSettings {
  readonly manageStorageClasses: boolean;
  readonly awsEBSCSIDriver: boolean;
  readonly gcpPDCSIDriver: boolean;
}

export function cloudConfigSettings(spec: Pick<ClusterSpec, 'cloudConfig'>): CloudConfigSettings {
  const c = spec.cloudConfig;
  return {
    manageStorageClasses: c?.manageStorageClasses ?? true,
    awsEBSCSIDriver: c?.awsEBSCSIDriver?.enabled ?? true,
    gcpPDCSIDriver: c?.gcpPDCSIDriver?.enabled ?? true,
  };
}

const at = (...path: (string | number)[]): string => formatPath(['spec', ...path]);

/** Each CSI driver switch and the one cloud whose addons read it (cloudup/<cloud>/addons.ts). */
const DRIVER_CLOUDS = { awsEBSCSIDriver: 'aws', gcpPDCSIDriver: 'gce' } as const;

/** A CSI driver's switch on a cluster of another cloud, which would silently not read it. */
export function cloudConfigProblems(spec: Pick<ClusterSpec, 'cloudConfig' | 'cloudProvider'>): FieldProblem[] {
  return Object.entries(DRIVER_CLOUDS).flatMap(([field, cloud]) => {
    const value = spec.cloudConfig?.[field as keyof typeof DRIVER_CLOUDS];
    if (value === undefined || spec.cloudProvider === cloud) return [];
    return [{ path: at('cloudConfig', field), value, message: `is read on ${cloud} only, and spec.cloudProvider is ${spec.cloudProvider}`, fix: 'remove it: the cloud\'s own CSI driver, if it has one, follows manageStorageClasses' }];
  });
}

export function authenticationProblems(spec: Pick<ClusterSpec, 'authentication' | 'kubeAPIServer'>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const o = spec.authentication?.oidc;
  const a = spec.kubeAPIServer ?? {};
  if (o !== undefined) {
    for (const [field, moved] of Object.entries(API_SERVER_FIELDS)) {
      const value = a[field as keyof typeof API_SERVER_FIELDS];
      if (value === undefined) continue;
      problems.push({
        path: at('kubeAPIServer', field),
        value,
        message: 'sets the API server\'s OpenID Connect settings, which spec.authentication.oidc sets too',
        fix: `keep one place: move it to spec.authentication.oidc.${moved}${moved === 'groupsClaims' ? ' (a list)' : ''}`,
      });
    }
  }
  const settings = oidcSettings(spec);
  if (settings === undefined) return problems;
  problems.push(...oidcProblems(settings, o !== undefined ? authenticationPath : apiServerPath));
  const groups = o?.groupsClaims ?? [];
  if (groups.length > 1) {
    problems.push({ path: at('authentication', 'oidc', 'groupsClaims'), value: groups, message: `names ${groups.length} claims; the API server reads the groups from one`, fix: `keep one, e.g. [${groups[0] ?? 'groups'}]` });
  }
  groups.forEach((g, i) => {
    if (i > 0 && g.trim() === '') problems.push({ path: at('authentication', 'oidc', 'groupsClaims', i), value: g, message: 'is empty', fix: 'name the claim that lists the groups, e.g. groups' });
  });
  for (const key of Object.keys(o?.requiredClaims ?? {})) {
    if (key.trim() === '' || key.includes('=')) {
      problems.push({ path: at('authentication', 'oidc', 'requiredClaims', key), value: key, message: 'is not a claim name', fix: 'name the claim without "=", e.g. hd: example.com' });
    }
  }
  return problems;
}

type OidcField = Exclude<keyof OidcSettings, 'requiredClaims'>;

/** Where a setting is written in authentication.oidc (the groups claim: the first of groupsClaims). */
const authenticationPath = (field: OidcField): string => (field === 'groupsClaim' ? at('authentication', 'oidc', 'groupsClaims', 0) : at('authentication', 'oidc', field));

/** kubeAPIServer's field of each setting; it has no prefixes (the kops import moves kops's to authentication.oidc). */
const API_SERVER_PATHS: Readonly<Record<OidcField, string>> = {
  issuerURL: 'oidcIssuerURL',
  clientID: 'oidcClientID',
  usernameClaim: 'oidcUsernameClaim',
  usernamePrefix: 'oidcUsernamePrefix',
  groupsClaim: 'oidcGroupsClaim',
  groupsPrefix: 'oidcGroupsPrefix',
};
const apiServerPath = (field: OidcField): string => at('kubeAPIServer', API_SERVER_PATHS[field]);

/**
 * The API server's own rules for its --oidc-* flags (kube-apiserver's validation of the
 * authentication configuration it builds from them), over the settings from either place,
 * each problem at the field `path` names: once any flag is set the issuer and the client ID
 * are required together; the issuer is an https URL with no user, query or fragment; a claim
 * that is set names a claim; and a groups prefix needs a groups claim, without which the API
 * server reads no groups at all.
 */
export function oidcProblems(settings: OidcSettings, path: (field: OidcField) => string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (settings.issuerURL === undefined || settings.issuerURL === '') {
    problems.push({ path: path('issuerURL'), ...(settings.issuerURL === undefined ? {} : { value: '' }), message: 'is required with the other OpenID Connect settings', fix: 'set the issuer\'s https URL, e.g. https://accounts.example.com' });
  } else {
    const problem = issuerProblem(settings.issuerURL);
    if (problem !== undefined) problems.push({ path: path('issuerURL'), value: settings.issuerURL, message: problem, fix: 'use the issuer\'s https URL as its tokens\' "iss" gives it, e.g. https://accounts.example.com' });
  }
  if (settings.clientID === undefined || settings.clientID.trim() === '') {
    problems.push({ path: path('clientID'), ...(settings.clientID === undefined ? {} : { value: settings.clientID }), message: 'is required with the other OpenID Connect settings', fix: 'set the client ID the tokens are issued for, e.g. kubernetes' });
  }
  if (settings.usernameClaim !== undefined && settings.usernameClaim.trim() === '') {
    problems.push({ path: path('usernameClaim'), value: settings.usernameClaim, message: 'is empty: the API server needs a claim to name the user', fix: 'remove it for the API server\'s default (sub), or name the claim, e.g. email' });
  }
  if (settings.groupsClaim !== undefined && settings.groupsClaim.trim() === '') {
    problems.push({ path: path('groupsClaim'), value: settings.groupsClaim, message: 'is empty', fix: 'name the claim that lists the groups, e.g. groups, or remove it' });
  }
  if (settings.groupsPrefix !== undefined && settings.groupsClaim === undefined) {
    problems.push({ path: path('groupsPrefix'), value: settings.groupsPrefix, message: 'is set without a groups claim: the API server reads no groups, so it would prefix none', fix: 'name the groups claim too (e.g. groupsClaims: [groups]), or remove it' });
  }
  return problems;
}

/** kube-apiserver's rules for an issuer URL. */
function issuerProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'is not a URL';
  }
  if (parsed.protocol !== 'https:') return 'is not an https URL: the API server accepts only https issuers';
  if (parsed.username !== '' || parsed.password !== '') return 'has a user name or password, which an issuer URL cannot have';
  if (parsed.hash !== '' || parsed.search !== '') return 'has a query or fragment, which an issuer URL cannot have';
  return undefined;
}

/** kops's older kubeAPIServer oidc fields and where authentication.oidc has each. */
const KOPS_API_SERVER_OIDC = {
  oidcIssuerURL: 'issuerURL',
  oidcClientID: 'clientID',
  oidcUsernameClaim: 'usernameClaim',
  oidcUsernamePrefix: 'usernamePrefix',
  oidcGroupsClaim: 'groupsClaims',
  oidcGroupsPrefix: 'groupsPrefix',
  oidcRequiredClaim: 'requiredClaims',
} as const;

/**
 * The fix for one of kops's kubeAPIServer oidc fields that hoist's kubeAPIServer lacks (the
 * schema refuses it as unknown): where authentication.oidc holds it. Undefined for other fields.
 */
export function movedApiServerOidcFix(field: string): string | undefined {
  if (!(field in KOPS_API_SERVER_OIDC) || field in API_SERVER_FIELDS) return undefined;
  const to = KOPS_API_SERVER_OIDC[field as keyof typeof KOPS_API_SERVER_OIDC];
  const shape = to === 'requiredClaims' ? ' (a map, claim: value)' : '';
  return `hoist keeps it in spec.authentication.oidc.${to}${shape}: move it there, with the other kubeAPIServer oidc fields (issuerURL, clientID, usernameClaim, groupsClaims)`;
}

export interface KopsOidcMove {
  /** kubeAPIServer field → authentication.oidc field, for the import's report of renames. */
  readonly moved: readonly (readonly [string, string])[];
  /** Entries of oidcRequiredClaim that are not `claim=value`. */
  readonly unreadable: readonly string[];
}

/**
 * The kops import's move of kubeAPIServer's oidc fields to authentication.oidc (`spec`, a kops
 * document's spec being converted, is changed in place). hoist's kubeAPIServer has only four of
 * them, so when a spec sets one it lacks (a prefix or a required claim) and no
 * authentication.oidc, all of them move, and nothing is lost; otherwise they stay.
 */
export function moveKopsApiServerOidc(spec: Record<string, unknown>): KopsOidcMove | undefined {
  const api = spec['kubeAPIServer'];
  const auth = spec['authentication'];
  if (typeof api !== 'object' || api === null || Array.isArray(api)) return undefined;
  if (typeof auth === 'object' && auth !== null && 'oidc' in auth) return undefined;
  const a = api as Record<string, unknown>;
  if (!['oidcUsernamePrefix', 'oidcGroupsPrefix', 'oidcRequiredClaim'].some((f) => a[f] !== undefined)) return undefined;
  const oidc: Record<string, unknown> = {};
  const moved: [string, string][] = [];
  const unreadable: string[] = [];
  for (const [from, to] of Object.entries(KOPS_API_SERVER_OIDC)) {
    const value = a[from];
    if (value === undefined) continue;
    delete a[from];
    moved.push([from, to]);
    if (from === 'oidcGroupsClaim') oidc[to] = [value];
    else if (from === 'oidcRequiredClaim') {
      const claims: Record<string, unknown> = {};
      for (const entry of Array.isArray(value) ? value : [value]) {
        const m = typeof entry === 'string' ? /^([^=]+)=(.*)$/.exec(entry) : null;
        if (m) claims[m[1]!] = m[2];
        else unreadable.push(String(entry));
      }
      oidc[to] = claims;
    } else oidc[to] = value;
  }
  spec['authentication'] = { ...(typeof auth === 'object' && auth !== null ? auth : {}), oidc };
  return { moved, unreadable };
}
