/**
 * What a GCE machine boots with: the boot configuration as cloud-config in the `user-data`
 * metadata key (cloud-init reads it on Ubuntu images), the OAuth scopes of its service account,
 * and its image as a Compute path.
 */

import { stringify } from 'yaml';
import type { CompletedInstanceGroup, InstanceGroupRole } from '../../../src/api/index.js';
import type { BootOptions } from '../../provider.js';

export const BOOT_CONFIG_PATH = '/etc/hoist/boot.yaml';

/** Where the state store is, which cluster and group the machine is in, and the hash its node configuration must have. */
export function userData(cluster: string, ig: CompletedInstanceGroup, boot: BootOptions): string {
  const config = { stateStore: boot.stateStore, cluster, instanceGroup: ig.metadata.name, configHash: boot.configHash(ig.metadata.name) };
  const cloudConfig = { write_files: [{ path: BOOT_CONFIG_PATH, permissions: '0644', owner: 'root:root', content: stringify(config, { lineWidth: 0 }) }] };
  return `#cloud-config\n# hoist boot configuration\n${stringify(cloudConfig, { lineWidth: 0, blockQuote: 'literal' })}`;
}

const AUTH = 'https://www.googleapis.com/auth';

/**
 * The scopes of the machines' service account (the project's default one: see docs/gce.md).
 * The control plane manages routes, disks and load balancers through the cloud controller.
 */
export function scopes(role: InstanceGroupRole): string[] {
  const common = [`${AUTH}/devstorage.read_only`, `${AUTH}/logging.write`, `${AUTH}/monitoring`];
  return [role === 'ControlPlane' ? `${AUTH}/compute` : `${AUTH}/compute.readonly`, ...common].sort();
}

/**
 * An image as Compute takes it. Accepted: a full or `projects/…` path; `PROJECT/family/FAMILY`;
 * `PROJECT/NAME` — an image when NAME ends in a version (`-v20250101…`, as public images are
 * named), else a family (`ubuntu-os-cloud/ubuntu-2404-lts-amd64`, the default, is one).
 */
export function imagePath(image: string): string {
  if (/^(https?:|projects\/)/.test(image)) return image.replace(/^https?:\/\/[^/]+\/compute\/v1\//, '');
  const parts = image.split('/');
  if (parts.length === 3 && parts[1] === 'family') return `projects/${parts[0]}/global/images/family/${parts[2]}`;
  if (parts.length === 2) {
    const [project, name] = parts as [string, string];
    return /-v\d{8}/.test(name) ? `projects/${project}/global/images/${name}` : `projects/${project}/global/images/family/${name}`;
  }
  return image;
}
