import { createHash } from 'node:crypto';

/**
 * A content hash, quoted as S3 quotes its ETags. Like S3's ETag for a simple upload it depends
 * on the bytes only, so writing the same bytes again gives the same ETag on every backend.
 */
export function contentEtag(bytes: Uint8Array): string {
  return `"${createHash('sha256').update(bytes).digest('hex')}"`;
}
