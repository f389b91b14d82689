/**
 * Certificate: a certificate (or public key) file and its private key file. Either issued on
 * the machine from a CA of the cluster (control plane only: it may read the CA's key), or a
 * copy of a stored key pair: a worker group's credential, or the service-account key. Key
 * material is never a desired field, so plans never show it; what is compared is the subject,
 * names, usage, who signed it and whether it expires soon (issued), or the fingerprint (copies).
 */

import { X509Certificate } from 'node:crypto';
import type { LiveObject, ResolvedFields, Task, TaskKind } from '../../src/engine/task.js';
import { taskConstructor } from '../../src/engine/task.js';
import type { CertificateUsage } from '../../src/pki/issue.js';
import type { NodeContext } from '../context.js';
import { hostPath, tasksOf } from '../context.js';
import { fingerprintOf } from '../pki/material.js';
import { readText, writeAtomic } from './fs.js';
import { fieldsOf } from './kind.js';

/** Issued on the machine from CA `signer` (control plane only). */
export interface IssuedCertificateFields {
  readonly signer: string;
  /** The signer's primary certificate: a new CA makes the certificate be issued again. */
  readonly signerFingerprint: string;
  readonly commonName: string;
  readonly organizations: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly usage: CertificateUsage;
  /** Always false when desired: a certificate close to its expiry differs, and is issued again. */
  readonly expiresSoon: boolean;
  readonly certificate: string;
  readonly key: string;
}

/** A copy of a stored key pair (`credential/<name>` or `keyset/<name>`): a certificate or a public key. */
export interface CopiedCertificateFields {
  readonly copyOf: string;
  readonly fingerprint: string;
  readonly certificate?: string;
  readonly publicKey?: string;
  readonly key: string;
}

export type CertificateFields = IssuedCertificateFields | CopiedCertificateFields;

export const certificateTask = taskConstructor<CertificateFields>('Certificate');

const isCopy = (f: CertificateFields): f is CopiedCertificateFields => 'copyOf' in f && typeof f.copyOf === 'string';

/** Certificates closer than this to their expiry are issued again. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

const publicPath = (f: CertificateFields): string => String(f.certificate ?? ('publicKey' in f ? f.publicKey : undefined));

function subjectField(subject: string, key: string): string[] {
  return subject.split('\n').filter((l) => l.startsWith(`${key}=`)).map((l) => l.slice(key.length + 1));
}

function usageOf(cert: X509Certificate): CertificateUsage | '' {
  const eku = cert.keyUsage ?? [];
  const server = eku.includes(SERVER_AUTH);
  const client = eku.includes(CLIENT_AUTH);
  return server && client ? 'server-client' : server ? 'server' : client ? 'client' : '';
}

export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}

/** What an issued certificate on disk says, in the shape of a task's desired fields. */
function issuedFields(ctx: NodeContext, desired: IssuedCertificateFields, pem: string): ResolvedFields {
  const cert = new X509Certificate(pem);
  const sans = (cert.subjectAltName ?? '').split(', ').filter((s) => s !== '');
  const signer = desired.signer;
  const ca = ctx.pki.trusted(signer).certificates.find((c) => cert.checkIssued(c) && cert.verify(c.publicKey));
  return {
    signer,
    signerFingerprint: ca === undefined ? `(not signed by ${signer})` : fingerprintOf(ca.toString()),
    commonName: subjectField(cert.subject, 'CN')[0] ?? '',
    organizations: sortedUnique(subjectField(cert.subject, 'O')),
    dnsNames: sortedUnique(sans.filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4))),
    ipAddresses: sortedUnique(sans.filter((s) => s.startsWith('IP Address:')).map((s) => s.slice(11))),
    usage: usageOf(cert),
    expiresSoon: Date.parse(cert.validTo) - Date.now() < RENEW_BEFORE_MS,
  };
}

async function write(ctx: NodeContext, task: Task, desired: ResolvedFields): Promise<LiveObject> {
  const d = fieldsOf<CertificateFields>(desired);
  let pub: string;
  let key: string;
  if (isCopy(d)) {
    const pair = ctx.pki.keypair(d.copyOf);
    pub = pair.certificate ?? pair.publicKey ?? '';
    key = pair.privateKey;
  } else {
    const issued = await ctx.pki.issue(d.signer, {
      commonName: d.commonName,
      organizations: [...d.organizations],
      dnsNames: [...d.dnsNames],
      ipAddresses: [...d.ipAddresses],
      usage: d.usage,
    });
    pub = issued.certificate;
    key = issued.privateKey;
  }
  // The key first: a certificate on disk without its key would look complete to discovery.
  await writeAtomic(hostPath(ctx.root, d.key), key, '0600');
  await writeAtomic(hostPath(ctx.root, publicPath(d)), pub, '0644');
  return { id: task.name, name: task.name, fields: desired, outputs: { id: task.name, fingerprint: fingerprintOf(pub) } };
}

export const CertificateKind: TaskKind<NodeContext> = {
  kind: 'Certificate',
  uses: ['Directory'],
  async discover(ctx) {
    const found = await Promise.all(
      tasksOf(ctx, 'Certificate').map(async (t): Promise<LiveObject | undefined> => {
        const d = fieldsOf<CertificateFields>(t.desired);
        const [pem, key] = await Promise.all([readText(hostPath(ctx.root, publicPath(d))), readText(hostPath(ctx.root, d.key))]);
        if (pem === undefined || key === undefined) return undefined;
        let fields: ResolvedFields;
        let fingerprint: string;
        try {
          fingerprint = fingerprintOf(pem);
          const where: ResolvedFields = d.certificate !== undefined ? { certificate: d.certificate } : { publicKey: String('publicKey' in d ? d.publicKey : undefined) };
          fields = isCopy(d) ? { copyOf: d.copyOf, fingerprint, ...where, key: d.key } : { ...issuedFields(ctx, d, pem), ...where, key: d.key };
        } catch {
          // Unreadable: the same as absent, so it is written again.
          return undefined;
        }
        return { id: t.name, name: t.name, fields, outputs: { id: t.name, fingerprint } };
      }),
    );
    return found.filter((o): o is LiveObject => o !== undefined);
  },
  checkChanges: (_live, changes) => (changes.length > 0 ? { replaceReason: 'a certificate is issued anew, never edited' } : {}),
  create: (ctx, task, desired) => write(ctx, task, desired),
  update: (ctx, task, _live, desired) => write(ctx, task, desired),
  async delete() {
    // Never: see File.
  },
};
