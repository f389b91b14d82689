/**
 * Network ranges for new local clusters. Several local clouds may run on one machine (other
 * state folders, other users, a test run next to a demo), and they share one loopback
 * interface: a range is free only when no running local cloud has a network in it, no cluster
 * created for any local cloud has claimed it (see registry.ts), and no process listens on an
 * address in it. `create cluster` gets the first free /16 by default and refuses a taken one.
 */

import { readFileSync } from 'node:fs';
import { parseCidr } from '../../src/api/cidr.js';
import type { Cidr } from '../../src/api/cidr.js';
import { LocalCloudClient } from './client.js';
import type { Env } from './files.js';
import { blocksOf, claimBlocks, liveClaims, registryDir, releaseBlocks, runningClouds } from './registry.js';
import type { RangeClaim } from './registry.js';

/** Who holds a range, in words for an error message. */
export interface RangeHolder {
  readonly cidr: string;
  readonly by: string;
  /**
   * `network` of a running local cloud and `address` a process listens on are in use now;
   * a `claim` is a cluster created for some local cloud but perhaps never applied.
   */
  readonly kind: 'network' | 'address' | 'claim';
}

export interface RangeRequest {
  readonly cluster: string;
  readonly store: string;
  /** The local cloud folder the cluster is for. */
  readonly dir: string;
}

/** The first /16 tried: the local cloud's traditional default. */
const FIRST_BLOCK = 20;
const ATTEMPTS = 5;

/** Every range in use on this machine, and by whom; a claim of `request`'s own cluster is not. */
export async function rangesInUse(env: Env, request?: Pick<RangeRequest, 'cluster' | 'store'>): Promise<RangeHolder[]> {
  const held: RangeHolder[] = [];
  for (const c of orNone(() => liveClaims(env))) {
    if (request !== undefined && c.store === request.store && c.cluster === request.cluster) continue;
    held.push({ cidr: c.cidr, kind: 'claim', by: `cluster ${c.cluster} (state store ${c.store}, local cloud ${c.dir})` });
  }
  const clouds = await Promise.all(
    orNone(() => runningClouds(env)).map(async (cloud) => {
      try {
        const networks = await new LocalCloudClient(cloud.endpoint, { timeoutMs: 2_000 }).list('networks');
        return networks.map((n): RangeHolder => ({ cidr: n.cidr, kind: 'network', by: `network ${n.name} of the local cloud in ${cloud.dir} (pid ${cloud.pid})` }));
      } catch {
        return [];
      }
    }),
  );
  held.push(...clouds.flat());
  for (const address of listeningLoopbackAddresses()) held.push({ cidr: `${address}/32`, kind: 'address', by: `a process listening on ${address}` });
  return held;
}

/** Who holds part of `cidr`, if anyone. */
export function holderOf(cidr: string, held: readonly RangeHolder[]): RangeHolder | undefined {
  const wanted = parseCidr(cidr);
  if (!wanted.ok) return undefined;
  return held.find((h) => {
    const other = parseCidr(h.cidr);
    return other.ok && overlap(wanted.cidr, other.cidr);
  });
}

/** The first free /16 of 127.0.0.0/8 (127.20 onward, then the ones below), or undefined. */
export function firstFreeRange(held: readonly RangeHolder[], skip: ReadonlySet<number> = new Set()): string | undefined {
  const order = [...Array.from({ length: 256 - FIRST_BLOCK }, (_, i) => FIRST_BLOCK + i), ...Array.from({ length: FIRST_BLOCK - 1 }, (_, i) => i + 1)];
  for (const block of order) {
    const cidr = `127.${block}.0.0/16`;
    if (!skip.has(block) && holderOf(cidr, held) === undefined) return cidr;
  }
  return undefined;
}

export type Reservation =
  /** `unclaimed`: why the registry could not hold the range (it is free, but not held). */
  | { readonly ok: true; readonly cidr: string; release(): void; readonly unclaimed?: string }
  | { readonly ok: false; readonly cidr: string; readonly holder: RangeHolder; readonly free?: string };

/**
 * Takes `cidr` (or the first free /16) for a new cluster, machine-wide. A `cidr` that a
 * running local cloud or a listening process uses is not reserved: the answer names who holds
 * it and a free range instead. One that only another created cluster claimed is taken
 * unclaimed, saying so: that cluster may never be applied, and if it is, the second apply
 * is refused by the cloud at once.
 */
export async function reserveRange(env: Env, request: RangeRequest, cidr?: string): Promise<Reservation> {
  const skip = new Set<number>();
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const held = await rangesInUse(env, request);
    const wanted = cidr ?? firstFreeRange(held, skip);
    if (wanted === undefined) break;
    const holder = holderOf(wanted, cidr === undefined ? held : held.filter((h) => h.kind !== 'claim'));
    if (holder !== undefined) return { ok: false, cidr: wanted, holder, ...optional(firstFreeRange(held)) };
    const claimedBy = holderOf(wanted, held);
    if (claimedBy !== undefined) return { ok: true, cidr: wanted, release: () => undefined, unclaimed: `${claimedBy.cidr} is claimed by ${claimedBy.by}` };
    const parsed = parseCidr(wanted);
    if (!parsed.ok) throw new Error(`${wanted} is not a CIDR`);
    const blocks = blocksOf(Number(parsed.cidr.base & 0xffffffffn), parsed.cidr.prefix);
    const claim: RangeClaim = { cidr: wanted, ...request, at: new Date().toISOString() };
    let claimed: boolean;
    try {
      claimed = claimBlocks(env, blocks, claim);
    } catch (e) {
      // An unwritable registry must not stop a create: the range is free, only not held.
      return { ok: true, cidr: wanted, release: () => undefined, unclaimed: `${registryDir(env)}: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (claimed) return { ok: true, cidr: wanted, release: () => releaseBlocks(env, blocks, claim) };
    // Another create took a block of it a moment ago: look again.
    for (const b of blocks) skip.add(b);
  }
  const held = await rangesInUse(env, request);
  const wanted = cidr ?? '127.0.0.0/8';
  return { ok: false, cidr: wanted, holder: holderOf(wanted, held) ?? { cidr: wanted, kind: 'claim', by: 'other local clusters' } };
}

/** The registry's entries, or none where it cannot be read (the other checks still hold). */
function orNone<T>(read: () => T[]): T[] {
  try {
    return read();
  } catch {
    return [];
  }
}

const optional = (free: string | undefined) => (free === undefined ? {} : { free });

function overlap(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  const bits = a.family === 4 ? 32 : 128;
  const prefix = Math.min(a.prefix, b.prefix);
  const shift = BigInt(bits - prefix);
  return a.base >> shift === b.base >> shift;
}

/**
 * The loopback addresses some process listens on (TCP), from /proc/net/tcp and tcp6 where
 * there is a /proc; elsewhere none are known, and the registry alone decides.
 */
export function listeningLoopbackAddresses(): string[] {
  const found = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (state !== '0A' || local === undefined) continue;
      const hex = local.split(':')[0] ?? '';
      // IPv4 (8 hex digits) or IPv4-mapped IPv6 (::ffff:a.b.c.d), in the kernel's byte order.
      const v4 = hex.length === 8 ? hex : hex.length === 32 && hex.startsWith('0000000000000000FFFF0000') ? hex.slice(24) : undefined;
      if (v4 === undefined) continue;
      const bytes = (v4.match(/../g) ?? []).map((b) => parseInt(b, 16));
      const address = (isLittleEndian() ? bytes.reverse() : bytes).join('.');
      if (address.startsWith('127.')) found.add(address);
    }
  }
  return [...found];
}

function isLittleEndian(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}
