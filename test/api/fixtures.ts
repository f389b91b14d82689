/** Small valid spec sets for the API tests. */

import { API_VERSION, CLUSTER_LABEL, validateSpecSet } from '../../src/api/index.js';
import type { Cluster, ClusterSpec, InstanceGroup, InstanceGroupSpec } from '../../src/api/index.js';
import type { FieldProblem } from '../../src/errors.js';
import { specRulesOf } from '../../cloudup/providers.js';

export const CLUSTER_NAME = 'demo.example.com';

export function cluster(spec: Partial<ClusterSpec> = {}, name = CLUSTER_NAME): Cluster {
  return {
    apiVersion: API_VERSION,
    kind: 'Cluster',
    metadata: { name },
    spec: {
      cloudProvider: 'aws',
      kubernetesVersion: '1.34.0',
      networkCIDR: '172.20.0.0/16',
      subnets: [
        { name: 'us-east-1a', zone: 'us-east-1a', type: 'Public' },
        { name: 'us-east-1b', zone: 'us-east-1b', type: 'Public' },
      ],
      // The API's DNS names are records in this zone (AWS and GCE need one, or topology.dns.type None).
      dnsZone: 'example.com',
      ...spec,
    },
  };
}

export function group(name: string, spec: Partial<InstanceGroupSpec> = {}, cluster = CLUSTER_NAME): InstanceGroup {
  return {
    apiVersion: API_VERSION,
    kind: 'InstanceGroup',
    metadata: { name, labels: { [CLUSTER_LABEL]: cluster } },
    spec: { role: 'Node', subnets: ['us-east-1a'], ...spec },
  };
}

export function groups(): InstanceGroup[] {
  return [group('control-plane-us-east-1a', { role: 'ControlPlane' }), group('nodes', { subnets: ['us-east-1a', 'us-east-1b'] })];
}

/** validateSpecSet with the rules of the cluster's cloud, as every command passes them. */
export function validate(c: Cluster, igs: readonly InstanceGroup[]): FieldProblem[] {
  return validateSpecSet(c, igs, specRulesOf(c.spec.cloudProvider));
}
