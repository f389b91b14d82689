/** What the node task kinds share: their desired fields as the kind's file declares them. */

import type { Fields, ResolvedFields } from '../../src/engine/task.js';

/**
 * The engine hands every kind plain fields; the kind's constructor typed them as `D` when the
 * builder made the task, and node tasks hold no Refs, so a task's own `desired` reads the same.
 */
export function fieldsOf<D extends object>(desired: ResolvedFields | Fields): D {
  return desired as unknown as D;
}
