#!/usr/bin/env node
/**
 * Rewrites ./file-durations.ts from a vitest JSON report (the test-results.json of a full run,
 * best one from CI): each file's wall time, for the files that take 3 s or more.
 * Usage: node test/support/write-file-durations.mjs [test-results.json]
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'test-results.json', 'utf8'));
const seconds = report.testResults
  // The report may come from another clone (CI's): a file is named from its test/ folder on.
  .map((r) => [r.name.split('\\').join('/').replace(/^.*?\/(test\/)/, '$1'), Math.round((r.endTime - r.startTime) / 1000)])
  .filter(([, s]) => s >= 3)
  .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
const lines = seconds.map(([file, s]) => `  '${file}': ${s},`);
const text = `/**
 * Seconds each slow test file took in a full run (written by write-file-durations.mjs from its
 * test-results.json): the order of ./sequencer.ts when vitest's cache has no figure for a file.
 * Only the order matters; refresh it when files are added or change much.
 */

export const FILE_SECONDS: Readonly<Record<string, number>> = {
${lines.join('\n')}
};
`;
writeFileSync(fileURLToPath(new URL('./file-durations.ts', import.meta.url)), text);
process.stdout.write(`${seconds.length} files\n`);
