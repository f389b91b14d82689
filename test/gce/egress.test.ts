/**
 * Which private subnetworks the GCE model puts in the cluster's Cloud NAT: those hoist makes,
 * unless their egress is External; never an existing one (given by id), whose way out is
 * configured already. As kops reads `egress` on GCE.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import type { Subnet } from '../../src/api/index.js';
import type { Ref, Task } from '../../src/engine/task.js';
import { buildGceTasks } from '../../cloudup/gce/model/index.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { testBoot } from '../support/boot.js';

const boot = testBoot({ stateStore: 'gs://state/clusters', configHash: (ig: string) => `sha256:${ig}` });

function tasksWith(subnets: (made: Subnet) => Subnet[]): Task[] {
  const fresh = newClusterSpec({ name: 'egress.example.com', cloud: 'gce', zones: ['us-central1-a'], project: 'hoist-test', kubernetesVersion: '1.34.0', topology: 'private' }, SPEC_RULES);
  const made = fresh.cluster.spec.subnets.find((s) => s.type === 'Private')!;
  const others = fresh.cluster.spec.subnets.filter((s) => s !== made);
  const cluster = { ...fresh.cluster, spec: { ...fresh.cluster.spec, subnets: [...subnets(made), ...others] } };
  return buildGceTasks(completeSpec(cluster, fresh.instanceGroups), boot);
}

const natted = (tasks: Task[]): string[] | undefined => {
  const router = tasks.find((t) => t.kind === 'Router');
  if (router === undefined) return undefined;
  const [nat] = router.desired['nats'] as { subnetworks: Ref[] }[];
  return nat!.subnetworks.map((r) => r.$ref);
};

describe('the Cloud NAT of a private GCE cluster', () => {
  it('covers the private subnetworks hoist makes', () => {
    expect(natted(tasksWith((made) => [made]))).toEqual(['Subnetwork/us-central1-egress-example-com']);
  });

  it('leaves out a subnet whose egress is External, and makes no router when none is left', () => {
    expect(natted(tasksWith((made) => [{ ...made, egress: 'External' }]))).toBeUndefined();
    const second: Subnet = { name: 'more', region: 'us-central1', type: 'Private', cidr: '10.0.128.0/20' };
    expect(natted(tasksWith((made) => [made, { ...second, egress: 'External' }]))).toEqual(['Subnetwork/us-central1-egress-example-com']);
    expect(natted(tasksWith((made) => [{ ...made, egress: 'NatGateway' }, second]))).toEqual(['Subnetwork/us-central1-egress-example-com', 'Subnetwork/more-egress-example-com']);
  });

  it('never puts an existing subnetwork in it', () => {
    const shared: Subnet = { name: 'shared', region: 'us-central1', type: 'Private', id: 'their-subnetwork' };
    expect(natted(tasksWith((made) => [made, shared]))).toEqual(['Subnetwork/us-central1-egress-example-com']);
  });
});
