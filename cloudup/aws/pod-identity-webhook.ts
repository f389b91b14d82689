/**
 * spec.podIdentityWebhook (aws): amazon-eks-pod-identity-webhook, as kops installs it. A pod
 * created with a service account annotated `eks.amazonaws.com/role-arn` gets that role's
 * AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and a projected token of audience amazonaws.com,
 * which the AWS SDKs exchange with STS for the role's credentials.
 *
 * kops has cert-manager issue the webhook's serving certificate; hoist has no cert-manager, so
 * nodeup issues it on each control-plane machine from the cluster CA (nodeup/model/webhooks.ts)
 * and the webhook's pods, on the control plane, mount it from the host. The channel in the state
 * store thus never holds a key, and the webhook configuration's caBundle is the cluster CA's
 * trust bundle: after a CA rotation the addon changes with it.
 *
 * The service accounts of spec.iam.serviceAccountExternalPermissions need no annotation, as with
 * kops: the webhook watches the ConfigMap `pod-identity-webhook` of its namespace
 * (`--watch-config-map`, since 0.4.0), whose `config` maps `<namespace>/<name>` to the role the
 * IAM model makes for it (model/irsa.ts), by ARN. An annotation on the ServiceAccount still wins.
 * A change of the list changes the ConfigMap, hence the manifest's hash: the plan shows it.
 */

import { podIdentityWebhookSettings } from '../../src/api/webhooks.js';
import { AWS_STS_AUDIENCE, irsaSettings } from '../../src/api/irsa.js';
import type { CompletedSpec } from '../../src/api/index.js';
import { HoistError } from '../../src/errors.js';
import { POD_IDENTITY_WEBHOOK_DIR, POD_IDENTITY_WEBHOOK_NAME as NAME } from '../../nodeup/model/webhooks.js';
import { accountSubject, accountWithClusterRole, configMap, deployment, hostPath, KUBE_SYSTEM, mount, ON_CONTROL_PLANE, READ, role, roleBinding, rule, workloadsOf } from '../addons/objects.js';
import type { AddonContext, AddonDefinition, CloudAccount, KubeObject } from '../addons/types.js';
import { serviceAccountRoleArn } from './names.js';

export const POD_IDENTITY_WEBHOOK_VERSION = '0.5.7';
const IMAGE = `docker.io/amazon/amazon-eks-pod-identity-webhook:v${POD_IDENTITY_WEBHOOK_VERSION}`;
const CERTS = '/etc/webhook/certs';
const LABELS = { app: NAME };
/** The webhook's own default (--token-expiration), written out so the mapping says it. */
export const POD_IDENTITY_TOKEN_EXPIRATION = 86400;

/** One entry of the ConfigMap's `config`, with the field names the webhook reads. */
export interface PodIdentityMapping {
  readonly RoleARN: string;
  readonly Audience: string;
  readonly UseRegionalSTS: boolean;
  readonly TokenExpiration: number;
}

/** The service accounts the webhook maps to a role: those the IAM model makes a role for. */
function mappedAccounts(completed: CompletedSpec) {
  if (podIdentityWebhookSettings(completed.cluster.spec) === undefined) return [];
  const settings = irsaSettings(completed.cluster);
  return settings?.enableAWSOIDCProvider === true ? settings.serviceAccounts : [];
}

/** Whether the addon names roles by ARN for this spec, so the plan must read the account. */
export const podIdentityWebhookNeedsAccount = (completed: CompletedSpec): boolean => mappedAccounts(completed).length > 0;

