/**
 * spec.authentication.aws: aws-iam-authenticator, as kops runs it. A DaemonSet on every machine
 * with an API server (control plane and APIServer machines), on the host network at
 * 127.0.0.1:21362, where the API server's token webhook (nodeup: --authentication-token-webhook-config-file)
 * asks it who a bearer token belongs to; it asks AWS STS and maps the IAM identity to a
 * Kubernetes user and groups.
 *
 * Its serving certificate and key are issued by nodeup from the cluster CA into its state folder
 * on the host (nodeup/model/webhooks.ts), as kops's nodeup does. identityMappings become the
 * mounted file's mapRoles and mapUsers (backend MountedFile) and IAMIdentityMapping objects
 * (backend CRD); EKSConfigMap reads kube-system/aws-auth, which is yours to write.
 */

import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { awsAuthenticatorSettings } from '../../src/api/webhooks.js';
import type { AwsAuthenticatorSettings } from '../../src/api/webhooks.js';
import { IAM_AUTHENTICATOR_DIR, IAM_AUTHENTICATOR_PORT } from '../../nodeup/model/webhooks.js';
import { accountWithClusterRole, configMap, daemonSet, hostPath, KUBE_SYSTEM, mount, READ, rule, workloadsOf } from '../addons/objects.js';
import type { Rule } from '../addons/objects.js';
import type { AddonContext, AddonDefinition, KubeObject } from '../addons/types.js';

export const AWS_IAM_AUTHENTICATOR_VERSION = '0.5.9';
const IMAGE = `602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-iam-authenticator:v${AWS_IAM_AUTHENTICATOR_VERSION}`;
const NAME = 'aws-iam-authenticator';
const GROUP = 'iamauthenticator.k8s.aws';
const CONFIG_DIR = '/etc/aws-iam-authenticator';
const STATE_DIR = '/var/aws-iam-authenticator';
const API_SERVER_ROLES = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/api-server'];

export function awsIamAuthenticatorAddon(ctx: AddonContext): AddonDefinition | undefined {
  const settings = awsAuthenticatorSettings(ctx.completed.cluster);
  if (settings === undefined) return undefined;
  const mounted = settings.backends.includes('MountedFile');
  const crd = settings.backends.includes('CRD');
  const rules: Rule[] = [
    rule([GROUP], ['iamidentitymappings'], READ),
    rule([GROUP], ['iamidentitymappings/status'], ['patch', 'update']),
    rule([''], ['events'], ['create', 'update', 'patch']),
    rule([''], ['configmaps'], ['list', 'watch']),
    { ...rule([''], ['configmaps'], ['get']), resourceNames: ['aws-auth'] },
  ];
  const objects: KubeObject[] = [
    ...(crd ? [identityMappingCRD()] : []),
    ...accountWithClusterRole(NAME, rules),
    ...(mounted ? [configMap(NAME, KUBE_SYSTEM, { 'config.yaml': mountedFile(settings) })] : []),
    daemonSet({
      name: NAME,
      pod: {
        serviceAccountName: NAME,
        // The API server calls it at 127.0.0.1 on its own machine: before any pod network exists.
        hostNetwork: true,
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: API_SERVER_ROLES.map((key) => ({ matchExpressions: [{ key, operator: 'Exists' }] })) } } },
        tolerations: [...API_SERVER_ROLES.map((key) => ({ key, operator: 'Exists', effect: 'NoSchedule' })), { key: 'node.cloudprovider.kubernetes.io/uninitialized', operator: 'Exists' }, { key: 'CriticalAddonsOnly', operator: 'Exists' }],
        containers: [{
          name: NAME,
          image: ctx.image(IMAGE),
          args: [
            'server',
            ...(mounted ? [`--config=${CONFIG_DIR}/config.yaml`] : []),
            `--cluster-id=${settings.clusterID}`,
            `--state-dir=${STATE_DIR}`,
            '--kubeconfig-pregenerated=true',
            `--backend-mode=${settings.backends.join(',')}`,
          ],
          // The key nodeup wrote is root's (0600): read as its owner, with every capability dropped.
          securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          resources: { requests: { memory: '20Mi', cpu: '10m' }, limits: { memory: '20Mi', cpu: '100m' } },
          livenessProbe: { httpGet: { host: '127.0.0.1', path: '/healthz', port: IAM_AUTHENTICATOR_PORT, scheme: 'HTTPS' } },
          volumeMounts: [...(mounted ? [mount('config', CONFIG_DIR, true)] : []), mount('state', STATE_DIR)],
        }],
        volumes: [...(mounted ? [{ name: 'config', configMap: { name: NAME } }] : []), hostPath('state', IAM_AUTHENTICATOR_DIR, 'Directory')],
      },
    }),
    ...(crd ? settings.identityMappings.map(identityMapping) : []),
  ];
  return { name: NAME, version: AWS_IAM_AUTHENTICATOR_VERSION, objects, health: workloadsOf(objects) };
}

/** aws-iam-authenticator's config file: the cluster ID and the mappings, roles and users apart. */
function mountedFile(settings: AwsAuthenticatorSettings): string {
  const entry = (m: AwsAuthenticatorSettings['identityMappings'][number], key: 'roleARN' | 'userARN') => ({ [key]: m.arn, username: m.username, ...(m.groups.length > 0 ? { groups: [...m.groups] } : {}) });
  const isUser = (arn: string) => /:user\//.test(arn);
  const mapRoles = settings.identityMappings.filter((m) => !isUser(m.arn)).map((m) => entry(m, 'roleARN'));
  const mapUsers = settings.identityMappings.filter((m) => isUser(m.arn)).map((m) => entry(m, 'userARN'));
  return stringify({ clusterID: settings.clusterID, server: { ...(mapRoles.length > 0 ? { mapRoles } : {}), ...(mapUsers.length > 0 ? { mapUsers } : {}) } }, { lineWidth: 0 });
}

/** Named by the ARN, so that reordering the list changes no object. */
function identityMapping(m: AwsAuthenticatorSettings['identityMappings'][number]): KubeObject {
  const name = `hoist-${createHash('sha256').update(m.arn).digest('hex').slice(0, 16)}`;
  return { apiVersion: `${GROUP}/v1alpha1`, kind: 'IAMIdentityMapping', metadata: { name }, spec: { arn: m.arn, username: m.username, ...(m.groups.length > 0 ? { groups: [...m.groups] } : {}) } };
}

function identityMappingCRD(): KubeObject {
  const strings = { type: 'array', items: { type: 'string' } };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `iamidentitymappings.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Cluster',
      names: { plural: 'iamidentitymappings', singular: 'iamidentitymapping', kind: 'IAMIdentityMapping', categories: ['all'] },
      versions: [{
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', required: ['arn', 'username'], properties: { arn: { type: 'string' }, username: { type: 'string' }, groups: strings } },
              status: { type: 'object', properties: { canonicalARN: { type: 'string' }, userID: { type: 'string' } } },
            },
          },
        },
      }],
    },
  };
}
