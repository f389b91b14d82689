/**
 * IAM roles for service accounts (IRSA) on AWS, as kops makes them: the issuer's two discovery
 * documents in the discovery store, an IAM OIDC provider that trusts the issuer
 * (enableAWSOIDCProvider), and one role per entry of iam.serviceAccountExternalPermissions,
 * named `<name>.<namespace>.sa.<cluster>`, that only that service account's tokens may assume,
 * with its managed policies attached, its inline policy and the cluster's permissions boundary.
 * The roles live under the cluster's IAM path, so discovery finds them with the machines' roles
 * and a teardown deletes them.
 */

import { AWS_STS_AUDIENCE, JWKS_PATH, OIDC_CONFIGURATION_PATH, inlineStatements, irsaSettings } from '../../../src/api/irsa.js';
import type { ServiceAccountRole } from '../../../src/api/irsa.js';
import type { SettledSpec } from '../../../src/api/validate-settled.js';
import type { Fields, Task, Value } from '../../../src/engine/task.js';
import { idOf, ref } from '../../../src/engine/task.js';
import { jwksOf } from '../../../src/pki/jwks.js';
import type { BootOptions } from '../../provider.js';
import { iamPath, serviceAccountRoleName } from '../names.js';
import { PENDING_KEYS, discoveryDocumentTask, documentName, openidConfiguration } from '../../discovery-documents.js';
import { attachmentName, iamRolePolicyAttachmentTask } from '../tasks/iam-role-policy-attachment.js';
import { iamRolePolicyTask } from '../tasks/iam-role-policy.js';
import { iamRoleTask } from '../tasks/iam-role.js';
import { permissionsBoundary } from './iam.js';
import { oidcProviderTask } from '../tasks/oidc-provider.js';

/**
 * SHA-1 fingerprints of the root certificates S3's TLS chains end in, as kops gives them. IAM
 * checks the issuer's certificate against them (it trusts well-known roots by itself for some
 * hosts, and then ignores them).
 */
export const S3_THUMBPRINTS = ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280', 'a9d53002e97e00e043244f3d170d6f4c414104fd'] as const;

/** Only the service account's tokens, issued for STS, may assume its role. */
export function serviceAccountTrustPolicy(provider: Value, issuer: string, sa: Pick<ServiceAccountRole, 'name' | 'namespace'>): Fields {
  const host = issuer.replace(/^https:\/\//, '');
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: provider },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${host}:sub`]: `system:serviceaccount:${sa.namespace}:${sa.name}`, [`${host}:aud`]: AWS_STS_AUDIENCE } },
      },
    ],
  };
}

export function irsaTasks(spec: SettledSpec, boot: Pick<BootOptions, 'serviceAccountKeys'>): Task[] {
  const settings = irsaSettings(spec.cluster);
  if (settings === undefined) return [];
  const cluster = spec.cluster.metadata.name;
  const keys = boot.serviceAccountKeys;
  const configuration = discoveryDocumentTask(documentName(OIDC_CONFIGURATION_PATH, cluster), { folder: settings.folder, key: OIDC_CONFIGURATION_PATH, document: openidConfiguration(settings) });
  const jwks = discoveryDocumentTask(documentName(JWKS_PATH, cluster), {
    folder: settings.folder,
    key: JWKS_PATH,
    document: keys === undefined ? { keys: PENDING_KEYS } : (jwksOf(keys) as unknown as Fields),
  });
  const tasks: Task[] = [configuration, jwks];
  if (!settings.enableAWSOIDCProvider) return tasks;
  // IAM reads nothing from the issuer when the provider is made; STS reads the documents at each
  // AssumeRoleWithWebIdentity. They are written first all the same, so a role is never usable before.
  const provider = oidcProviderTask(
    cluster,
    { url: settings.issuer, clientIds: [...settings.clientIds].sort(), thumbprints: [...S3_THUMBPRINTS] },
    { dependsOn: [idOf(configuration), idOf(jwks)] },
  );
  tasks.push(provider);
  const providerId = idOf(provider);
  for (const sa of settings.serviceAccounts) {
    const roleName = serviceAccountRoleName(sa, cluster);
    const role = iamRoleTask(roleName, { roleName, path: iamPath(cluster), assumeRolePolicyDocument: serviceAccountTrustPolicy(ref(providerId, 'arn'), settings.issuer, sa), permissionsBoundary: permissionsBoundary(spec) }, { dependsOn: [providerId] });
    const roleId = idOf(role);
    tasks.push(role);
    for (const arn of sa.policyARNs) {
      tasks.push(iamRolePolicyAttachmentTask(attachmentName(roleName, arn), { roleName: ref(roleId), policyArn: arn }, { dependsOn: [roleId] }));
    }
    if (sa.inlinePolicy !== undefined) {
      const document = { Version: '2012-10-17', Statement: inlineStatements(sa.inlinePolicy) as Fields[] };
      tasks.push(iamRolePolicyTask(roleName, { roleName: ref(roleId), policyName: roleName, policyDocument: document }, { dependsOn: [roleId] }));
    }
  }
  return tasks;
}
