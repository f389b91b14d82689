/**
 * kops's fields for the two AWS identity webhooks: `spec.podIdentityWebhook` (the
 * amazon-eks-pod-identity-webhook, which gives the pods of IRSA service accounts their role) and
 * `spec.authentication.aws` (aws-iam-authenticator: users sign in with their IAM identity).
 * Names and shapes as in kops v1alpha2. What they mean once defaulted, and their rules, are
 * webhooks.ts.
 */

import * as z from 'zod';

export const PodIdentityWebhookSchema = z
  .strictObject({
    enabled: z.boolean().optional().describe('Install the pod identity webhook. Default: false.'),
    replicas: z.int().min(1).max(10).optional().describe('How many webhook pods run on the control plane. Default: 2.'),
  })
  .describe('aws: amazon-eks-pod-identity-webhook, which gives the pods of each service account of iam.serviceAccountExternalPermissions its role\'s credentials (a projected token and AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE), through a ConfigMap mapping them to their roles, and those of a service account annotated eks.amazonaws.com/role-arn that role\'s. Needs serviceAccountIssuerDiscovery with enableAWSOIDCProvider. Refused on other clouds.');

/** aws-iam-authenticator's backends, as its --backend-mode names them. */
export const AWS_AUTHENTICATOR_BACKENDS = ['MountedFile', 'EKSConfigMap', 'CRD'] as const;

const IAM_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:(role|user|assumed-role)\/\S+$/;

export const AwsIdentityMappingSchema = z.strictObject({
  arn: z
    .string()
    .regex(IAM_ARN, 'an IAM role or user ARN such as arn:aws:iam::123456789012:role/KubernetesAdmin')
    .meta({ description: 'The IAM role or user ARN whose holders this mapping signs in.', examples: ['arn:aws:iam::123456789012:role/KubernetesAdmin'] }),
  username: z.string().min(1).describe('The Kubernetes user name they get; may use {{SessionName}} and {{AccountID}}, as aws-iam-authenticator expands them.'),
  groups: z.array(z.string().min(1)).optional().meta({ description: 'The Kubernetes groups they are in.', examples: [['system:masters']] }),
});

export const AwsAuthenticationSchema = z
  .strictObject({
    backendMode: z
      .string()
      .optional()
      .meta({ description: 'Where aws-iam-authenticator reads the mappings: a comma-separated list of MountedFile (the ConfigMap hoist writes from identityMappings), EKSConfigMap (kube-system/aws-auth, yours) and CRD (IAMIdentityMapping objects; hoist writes identityMappings as them). Default: MountedFile.', examples: ['CRD,MountedFile'] }),
    clusterID: z.string().optional().describe('The cluster ID the tokens must be for (`aws eks get-token --cluster-name`, `aws-iam-authenticator token -i`). Default: the cluster\'s name.'),
    identityMappings: z.array(AwsIdentityMappingSchema).optional().describe('IAM roles and users, and the Kubernetes user and groups each signs in as.'),
  })
  .describe('aws: sign-in with AWS IAM identities through aws-iam-authenticator on the control plane: the API server asks it (--authentication-token-webhook-config-file) about each token. Refused on other clouds.');

/** Spread into the cluster's spec. */
export const PodIdentityWebhookShape = {
  podIdentityWebhook: PodIdentityWebhookSchema.optional(),
};
