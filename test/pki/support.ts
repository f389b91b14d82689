/** Helpers of the PKI tests: openssl run for real, and a temp folder per test. */

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs openssl with `args`; returns stdout (throws with stderr on failure). */
export function openssl(args: readonly string[], input?: string): string {
  return execFileSync('openssl', args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export function certText(pem: string): string {
  return openssl(['x509', '-noout', '-text'], pem);
}

/** `openssl verify` of `cert` against `ca` (files written in `dir`); returns its output. */
export function verify(dir: string, ca: string, cert: string, name = 'cert'): string {
  const caFile = join(dir, `${name}-ca.pem`);
  const certFile = join(dir, `${name}.pem`);
  writeFileSync(caFile, ca);
  writeFileSync(certFile, cert);
  return openssl(['verify', '-CAfile', caFile, certFile]).trim();
}

/** The Subject Alternative Name line of openssl's text, split into entries. */
export function sansOf(text: string): string[] {
  const m = /X509v3 Subject Alternative Name:[^\n]*\n\s*([^\n]*)/.exec(text);
  return m?.[1]?.split(',').map((s) => s.trim()) ?? [];
}

/** The value line after an extension's header in openssl's text. */
export function extensionOf(text: string, header: string): string | undefined {
  const m = new RegExp(`${header}:( critical)? *\\n\\s*([^\\n]*)`).exec(text);
  return m === null ? undefined : `${m[2] ?? ''}${m[1] ? ' (critical)' : ''}`;
}
