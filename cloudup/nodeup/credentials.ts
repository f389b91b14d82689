/**
 * Worker group credentials: for each Node group, the client certificates its machines use (the
 * kubelet's bootstrap identity and kube-proxy's), issued here by `update cluster --yes` from
 * kubernetes-ca and kept at `igconfig/<ig>/credentials/<name>.yaml`. Workers read these and
 * never a CA key. A credential is issued again when missing, unreadable, no longer signed by
 * the CA's primary certificate, or within 30 days of its expiry.
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
import { credentialToYaml, parseCredential } from '../../nodeup/pki/credential.js';
import { NODE_CREDENTIALS } from './build.js';

const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
const SIGNER = 'kubernetes-ca';

/** What each credential is: the bootstrap identity is per group, in the group RBAC lets create CSRs. */
export function credentialRequest(name: (typeof NODE_CREDENTIALS)[number], ig: string): CertificateRequest {
  switch (name) {
    case 'kubelet-bootstrap':
      return { commonName: `system:bootstrap:${ig}`, organizations: ['system:bootstrappers', `system:bootstrappers:hoist:${ig}`], usage: 'client' };
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
        if (current !== undefined && isCurrent(Buffer.from(current.body).toString('utf8'), key, caCert)) return;
        const issued = await issueCertificate(ca, credentialRequest(name, ig));
        const notAfter = new Date(new X509Certificate(issued.certificate).validTo).toISOString();
        const doc = credentialToYaml({
          apiVersion: 'hoist.dev/v1alpha1',
          kind: 'Credential',
          metadata: { name, instanceGroup: ig },
          spec: { signer: SIGNER, certificate: issued.certificate, privateKey: issued.privateKey, notAfter },
        });
        await store.put(key, doc);
        written.push(key);
      }),
    ),
  );
  return written.sort();
}

function isCurrent(text: string, key: string, ca: X509Certificate): boolean {
  try {
    const cert = new X509Certificate(parseCredential(text, key).spec.certificate);
    return cert.checkIssued(ca) && cert.verify(ca.publicKey) && Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}
