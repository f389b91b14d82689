/**
 * Loopback address arithmetic. Networks and subnets are ranges of 127.0.0.0/8 (Linux routes all
 * of it to the loopback interface, so every address in it can be bound without setup), and each
 * instance and load balancer gets an address of its subnet.
 */

import { cidrContains, cidrsOverlap, parseCidr } from '../../../src/api/cidr.js';
import type { Cidr } from '../../../src/api/cidr.js';
import { invalid } from './api-error.js';

const LOOPBACK = parseCidr('127.0.0.0/8');

/** The smallest subnet with a usable address: network, .1 (kept back) and broadcast take three. */
const MAX_SUBNET_PREFIX = 30;

/** Parses an IPv4 CIDR of the loopback range or throws InvalidParameter for `field`. */
export function loopbackCidr(field: string, text: string): Cidr {
  const parsed = parseCidr(text);
  if (!parsed.ok) {
    throw invalid(field, `${JSON.stringify(text)} ${parsed.message}${parsed.suggestion ? ` (did you mean ${parsed.suggestion}?)` : ''}`);
  }
  if (!LOOPBACK.ok || !cidrContains(LOOPBACK.cidr, parsed.cidr)) {
    throw invalid(field, `${JSON.stringify(text)} is not inside 127.0.0.0/8: the local cloud only uses loopback addresses (e.g. 127.20.0.0/16)`);
  }
  return parsed.cidr;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return cidrsOverlap(a, b);
}

export function contains(outer: Cidr, inner: Cidr): boolean {
  return cidrContains(outer, inner);
}

export function checkSubnetSize(field: string, cidr: Cidr): void {
  if (cidr.prefix > MAX_SUBNET_PREFIX) throw invalid(field, `a /${cidr.prefix} has no usable address; use /${MAX_SUBNET_PREFIX} or larger`);
}

/**
 * The first address of `cidr` not in `used`, skipping the network and broadcast addresses and
 * the first host (.1, kept back as the subnet's "gateway").
 */
export function freeAddress(cidr: Cidr, used: ReadonlySet<string>): string | undefined {
  const size = 1n << BigInt(32 - cidr.prefix);
  for (let offset = 2n; offset < size - 1n; offset++) {
    const address = formatAddress(cidr.base + offset);
    if (!used.has(address)) return address;
  }
  return undefined;
}

export function addressIn(cidr: Cidr, address: string): boolean {
  const parsed = parseCidr(`${address}/32`);
  return parsed.ok && cidrContains(cidr, parsed.cidr);
}

function formatAddress(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}
