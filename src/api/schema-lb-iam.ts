/**
 * kops's options of the API load balancer and the managed policies of the machines' roles:
 * spread into ClusterSpecSchema (schema.ts) and its `api.loadBalancer`. Names and shapes as in
 * kops v1alpha2. What needs other fields (an sslPolicy without an sslCertificate) is the AWS
 * spec rules' to check (cloudup/aws/spec-rules.ts).
 */

import * as z from 'zod';

/** An ACM certificate or an IAM server certificate, as an ELB listener takes either. */
export const CERTIFICATE_ARN = /^arn:[a-z0-9-]+:(acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+|iam::\d{12}:server-certificate\/[\w+=,.@/-]+)$/;
/** A security group id; kops's own test specs use ids that are not hex (sg-exampleid5). */
const SECURITY_GROUP_ID = /^sg-[0-9A-Za-z]+$/;
/** A managed IAM policy's ARN (the account's own or AWS's: `arn:aws:iam::aws:policy/…`). */
export const POLICY_ARN = /^arn:[a-z0-9-]+:iam::(\d{12}|aws):policy\/[\w+=,.@/-]+$/;

export const LoadBalancerExtrasShape = {
  sslCertificate: z
    .string()
    .regex(CERTIFICATE_ARN, 'an ACM certificate ARN such as arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d-…')
    .optional()
    .describe('aws: the certificate of a TLS listener on 443 that ends TLS at the load balancer, as kops does; clients with client certificates (machines, hoist\'s kubeconfigs) then use a TCP listener on 8443.'),
  sslPolicy: z
    .string()
    .regex(/^[\w-]+$/, 'an ELB security policy name such as ELBSecurityPolicy-TLS13-1-2-2021-06')
    .optional()
    .describe('aws: the TLS listener\'s security policy (with sslCertificate). Default: the load balancer\'s.'),
  crossZoneLoadBalancing: z.boolean().optional().describe('aws: spread connections over the API servers of every zone. Default: false, as kops.'),
  additionalSecurityGroups: z
    .array(z.string().regex(SECURITY_GROUP_ID, 'a security group id such as sg-0123456789abcdef0'))
    .optional()
    .describe('aws: security groups attached to the load balancer besides hoist\'s own (api-elb.<cluster>), which hoist makes only then.'),
};

/** Spread into `spec.iam`. */
export const PermissionsBoundaryShape = {
  permissionsBoundary: z
    .string()
    .regex(POLICY_ARN, 'a managed policy ARN such as arn:aws:iam::123456789012:policy/boundaries')
    .optional()
    .meta({
      description: 'aws: the managed policy that bounds every IAM role hoist makes (the machines\' roles and the service accounts\' roles): a role may do only what both its own policies and the boundary allow. Taken off, the roles lose it. Refused on other clouds.',
      examples: ['arn:aws:iam::123456789012:policy/boundaries'],
    }),
};

const policyArns = z.array(z.string().regex(POLICY_ARN, 'a managed policy ARN such as arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'));

export const ExternalPoliciesShape = {
  externalPolicies: z
    .strictObject({
      'control-plane': policyArns.optional(),
      master: policyArns.optional(),
      node: policyArns.optional(),
      bastion: policyArns.optional(),
    })
    .optional()
    .meta({
      description: 'aws: managed IAM policies attached to the role of control-plane (or master), node or bastion machines; one taken off the list is detached.',
      examples: [{ node: ['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'] }],
    }),
};
