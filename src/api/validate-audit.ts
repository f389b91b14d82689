/**
 * The API server's audit policy and its webhook's kubeconfig are files it reads on its machine:
 * hoist writes neither, so each must be one of the user's files (spec.fileAssets) on every
 * machine that runs the API server, or the API server would not start there.
 */

import type { FieldProblem } from '../errors.js';
import type { CompletedCluster, CompletedInstanceGroup } from './defaults.js';
import { machineSettings } from './machine-settings.js';

const FILES = [
  { field: 'auditPolicyFile', name: 'audit-policy', what: 'audit policy' },
  { field: 'auditWebhookConfigFile', name: 'audit-webhook-config', what: 'webhook\'s kubeconfig' },
] as const;

export function auditProblems(cluster: CompletedCluster, igs: readonly CompletedInstanceGroup[]): FieldProblem[] {
  const api = cluster.spec.kubeAPIServer ?? {};
  const servers = igs.filter((ig) => ig.spec.role === 'ControlPlane' || ig.spec.role === 'APIServer');
  const roles = [...new Set(servers.map((ig) => ig.spec.role))].sort().join(', ');
  const files = new Map(servers.map((ig) => [ig.metadata.name, new Set(machineSettings(cluster, ig).files.map((f) => f.path))]));
  return FILES.flatMap(({ field, name, what }) => {
    const path = api[field];
    if (path === undefined) return [];
    const without = servers.filter((ig) => !files.get(ig.metadata.name)?.has(path)).map((ig) => ig.metadata.name);
    if (without.length === 0) return [];
    return [
      {
        path: `spec.kubeAPIServer.${field}`,
        value: path,
        message: `is not a file the machines running the API server have: spec.fileAssets writes none at that path on ${without.join(', ')}`,
        fix: `add the ${what} to spec.fileAssets, e.g. {name: ${name}, path: ${path}, roles: [${roles}], content: ...}`,
      },
    ];
  });
}
