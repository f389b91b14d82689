// An esbuild plugin for the CLI's bundle: the AWS SDK's clients describe their shapes in one
// module each (`dist-es/schemas/schemas_0.js`), a top-level array per shape, and esbuild drops the
// shapes no command of the bundle reaches, but only from arrays it can prove have no side
// effects. Their member traits are objects with computed keys (`{ [_xN]: "name" }`, where
// `const _xN = "xmlName"`), which esbuild does not prove pure, so every shape of the service was
// kept: EC2's 1 MB. The plugin writes each such key as the string its constant holds, which is
// the same object, and the shapes nothing uses go.
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

const CONSTANT = /^const (_[A-Za-z0-9]+) = ("[^"\\\n]*");$/gm;
const COMPUTED_KEY = /\[(_[A-Za-z0-9]+)\]:/g;

export function staticSchemaKeys() {
  return {
    name: 'static-schema-keys',
    setup(build) {
      build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const strings = new Map([...source.matchAll(CONSTANT)].map((m) => [m[1], m[2]]));
        const contents = source.replace(COMPUTED_KEY, (key, name) => (strings.has(name) ? `${strings.get(name)}:` : key));
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
