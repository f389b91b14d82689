/**
 * The user data of a group with additionalUserData: a multipart MIME document, as kops sends it,
 * whose first part is hoist's boot script and whose next parts are the group's own, in order.
 * cloud-init runs each part by its type (a shell script, a cloud-config, ...).
 *
 * The boundary is taken from a hash of the parts, so the same parts are always the same bytes (a
 * new launch template version only when something changed), and no part can contain it by chance.
 */

import { createHash } from 'node:crypto';

export interface UserDataPart {
  readonly name: string;
  /** A MIME type such as text/x-shellscript or text/cloud-config. */
  readonly type: string;
  readonly content: string;
}

const CRLF = '\r\n';

export function multipartUserData(parts: readonly UserDataPart[]): string {
  const hash = createHash('sha256');
  for (const p of parts) hash.update(`${p.name}\0${p.type}\0${p.content}\0`);
  const boundary = `hoist-${hash.digest('hex').slice(0, 24)}`;
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
