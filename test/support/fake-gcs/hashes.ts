/** The two hashes GCS keeps of every object, base64 of the big-endian bytes as the API shows them. */

import { createHash } from 'node:crypto';

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), computed here rather than taken from the
// client library under test, so that a wrong checksum on either side shows.
const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32c(bytes: Uint8Array): string {
  let crc = 0xffffffff;
  for (const b of bytes) crc = (TABLE[(crc ^ b) & 0xff]! ^ (crc >>> 8)) >>> 0;
  const out = Buffer.alloc(4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0);
  return out.toString('base64');
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('base64');
}
