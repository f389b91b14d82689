/**
 * Seconds each slow test file took in a full run (written by write-file-durations.mjs from its
 * test-results.json): the order of ./sequencer.ts when vitest's cache has no figure for a file.
 * Only the order matters; refresh it when files are added or change much.
 */

export const FILE_SECONDS: Readonly<Record<string, number>> = {
  'test/terraform/apply.test.ts': 136,
  'test/terraform/shared-vpc.test.ts': 128,
  'test/cli/rolling-update.test.ts': 84,
  'test/cli/crash-safety.test.ts': 68,
  'test/aws/rolling.test.ts': 35,
  'test/etcd/ha.test.ts': 22,
  'test/cli/update-cluster.test.ts': 21,
  'test/cli/local-clouds.test.ts': 20,
  'test/aws/faults.test.ts': 19,
  'test/cli/spec-crash.test.ts': 18,
  'test/boot/aws.test.ts': 17,
  'test/local-cloud/restart.test.ts': 13,
  'test/state-store/lock-race.test.ts': 13,
};
