/** The cloud side of nodeup: the node configurations `update cluster` plans and writes. */

export { CA_KEYSETS, CONTROL_PLANE_SECRETS, NODE_CREDENTIALS, buildNodeupConfig, buildNodeupConfigs, hashText, nodeupConfigFile } from './build.js';
export type { BuildNodeupOptions, NodeupConfigFile, NodeupConfigs } from './build.js';
export { planNodeupConfigs } from './plan.js';
export type { PlanNodeupOptions } from './plan.js';
export { writeNodeupConfigs } from './write.js';
export type { WriteResult } from './write.js';
export { credentialRequest, writeNodeCredentials } from './credentials.js';
export { prepareNodes } from './prepare.js';
