import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cidrContains, cidrOf, cidrsOverlap, formatCidr, ipv6SlotCidr, ipv6SlotOf, parseCidr, parseIpv6Slot, splitCidr } from '../../src/api/cidr.js';
import { clusterNameProblems, instanceGroupNameProblems } from '../../src/api/index.js';
import { formatPath, parsePath } from '../../src/api/index.js';

const c = (t: string) => {
  const v = cidrOf(t);
  if (!v) throw new Error(t);
  return v;
};

describe('kops\'s /64#N IPv6 ranges', () => {
  it('cuts the Nth (hexadecimal) /64 of a VPC\'s block, as kops\'s docs say', () => {
    expect(ipv6SlotCidr('2001:db8::/56', parseIpv6Slot('/64#a')!)).toBe('2001:db8:0:a::/64');
    expect(ipv6SlotCidr('2600:1f18:4a2:c700::/56', parseIpv6Slot('/64#0')!)).toBe('2600:1f18:4a2:c700::/64');
    expect(ipv6SlotCidr('2001:db8::/56', parseIpv6Slot('/64#100')!)).toBeUndefined();
    expect(['/64', '64#1', '/64#', '/64#g', '/64#1/2'].map(parseIpv6Slot)).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  it('reads a live range back as the slot it was cut as, for any block and slot', () => {
    const block = fc.bigInt({ min: 0n, max: (1n << 56n) - 1n }).map((hi) => formatCidr({ family: 6, base: hi << 72n, prefix: 56 }));
    fc.assert(
      fc.property(block, fc.integer({ min: 0, max: 255 }), (b, index) => {
        const range = ipv6SlotCidr(b, { prefix: 64, index });
        expect(range).toBeDefined();
        expect(ipv6SlotOf(b, range!, 64)).toBe(`/64#${index.toString(16)}`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('cidr', () => {
  it.each(['10.0.0.0/8', '172.20.32.0/19', '0.0.0.0/0', '1.2.3.4/32', '::/0', '2001:db8::/32', 'fd00::/8'])('parses and formats %s', (text) => {
    expect(formatCidr(c(text))).toBe(text);
  });

  it.each([
    ['10.0.0.0', 'no "/prefix"', '10.0.0.0/32'],
    ['10.0.300.0/24', 'not an IP address', undefined],
    ['10.1/16', 'not an IP address', undefined],
    ['010.0.0.0/8', 'not an IP address', undefined],
    ['10.0.0.0/33', 'prefix', undefined],
    ['10.0.0.0/08', 'prefix', undefined],
    ['10.0.0.1/16', 'host bits', '10.0.0.0/16'],
    ['2001:db8::1/32', 'host bits', '2001:db8::/32'],
    ['', 'no "/prefix"', undefined],
  ])('refuses %j', (text, message, suggestion) => {
    const r = parseCidr(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(message);
      expect(r.suggestion).toBe(suggestion);
    }
  });

  it('compares ranges', () => {
    expect(cidrContains(c('172.20.0.0/16'), c('172.20.32.0/19'))).toBe(true);
    expect(cidrContains(c('172.20.32.0/19'), c('172.20.0.0/16'))).toBe(false);
    expect(cidrsOverlap(c('172.20.32.0/19'), c('172.20.48.0/20'))).toBe(true);
    expect(cidrsOverlap(c('172.20.32.0/19'), c('172.20.64.0/19'))).toBe(false);
    expect(cidrsOverlap(c('::/0'), c('0.0.0.0/0'))).toBe(false);
  });

  it('splits ranges in address order', () => {
    expect(splitCidr(c('172.20.0.0/16'), 3)?.map(formatCidr)).toEqual([
      '172.20.0.0/19', '172.20.32.0/19', '172.20.64.0/19', '172.20.96.0/19',
      '172.20.128.0/19', '172.20.160.0/19', '172.20.192.0/19', '172.20.224.0/19',
    ]);
    expect(splitCidr(c('10.0.0.0/31'), 3)).toBeUndefined();
  });
});

describe('names', () => {
  it.each(['demo.example.com', 'a', 'k8s.local', `${'a'.repeat(63)}.example.com`])('accepts cluster name %s', (name) => {
    expect(clusterNameProblems(name, 'metadata.name')).toEqual([]);
  });

  it.each([
    ['', 'is empty'],
    ['../x', 'looks like a path'],
    ['a/b', 'looks like a path'],
    ['.', 'looks like a path'],
    ['a..b', 'looks like a path'],
    ['Demo.Example.com', 'did you mean demo.example.com?'],
    ['-demo', 'did you mean demo?'],
    ['x'.repeat(254), 'at most 253'],
    [`${'a'.repeat(64)}.com`, 'longer than 63'],
  ])('refuses cluster name %j', (name, text) => {
    const [p] = clusterNameProblems(name, 'metadata.name');
    expect(`${p?.message} (${p?.fix})`).toContain(text);
    expect(p?.path).toBe('metadata.name');
  });

  it.each([
    ['Demo.example.com', 'demo.example.com'],
    ['ｄemo.example.com', 'demo.example.com'],
    ['Demo_Cluster.example.com', 'demo-cluster.example.com'],
    ['ｄemo.例え.com', undefined],
    ['demo.例え.com', undefined],
    ['ü.example.com', undefined],
  ])('says %j must be a lower-case ASCII DNS name, suggesting %j', (name, suggestion) => {
    const [p] = clusterNameProblems(name, 'metadata.name');
    expect(p?.message).toContain('must be a lower-case ASCII DNS name');
    if (suggestion === undefined) {
      expect(p?.fix).not.toMatch(/did you mean/);
      expect(p?.fix).toContain('e.g. demo.example.com');
    } else {
      expect(p?.fix).toBe(`did you mean ${suggestion}?`);
    }
  });

  it('names the characters that are not ASCII', () => {
    expect(clusterNameProblems('ｄemo.例え.com', 'metadata.name')[0]?.message).toContain('"ｄ", "例", "え"');
    expect(clusterNameProblems('../例', 'metadata.name')[0]?.fix).toBe('use a plain name such as demo.example.com');
  });

  it('limits instance group names to 63 characters', () => {
    expect(instanceGroupNameProblems('nodes-us-east-1a', 'p')).toEqual([]);
    expect(instanceGroupNameProblems('n'.repeat(64), 'p')[0]?.message).toContain('at most 63');
    expect(instanceGroupNameProblems('..', 'p')[0]?.message).toContain('path');
  });
});

describe('paths', () => {
  it.each([
    [['spec', 'subnets', 1, 'cidr'], 'spec.subnets[1].cidr'],
    [['metadata', 'labels', 'hoist.dev/cluster'], 'metadata.labels["hoist.dev/cluster"]'],
    [[], ''],
  ])('formats and parses %j', (path, text) => {
    expect(formatPath(path)).toBe(text);
    expect(parsePath(text)).toEqual(path);
  });
});