/** `<namespace>/<name>` to its role, sorted by key, so that reordering the list changes nothing. */
export function podIdentityMappings(completed: CompletedSpec, account: CloudAccount | undefined): Record<string, PodIdentityMapping> {
  const accounts = mappedAccounts(completed);
  if (accounts.length === 0) return {};
  if (account === undefined) throw new HoistError('INTERNAL', 'the pod identity webhook\'s role mapping was rendered without the AWS account (CloudAddons.account)');
  const cluster = completed.cluster.metadata.name;
  const entries = accounts.map((sa) => [`${sa.namespace}/${sa.name}`, { RoleARN: serviceAccountRoleArn(sa, cluster, account), Audience: AWS_STS_AUDIENCE, UseRegionalSTS: true, TokenExpiration: POD_IDENTITY_TOKEN_EXPIRATION }] as const);
  return Object.fromEntries(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export function podIdentityWebhookAddon(ctx: AddonContext): AddonDefinition | undefined {
  const settings = podIdentityWebhookSettings(ctx.completed.cluster.spec);
  if (settings === undefined) return undefined;
  const region = ctx.completed.cluster.spec.region ?? '';
  const objects: KubeObject[] = [
    ...accountWithClusterRole(NAME, [rule([''], ['serviceaccounts'], READ)]),
    // --watch-config-map: an informer on the ConfigMaps of the webhook's namespace.
    role(NAME, KUBE_SYSTEM, [rule([''], ['configmaps'], READ)]),
    roleBinding(NAME, KUBE_SYSTEM, NAME, [accountSubject(NAME)]),
    configMap(NAME, KUBE_SYSTEM, { config: JSON.stringify(podIdentityMappings(ctx.completed, ctx.account)) }),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: NAME, namespace: KUBE_SYSTEM, labels: LABELS }, spec: { selector: LABELS, ports: [{ name: 'https', port: 443, targetPort: 443, protocol: 'TCP' }] } },
    deployment({
      name: NAME,
      labels: LABELS,
      replicas: settings.replicas,
      pod: {
        serviceAccountName: NAME,
        ...ON_CONTROL_PLANE,
        // Spread over the control plane's machines where it can, without leaving a replica pending where it cannot.
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: LABELS } }],
        containers: [{
          name: NAME,
          image: ctx.image(IMAGE),
          command: [
            '/webhook',
            '--in-cluster=false',
            `--namespace=${KUBE_SYSTEM}`,
            `--service-name=${NAME}`,
            '--annotation-prefix=eks.amazonaws.com',
            `--token-audience=${AWS_STS_AUDIENCE}`,
            `--tls-cert=${CERTS}/tls.crt`,
            `--tls-key=${CERTS}/tls.key`,
            '--sts-regional-endpoint',
            '--watch-config-map',
            ...(region === '' ? [] : [`--aws-default-region=${region}`]),
            '--logtostderr',
          ],
          ports: [{ name: 'https', containerPort: 443, protocol: 'TCP' }, { name: 'metrics', containerPort: 9999, protocol: 'TCP' }],
          readinessProbe: { httpGet: { path: '/healthz', port: 9999, scheme: 'HTTP' }, periodSeconds: 5 },
          resources: { requests: { cpu: '10m', memory: '32Mi' } },
          // The key nodeup wrote is root's (0600): read as its owner, with every capability dropped.
          securityContext: { runAsUser: 0, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true },
          volumeMounts: [mount('cert', CERTS, true)],
        }],
        volumes: [hostPath('cert', POD_IDENTITY_WEBHOOK_DIR, 'Directory')],
      },
    }),
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: NAME, namespace: KUBE_SYSTEM }, spec: { selector: { matchLabels: LABELS }, maxUnavailable: '50%' } },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: NAME },
      webhooks: [{
        name: `${NAME}.amazonaws.com`,
        // Ignore, as upstream: while the webhook is down pods are still created (without the role),
        // and its own pods, which it would have to admit, can start.
        failurePolicy: 'Ignore',
        clientConfig: { service: { name: NAME, namespace: KUBE_SYSTEM, path: '/mutate', port: 443 }, ...(ctx.clusterCA === undefined ? {} : { caBundle: Buffer.from(ctx.clusterCA).toString('base64') }) },
        objectSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [NAME] }] },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1beta1'],
        timeoutSeconds: 10,
      }],
    },
  ];
  return { name: NAME, version: POD_IDENTITY_WEBHOOK_VERSION, objects, health: workloadsOf(objects) };
}
