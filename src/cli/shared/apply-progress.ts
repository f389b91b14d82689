/** How an apply shows its progress: live lines on stderr, or JSON lines on stdout with -o json. */

import type { ApplyClusterOptions } from '../../../cloudup/pipeline/apply.js';
import { progressRenderer } from '../../output/progress.js';
import type { Context } from '../context.js';

export async function withApplyProgress<T>(ctx: Context, format: 'text' | 'json', run: (opts: ApplyClusterOptions) => Promise<T>): Promise<T> {
  const progress = progressRenderer({ write: format === 'json' ? ctx.io.out : ctx.io.err, isTTY: ctx.io.interactive, json: format === 'json' });
  try {
    // The renderer shows every step; passing the events on as well would print them twice.
    return await run({ onProgress: progress.onProgress, events: progress.event });
  } finally {
    progress.finish();
  }
}
