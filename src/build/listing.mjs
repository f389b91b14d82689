// The listing bundle: `hoist get clusters` printing a table, in one file (dist/hoist-list.js).
//
// The CLI's bundle is split into chunks by the set of dynamic imports that reach each module, and
// esbuild cannot be told to merge them: `get clusters` loaded 23 files, and each costs Node.js's
// module loader about half a millisecond. This bundle is built from the same sources without
// splitting, so it is one file; each module that the listing does not load (the other commands,
// the spec API, the clientset, the cloud stores, ...) is built into it as one that throws
// FullCliNeeded (src/cli/full-cli.ts) when imported, and src/cli/main.ts then runs the command
// in the whole CLI. Keeping them out keeps the file small (about 190 KB, commander most of it).
import { resolve } from 'node:path';

/** The modules the listing imports dynamically (relative to the repository), and nothing else. */
const LISTING_MODULES = [
  'src/cli/get.ts', // the command table's entry for `get`
  'src/cli/get-clusters.ts',
  'state-store/backends/file-root.ts',
  'state-store/backends/file.ts',
];

/** Build options of the listing bundle (src/cli/listing-main.ts), the repository at `root`. */
export function listingBundle(root) {
  const kept = new Set(LISTING_MODULES.map((m) => resolve(root, m)));
  const fullCli = resolve(root, 'src/cli/full-cli.ts');
  return {
    entryPoints: ['src/cli/listing-main.ts'],
    splitting: false,
    plugins: [
      {
        name: 'listing-modules',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind !== 'dynamic-import') return undefined;
            const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
            return kept.has(target) ? undefined : { path: target, namespace: 'full-cli' };
          });
          // commander requires node:child_process at load, for executable subcommands (hoist has
          // none): loading it and the network modules it pulls in cost about 2 ms of CPU. Here
          // it is required when commander first spawns, which a listing never does.
          b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
            /node_modules\/commander\//.test(args.importer) ? { path: 'node:child_process', namespace: 'child-process-on-use' } : undefined,
          );
          b.onLoad({ filter: /.*/, namespace: 'child-process-on-use' }, () => ({
            contents: "module.exports = { get spawn() { return require('node:child_process').spawn; } };",
            loader: 'js',
          }));
          b.onLoad({ filter: /.*/, namespace: 'full-cli' }, (args) => ({
            contents: `import { FullCliNeeded } from ${JSON.stringify(fullCli)};\nthrow new FullCliNeeded(${JSON.stringify(args.path.slice(root.length))});\n`,
            loader: 'js',
            resolveDir: root,
          }));
        },
      },
    ],
  };
}

/** For the CLI's bundle: src/cli/main.ts imports the listing bundle as the file beside it. */
export function listingExternal() {
  return {
    name: 'listing-external',
    setup(b) {
      b.onResolve({ filter: /^\.\/listing-main\.js$/ }, () => ({ path: './hoist-list.js', external: true }));
    },
  };
}
