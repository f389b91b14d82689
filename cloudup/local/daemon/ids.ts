import { randomBytes } from 'node:crypto';
import type { ResourceType } from '../api-types.js';

export const ID_PREFIXES: Readonly<Record<ResourceType, string>> = {
  networks: 'net',
  subnets: 'subnet',
  firewallRules: 'fw',
  instanceTemplates: 'tmpl',
  instanceGroups: 'ig',
  instances: 'i',
  loadBalancers: 'lb',
  dnsRecords: 'dns',
  volumes: 'vol',
};

/** `i-0f3a…`: a type prefix and 64 random bits, like the ids of the big clouds. */
export function newId(type: ResourceType): string {
  return `${ID_PREFIXES[type]}-${randomBytes(8).toString('hex')}`;
}
