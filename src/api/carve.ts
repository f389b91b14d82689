/**
 * Carving subnet CIDRs out of the network, as kops does.
 *
 * The network is split in 8; Public and Private subnets take the 2nd to 8th parts (a /19 each
 * for a /16), Public ones first, each kind in zone order. The 1st part is split in 8 again and
 * Utility subnets take its 2nd to 8th parts (a /22 each for a /16). Parts that overlap a CIDR the
 * spec already uses are skipped, so the result depends only on the spec, never on history.
 */

import { cidrOf, cidrsOverlap, formatCidr, splitCidr } from './cidr.js';
import type { Cidr } from './cidr.js';
import type { Subnet } from './schema.js';

/** The spec's subnets with a CIDR carved for each that has none and fits. */
export function carveSubnetCidrs(networkCIDR: string, subnets: readonly Subnet[]): Subnet[] {
  const network = cidrOf(networkCIDR);
  if (!network || network.family !== 4 || subnets.every((s) => s.cidr !== undefined)) return subnets.map((s) => ({ ...s }));
  const big = splitCidr(network, 3) ?? [];
  const little = big[0] ? (splitCidr(big[0], 3) ?? []) : [];
  const used = subnets.flatMap((s) => {
    const c = cidrOf(s.cidr);
    return c ? [c] : [];
  });
  const free = (pool: readonly Cidr[]) => pool.slice(1).filter((c) => !used.some((u) => cidrsOverlap(u, c)));
  const bigFree = free(big);
  const littleFree = free(little);

  const wanting = subnets.map((s, index) => ({ s, index })).filter(({ s }) => s.cidr === undefined);
  const byZone = (a: { s: Subnet; index: number }, b: { s: Subnet; index: number }) =>
    placeOf(a.s).localeCompare(placeOf(b.s)) || a.index - b.index;
  const rank = (s: Subnet) => (s.type === 'Public' ? 0 : 1);
  const bigWanting = wanting.filter(({ s }) => s.type !== 'Utility').sort((a, b) => rank(a.s) - rank(b.s) || byZone(a, b));
  const littleWanting = wanting.filter(({ s }) => s.type === 'Utility').sort(byZone);

  const carved = new Map<number, string>();
  bigWanting.forEach(({ index }, i) => {
    const c = bigFree[i];
    if (c) carved.set(index, formatCidr(c));
  });
  littleWanting.forEach(({ index }, i) => {
    const c = littleFree[i];
    if (c) carved.set(index, formatCidr(c));
  });
  return subnets.map((s, i) => {
    const cidr = carved.get(i);
    return cidr === undefined ? { ...s } : { ...s, cidr };
  });
}

function placeOf(s: Subnet): string {
  return s.zone ?? s.region ?? '';
}
