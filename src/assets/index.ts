/** Node assets: what each node downloads, where from, and the checksums that pin them. */

export { ASSET_NAMES, DEFAULT_CONTAINERD, assetLocations, assetSources, etcdVersionFor, hashOf, plainVersion } from './catalog.js';
export type { AssetHash, AssetLocation, AssetName, AssetRole, AssetSource, ChecksumSource, HashAlgorithm, PinnedAsset } from './catalog.js';
export { parseChecksumFile, parseSumsList, pinAssets, pinLocation, readChecksum } from './checksums.js';
export type { ReadLocation } from './checksums.js';
export { KNOWN_FILES, KNOWN_IMAGES, knownFile, knownImage } from './known.js';
export type { KnownFile, KnownImage } from './known.js';
export { downloadTo, hashFile, readLocation, sha256File } from './location.js';
export { NODE_RUNTIME, nodeRuntimeAsset } from './node-runtime.js';
export type { NodeRuntime, NodeRuntimeAsset } from './node-runtime.js';
