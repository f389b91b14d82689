/**
 * A group credential: a client certificate and its key that `update cluster --yes` issues for
 * one worker group and keeps at `igconfig/<ig>/credentials/<name>.yaml`. Workers use these
 * instead of reading any CA's key: the kubelet's bootstrap identity and kube-proxy's client.
 */

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
