/** `maxResults` (0 to 500, default 500) and opaque `pageToken`s, as Compute pages its lists. */

import { createHash } from 'node:crypto';
import { invalid } from './errors.js';

export interface Page<T> {
  readonly items: T[];
  readonly nextPageToken?: string;
}

export function page<T>(all: readonly T[], query: URLSearchParams): Page<T> {
  const raw = query.get('maxResults');
  const max = raw === null ? 500 : Number(raw);
  if (!Number.isInteger(max) || max < 0 || max > 500) throw invalid('maxResults', raw, 'Must be between 0 and 500.');
  const size = max === 0 ? 500 : max;
  // A token belongs to one listing: the same filter and order.
  const listing = createHash('sha256').update(`${query.get('filter') ?? ''}|${query.get('orderBy') ?? ''}`).digest('hex').slice(0, 12);
  let offset = 0;
  const token = query.get('pageToken');
  if (token) {
    const m = /^(\d+):([0-9a-f]{12})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
    if (!m || m[2] !== listing) throw invalid('pageToken', token, 'The page token is invalid.');
    offset = Number(m[1]);
  }
  const items = all.slice(offset, offset + size);
  const next = offset + size;
  return next < all.length ? { items, nextPageToken: Buffer.from(`${next}:${listing}`).toString('base64url') } : { items };
}
