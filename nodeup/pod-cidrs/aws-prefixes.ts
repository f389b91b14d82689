/**
 * The IPv6 prefixes EC2 delegated to machines' primary network interfaces (an IPv6 cluster's
 * launch templates ask for one /80 each, `Ipv6PrefixCount: 1`), read with DescribeInstances as
 * the control plane's instance profile (its `ec2:Describe*`). One call answers a batch of
 * machines; an instance id EC2 does not know is left out of the answer rather than failing it
 * (a filter, not `InstanceIds`).
 */

import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import type { EC2Client, Instance } from '@aws-sdk/client-ec2';

export interface InstancePrefixes {
  readonly instanceId: string;
  /** The primary interface (device 0 of network card 0); undefined when EC2 shows none. */
  readonly interfaceId?: string;
  /** Its IPv6 prefixes (`2600:1f18:…:a1b2::/80`), as EC2 lists them. */
  readonly prefixes: readonly string[];
}

/** Where the machines' prefixes come from: EC2, or what a test answers. */
export interface PrefixSource {
  /** The instances EC2 knows of those asked, by id; an unknown id is absent. */
  prefixesOf(instanceIds: readonly string[]): Promise<ReadonlyMap<string, InstancePrefixes>>;
}

/** EC2 takes up to 200 values per filter; fewer per call keeps each answer small. */
const BATCH = 100;

export function primaryPrefixes(instance: Instance): InstancePrefixes {
  const primary = (instance.NetworkInterfaces ?? []).find((n) => (n.Attachment?.DeviceIndex ?? 0) === 0 && (n.Attachment?.NetworkCardIndex ?? 0) === 0);
  return {
    instanceId: instance.InstanceId ?? '',
    ...(primary?.NetworkInterfaceId === undefined ? {} : { interfaceId: primary.NetworkInterfaceId }),
    prefixes: (primary?.Ipv6Prefixes ?? []).flatMap((p) => (p.Ipv6Prefix === undefined ? [] : [p.Ipv6Prefix])),
  };
}

export function ec2PrefixSource(client: EC2Client): PrefixSource {
  return {
    async prefixesOf(instanceIds) {
      const found = new Map<string, InstancePrefixes>();
      const ids = [...new Set(instanceIds)];
      for (let i = 0; i < ids.length; i += BATCH) {
        let token: string | undefined;
        do {
          const out = await client.send(new DescribeInstancesCommand({ Filters: [{ Name: 'instance-id', Values: ids.slice(i, i + BATCH) }], ...(token === undefined ? {} : { NextToken: token }) }));
          for (const instance of (out.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
            if (instance.InstanceId !== undefined) found.set(instance.InstanceId, primaryPrefixes(instance));
          }
          token = out.NextToken;
        } while (token !== undefined && token !== '');
      }
      return found;
    },
  };
}
