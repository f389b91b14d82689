/**
 * The order in which vitest hands test files to its workers: the longest first, so that the
 * terraform and cluster files start at once beside the rest instead of being the last ones
 * running alone. vitest's own order uses durations from its cache in node_modules, which a
 * fresh `npm ci` (as in CI) removes; it then falls back to file size, which puts the terraform
 * files near the end. Here a file's estimate is the longer of its cached duration and its
 * figure in ./file-durations.ts; files with neither come last, in vitest's order.
 */

import { relative } from 'node:path';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';
import { FILE_SECONDS } from './file-durations.js';

export class SlowestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    // Array.prototype.sort is stable: files of equal estimate keep vitest's order.
    const base = await super.sort(files);
    const estimate = new Map(
      base.map((spec) => {
        const path = relative(root, spec.moduleId).split('\\').join('/');
        const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`)?.duration ?? 0;
        return [spec, Math.max(cached, (FILE_SECONDS[path] ?? 0) * 1000)] as const;
      }),
    );
    return base.sort((a, b) => (estimate.get(b) ?? 0) - (estimate.get(a) ?? 0));
  }
}
