/**
 * What the API server needs for workers' TLS bootstrap, applied by the control plane's nodeup
 * once the API answers, as kubeadm creates it: the bootstrap token's Secret
 * (`bootstrap-token-<id>` in kube-system), and the bindings that let the group
 * system:bootstrappers ask for node client certificates (system:node-bootstrapper) and have them
 * approved automatically (nodeclient), and let nodes renew their own (selfnodeclient); and the
 * role that lets the API health port's client (../healthcheck/service.ts) read /readyz, /livez
 * and /healthz, even where anonymous requests are refused. The control plane applies them as a
 * `system:masters` client of its own (/etc/kubernetes/admin.conf).
 */

import type { Fields, Task, TaskId } from '../../src/engine/task.js';
import { idOf } from '../../src/engine/task.js';
import { adminCertRequest, apiServerHealthcheckCertRequest } from '../../src/pki/requests.js';
import { API_HEALTH_CHECK_PATHS } from '../healthcheck/port.js';
import { bootstrapToken } from '../pki/credential.js';
import { kubeApplyTask } from '../tasks/kube-apply.js';
import { issued, kubeconfig } from './pki.js';
import type { ModelInput } from './types.js';
import { PKI_DIR, after, hashOf } from './types.js';

export const ADMIN_KUBECONFIG = '/etc/kubernetes/admin.conf';
export const BOOTSTRAPPERS = 'system:bootstrappers';
/** The group the cluster's token adds, besides system:bootstrappers (kubeadm's is system:bootstrappers:kubeadm:default-node-token). */
export const BOOTSTRAP_EXTRA_GROUP = 'system:bootstrappers:hoist:default-node-token';
const FIELD_MANAGER = 'hoist-nodeup';
const RBAC = 'rbac.authorization.k8s.io';

const binding = (name: string, role: string, group: string): Fields => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name, labels: { 'app.kubernetes.io/managed-by': 'hoist' } },
  roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: role },
  subjects: [{ apiGroup: RBAC, kind: 'Group', name: group }],
});

/** Read access to the health paths only, for the health port's client certificate. */
export const HEALTHCHECK_ROLE = 'hoist:kube-apiserver-healthcheck';

function healthcheckObjects(): readonly (readonly [string, Fields])[] {
  const labels = { 'app.kubernetes.io/managed-by': 'hoist' };
  const role: Fields = {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRole',
    metadata: { name: HEALTHCHECK_ROLE, labels },
    rules: [{ nonResourceURLs: [...API_HEALTH_CHECK_PATHS], verbs: ['get'] }],
  };
  const roleBinding: Fields = {
    apiVersion: `${RBAC}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name: HEALTHCHECK_ROLE, labels },
    roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: HEALTHCHECK_ROLE },
    subjects: [{ apiGroup: RBAC, kind: 'User', name: apiServerHealthcheckCertRequest().commonName }],
  };
  return [
    [`ClusterRole/${HEALTHCHECK_ROLE}`, role],
    [`ClusterRoleBinding/${HEALTHCHECK_ROLE}`, roleBinding],
  ];
}

/** The objects, by task name; the Secret's token is added when it is applied. */
export function bootstrapObjects(tokenId: string): readonly (readonly [string, Fields])[] {
  const secret: Fields = {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'bootstrap.kubernetes.io/token',
    metadata: { name: `bootstrap-token-${tokenId}`, namespace: 'kube-system', labels: { 'app.kubernetes.io/managed-by': 'hoist' } },
    data: {
      description: Buffer.from('the kubelet bootstrap token of hoist worker groups').toString('base64'),
      'usage-bootstrap-authentication': Buffer.from('true').toString('base64'),
      'auth-extra-groups': Buffer.from(BOOTSTRAP_EXTRA_GROUP).toString('base64'),
    },
  };
  return [
    [`Secret/kube-system/bootstrap-token-${tokenId}`, secret],
    ['ClusterRoleBinding/kubeadm:kubelet-bootstrap', binding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', BOOTSTRAPPERS)],
    ['ClusterRoleBinding/kubeadm:node-autoapprove-bootstrap', binding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', BOOTSTRAPPERS)],
    ['ClusterRoleBinding/kubeadm:node-autoapprove-certificate-rotation', binding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:nodes')],
    ...healthcheckObjects(),
  ];
}

/** The control plane's admin client and the objects it applies; nothing on other machines. */
export function bootstrapRbacTasks(input: ModelInput, apiServer: string, waitFor: readonly TaskId[]): Task[] {
  const { config } = input;
  if (config.role !== 'ControlPlane') return [];
  const cert = issued(input, 'admin', 'kubernetes-ca', adminCertRequest('hoist-nodeup'), { certificate: `${PKI_DIR}/admin.crt`, key: `${PKI_DIR}/admin.key` });
  const conf = kubeconfig(ADMIN_KUBECONFIG, { server: apiServer, cluster: config.cluster, user: 'hoist-nodeup', cert });
  // The token's id only: its secret is derived from the CA key at apply time, never planned.
  const ca = input.pki.keypair('keyset/kubernetes-ca');
  const tokenId = bootstrapToken(config.cluster, ca.privateKey).id;
  const applies = bootstrapObjects(tokenId).map(([name, manifest]) =>
    kubeApplyTask(
      name,
      {
        kubeconfig: ADMIN_KUBECONFIG,
        fieldManager: FIELD_MANAGER,
        manifest,
        ...(manifest.kind === 'Secret' ? { bootstrapTokenOf: config.cluster } : {}),
        hash: hashOf(manifest, manifest.kind === 'Secret' ? ca.fingerprint : null),
      },
      after([idOf(conf), ...waitFor]),
    ),
  );
  return [cert, conf, ...applies];
}
