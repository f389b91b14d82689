// An esbuild plugin for dist/nodeup.mjs: the etcd3 client reads its gRPC definitions at load
// from `<its folder>/../proto/rpc.proto`, which a machine that downloaded nodeup.mjs alone does
// not have (control-plane machines use the client). The plugin parses the definitions at build
// time, exactly as the client would (the same proto-loader and options), and gives the client
// them as JSON (proto-loader's fromJSON) instead of a file name.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const LOAD = '(0, proto_loader_1.loadSync)(`${__dirname}/../proto/rpc.proto`, {';

export function embedEtcdProtos() {
  return {
    name: 'embed-etcd-protos',
    setup(build) {
      build.onLoad({ filter: /[\\/]etcd3[\\/]lib[\\/]connection-pool\.js$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        // Fail the build, not a machine, when a new etcd3 loads its definitions another way.
        if (source.split(LOAD).length !== 2) throw new Error(`${args.path}: the etcd3 client no longer loads ${LOAD}; update src/build/embed-etcd-protos.mjs`);
        const require = createRequire(args.path);
        const { loadProtosWithOptionsSync } = require('@grpc/proto-loader/build/src/util');
        // The options the client passes; only keepCase changes what is parsed.
        const root = loadProtosWithOptionsSync(join(dirname(args.path), '../proto/rpc.proto'), { keepCase: true });
        const contents = source.replace(LOAD, `(0, proto_loader_1.fromJSON)(${JSON.stringify(root.toJSON())}, {`);
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
