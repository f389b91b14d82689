/** `hoist create -f FILE`: stores the Cluster and InstanceGroup documents of a file; none may exist yet. */

import type { Context } from './context.js';
import { writeFileSpecs } from './shared/write-file-specs.js';

export interface CreateFromFileOptions {
  readonly filename?: string;
}

export function runCreateFromFile(opts: CreateFromFileOptions, ctx: Context): Promise<number> {
  return writeFileSpecs(ctx, opts.filename, 'create');
}
