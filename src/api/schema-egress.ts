/**
 * kops's `egressProxy`: the HTTP proxy every machine reaches the internet through, and what it
 * does not use the proxy for. Spread into ClusterSpecSchema (schema.ts); names and shapes as in
 * kops v1alpha2. Completion (the cluster's own addresses added to `excludes`) and the rules the
 * schema cannot say are egress-proxy.ts.
 */

import * as z from 'zod';

export const EgressProxySchema = z
  .strictObject({
    httpProxy: z
      .strictObject({
        host: z.string().meta({ description: 'The proxy\'s DNS name or IP address, without a scheme or port.', examples: ['proxy.corp.example'] }),
        port: z.int().min(1).max(65535).meta({ description: 'The proxy\'s port.', examples: [3128] }),
      })
      .describe('The proxy, for both http and https traffic (as kops: one proxy for both).'),
    excludes: z
      .string()
      .optional()
      .meta({
        description:
          'Comma list of what the machines reach directly (no_proxy): names (a suffix match: corp.example matches images.corp.example), IP addresses and CIDRs. hoist adds the cluster\'s own (127.0.0.1, localhost, the cluster domain (clusterDNSDomain), the API names, the cluster name, the network, service and pod ranges, the metadata service).',
        examples: ['corp.example,10.10.0.0/16'],
      }),
  })
  .describe('An HTTP proxy for the machines: nodeup writes http_proxy, https_proxy and no_proxy for containerd, the kubelet, the control plane and package downloads, and the boot script uses it for its own downloads.');

export const EgressProxyShape = {
  egressProxy: EgressProxySchema.optional(),
};
