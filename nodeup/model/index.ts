/**
 * The node model: nodeup.yaml plus the machine's identity become node tasks, planned and
 * applied by the same engine as cloud tasks. A bastion gets only the OS settings; an APIServer
 * machine a kubelet, kube-proxy and the API server, without etcd or the addon applier, and a
 * service that keeps the API server on the control plane's etcd members as they change.
 */

import { addonsServiceTasks } from '../addons/service.js';
import { followServiceTasks } from '../etcd/follow-service.js';
import { healthcheckServiceTasks } from '../healthcheck/service.js';
import { podCidrsServiceTasks } from '../pod-cidrs/service.js';
import { assetTasks } from './assets.js';
import { baseTasks } from './base.js';
import { bootstrapRbacTasks } from './bootstrap-rbac.js';
import { containerdTasks } from './containerd.js';
import { API_PORT, controlPlaneTasks } from './control-plane.js';
import { egressProxyTasks } from './egress-proxy.js';
import { etcdTasks } from './etcd.js';
import { kubeProxyTasks } from './kube-proxy.js';
import { kubeletTasks } from './kubelet.js';
import { machineTasks } from './machine.js';
import { caTasks } from './pki.js';
import { secretFileTasks } from './secrets.js';
import type { ModelInput, NodeModel } from './types.js';

export type { HealthCheck, ModelInput, NodeIdentity, NodeModel } from './types.js';

export function buildNodeModel(input: ModelInput): NodeModel {
  // The user's files and hooks go to every machine, bastions included.
  // spec.egressProxy's files (shells, apt) go to every machine too.
  const base = [...baseTasks(input), ...egressProxyTasks(input), ...machineTasks(input)];
  if (input.config.role === 'Bastion') return { tasks: base, healthChecks: [] };
  const apiServer = `https://${input.node.address}:${API_PORT}`;
  const parts = [kubeletTasks(input), kubeProxyTasks(input), controlPlaneTasks(input), etcdTasks(input)];
  return {
    tasks: [
      ...base,
      ...assetTasks(input),
      ...caTasks(input),
      ...secretFileTasks(input),
      ...containerdTasks(input),
      ...parts.flatMap((p) => p.tasks),
      // Once the kubelet runs the API server's static pod: what workers' TLS bootstrap needs.
      ...bootstrapRbacTasks(input, apiServer, ['Service/kubelet.service']),
      // Port 3990: the API server's health over plain HTTP, for load balancers that probe only that.
      ...healthcheckServiceTasks(input, apiServer),
      // The addon applier, which uses the admin kubeconfig written just above.
      ...addonsServiceTasks(input),
      // An AWS IPv6 cluster's Nodes get their machines' IPv6 prefixes as pod ranges, through the same kubeconfig.
      ...podCidrsServiceTasks(input),
      // An APIServer machine's API server follows the control plane's etcd members as they are replaced.
      ...followServiceTasks(input),
    ],
    healthChecks: parts.flatMap((p) => p.healthChecks),
  };
}
