/**
 * Worker group credentials: for each Node group, what its machines use to reach the API, kept
 * at `igconfig/<ig>/credentials/<name>.yaml` by `update cluster --yes`: the kubelet's bootstrap
 * token (for the TLS bootstrap: the kubelet asks for its own certificate with it) and
 * kube-proxy's client certificate, issued from kubernetes-ca. Workers read these and never a CA
 * key. A certificate is issued again when missing, unreadable, no longer signed by the CA's
 * primary certificate, or within 30 days of its expiry; the token is written again when it is
 * not the one the CA's primary key gives (the control plane stores that one's Secret).
 */

import { X509Certificate } from 'node:crypto';
import type { CompletedSpec } from '../../src/api/index.js';
import { issueCertificate } from '../../src/pki/issue.js';
import type { CertificateRequest } from '../../src/pki/issue.js';
import { primaryItem } from '../../src/pki/keyset.js';
import { kubeProxyCertRequest } from '../../src/pki/requests.js';
import { readKeyset } from '../../src/pki/store.js';
import { HoistError } from '../../src/errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { credentialKey } from '../../nodeup/config/keys.js';
import { bootstrapToken, credentialToYaml, isTokenSpec, parseCredential } from '../../nodeup/pki/credential.js';
import type { Credential } from '../../nodeup/pki/credential.js';
import { NODE_CREDENTIALS } from './build.js';

const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
const SIGNER = 'kubernetes-ca';

/** kube-proxy's client certificate; the kubelet's credential is the cluster's bootstrap token instead. */
export function credentialRequest(name: 'kube-proxy'): CertificateRequest {
  switch (name) {
    case 'kube-proxy':
      return kubeProxyCertRequest();
  }
}

export async function writeNodeCredentials(store: ObjectStore, completed: CompletedSpec): Promise<string[]> {
  const cluster = completed.cluster.metadata.name;
  const keyset = await readKeyset(store, cluster, SIGNER, { private: true });
  if (keyset === undefined) throw new HoistError('NOT_FOUND', `keyset ${SIGNER} of ${cluster} does not exist`, { hint: 'the cluster PKI is created by hoist update cluster --yes' });
  const item = primaryItem(keyset);
  if (item.certificate === undefined || item.privateKey === undefined) throw new HoistError('STORE', `keyset ${SIGNER} of ${cluster} is not a CA`);
  const ca = { certificate: item.certificate, privateKey: item.privateKey };
  const caCert = new X509Certificate(ca.certificate);
  const written: string[] = [];
  const groups = completed.instanceGroups.filter((ig) => ig.spec.role === 'Node').map((ig) => ig.metadata.name);
  await Promise.all(
    groups.flatMap((ig) =>
      NODE_CREDENTIALS.map(async (name) => {
        const key = credentialKey(cluster, ig, name);
        const current = await store.get(key);
        const token = name === 'kubelet-bootstrap' ? bootstrapToken(cluster, ca.privateKey).token : undefined;
        if (current !== undefined && isCurrent(Buffer.from(current.body).toString('utf8'), key, caCert, token)) return;
        const metadata = { name, instanceGroup: ig };
        let spec: Credential['spec'];
        if (token !== undefined) spec = { signer: SIGNER, token };
        else {
          const issued = await issueCertificate(ca, credentialRequest('kube-proxy'));
          spec = { signer: SIGNER, certificate: issued.certificate, privateKey: issued.privateKey, notAfter: new Date(new X509Certificate(issued.certificate).validTo).toISOString() };
        }
        const doc = credentialToYaml({ apiVersion: 'hoist.dev/v1alpha1', kind: 'Credential', metadata, spec });
        await store.put(key, doc);
        written.push(key);
      }),
    ),
  );
  return written.sort();
}

function isCurrent(text: string, key: string, ca: X509Certificate, token: string | undefined): boolean {
  try {
    const spec = parseCredential(text, key).spec;
    if (isTokenSpec(spec)) return spec.token === token;
    if (token !== undefined) return false; // a bootstrap certificate of an older hoist: replaced by the token
    const cert = new X509Certificate(spec.certificate);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}
