/**
 * The kubelet's TLS bootstrap, as the real kubelet does it with `--bootstrap-kubeconfig`: a new
 * key pair, a CertificateSigningRequest for the signer kubernetes.io/kube-apiserver-client-kubelet
 * (CN `system:node:<name>`, O `system:nodes`) made with the bootstrap token, then waiting until
 * the controller manager has approved it and signed it. The key never leaves the machine; no CA
 * key is needed anywhere on it.
 */

import { CertificatesV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1CertificateSigningRequest } from '@kubernetes/client-node';
import { DEFAULT_KEY_ALGORITHM, generateKeyPair, pem, privateKeyPem } from '../../../src/pki/keys.js';
import { x509 } from '../../../src/pki/x509.js';
import type { EventSink } from '../../../src/output/events.js';

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';

export interface BootstrapOptions {
  /** The bootstrap kubeconfig's client (a bootstrap token). */
  readonly bootstrap: KubeConfig;
  readonly nodeName: string;
  /** How long to wait for approval and signature. Default 5 minutes. */
  readonly timeoutMs?: number;
  /** How often to read the CSR back: the API server watches only nodes and pods. Default 250 ms (the approver looks as often). */
  readonly pollMs?: number;
  readonly events?: EventSink;
}

export interface ClientCertificate {
  readonly certificate: string;
  readonly privateKey: string;
  /** The CSR's name, for the log. */
  readonly csr: string;
}

/** Why the bootstrap could not finish: denied, failed, or not signed in time. */
export class BootstrapError extends Error {}

const condition = (csr: V1CertificateSigningRequest, type: string) => (csr.status?.conditions ?? []).find((c) => c.type === type && c.status === 'True');

export async function requestClientCertificate(opts: BootstrapOptions): Promise<ClientCertificate> {
  const events = opts.events ?? (() => undefined);
  const keys = await generateKeyPair(DEFAULT_KEY_ALGORITHM);
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ O: ['system:nodes'] }, { CN: [`system:node:${opts.nodeName}`] }],
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  });
  const api = opts.bootstrap.makeApiClient(CertificatesV1Api);
  const created = await api.createCertificateSigningRequest({
    body: {
      metadata: { generateName: 'node-csr-' },
      spec: {
        request: Buffer.from(pem('CERTIFICATE REQUEST', new Uint8Array(request.rawData))).toString('base64'),
        signerName: KUBELET_CLIENT_SIGNER,
        usages: ['digital signature', 'client auth'],
      },
    },
  });
  const name = created.metadata?.name ?? '';
  events({ level: 'info', code: 'kubelet.csr-created', message: `created certificate signing request ${name} for system:node:${opts.nodeName}` });
  const deadline = Date.now() + (opts.timeoutMs ?? 300_000);
  const pollMs = opts.pollMs ?? 250;
  for (;;) {
    const csr = await api.readCertificateSigningRequest({ name });
    const refused = condition(csr, 'Denied') ?? condition(csr, 'Failed');
    if (refused !== undefined) throw new BootstrapError(`certificate signing request ${name} was ${refused.type.toLowerCase()}: ${refused.message ?? refused.reason ?? ''}`);
    const signed = csr.status?.certificate ?? '';
    if (signed !== '') {
      events({ level: 'info', code: 'kubelet.csr-signed', message: `certificate signing request ${name} was approved and signed` });
      return { certificate: Buffer.from(signed, 'base64').toString('utf8'), privateKey: await privateKeyPem(keys.privateKey), csr: name };
    }
    if (Date.now() > deadline) throw new BootstrapError(`certificate signing request ${name} was not signed within ${Math.round((opts.timeoutMs ?? 300_000) / 1000)} s (approved: ${condition(csr, 'Approved') ? 'yes' : 'no'})`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
