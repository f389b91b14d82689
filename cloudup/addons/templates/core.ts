/**
 * core: the cluster-wide RBAC that kubelets need to join, as kubeadm makes it: the group
 * system:bootstrappers may ask for node client certificates, its requests are approved
 * automatically (nodeclient), and nodes may renew their own (selfnodeclient).
 *
 * The control plane's nodeup applies the same bindings once the API answers (nodeup/model/
 * bootstrap-rbac.ts), because the first workers join before any addon applier runs; the addon
 * keeps them in the channel so that they are versioned, shown in the plan and put back when
 * removed. The bootstrap token's Secret stays with nodeup: its secret is derived from the CA key
 * on the control plane and never written to the state store.
 */

import { BOOTSTRAPPERS } from '../../../nodeup/model/bootstrap-rbac.js';
import { clusterRoleBinding, groupSubject } from '../objects.js';
import type { AddonDefinition } from '../types.js';

/** hoist's own objects: the version moves when they change. */
export const CORE_VERSION = '1.0.0';

export function coreAddon(): AddonDefinition {
  return {
    name: 'core',
    version: CORE_VERSION,
    objects: [
      clusterRoleBinding('kubeadm:kubelet-bootstrap', 'system:node-bootstrapper', [groupSubject(BOOTSTRAPPERS)]),
      clusterRoleBinding('kubeadm:node-autoapprove-bootstrap', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient', [groupSubject(BOOTSTRAPPERS)]),
      clusterRoleBinding('kubeadm:node-autoapprove-certificate-rotation', 'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [groupSubject('system:nodes')]),
    ],
    health: [],
  };
}
