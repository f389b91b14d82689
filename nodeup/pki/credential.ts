/**
 * A group credential: a client certificate and its key that `update cluster --yes` issues for
 * one worker group and keeps at `igconfig/<ig>/credentials/<name>.yaml`. Workers use these
 * instead of reading any CA's key: the kubelet's bootstrap identity and kube-proxy's client.
 */

import { createHmac } from 'node:crypto';
import { parse, stringify } from 'yaml';
import * as z from 'zod';
import { HoistError } from '../../src/errors.js';

export const CREDENTIAL_KIND = 'Credential';

const CredentialSchema = z.strictObject({
  apiVersion: z.literal('hoist.dev/v1alpha1'),
  kind: z.literal(CREDENTIAL_KIND),
  metadata: z.strictObject({ name: z.string(), instanceGroup: z.string() }),
  spec: z.strictObject({
    signer: z.string(),
    certificate: z.string().regex(/-----BEGIN CERTIFICATE-----/),
    privateKey: z.string().regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/),
    notAfter: z.string(),
  }),
});

export type Credential = z.infer<typeof CredentialSchema>;

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

/**
 * The cluster's kubelet bootstrap token, derived from the kubernetes-ca key (HMAC-SHA256): the
 * two parties that hold that key — `update cluster --yes`, which writes the token into each
 * worker group's credentials, and the control plane's nodeup, which stores its Secret — compute
 * the same token without passing it through the state store; a new CA gives a new token.
 * Workers only ever see the token.
 */
export function bootstrapToken(cluster: string, caPrivateKey: string): BootstrapToken {
  const bytes = createHmac('sha256', caPrivateKey).update(`hoist kubelet bootstrap token\n${cluster}`).digest();
  const chars = [...bytes].map((b) => TOKEN_ALPHABET[b % TOKEN_ALPHABET.length] ?? 'a').join('');
  const id = chars.slice(0, 6);
  const secret = chars.slice(6, 22);
  return { id, secret, token: `${id}.${secret}` };
}
