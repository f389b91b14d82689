import { defineConfig } from 'vitest/config';
import { SlowestFirstSequencer } from './test/support/sequencer.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
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
