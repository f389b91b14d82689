// Bundles the CLI into dist/ with esbuild. One bundle starts far faster than
// thousands of node_modules files; code splitting keeps each cloud's SDK in its
// own chunk, loaded only by the commands that need that cloud.
//
// dist/hoist-list.js is `hoist get clusters` printing a table, in one file (see listing.mjs).
//
// dist/nodeup.mjs is the nodeup command alone in one file (no chunks): machines
// download it at boot from the state store, pinned by its sha256, so it must be
// a single file whose bytes depend only on the sources.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { chmod, cp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { embedChannels } from './embed-channels.mjs';
import { embedEtcdProtos } from './embed-etcd-protos.mjs';
import { staticSchemaKeys } from './static-schema-keys.mjs';
import { listingBundle, listingExternal } from './listing.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
// `node src/build/bundle.mjs [folder]`: dist/ by default; another folder lets a benchmark build
// without replacing the dist/ that tests are running.
const out = resolve(root, process.argv[2] ?? 'dist');
await rm(out, { recursive: true, force: true });
const banner = {
  js: [
    '#!/usr/bin/env node',
    "import { createRequire as __hoistCreateRequire } from 'node:module';",
    "import { fileURLToPath as __hoistFileURLToPath } from 'node:url';",
    "import { dirname as __hoistDirname } from 'node:path';",
    'const require = __hoistCreateRequire(import.meta.url);',
    // CommonJS packages in the bundle (google-gax) read their own folder at load.
    'const __filename = __hoistFileURLToPath(import.meta.url);',
    'const __dirname = __hoistDirname(__filename);',
  ].join('\n'),
};
const common = { absWorkingDir: root, bundle: true, format: 'esm', platform: 'node', target: 'node20', legalComments: 'none', logLevel: 'warning', banner, plugins: [embedChannels()] };
await build({
  ...common,
  // The CLI, and the agent every local cloud instance runs (see cloudup/local/agent-main.ts).
  entryPoints: { hoist: 'src/cli/main.ts', agent: 'cloudup/local/agent-main.ts' },
  plugins: [embedChannels(), listingExternal(), staticSchemaKeys()],
  // A package's ES module build ("module") before its CommonJS one ("main"): the AWS SDK's
  // clients name their ES modules only so, and their CommonJS entries carry every command of the
  // service (EC2 has hundreds), which esbuild cannot tree-shake. A plan's start-up took about
  // 0.3 s of CPU less (docs/benchmarks.md). The bundles below keep their bytes as they were.
  mainFields: ['module', 'main'],
  outdir: out,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  sourcemap: 'linked',
});
// `hoist get clusters` printing a table, in one file of its own (see listing.mjs).
const listing = listingBundle(root);
await build({ ...common, ...listing, plugins: [...listing.plugins, embedChannels()], outfile: `${out}/hoist-list.js`, sourcemap: 'linked' });
// No source map: a machine fetches this one file, and a map's name in it would point nowhere.
// It carries the etcd client's gRPC definitions itself, having no dist/proto beside it.
// Whitespace and syntax are minified, names are not (a machine's stack traces still read): every
// machine downloads and hashes it at boot and Node.js reads it at each start, and the file went
// from 41 MB to 17 MB (most of it Compute's API definitions and the Kubernetes client), its start
// from 0.44 s to 0.36 s and 200 MB to 122 MB of memory (docs/benchmarks.md).
await build({ ...common, entryPoints: ['src/cli/nodeup-main.ts'], outfile: `${out}/nodeup.mjs`, plugins: [embedEtcdProtos(), embedChannels()], minifyWhitespace: true, minifySyntax: true });
// The local cloud's kube-apiserver and kube-controller-manager stand-ins (cloudup/local/apiserver/stand-in-program.ts):
// CommonJS, evaluated by a wrapper that runs as either module kind; the etcd client's definitions inside.
await build({ ...common, banner: {}, format: 'cjs', minify: true, entryPoints: ['cloudup/local/apiserver/stand-in-main.ts'], outfile: `${out}/control-plane-stand-in.cjs`, plugins: [embedEtcdProtos(), embedChannels()] });
// The kubelet stand-in's API client (cloudup/local/kubelet/stand-in-program.ts), CommonJS like the one above.
await build({ ...common, banner: {}, format: 'cjs', minify: true, entryPoints: ['cloudup/local/kubelet/stand-in-main.ts'], outfile: `${out}/kubelet-stand-in.cjs` });
// The etcd3 client reads its gRPC definitions at load, from `<its folder>/../proto`: dist/ and dist/chunks/ both find them here.
await cp(`${root}/node_modules/etcd3/proto`, `${out}/proto`, { recursive: true });
// dist/ is ES modules by the repository's package.json; a bundle built in another folder (a
// benchmark's) says so itself, or Node.js 20 first tries every chunk it loads as CommonJS.
await writeFile(`${out}/package.json`, '{ "type": "module" }\n');
await chmod(`${out}/hoist.js`, 0o755);
await chmod(`${out}/agent.js`, 0o755);
await chmod(`${out}/nodeup.mjs`, 0o755);
// The nodeup bundle's sha256, which every plan pins, recorded with the size and mtime it is of
// (cloudup/nodeup/bundle.ts trusts it only while they match).
const nodeupBytes = await readFile(`${out}/nodeup.mjs`);
const nodeupInfo = await stat(`${out}/nodeup.mjs`);
await writeFile(`${out}/nodeup.mjs.sha256`, `${createHash('sha256').update(nodeupBytes).digest('hex')} ${nodeupInfo.size}:${nodeupInfo.mtimeMs}\n`);
