import { createHash } from 'node:crypto';

/** `sha256:<hex>` of a text: the hash of nodeup.yaml that boot configurations carry. */
export function hashText(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
