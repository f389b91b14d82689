/**
 * DiscoveryDocument → `aws_s3_object` in the discovery store's bucket, its JSON in `data/`. The
 * default provider writes it (the bucket is in the cluster's region, as its public address says).
 */

import { HoistError } from '../../../src/errors.js';
import { escapeTemplate } from '../../../src/engine/target-terraform.js';
import { PENDING_KEYS } from '../../discovery-documents.js';
import type { DiscoveryDocumentFields } from '../../discovery-documents.js';
import type { AwsTfRenderer } from './render.js';
import { fieldsOf, resource } from './render.js';

export const discoveryDocumentRenderer: AwsTfRenderer = {
  kind: 'DiscoveryDocument',
  render(task, ctx) {
    const d = fieldsOf<DiscoveryDocumentFields>(task);
    const m = /^s3:\/\/([^/]+)(?:\/(.*))?$/.exec(String(d.folder));
    if (!m) throw new HoistError('INTERNAL', `${task.name}: ${String(d.folder)} is not an S3 folder`);
    const document = d.document as Readonly<Record<string, unknown>>;
    // The pipeline makes the keyset before it builds a module: a pending JWKS here is a bug.
    if (document['keys'] === PENDING_KEYS) throw new HoistError('INTERNAL', `${task.name}: the service-account keys were not read before the module was built`);
    return resource('aws_s3_object', {
      bucket: escapeTemplate(m[1]!),
      key: escapeTemplate(`${m[2] ?? ''}/${String(d.key)}`),
      content: ctx.document(`aws_s3_object_${task.name}_content`, d.document),
    });
  },
};
