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
/** An S3 bucket's name, as S3 allows it for a new bucket. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** An Elastic IP's allocation id. */
export const ALLOCATION_ID = /^eipalloc-[0-9a-f]+$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** kops's AccessLogSpec. */
const AccessLogSchema = z
  .strictObject({
    bucket: z.string().regex(BUCKET_NAME, 'an S3 bucket name such as example-api-logs').describe('The S3 bucket the load balancer writes its access logs to; its policy must let ELB write (docs/aws.md).'),
    bucketPrefix: z
      .string()
      .regex(/^[^/\s](.*[^/\s])?$/, 'a key prefix without a leading or trailing slash, such as api/logs')
      .refine((p) => !/AWSLogs/.test(p), 'a prefix without AWSLogs (ELB adds that part itself)')
      .optional()
      .describe('The key prefix of the logs. Default: none (the bucket\'s root).'),
    interval: z
      .number()
      .refine((m) => m === 5 || m === 60, '5 or 60 (minutes), the intervals ELB offers')
      .optional()
      .describe('Minutes between two log files of a Classic Load Balancer (5 or 60). hoist\'s API load balancer is a network load balancer, which writes its logs every 5 minutes: accepted as kops has it, and not sent.'),
  })
  .meta({ description: 'aws: the API load balancer\'s access logs, written to an S3 bucket (ELB\'s access_logs.s3 attributes). Taken off, logging is turned off.', examples: [{ bucket: 'example-api-logs', bucketPrefix: 'api' }] });

/** kops's LoadBalancerSubnetSpec. */
const LoadBalancerSubnetSchema = z.strictObject({
  name: z.string().min(1, 'the name of one of spec.subnets').describe('One of spec.subnets: one per zone.'),
  privateIPv4Address: z
    .string()
    .regex(IPV4, 'an IPv4 address such as 10.0.32.10')
    .optional()
    .describe('An Internal load balancer\'s address in this subnet (inside its CIDR). Default: one AWS picks.'),
  allocationId: z
    .string()
    .regex(ALLOCATION_ID, 'an Elastic IP allocation id such as eipalloc-0123456789abcdef0')
    .optional()
    .describe('A Public load balancer\'s Elastic IP in this subnet\'s zone. Default: an address AWS picks.'),
});

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
  accessLog: AccessLogSchema.optional(),
  subnets: z
    .array(LoadBalancerSubnetSchema)
    .min(1, 'at least one subnet (or leave subnets out)')
    .optional()
    .meta({
      description: 'aws: the subnets the load balancer sits in, by name, one per zone, with the address it takes in each. A Public load balancer takes Utility or Public subnets, an Internal one any. Default: one Utility (or Public) subnet per zone for a Public load balancer, one subnet of the control plane\'s per zone for an Internal one. A subnet added in a new zone is added in place; an address changed replaces the load balancer.',
      examples: [[{ name: 'utility-us-east-1a', allocationId: 'eipalloc-0123456789abcdef0' }]],
    }),
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
