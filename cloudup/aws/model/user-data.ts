/**
 * The user data of an instance group's machines: the boot configuration (where the state store
 * is, which cluster and group the machine belongs to, and the hash its node configuration must
 * have) as a cloud-config file that nodeup reads at boot. A new hash makes a new launch template
 * version, which is what marks running machines out of date.
 *
 * It is a cloud-init Jinja template, so that the file also names the machine's EC2 instance id
 * (`{{ v1.instance_id }}` from cloud-init's instance data): nodeup reports under it and names
 * the Kubernetes node after it, which is how rolling updates find a machine's report and drain
 * its node. (An EC2 hostname is its private DNS name, which hoist's AWS side does not know.)
 */

import { stringify } from 'yaml';
import type { CompletedInstanceGroup } from '../../../src/api/index.js';
import type { BootOptions } from '../../provider.js';

export const BOOT_CONFIG_PATH = '/etc/hoist/boot.yaml';
const INSTANCE_ID_TEMPLATE = '{{ v1.instance_id }}';

export function userData(cluster: string, ig: CompletedInstanceGroup, boot: BootOptions): string {
  const config = { stateStore: boot.stateStore, cluster, instanceGroup: ig.metadata.name, configHash: boot.configHash(ig.metadata.name), instanceId: INSTANCE_ID_TEMPLATE };
  const cloudConfig = { write_files: [{ path: BOOT_CONFIG_PATH, permissions: '0644', owner: 'root:root', content: stringify(config) }] };
  return `## template: jinja\n#cloud-config\n# hoist boot configuration\n${stringify(cloudConfig)}`;
}
