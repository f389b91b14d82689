/**
 * A group credential that `update cluster --yes` writes for one worker group and keeps at
 * `igconfig/<ig>/credentials/<name>.yaml`: a client certificate and its key (kube-proxy's), or a
 * bootstrap token (the kubelet's, for its TLS bootstrap). Workers use these instead of reading
 * any CA's key.
 */

import { createHash, createHmac } from 'node:crypto';
import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { HoistError } from '../../src/errors.js';

export const CREDENTIAL_KIND = 'Credential';

const CertificateSpec = z.strictObject({
  signer: z.string(),
  certificate: z.string().regex(/-----BEGIN CERTIFICATE-----/),
  privateKey: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/),
  notAfter: z.string(),
});
/** A bootstrap token (the kubelet's, for the TLS bootstrap): it lets a machine ask for a certificate, nothing more. */
const TokenSpec = z.strictObject({
  signer: z.string(),
  token: z.string().regex(/^[a-z0-9]{6}\.[a-z0-9]{16}$/),
});

const CredentialSchema = z.strictObject({
  apiVersion: z.literal('hoist.dev/v1alpha1'),
  kind: z.literal(CREDENTIAL_KIND),
  metadata: z.strictObject({ name: z.string(), instanceGroup: z.string() }),
  spec: z.union([CertificateSpec, TokenSpec]),
});

export type Credential = z.infer<typeof CredentialSchema>;
export type CertificateCredentialSpec = z.infer<typeof CertificateSpec>;
export type TokenCredentialSpec = z.infer<typeof TokenSpec>;

export const isTokenSpec = (spec: Credential['spec']): spec is TokenCredentialSpec => 'token' in spec;

export function credentialToYaml(c: Credential): string {
  return stringify(c, { lineWidth: 0 });
}

export function parseCredential(text: string, source: string): Credential {
  let value: unknown;
  try {
    value = parse(text, { maxAliasCount: 0 });
  } catch (e) {
    throw new HoistError('STORE', `${source} is not YAML: ${e instanceof Error ? e.message : String(e)}`);
  }
  const parsed = CredentialSchema.safeParse(value);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new HoistError('STORE', `${source} is not a credential: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid'}`, {
      hint: 'run hoist update cluster --yes to write it again',
    });
  }
  return parsed.data;
}

/** A bootstrap token, `<id>.<secret>` ([a-z0-9]{6}.[a-z0-9]{16}), as kube-apiserver's authenticator reads it. */
export interface BootstrapToken {
  readonly id: string;
  readonly secret: string;
  readonly token: string;
}

const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

const tokenChars = (bytes: Buffer, n: number): string => [...bytes.subarray(0, n)].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length] ?? 'a').join('');

/**
 * The cluster's kubelet bootstrap token. Its id (public: it names the token's Secret) comes from
 * the cluster's name, so plans read the same every time; its secret is derived from the
 * kubernetes-ca key (HMAC-SHA256), so that the two parties that hold that key — `update cluster
 * --yes`, which writes the token into each worker group's credentials, and the control plane's
 * nodeup, which stores its Secret — compute the same token without passing it through the state
 * store; a new CA gives a new secret. Workers only ever see the token.
 */
export function bootstrapToken(cluster: string, caPrivateKey: string): BootstrapToken {
  const id = tokenChars(createHash('sha256').update(`hoist kubelet bootstrap token id\n${cluster}`).digest(), 6);
  const secret = tokenChars(createHmac('sha256', caPrivateKey).update(`hoist kubelet bootstrap token\n${cluster}`).digest(), 16);
  return { id, secret, token: `${id}.${secret}` };
}
