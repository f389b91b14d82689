/** AWS as hoist sees it. The SDK loads with the first session, or with the Terraform renderers. */

import { dnsApiServerUrl } from '../api-endpoint.js';
import { validateSpecSet } from '../../src/api/index.js';
import type { CloudSession, Provider } from '../provider.js';
import { apiClientPort } from './model/names.js';
import { awsSpecRules } from './spec-rules.js';

export const awsProvider: Provider = {
  name: 'aws',
  validate: (spec) => validateSpecSet(spec.cluster, spec.instanceGroups, awsSpecRules),
  open: async (spec, options) => (await import('./session.js')).openAwsSession(spec, options) as Promise<CloudSession>,
  // Machines fetch the upstream releases.
  assetRepository: async () => undefined,
  apiServerUrl: (spec, options) => dnsApiServerUrl(awsProvider, spec, options),
  // The API load balancer's listener (443, as kops), which forwards to the API servers' 6443;
  // 8443 when the 443 listener ends TLS (spec.api.loadBalancer.sslCertificate).
  apiPort: apiClientPort,
  terraform: async () => {
    const [{ buildAwsTasks }, { renderAwsTerraform }, { refuseImageNames }] = await Promise.all([import('./model/index.js'), import('./terraform/index.js'), import('./images.js')]);
    return {
      // A spec that names no dnsZone has its zone found in Route 53 (the SDK loads only then).
      prepare: async (spec, options) => (await import('./dns-zone.js')).withFoundHostedZoneFromEnv(spec, options),
      buildTasks: (spec, boot) => buildAwsTasks(refuseImageNames(spec), boot),
      render: renderAwsTerraform,
    };
  },
};
