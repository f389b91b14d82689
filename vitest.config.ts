import { defineConfig } from 'vitest/config';
import { SlowestFirstSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Files share the cores (maxWorkers below): a step that takes 20 s alone can take twice that.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // vitest's default is one worker per core less one: a single worker on a 2-core machine. Most
    // slow files wait on moto, terraform, etcd or child processes rather than use a core, so
    // several files at once finish sooner. `--maxWorkers=<n>` on the command line overrides it.
    maxWorkers: 4,
    sequence: { sequencer: SlowestFirstSequencer },
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results.json' },
  },
});
