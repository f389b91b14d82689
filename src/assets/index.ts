/** Node assets: what each node downloads, where from, and the checksums that pin them. */

export { ASSET_NAMES, DEFAULT_CONTAINERD, assetLocations, assetSources, etcdVersionFor, plainVersion } from './catalog.js';
export type { AssetLocation, AssetName, AssetRole, AssetSource, PinnedAsset } from './catalog.js';
export { parseChecksumFile, pinAssets } from './checksums.js';
export type { ReadLocation } from './checksums.js';
export { downloadTo, readLocation, sha256File } from './location.js';
export { NODE_RUNTIME, nodeRuntimeAsset } from './node-runtime.js';
export type { NodeRuntime, NodeRuntimeAsset } from './node-runtime.js';
