import type { Plugin } from 'esbuild';

/** The esbuild plugin that embeds src/channels/<name>.yaml into the bundles (embed-channels.mjs). */
export function embedChannels(): Plugin;
