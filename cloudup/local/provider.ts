/**
 * The embedded local cloud as hoist sees it. Its machines run stand-in programs from a mirror
 * in the local cloud's folder, and its API address is the one the cloud gave the API's load
 * balancer, not a DNS name.
 */

import { join } from 'node:path';
import { assetSources } from '../../src/assets/index.js';
import { HoistError } from '../../src/errors.js';
import { validateSpecSet } from '../../src/api/index.js';
import type { CloudSession, Provider } from '../provider.js';
import { localSpecRules } from './spec-rules.js';
import { localApiUrl } from './api-endpoint.js';
import { connectLocalCloud } from './client.js';
import { localCloudDir } from './files.js';
import { apiLoadBalancerName } from './model/names.js';

export const localProvider: Provider = {
  name: 'local',
  validate: (spec) => validateSpecSet(spec.cluster, spec.instanceGroups, localSpecRules),
  // Every local cloud on the machine shares the loopback interface: a new cluster takes a free range.
  reserveNetworkRange: async (request) => (await import('./new-range.js')).reserveNewClusterRange(request),
  open: async (spec, options) => (await import('./session.js')).openLocalSession(spec, options) as Promise<CloudSession>,
  assetRepository: async (spec, env) => {
    // The archive builder is loaded only by plans that need the stand-in mirror.
    const { ensureLocalMirror } = await import('./stand-ins/index.js');
    return ensureLocalMirror(join(localCloudDir(env), 'assets'), assetSources(spec));
  },
  // The instances install the host's own node, from the same mirror, as real machines install nodejs.org's.
  nodeRuntime: async (_spec, env) => (await import('./stand-ins/index.js')).ensureLocalNodeRuntime(join(localCloudDir(env), 'assets')),
  apiServerUrl: async (spec, options) => {
    const cluster = spec.cluster.metadata.name;
    const client = await connectLocalCloud({ env: options.env, autoStart: false, ...(options.events ? { events: options.events } : {}) });
    const url = await localApiUrl(client, cluster);
    if (url === undefined) {
      throw new HoistError('NOT_FOUND', `the API load balancer ${apiLoadBalancerName(cluster)} of ${cluster} does not exist in the local cloud`, { hint: `create the cluster's resources with: hoist update cluster ${cluster} --yes` });
    }
    return url;
  },
};
