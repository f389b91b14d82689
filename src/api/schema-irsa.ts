/**
 * kops's fields for service account issuer discovery and IAM roles for service accounts
 * (IRSA): `spec.serviceAccountIssuerDiscovery` and two fields of `spec.iam`. Names and shapes
 * as in kops v1alpha2; spread into the cluster's schema (schema-cluster-extras.ts). What needs
 * more than one field is checked in irsa.ts (every cloud) and by the cloud's spec rules.
 */

import * as z from 'zod';
import { POLICY_ARN } from './schema-lb-iam.js';

/** A Kubernetes namespace or service account name (a DNS-1123 subdomain of at most 253). */
const K8S_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
/** A GCP service account's email: `<id>@<project>.iam.gserviceaccount.com`, or a Google-managed one. */
const GCP_ACCOUNT = /^[a-z][-a-z0-9]{4,28}[a-z0-9]@[-a-z0-9.:]+\.gserviceaccount\.com$/;

export const ServiceAccountExternalPermissionSchema = z.strictObject({
  name: z.string().regex(K8S_NAME, 'a service account name such as external-dns').describe('The service account\'s name.'),
  namespace: z.string().regex(K8S_NAME, 'a namespace such as kube-system').describe('The service account\'s namespace.'),
  aws: z
    .strictObject({
      policyARNs: z
        .array(z.string().regex(POLICY_ARN, 'a managed policy ARN such as arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'))
        .optional()
        .describe('Managed policies attached to the service account\'s role.'),
      inlinePolicy: z.string().optional().describe('An IAM policy (JSON: a list of statements, or a document) put on the role as its inline policy.'),
    })
    .optional()
    .describe('aws: the permissions of the service account\'s IAM role, which hoist makes as kops names it: <name>.<namespace>.sa.<cluster>.'),
  gcp: z
    .strictObject({
      serviceAccount: z
        .string()
        .regex(GCP_ACCOUNT, 'a GCP service account\'s email such as external-dns@my-project.iam.gserviceaccount.com')
        .describe('The existing GCP service account the Kubernetes service account may act as: hoist grants its principal in the cluster\'s workload identity pool roles/iam.workloadIdentityUser on it.'),
    })
    .optional()
    .describe('gce: what the service account may do in GCP, through the cluster\'s workload identity pool (not in kops, whose field is aws only).'),
});

export const ServiceAccountIssuerDiscoverySchema = z
  .strictObject({
    discoveryStore: z
      .string()
      .optional()
      .meta({
        description: 'A publicly readable store where hoist publishes the OIDC discovery documents of the service-account issuer, under a folder named after the cluster; the issuer is its public https:// address. aws: an s3:// bucket without dots in its name that allows anonymous s3:GetObject on that folder (docs/aws.md). gce: a gs:// bucket (not the state store\'s), which hoist makes readable by anyone (allUsers roles/storage.objectViewer, docs/gce.md). local: hoist sets the API server\'s issuer flags to it but publishes nothing there.',
        examples: ['s3://example-oidc-discovery'],
      }),
    enableAWSOIDCProvider: z.boolean().optional().describe('aws: make an IAM OpenID Connect provider for the issuer, trusted by the service accounts\' roles. Default: false.'),
    additionalAudiences: z.array(z.string().min(1)).optional().describe('More audiences: the API server accepts them (--api-audiences); on aws the OIDC provider lists them as client ids, after amazonaws.com; on gce the workload identity provider allows them, after its own name.'),
  })
  .describe('Publish the service-account issuer so that others (AWS STS, GCP STS) can verify the cluster\'s service-account tokens.');

/** Spread into the cluster's spec. */
export const IrsaShape = {
  serviceAccountIssuerDiscovery: ServiceAccountIssuerDiscoverySchema.optional(),
};

/** Spread into `spec.iam`. */
export const IamServiceAccountShape = {
  useServiceAccountExternalPermissions: z.boolean().optional().describe('aws: give the service accounts of serviceAccountExternalPermissions IAM roles of their own (IRSA). gce: make a workload identity pool and provider that trust the issuer, and bind the GCP service accounts of the entries. Needs serviceAccountIssuerDiscovery.discoveryStore.'),
  serviceAccountExternalPermissions: z.array(ServiceAccountExternalPermissionSchema).optional().describe('The service accounts that get cloud permissions: aws, an IAM role and its policies; gce, a GCP service account they may act as.'),
};
