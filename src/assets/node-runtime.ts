/**
 * The Node.js runtime a machine installs before it can run nodeup: the official linux-x64
 * tarball of the Node.js release hoist supports (package.json `engines`: Node 20), pinned by
 * its sha256 so that a boot script never runs an archive it did not expect.
 *
 * The .tar.gz is pinned rather than the smaller .tar.xz because gzip is on every stock Ubuntu
 * and Debian image, while xz-utils is not guaranteed on minimal ones.
 */

export interface NodeRuntime {
  readonly version: string;
  /** The archive's name in the release folder. */
  readonly fileName: string;
  /** Below a file repository's root, beside the other node assets (`nodejs/v<version>/<file>`). */
  readonly path: string;
  /** Where the Node.js project publishes it. */
  readonly upstream: string;
  /** The release's list of sums, which holds the archive's line. */
  readonly upstreamChecksum: { readonly url: string; readonly entry: string };
  /** Lower-case hex sha256 of the archive. */
  readonly sha256: string;
}

export interface NodeRuntimeAsset {
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
}

const VERSION = '20.20.2';
const FILE = `node-v${VERSION}-linux-x64.tar.gz`;

export const NODE_RUNTIME: NodeRuntime = {
  version: VERSION,
  fileName: FILE,
  path: `nodejs/v${VERSION}/${FILE}`,
  upstream: `https://nodejs.org/dist/v${VERSION}/${FILE}`,
  upstreamChecksum: { url: `https://nodejs.org/dist/v${VERSION}/SHASUMS256.txt`, entry: FILE },
  // From the release's SHASUMS256.txt, as quoted in the release notes
  // (nodejs/nodejs.org: apps/site/pages/en/blog/release/v20.20.2.md); the .tar.xz is
  // df770b2a6f130ed8627c9782c988fda9669fa23898329a61a871e32f965e007d.
  sha256: '19e56f0825510207dd904f087fe52faa0a4eb6b2aab5f0ea7a33830d04888b8b',
};

/** The runtime's URL and pin: below `fileRepository` when the cluster has one, else upstream. */
export function nodeRuntimeAsset(fileRepository?: string): NodeRuntimeAsset {
  const base = fileRepository?.replace(/\/+$/, '');
  return {
    version: NODE_RUNTIME.version,
    url: base === undefined || base === '' ? NODE_RUNTIME.upstream : `${base}/${NODE_RUNTIME.path}`,
    sha256: NODE_RUNTIME.sha256,
  };
}
