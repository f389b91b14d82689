/**
 * What the control plane's machines hold for the two identity webhooks nodeup.yaml turns on
 * (`controlPlane.podIdentityWebhook`, `controlPlane.apiServer.awsIamAuthenticator`, from
 * spec.podIdentityWebhook and spec.authentication.aws), whose pods the cloud's addons run there.
 * Only those fields are read: which clouds run the webhooks is their spec rules' to say.
 *
 * - the pod identity webhook's serving certificate, for its Service's names;
 * - aws-iam-authenticator's serving certificate (for 127.0.0.1, where the API server calls it)
 *   and the API server's webhook kubeconfig (--authentication-token-webhook-config-file).
 *
 * Both certificates are issued here from the cluster CA, as the API server's own is, and the
 * pods mount them from the host: hoist runs no cert-manager, and the addon channel in the state
 * store holds manifests only, never keys. The webhook configuration's caBundle is that CA.
 */

import { stringify } from 'yaml';
import type { Task, TaskId } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { caFile, issued } from './pki.js';
import type { ModelInput } from './types.js';
import { caPath, file } from './types.js';

export const POD_IDENTITY_WEBHOOK_NAME = 'pod-identity-webhook';
/** The webhook's --tls-cert and --tls-key are under this folder of the host, which its pods mount. */
export const POD_IDENTITY_WEBHOOK_DIR = '/srv/kubernetes/pod-identity-webhook';
export const IAM_AUTHENTICATOR_DIR = '/srv/kubernetes/aws-iam-authenticator';
/** aws-iam-authenticator's port on the host network, as kops has it. */
export const IAM_AUTHENTICATOR_PORT = 21362;
export const AUTHN_WEBHOOK_CONFIG = '/etc/kubernetes/authn.config';

export interface WebhookParts {
  readonly tasks: Task[];
  /** The API server's extra flags, host paths and the tasks its manifest waits for. */
  readonly apiServer: {
    readonly flags: Readonly<Record<string, string>>;
    readonly hostPaths: Readonly<Record<string, { readonly path: string; readonly readOnly: boolean }>>;
    readonly dependsOn: readonly TaskId[];
  };
}

export function webhookParts(input: ModelInput): WebhookParts {
  const plane = input.config.controlPlane;
  const tasks: Task[] = [];
  // The webhook's pods run on control-plane machines only (not APIServer ones): no controller there.
  if (plane?.podIdentityWebhook === true && input.config.role === 'ControlPlane') {
    const service = `${POD_IDENTITY_WEBHOOK_NAME}.kube-system.svc`;
    tasks.push(issued(input, POD_IDENTITY_WEBHOOK_NAME, 'kubernetes-ca', {
      commonName: service,
      dnsNames: [POD_IDENTITY_WEBHOOK_NAME, `${POD_IDENTITY_WEBHOOK_NAME}.kube-system`, service, `${service}.${input.config.kubelet.clusterDomain}`],
      usage: 'server',
    }, { certificate: `${POD_IDENTITY_WEBHOOK_DIR}/tls.crt`, key: `${POD_IDENTITY_WEBHOOK_DIR}/tls.key` }));
  }
  if (plane?.apiServer.awsIamAuthenticator !== true) return { tasks, apiServer: { flags: {}, hostPaths: {}, dependsOn: [] } };
  // Every machine with an API server runs the authenticator beside it: the API server calls 127.0.0.1.
  const cert = issued(input, 'aws-iam-authenticator', 'kubernetes-ca', {
    commonName: 'aws-iam-authenticator',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  }, { certificate: `${IAM_AUTHENTICATOR_DIR}/cert.pem`, key: `${IAM_AUTHENTICATOR_DIR}/key.pem` });
  const config = file(AUTHN_WEBHOOK_CONFIG, authnWebhookConfig(), [caFile('kubernetes-ca')]);
  tasks.push(cert, config);
  return {
    tasks,
    apiServer: {
      flags: { 'authentication-token-webhook-config-file': AUTHN_WEBHOOK_CONFIG },
      hostPaths: { authnconfig: { path: AUTHN_WEBHOOK_CONFIG, readOnly: true } },
      dependsOn: [idOf(cert), idOf(config)],
    },
  };
}

/** A kubeconfig naming the authenticator's endpoint and the CA that signed its certificate. */
function authnWebhookConfig(): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'aws-iam-authenticator', cluster: { 'certificate-authority': caPath('kubernetes-ca'), server: `https://127.0.0.1:${IAM_AUTHENTICATOR_PORT}/authenticate` } }],
    users: [{ name: 'apiserver', user: {} }],
    'current-context': 'webhook',
    contexts: [{ name: 'webhook', context: { cluster: 'aws-iam-authenticator', user: 'apiserver' } }],
  }, { lineWidth: 0 });
}
