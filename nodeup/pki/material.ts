/**
 * The PKI material a node reads from the state store, and nothing more: the certificates of the
 * CAs it trusts (public copies), its group's credentials (workers), and, on the control plane
 * only, the private keysets its config names, read when a certificate must be issued.
 */

import { X509Certificate, createHash, createPublicKey } from 'node:crypto';
import { HoistError } from '../../src/errors.js';
import { primaryItem, trustBundle } from '../../src/pki/keyset.js';
import { readKeyset } from '../../src/pki/store.js';
import type { CertificateRequest, IssuedCertificate } from '../../src/pki/issue.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { hashText } from '../config/hash.js';
import { credentialKey, nodeSecretKey } from '../config/keys.js';
import type { NodeupConfig } from '../config/schema.js';
import { isTokenSpec, parseCredential } from './credential.js';

export interface TrustedCA {
  /** Every certificate of the keyset (more than one during a rotation), PEM. */
  readonly bundle: string;
  /** The fingerprint of the certificate that signs now. */
  readonly primaryFingerprint: string;
  /** Every certificate of the keyset, parsed. */
  readonly certificates: readonly X509Certificate[];
}

/** Key material to copy to the node: a credential, or a keyset's primary item. */
export interface Keypair {
  readonly certificate?: string;
  readonly publicKey?: string;
  readonly privateKey: string;
  /** sha256 of the certificate (or of the public key), as `sha256:<hex>`. */
  readonly fingerprint: string;
}

export interface NodePki {
  trusted(name: string): TrustedCA;
  /** A keypair the node may copy: `credential/<name>` (its group's) or `keyset/<name>` (control plane). */
  keypair(source: string): Keypair;
  /** A token credential of its group, `credential/<name>`, with the fingerprint a plan may show. */
  token(source: string): { readonly token: string; readonly fingerprint: string };
  /** A file of the cluster's secret store that nodeup.yaml gives this machine (a docker config, an encryption config). */
  secret(name: string): { readonly content: string; readonly sha256: string };
  /** Issues a certificate from CA `signer` (control plane only: reads its private keyset). */
  issue(signer: string, request: CertificateRequest): Promise<IssuedCertificate>;
}

export function fingerprintOf(pem: string): string {
  if (pem.includes('BEGIN CERTIFICATE')) return `sha256:${new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase()}`;
  const der = createPublicKey(pem).export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(der).digest('hex')}`;
}

function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
}

/** Reads what `config` says this node may read, up front, so that a plan can name fingerprints. */
export async function loadNodePki(store: ObjectStore, config: NodeupConfig): Promise<NodePki> {
  const cluster = config.cluster;
  const trusted = new Map<string, TrustedCA>();
  const keypairs = new Map<string, Keypair>();
  const tokens = new Map<string, { token: string; fingerprint: string }>();
  const secrets = new Map<string, { content: string; sha256: string }>();
  await Promise.all([
    ...config.pki.trust.map(async (name) => {
      const keyset = await readKeyset(store, cluster, name, { private: false });
      if (keyset === undefined) throw missing(`keyset ${name}`, `pki/issued/${name}/keyset.yaml`);
      const primary = primaryItem(keyset).certificate;
      if (primary === undefined) throw new HoistError('STORE', `keyset ${name} of ${cluster} has no certificate to trust`);
      const bundle = trustBundle(keyset);
      trusted.set(name, { bundle, primaryFingerprint: fingerprintOf(primary), certificates: splitPem(bundle).map((p) => new X509Certificate(p)) });
    }),
    ...config.pki.credentials.map(async (name) => {
      const key = credentialKey(cluster, config.instanceGroup, name);
      const found = await store.get(key);
      if (found === undefined) throw missing(`credential ${name}`, key.slice(cluster.length + 1));
      const c = parseCredential(Buffer.from(found.body).toString('utf8'), key);
      if (isTokenSpec(c.spec)) tokens.set(`credential/${name}`, { token: c.spec.token, fingerprint: hashText(c.spec.token) });
      else keypairs.set(`credential/${name}`, { certificate: c.spec.certificate, privateKey: c.spec.privateKey, fingerprint: fingerprintOf(c.spec.certificate) });
    }),
    ...(config.secrets ?? []).map(async ({ name, sha256 }) => {
      const key = nodeSecretKey(cluster, config.instanceGroup, name);
      const found = await store.get(key);
      if (found === undefined) throw missing(`secret ${name}`, key.slice(cluster.length + 1));
      const content = Buffer.from(found.body).toString('utf8');
      const got = hashText(content);
      if (got !== sha256) {
        throw new HoistError('STORE', `secret ${name} of ${cluster} (${key}) is not the one nodeup.yaml pins (${got}, not ${sha256})`, { hint: `hoist update cluster ${cluster} --yes writes both again` });
      }
      secrets.set(name, { content, sha256 });
    }),
    // Only the control plane's config names any: it issues from the CAs and copies some keys.
    ...config.pki.secrets.map(async (name) => {
      const keyset = await readKeyset(store, cluster, name, { private: true });
      if (keyset === undefined) throw missing(`keyset ${name}`, `pki/private/${name}/keyset.yaml`);
      const item = primaryItem(keyset);
      const pub = item.certificate ?? item.publicKey;
      if (pub === undefined || item.privateKey === undefined) throw new HoistError('STORE', `keyset ${name} of ${cluster} has no key pair`);
      keypairs.set(`keyset/${name}`, { ...(item.certificate ? { certificate: item.certificate } : { publicKey: pub }), privateKey: item.privateKey, fingerprint: fingerprintOf(pub) });
    }),
  ]);
  return {
    trusted(name) {
      const t = trusted.get(name);
      if (t === undefined) throw new HoistError('INTERNAL', `nodeup.yaml does not list ${name} among the CAs to trust`);
      return t;
    },
    keypair(source) {
      const k = keypairs.get(source);
      if (k === undefined) throw new HoistError('INTERNAL', `nodeup.yaml does not give this node ${source}`);
      return k;
    },
    token(source) {
      const t = tokens.get(source);
      if (t === undefined) throw new HoistError('INTERNAL', `nodeup.yaml does not give this node the token ${source}`);
      return t;
    },
    secret(name) {
      const found = secrets.get(name);
      if (found === undefined) throw new HoistError('INTERNAL', `nodeup.yaml does not give this node the secret ${name}`);
      return found;
    },
    async issue(signer, request) {
      if (!config.pki.secrets.includes(signer)) {
        throw new HoistError('INTERNAL', `this node may not read the key of ${signer}: only the control plane issues certificates`);
      }
      const ca = keypairs.get(`keyset/${signer}`);
      if (ca?.certificate === undefined) throw new HoistError('STORE', `keyset ${signer} of ${cluster} is not a CA`);
      // The X.509 library is loaded only by machines that issue.
      const { issueCertificate } = await import('../../src/pki/issue.js');
      return issueCertificate({ certificate: ca.certificate, privateKey: ca.privateKey }, request);
    },
  };
}

function missing(what: string, key: string): HoistError {
  return new HoistError('NOT_FOUND', `${what} is not in the state store (${key})`, {
    hint: 'hoist update cluster --yes creates the cluster PKI and the node credentials before instances boot',
  });
}
