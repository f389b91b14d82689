/**
 * What each cloud gets when the spec does not say: network range, machine types, images and
 * volume types. One table, so adding a cloud means adding one row.
 */

import type { CloudProvider, InstanceGroupRole } from './schema.js';

export interface CloudDefaults {
  readonly networkCIDR: string;
  readonly machineType: Readonly<Record<InstanceGroupRole, string>>;
  readonly image: string;
  readonly rootVolumeType: string;
  readonly etcdVolumeType: string;
  /** The etcd version when the spec pins none; without one, the version matching kubernetesVersion. */
  readonly etcdVersion?: string;
  /**
   * The API gets a public load balancer when the spec names neither api.dns nor
   * api.loadBalancer: a cloud where a DNS-only API would need a DNS controller to fill its
   * records, which hoist does not run (AWS, GCE), so its names would resolve to nothing.
   */
  readonly apiLoadBalancerByDefault: boolean;
  /** The cloud's own time service, which chrony uses with `ntp.managed` (kops's choice per cloud). */
  readonly timeServer?: string;
}

export const CLOUD_DEFAULTS: Readonly<Record<CloudProvider, CloudDefaults>> = {
  aws: {
    networkCIDR: '172.20.0.0/16',
    machineType: { ControlPlane: 't3.medium', APIServer: 't3.medium', Node: 't3.medium', Bastion: 't3.micro' },
    // Canonical's SSM parameter always names the current Ubuntu 24.04 AMI of the region.
    image: 'ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id',
    rootVolumeType: 'gp3',
    etcdVolumeType: 'gp3',
    apiLoadBalancerByDefault: true,
    // The Amazon Time Sync Service, on every instance's link-local address.
    timeServer: '169.254.169.123',
  },
  gce: {
    networkCIDR: '10.0.0.0/16',
    machineType: { ControlPlane: 'e2-medium', APIServer: 'e2-medium', Node: 'e2-medium', Bastion: 'e2-micro' },
    image: 'ubuntu-os-cloud/ubuntu-2404-lts-amd64',
    rootVolumeType: 'pd-balanced',
    etcdVolumeType: 'pd-ssd',
    apiLoadBalancerByDefault: true,
    // The metadata server, which serves Google's smeared time to every instance.
    timeServer: 'metadata.google.internal',
  },
  local: {
    // Inside 127.0.0.0/8, so every local instance gets a real loopback address of its subnet.
    networkCIDR: '127.20.0.0/16',
    machineType: { ControlPlane: 'local.small', APIServer: 'local.small', Node: 'local.small', Bastion: 'local.micro' },
    image: 'local',
    rootVolumeType: 'local',
    etcdVolumeType: 'local',
    // The etcd that Debian 12's etcd-server installs: the local cloud packs the host's etcd into
    // its mirror at the version it reports, and runs it where that is the cluster's version.
    etcdVersion: '3.4.23',
    apiLoadBalancerByDefault: false,
  },
};

export const DEFAULT_NON_MASQUERADE_CIDR = '100.64.0.0/10';
export const DEFAULT_ETCD_VOLUME_SIZE = 20;
export const DEFAULT_CHANNEL = 'stable';
export const DEFAULT_ACCESS = ['0.0.0.0/0'] as const;

export const DEFAULT_SIZES: Readonly<Record<InstanceGroupRole, { readonly min: number; readonly max: number; readonly rootVolumeSize: number }>> = {
  ControlPlane: { min: 1, max: 1, rootVolumeSize: 64 },
  APIServer: { min: 1, max: 1, rootVolumeSize: 64 },
  Node: { min: 2, max: 2, rootVolumeSize: 128 },
  Bastion: { min: 1, max: 1, rootVolumeSize: 32 },
};

/** Every cloud hoist supports can create an instance before removing one. */
export const CLOUDS_WITH_SURGE: ReadonlySet<CloudProvider> = new Set(['aws', 'gce', 'local']);
