/**
 * Certificates, CA files and kubeconfigs of a machine. The control plane issues its own
 * certificates from the cluster's CAs; a worker copies its group's credentials and never
 * touches a CA key.
 */

import type { Task, TaskId } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import type { CertificateRequest } from '../../src/pki/issue.js';
import type { CertificateFields, CopiedCertificateFields, IssuedCertificateFields } from '../tasks/certificate.js';
import { certificateTask, sortedUnique } from '../tasks/certificate.js';
import { kubeconfigTask } from '../tasks/kubeconfig.js';
import type { ModelInput } from './types.js';
import { after, caPath, file } from './types.js';

/** The trusted CAs' certificates, `/etc/kubernetes/pki/<ca>.crt`. */
export function caTasks({ config, pki }: ModelInput): Task[] {
  return config.pki.trust.map((name) => file(caPath(name), pki.trusted(name).bundle));
}

export const caFile = (name: string): TaskId => idOf({ kind: 'File', name: caPath(name) });

/** A Certificate task whose fields say which kind it is: other tasks name its files. */
export type CertificateTask<F extends CertificateFields = CertificateFields> = Task & { readonly desired: Task['desired'] & F };

export interface KeyFiles {
  readonly certificate: string;
  readonly key: string;
}

/** A certificate issued on the machine from CA `signer`. */
export function issued(input: ModelInput, name: string, signer: string, req: CertificateRequest, paths: KeyFiles): CertificateTask<IssuedCertificateFields> {
  const desired: IssuedCertificateFields = {
    signer,
    signerFingerprint: input.pki.trusted(signer).primaryFingerprint,
    commonName: req.commonName,
    organizations: sortedUnique(req.organizations ?? []),
    dnsNames: sortedUnique(req.dnsNames ?? []),
    ipAddresses: sortedUnique(req.ipAddresses ?? []),
    usage: req.usage,
    expiresSoon: false,
    certificate: paths.certificate,
    key: paths.key,
  };
  // The same task, its fields kept typed: other tasks name its files.
  return { ...certificateTask(name, desired), desired: { ...desired } };
}

/** A stored key pair copied to the machine: `credential/<name>` or `keyset/<name>`. */
export function copied(input: ModelInput, name: string, source: string, paths: { readonly certificate?: string; readonly publicKey?: string; readonly key: string }): CertificateTask<CopiedCertificateFields> {
  const pair = input.pki.keypair(source);
  const where = paths.certificate !== undefined ? { certificate: paths.certificate } : { publicKey: paths.publicKey ?? '' };
  const desired: CopiedCertificateFields = { copyOf: source, fingerprint: pair.fingerprint, ...where, key: paths.key };
  return { ...certificateTask(name, desired), desired: { ...desired } };
}

/** A kubeconfig naming the CA file and a Certificate task's files. */
export function kubeconfig(path: string, opts: { readonly server: string; readonly cluster: string; readonly user: string; readonly cert: CertificateTask }): Task {
  return kubeconfigTask(
    path,
    {
      server: opts.server,
      cluster: opts.cluster,
      user: opts.user,
      certificateAuthority: caPath('kubernetes-ca'),
      clientCertificate: String(opts.cert.desired.certificate),
      clientKey: opts.cert.desired.key,
    },
    after([idOf(opts.cert), caFile('kubernetes-ca')]),
  );
}
