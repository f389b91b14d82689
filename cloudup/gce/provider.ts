/** Google Compute Engine as hoist sees it. Its clients load with the first session. */

import { dnsApiServerUrl } from '../api-endpoint.js';
import { validateSpecSet } from '../../src/api/index.js';
import type { CloudSession, Provider } from '../provider.js';
import { API_PORT } from './names.js';
import { gceSpecRules } from './spec-rules.js';

export const gceProvider: Provider = {
  name: 'gce',
  validate: (spec) => validateSpecSet(spec.cluster, spec.instanceGroups, gceSpecRules),
  open: async (spec, options) => (await import('./session.js')).openGceSession(spec, options) as Promise<CloudSession>,
  // Machines fetch the upstream releases.
  assetRepository: async () => undefined,
  apiServerUrl: (spec, options) => dnsApiServerUrl(gceProvider, spec, options),
  // The forwarding rule's port, which is the API servers' own: a network load balancer keeps it.
  apiPort: API_PORT,
};
