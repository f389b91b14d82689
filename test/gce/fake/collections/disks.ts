/** `zones/Z/disks`: persistent disks; they only grow, and cannot go while an instance uses them. */

import type { Collection } from '../collection.js';
import { inUse, invalid } from '../errors.js';
import { link, resolveRef } from '../links.js';
import { fingerprint } from '../migs.js';
import { usersOf } from '../refs.js';
import type { Json } from '../validate.js';
import { checkLabels, int64, optionalString, requireField } from '../validate.js';
import { setLabels } from './labels.js';

const TYPES = ['pd-standard', 'pd-balanced', 'pd-ssd', 'pd-extreme', 'hyperdisk-balanced'];
const attached = (i: Json): unknown[] => ((i.disks as Json[] | undefined) ?? []).map((d) => d.source);

export const disks: Collection = {
  name: 'disks',
  kind: 'compute#disk',
  scope: 'zone',
  insert(ctx, body) {
    optionalString(body, 'description', 'resource.description');
    const size = int64(body.sizeGb, 'resource.sizeGb') ?? (body.sourceImage === undefined ? 500 : 10);
    if (size < 10 || size > 65536) throw invalid('resource.sizeGb', body.sizeGb, 'Must be between 10 and 65536 GB.');
    const typeRef = body.type ?? `zones/${ctx.scope.name}/diskTypes/pd-standard`;
    const typePath = resolveRef(ctx.project, typeRef, 'resource.type');
    const m = /^projects\/[^/]+\/zones\/([^/]+)\/diskTypes\/([^/]+)$/.exec(typePath);
    if (!m || m[1] !== ctx.scope.name || !TYPES.includes(m[2]!)) throw invalid('resource.type', typeRef, `Expected zones/${ctx.scope.name}/diskTypes/TYPE with TYPE one of ${TYPES.join(', ')}.`);
    const labels = checkLabels(body.labels, 'resource.labels');
    return {
      ...(body.description === undefined ? {} : { description: body.description }),
      sizeGb: String(size),
      type: link(typePath),
      status: 'READY',
      labels,
      labelFingerprint: fingerprint(labels),
      physicalBlockSizeBytes: '4096',
    };
  },
  view(ctx, path, r) {
    const users = usersOf(ctx, path, [['instances', attached]]);
    return { ...r, ...(users.length > 0 ? { users: users.map(link) } : {}) };
  },
  checkDelete(ctx, path) {
    const by = usersOf(ctx, path, [['instances', attached]]);
    if (by.length > 0) throw inUse(path, by[0]!);
  },
  methods: {
    setLabels,
    resize(_ctx, _path, r, body) {
      const size = int64(requireField(body, 'sizeGb', 'sizeGb'), 'sizeGb')!;
      if (size <= Number(r.sizeGb)) throw invalid('sizeGb', body.sizeGb, `Disks can only grow: the new size must be larger than ${String(r.sizeGb)} GB.`);
      r.sizeGb = String(size);
      return { operation: 'resize' };
    },
  },
};
