/**
 * The user data of an instance group's machines: the boot configuration (where the state store
 * is, which cluster and group the machine belongs to, and the hash its node configuration must
 * have) as a cloud-config file that nodeup reads at boot. A new hash makes a new launch template
 * version, which is what marks running machines out of date.
 */

import { stringify } from 'yaml';
import type { CompletedInstanceGroup } from '../../../src/api/index.js';
import type { BootOptions } from '../../cloud.js';

export const BOOT_CONFIG_PATH = '/etc/hoist/boot.yaml';

export function userData(cluster: string, ig: CompletedInstanceGroup, boot: BootOptions): string {
  const config = { stateStore: boot.stateStore, cluster, instanceGroup: ig.metadata.name, configHash: boot.configHash(ig.metadata.name) };
  const cloudConfig = { write_files: [{ path: BOOT_CONFIG_PATH, permissions: '0644', owner: 'root:root', content: stringify(config) }] };
  return `#cloud-config\n# hoist boot configuration\n${stringify(cloudConfig)}`;
}
