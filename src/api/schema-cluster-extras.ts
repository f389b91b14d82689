/**
 * Cluster fields that kops users carry over: what their machines get (files, hooks, kernel
 * settings, packages, kubelet settings per role), the API's certificate names and load
 * balancer options, IAM policies on the machines' roles and the API server's authorizer.
 * Spread into ClusterSpecSchema (schema.ts); names and shapes as in kops v1alpha2.
 *
 * The roles a file or hook goes to are a parameter: schema.ts owns the list of roles, and this
 * file must not import it back (schema.ts imports this one).
 */

import * as z from 'zod';
import { KubeletSchema, StringMapSchema } from './schema-components.js';
import { IamServiceAccountShape, IrsaShape } from './schema-irsa.js';
import { PermissionsBoundaryShape } from './schema-lb-iam.js';
import { GceShape } from './schema-gce.js';

/** A `key=value` line of sysctl.conf. */
export const SysctlParametersSchema = z
  .array(z.string().regex(/^[A-Za-z0-9_./-]+=.*$/, 'a kernel setting such as net.ipv4.tcp_keepalive_time=200'))
  .meta({ description: 'Kernel settings, each `name=value` as in sysctl.conf. The InstanceGroup\'s win over the Cluster\'s, which win over hoist\'s.', examples: [['net.ipv4.tcp_keepalive_time=200']] });

export const PackagesSchema = z.array(z.string().regex(/^[a-z0-9][a-z0-9+.-]*$/, 'an OS package name such as nfs-common'));

/** kops's names: the OS's unattended upgrades on (automatic) or off (external: someone else's job). */
export const UPDATE_POLICIES = ['automatic', 'external'] as const;
export const UpdatePolicySchema = z
  .enum(UPDATE_POLICIES)
  .describe('OS updates on the machines: automatic (nodeup installs and enables unattended-upgrades) or external (nodeup turns apt\'s periodic upgrades off; updates come with new images). Default: the image\'s own setting.');

export const NtpSchema = z
  .strictObject({
    managed: z.boolean().optional().describe('true: nodeup installs chrony and points it at the cloud\'s time service. Default: false (the image\'s own time service).'),
  })
  .describe('The machines\' clock.');

type Roles = readonly [string, ...string[]];

export function fileAssetSchema(roles: Roles) {
  return z.strictObject({
    name: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'a name of lowercase letters, digits, "-" and "."').describe('Names the file in plans.'),
    path: z.string().regex(/^\/[^\0]*[^/]$/, 'an absolute file path such as /etc/audit/policy.yaml').describe('Where the file is written, an absolute path.'),
    roles: z.array(z.enum(roles)).optional().describe('The roles whose machines get the file. Default: every role.'),
    content: z.string().describe('The file\'s content.'),
    isBase64: z.boolean().optional().describe('`content` is base64 (binary files). Default: false.'),
    mode: z.string().regex(/^0?[0-7]{3}$/, 'an octal mode such as 0644').optional().describe('File mode. Default: 0440.'),
  });
}

export function hookSchema(roles: Roles) {
  return z.strictObject({
    name: z.string().regex(/^[a-zA-Z0-9_.@-]+$/, 'a systemd unit name such as ssh-banner.service').optional().describe('The systemd unit\'s name. Default: hoist-hook-<index>.service.'),
    disabled: z.boolean().optional().describe('Write the unit but leave it stopped (to switch a hook off).'),
    roles: z.array(z.enum(roles)).optional().describe('The roles whose machines run the hook. Default: every role.'),
    requires: z.array(z.string()).optional().describe('systemd units the hook requires.'),
    before: z.array(z.string()).optional().describe('systemd units the hook runs before, e.g. kubelet.service.'),
    execContainer: z
      .strictObject({
        image: z.string().describe('The image to run.'),
        command: z.array(z.string()).optional().describe('Its command and arguments.'),
        environment: StringMapSchema.optional(),
      })
      .optional()
      .describe('Run a container once at boot (containerd\'s ctr, host network).'),
    manifest: z.string().optional().describe('The [Service] section of the unit (or, with useRawManifest, the whole unit).'),
    useRawManifest: z.boolean().optional().describe('`manifest` is the whole unit file.'),
  });
}

const policyRoles = ['control-plane', 'master', 'node', 'bastion'] as const;

export function clusterExtrasShape(roles: Roles) {
  return {
    fileAssets: z.array(fileAssetSchema(roles)).optional().describe('Files written on the machines at boot, before the kubelet starts.'),
    hooks: z.array(hookSchema(roles)).optional().describe('systemd units run on the machines at boot.'),
    sysctlParameters: SysctlParametersSchema.optional(),
    packages: PackagesSchema.optional().describe('More OS packages to install on every machine.'),
    ntp: NtpSchema.optional(),
    updatePolicy: UpdatePolicySchema.optional(),
    controlPlaneKubelet: KubeletSchema.optional().describe('kubelet settings of control-plane machines, over spec.kubelet (kops: masterKubelet).'),
    additionalPolicies: z
      .partialRecord(z.enum(policyRoles), z.string())
      .optional()
      .meta({ description: 'aws: an IAM policy document (JSON) added to the role of control-plane (or master), node or bastion machines.', examples: [{ node: '[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}]' }] }),
    iam: z
      .strictObject({
        legacy: z.literal(false).optional().describe('Only false: kops\'s legacy all-powerful roles do not exist in hoist.'),
        allowContainerRegistry: z.literal(true).optional().describe('aws: machines may pull from the account\'s ECR repositories; hoist always grants it, so only true.'),
        ...IamServiceAccountShape,
        ...PermissionsBoundaryShape,
      })
      .optional()
      .describe('IAM settings of the machines\' roles, and the service accounts\' roles (IRSA).'),
    ...IrsaShape,
    additionalObjects: z
      .array(AdditionalObjectSchema)
      .optional()
      .describe('Objects kept with the cluster (docs/kops-migration.md): `create -f` keeps here the other kinds a spec file carries next to its Cluster; those with metadata.name are applied with the addons.'),
    authorization: z
      .strictObject({
        rbac: z.strictObject({}).optional().describe('Node and RBAC authorizers (the default).'),
        alwaysAllow: z.strictObject({}).optional().describe('Every request allowed: for tests only.'),
      })
      .optional()
      .describe('The API server\'s authorizer: set one of rbac or alwaysAllow. Default: rbac.'),
    encryptionConfig: z
      .boolean()
      .optional()
      .describe('Encrypt API objects at rest in etcd with the EncryptionConfiguration stored by `hoist create secret encryptionconfig` (the API server\'s --encryption-provider-config). Default: false.'),
    ...GceShape,
  };
}

/**
 * A Kubernetes object kept with the cluster: what a spec file carried besides its Cluster and
 * InstanceGroups (kops's additional objects). Its content is the API server's to judge, so
 * only what the addons need to apply it is checked here.
 */
export const AdditionalObjectSchema = z.looseObject({
  apiVersion: z.string().min(1),
  kind: z.string().min(1),
  // Component configurations (a KubeSchedulerConfiguration) have no metadata.
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional() }).optional(),
});

export const ApiExtrasShape = {
  additionalSANs: z
    .array(z.string())
    .optional()
    .meta({ description: 'More names and addresses in the API server\'s certificate (kops: spec.additionalSans).', examples: [['api.example.org', '203.0.113.10']] }),
};

export { policyRoles as POLICY_ROLES };
