/**
 * The channels hoist ships. From the sources they are read beside this module; the CLI bundle
 * has no src/ beside it, so src/build/embed-channels.mjs replaces this module with one that
 * holds the files' text.
 */

import { readFileSync } from 'node:fs';

export const BUNDLED_CHANNELS = ['stable', 'alpha'] as const;
export type BundledChannel = (typeof BUNDLED_CHANNELS)[number];

export function bundledChannelText(name: BundledChannel): string {
  return readFileSync(new URL(`./${name}.yaml`, import.meta.url), 'utf8');
}
