/**
 * kops's `subnets[].additionalRoutes`: routes the private route table of a subnet gets besides
 * hoist's own (the way out). Spread into SubnetSchema (schema.ts); names and shapes as in kops
 * v1alpha2. What the schema cannot say (a CIDR, the targets a cloud routes to, which subnets
 * may have them) is validate-routes.ts's and the cloud's (cloudup/aws/route-rules.ts).
 */

import * as z from 'zod';

export const SubnetRouteSchema = z.strictObject({
  cidr: z.string().meta({ description: 'The destination: an IPv4 range, or an IPv6 range in an IPv6 cluster.', examples: ['10.100.0.0/16'] }),
  target: z
    .string()
    .meta({
      description:
        'Where it goes, by id (aws): a transit gateway (tgw-…), a VPC peering connection (pcx-…), a NAT gateway (nat-…), an instance (i-…), an internet gateway (igw-…), an egress-only internet gateway (eigw-…, IPv6 destinations) or a Gateway Load Balancer endpoint (vpce-…).',
      examples: ['tgw-0123456789abcdef0'],
    }),
});

export const SubnetRoutesShape = {
  additionalRoutes: z
    .array(SubnetRouteSchema)
    .optional()
    .describe('aws: more routes in the route table of a Private subnet hoist makes (the zone\'s private route table, shared by the zone\'s Private subnets), as kops. A route taken off the list is deleted.'),
};

export type SubnetRoute = z.infer<typeof SubnetRouteSchema>;
