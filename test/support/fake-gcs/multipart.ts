/**
 * A `multipart/related` upload body as GCS takes it: the object's metadata (JSON) in the first
 * part, its bytes in the second. Binary-safe: the media part is cut out of the raw bytes.
 */

import { badRequest } from './errors.js';

export interface MultipartUpload {
  readonly metadata: Record<string, unknown>;
  readonly media: Buffer;
  readonly mediaType: string | undefined;
}

export function parseMultipart(contentType: string, body: Buffer): MultipartUpload {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) throw badRequest('Missing boundary in multipart/related Content-Type.');
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    // Each part sits between "\r\n" after the delimiter line and "\r\n" before the next one.
    parts.push(body.subarray(start + 2, next - 2));
    at = next;
  }
  if (parts.length !== 2) throw badRequest(`A multipart upload has 2 parts (metadata, media), not ${parts.length}.`);
  const [meta, media] = parts.map(splitPart) as [Part, Part];
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(meta.body.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw badRequest('Metadata part is not valid JSON.');
  }
  return { metadata, media: media.body, mediaType: media.headers['content-type'] };
}

interface Part {
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

function splitPart(part: Buffer): Part {
  const end = part.indexOf('\r\n\r\n');
  if (end < 0) throw badRequest('A multipart part has no headers.');
  const headers: Record<string, string> = {};
  for (const line of part.subarray(0, end).toString('utf8').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body: part.subarray(end + 4) };
}
