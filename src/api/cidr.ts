/**
 * CIDR arithmetic for the spec: parse strictly, compare, split.
 *
 * ipaddr.js does the parsing (both families); the range arithmetic is plain bigint so that
 * IPv4 and IPv6 share one code path. Parsing is strict on purpose: `10.1/16`, `010.0.0.0/8`
 * and host bits (`10.0.0.1/16`) are refused, since a cloud API would either refuse them or
 * silently use another range than the one the user meant.
 */

import ipaddr from 'ipaddr.js';

export interface Cidr {
  readonly family: 4 | 6;
  /** The first address, as a number. */
  readonly base: bigint;
  readonly prefix: number;
}

export type CidrParse =
  | { readonly ok: true; readonly cidr: Cidr }
  | { readonly ok: false; readonly message: string; readonly suggestion?: string };

const bits = (family: 4 | 6): number => (family === 4 ? 32 : 128);

export function parseCidr(text: string): CidrParse {
  const slash = text.indexOf('/');
  if (slash < 0) return { ok: false, message: 'is not a CIDR: it has no "/prefix"', suggestion: suggestPrefix(text) };
  const addressText = text.slice(0, slash);
  const prefixText = text.slice(slash + 1);
  const family = ipaddr.IPv4.isValidFourPartDecimal(addressText) ? 4 : ipaddr.IPv6.isValid(addressText) && !addressText.includes('%') ? 6 : undefined;
  if (family === undefined) return { ok: false, message: 'is not a CIDR: the address part is not an IP address' };
  if (!/^(0|[1-9][0-9]{0,2})$/.test(prefixText) || Number(prefixText) > bits(family)) {
    return { ok: false, message: `is not a CIDR: the prefix must be a number from 0 to ${bits(family)}` };
  }
  const prefix = Number(prefixText);
  const address = toBigInt(ipaddr.parse(addressText).toByteArray());
  const cidr: Cidr = { family, base: address & mask(family, prefix), prefix };
  if (cidr.base !== address) {
    return { ok: false, message: 'has host bits set after the prefix', suggestion: formatCidr(cidr) };
  }
  return { ok: true, cidr };
}

/** The parsed CIDR, or undefined when `text` is not a strict CIDR. */
export function cidrOf(text: string | undefined): Cidr | undefined {
  if (text === undefined) return undefined;
  const parsed = parseCidr(text);
  return parsed.ok ? parsed.cidr : undefined;
}

export function formatCidr(cidr: Cidr): string {
  const byteCount = cidr.family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = byteCount - 1; i >= 0; i--) bytes.push(Number((cidr.base >> BigInt(i * 8)) & 0xffn));
  const address = ipaddr.fromByteArray(bytes);
  const text = address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
  return `${text}/${cidr.prefix}`;
}

export function cidrContains(outer: Cidr, inner: Cidr): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix && (inner.base & mask(outer.family, outer.prefix)) === outer.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  return cidrContains(a, b) || cidrContains(b, a);
}

/**
 * Splits `cidr` into 2^extraBits equal parts, in address order.
 * Undefined when the parts would be smaller than a single address.
 */
export function splitCidr(cidr: Cidr, extraBits: number): Cidr[] | undefined {
  const prefix = cidr.prefix + extraBits;
  if (extraBits < 0 || prefix > bits(cidr.family) || extraBits > 16) return undefined;
  const step = 1n << BigInt(bits(cidr.family) - prefix);
  const out: Cidr[] = [];
  for (let i = 0n; i < 1n << BigInt(extraBits); i++) out.push({ family: cidr.family, base: cidr.base + i * step, prefix });
  return out;
}

/** The half, quarter... of `cidr` at `index` after adding `extraBits` to its prefix. */
export function subCidr(cidr: Cidr, extraBits: number, index: number): Cidr | undefined {
  return splitCidr(cidr, extraBits)?.[index];
}

function full(family: 4 | 6): bigint {
  return (1n << BigInt(bits(family))) - 1n;
}

function mask(family: 4 | 6, prefix: number): bigint {
  return full(family) ^ ((1n << BigInt(bits(family) - prefix)) - 1n);
}

function toBigInt(bytes: readonly number[]): bigint {
  return bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
}

/** `10.0.0.0` → `10.0.0.0/16`-style hint for a bare address. */
function suggestPrefix(text: string): string | undefined {
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return `${text}/32`;
  return undefined;
}

/**
 * kops's `/LEN#N` form of a subnet's IPv6 range: the Nth (N in hexadecimal) range of prefix
 * LEN inside the VPC's IPv6 block, which AWS assigns only when the block is associated.
 */
export interface Ipv6Slot {
  readonly prefix: number;
  readonly index: number;
}

/** The slot of `/64#1`-style text, or undefined when `text` is not in that form. */
export function parseIpv6Slot(text: string): Ipv6Slot | undefined {
  const m = /^\/([0-9]{1,3})#([0-9a-fA-F]{1,4})$/.exec(text);
  if (!m) return undefined;
  return { prefix: Number(m[1]), index: parseInt(m[2]!, 16) };
}

export const formatIpv6Slot = (slot: Ipv6Slot): string => `/${slot.prefix}#${slot.index.toString(16)}`;

/** The range a slot names inside `block` (the VPC's IPv6 block), or undefined when it is not inside. */
export function ipv6SlotCidr(block: string, slot: Ipv6Slot): string | undefined {
  const b = cidrOf(block);
  if (!b || b.family !== 6 || slot.prefix < b.prefix || slot.prefix > 128) return undefined;
  const c = subCidrAt(b, slot.prefix, slot.index);
  return c ? formatCidr(c) : undefined;
}

/** The slot of prefix `prefix` that `cidr` is inside `block`, or undefined: the inverse of ipv6SlotCidr. */
export function ipv6SlotOf(block: string, cidr: string, prefix: number): string | undefined {
  const b = cidrOf(block);
  const c = cidrOf(cidr);
  if (!b || !c || c.prefix !== prefix || !cidrContains(b, c)) return undefined;
  return formatIpv6Slot({ prefix, index: Number((c.base - b.base) >> BigInt(bits(c.family) - prefix)) });
}

function subCidrAt(outer: Cidr, prefix: number, index: number): Cidr | undefined {
  if (index < 0 || BigInt(index) >= 1n << BigInt(prefix - outer.prefix)) return undefined;
  return { family: outer.family, base: outer.base + (BigInt(index) << BigInt(bits(outer.family) - prefix)), prefix };
}
