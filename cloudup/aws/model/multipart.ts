/**
 * The user data of a group with additionalUserData: a multipart MIME document, as kops sends it,
 * whose first part is hoist's boot script and whose next parts are the group's own, in order.
 * cloud-init runs each part by its type (a shell script, a cloud-config, ...).
 *
 * The boundary is fixed (a hash of the parts where a part contains it), so the same parts are
 * always the same bytes: a new launch template version only when something changed.
 */

import { createHash } from 'node:crypto';

export interface UserDataPart {
  readonly name: string;
  /** A MIME type such as text/x-shellscript or text/cloud-config. */
  readonly type: string;
  readonly content: string;
}

const CRLF = '\r\n';
const BOUNDARY = 'hoist-part';

/** A fixed boundary, as kops uses one; taken from a hash of the parts if a part contains it. */
function boundaryFor(parts: readonly UserDataPart[]): string {
  if (!parts.some((p) => p.content.includes(`--${BOUNDARY}`))) return BOUNDARY;
  const hash = createHash('sha256');
  for (const p of parts) hash.update(`${p.name}\0${p.type}\0${p.content}\0`);
  return `${BOUNDARY}-${hash.digest('hex').slice(0, 24)}`;
}

export function multipartUserData(parts: readonly UserDataPart[]): string {
  const boundary = boundaryFor(parts);
  const body = parts.map((p) =>
    [
      `--${boundary}`,
      `Content-Disposition: attachment; filename="${p.name}"`,
      // 7bit promises ASCII only; anything else is sent as it is, which cloud-init reads as UTF-8.
      `Content-Transfer-Encoding: ${Buffer.byteLength(p.content) === p.content.length ? '7bit' : '8bit'}`,
      `Content-Type: ${p.type}; charset="utf-8"`,
      'Mime-Version: 1.0',
      '',
      p.content,
    ].join(CRLF),
  );
  return [`Content-Type: multipart/mixed; boundary="${boundary}"`, 'MIME-Version: 1.0', '', ...body, `--${boundary}--`, ''].join(CRLF);
}
