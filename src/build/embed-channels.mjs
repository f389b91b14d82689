// An esbuild plugin for every bundle: src/channels/bundled.ts reads the channels hoist ships
// (src/channels/<name>.yaml) from beside itself, which a bundle in dist/ does not have. The
// plugin replaces the module with one that holds each file's text, read at build time.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

const NAMES = /export const BUNDLED_CHANNELS = \[([^\]]*)\] as const;/;

export function embedChannels() {
  return {
    name: 'embed-channels',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]channels[\\/]bundled\.ts$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const m = NAMES.exec(source);
        // Fail the build, not a user's command, when the module no longer looks as expected.
        if (!m || !source.includes('export function bundledChannelText(')) throw new Error(`${args.path}: BUNDLED_CHANNELS or bundledChannelText changed; update src/build/embed-channels.mjs`);
        const names = [...m[1].matchAll(/'([a-z0-9-]+)'/g)].map((n) => n[1]);
        const texts = {};
        for (const name of names) texts[name] = await readFile(join(dirname(args.path), `${name}.yaml`), 'utf8');
        const contents = [
          `export const BUNDLED_CHANNELS = ${JSON.stringify(names)};`,
          `const TEXTS = ${JSON.stringify(texts)};`,
          'export function bundledChannelText(name) { return TEXTS[name]; }',
        ].join('\n');
        return { contents, loader: 'js', watchFiles: names.map((n) => join(dirname(args.path), `${n}.yaml`)) };
      });
    },
  };
}
