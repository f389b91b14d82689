/**
 * kops's `authentication` (OpenID Connect and aws-iam-authenticator for the API server), the
 * pod identity webhook (schema-webhooks.ts), the node termination handler (schema-node-termination.ts) and the `cloudConfig` settings
 * hoist carries (its storage classes and CSI drivers). Spread into ClusterSpecSchema (schema.ts);
 * names and shapes as in kops v1alpha2. What they mean once defaulted is auth-cloud.ts.
 */

import * as z from 'zod';
import { StringMapSchema } from './schema-components.js';
import { AwsAuthenticationSchema, PodIdentityWebhookShape } from './schema-webhooks.js';
import { NodeTerminationHandlerShape } from './schema-node-termination.js';

export const OidcAuthenticationSchema = z
  .strictObject({
    issuerURL: z
      .string()
      .optional()
      .meta({ description: 'The OpenID issuer, an https URL (the tokens\' "iss"): the API server\'s --oidc-issuer-url. Required.', examples: ['https://accounts.example.com'] }),
    clientID: z.string().optional().meta({ description: 'The client ID the tokens are issued for (their "aud"): --oidc-client-id. Required.', examples: ['kubernetes'] }),
    usernameClaim: z.string().optional().describe('The claim that names the user: --oidc-username-claim. Default: the API server\'s (sub).'),
    usernamePrefix: z.string().optional().meta({ description: 'Put before every user name, so that none clashes with another authenticator\'s: --oidc-username-prefix.', examples: ['oidc:'] }),
    groupsClaims: z
      .array(z.string())
      .optional()
      .meta({ description: 'The claim that lists the user\'s groups: --oidc-groups-claim. One claim (the API server reads one).', examples: [['groups']] }),
    groupsPrefix: z.string().optional().meta({ description: 'Put before every group name: --oidc-groups-prefix.', examples: ['oidc:'] }),
    requiredClaims: StringMapSchema.optional().meta({
      description: 'Claims every token must carry with these values: one --oidc-required-claim each.',
      examples: [{ hd: 'example.com' }],
    }),
  })
  .describe('Sign-in with an OpenID Connect provider\'s ID tokens, beside client certificates.');

export const AuthenticationSchema = z
  .strictObject({ oidc: OidcAuthenticationSchema.optional(), aws: AwsAuthenticationSchema.optional() })
  .describe('How users sign in to the API server besides client certificates: oidc, aws (aws-iam-authenticator), or both. kops\'s kopeio webhook is not supported.');

const driverSwitch = (what: string) =>
  z.strictObject({ enabled: z.boolean().optional().describe(`Install ${what}. Default: true.`) });

export const CloudConfigSchema = z
  .strictObject({
    manageStorageClasses: z
      .boolean()
      .optional()
      .describe('Install hoist\'s default StorageClass with the cloud\'s CSI driver (gp3 on aws, balanced-csi on gce). false: no StorageClass is installed; bring your own. Default: true.'),
    awsEBSCSIDriver: driverSwitch('the EBS CSI driver (aws)').optional().describe('aws: the EBS CSI driver addon. Refused on other clouds.'),
    gcpPDCSIDriver: driverSwitch('the persistent disk CSI driver (gce)').optional().describe('gce: the Compute Engine persistent disk CSI driver addon. Refused on other clouds.'),
    gceServiceAccount: z
      .string()
      .optional()
      .meta({
        description: 'gce: an existing service account every machine runs as (its email, or default for the project\'s default compute account), instead of the accounts hoist makes per role; hoist neither makes nor deletes it and gives it no project role. Refused on other clouds.',
        examples: ['k8s@my-project.iam.gserviceaccount.com'],
      }),
  })
  .describe('Settings of the cloud\'s addons, as kops names them.');

export const AuthCloudShape = {
  authentication: AuthenticationSchema.optional(),
  cloudConfig: CloudConfigSchema.optional(),
  ...PodIdentityWebhookShape,
  ...NodeTerminationHandlerShape,
};
