/** Google Compute Engine as hoist sees it. Its clients load with the first session. */

import { dnsApiServerUrl } from '../api-endpoint.js';
import type { CloudSession, Provider } from '../provider.js';

export const gceProvider: Provider = {
  name: 'gce',
  open: async (spec, options) => (await import('./session.js')).openGceSession(spec, options) as Promise<CloudSession>,
  // Machines fetch the upstream releases.
  assetRepository: async () => undefined,
  apiServerUrl: (spec, options) => dnsApiServerUrl(gceProvider, spec, options),
};
