/**
 * The cluster the terraform target is tested with: the AWS end-to-end test's (three zones,
 * private topology, one control plane, two node groups, a DNS zone and an SSH key), built from
 * the spec alone for the golden module.
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { completeSpec, newClusterSpec, toYaml } from '../../src/api/index.js';
import type { CompletedSpec, InstanceGroup } from '../../src/api/index.js';
import { buildAwsTasks } from '../../cloudup/aws/model/index.js';
import { renderAwsTerraform } from '../../cloudup/aws/terraform/index.js';
import type { AwsTerraformModule } from '../../cloudup/aws/terraform/index.js';
import { nodeConfigHashes } from '../../cloudup/node-config.js';
import { plannedNodeConfigs } from '../support/node-configs.js';
import { testBoot } from '../support/boot.js';
import { SPEC_RULES } from '../../cloudup/providers.js';

export const CLUSTER = 'tf.aws.example.com';
export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'] as const;
export const DNS_ZONE = 'aws.example.com';
export const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVk6LxA0l1pLMSk9YDbH+8FbG5S5HhX2O4kAmY2Dwhj test@hoist';

/** The second node group, as `hoist create instancegroup spot --subnets us-east-1b,us-east-1c --min-size 1 --max-size 3` makes it. */
export function spotGroup(cluster: string): InstanceGroup {
  return {
    apiVersion: 'hoist.dev/v1alpha1',
    kind: 'InstanceGroup',
    metadata: { name: 'spot', labels: { 'hoist.dev/cluster': cluster } },
    spec: { role: 'Node', machineType: 't3.medium', minSize: 1, maxSize: 3, subnets: ['us-east-1b', 'us-east-1c'] },
  };
}

export function fixtureSpec(): CompletedSpec {
  const spec = newClusterSpec({ name: CLUSTER, cloud: 'aws', zones: [...ZONES], topology: 'private', nodeCount: 1, dnsZone: DNS_ZONE, sshPublicKey: SSH_KEY, kubernetesVersion: '1.34.0' }, SPEC_RULES);
  return completeSpec(spec.cluster, [...spec.instanceGroups, spotGroup(CLUSTER)]);
}

/** The module of the fixture with a state store on S3 (release checksums stood in: test/support/node-configs.ts). */
export function fixtureModule(stateStore = 's3://hoist-state/clusters'): Promise<AwsTerraformModule> {
  return moduleOf(fixtureSpec(), stateStore);
}

/** The terraform target's module of a completed spec, as `update cluster --target terraform` renders it. */
export async function moduleOf(completed: CompletedSpec, stateStore: string): Promise<AwsTerraformModule> {
  const { configs } = await plannedNodeConfigs(completed, stateStore);
  const tasks = buildAwsTasks(completed, testBoot({ stateStore, configHash: nodeConfigHashes(completed, configs) }, completed.cluster.metadata.name));
  const completedSpec = [completed.cluster, ...completed.instanceGroups].map((o) => toYaml(o)).join('---\n');
  return renderAwsTerraform({ spec: completed, tasks, stateStore, nodeConfigs: new Map([...configs].map(([ig, f]) => [ig, f.yaml])), completedSpec });
}

/** Writes a module's files under `dir`. */
export async function writeModule(dir: string, module: AwsTerraformModule): Promise<void> {
  for (const [path, text] of module.files) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
}
