import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCidr } from '../../src/api/cidr.js';
import { healthPorts } from '../../cloudup/local/agent.js';
import { freeAddress, loopbackCidr } from '../../cloudup/local/daemon/addresses.js';
import { ApiError } from '../../cloudup/local/daemon/api-error.js';
import { acquireDaemonLock } from '../../cloudup/local/daemon/lock.js';
import { CloudState } from '../../cloudup/local/daemon/state.js';
import { fieldPath, parseCreate, parseUpdate } from '../../cloudup/local/daemon/validate.js';

let dir: string | undefined;
afterEach(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});
const temp = async () => (dir = await mkdtemp(join(tmpdir(), 'hoist-lc-unit-')));

const cidr = (text: string) => {
  const parsed = parseCidr(text);
  if (!parsed.ok) throw new Error(text);
  return parsed.cidr;
};

describe('local cloud parts', () => {
  it('hands out subnet addresses from .2, skipping used ones, never the broadcast address', () => {
    expect(freeAddress(cidr('127.30.1.0/24'), new Set())).toBe('127.30.1.2');
    expect(freeAddress(cidr('127.30.1.0/24'), new Set(['127.30.1.2', '127.30.1.3']))).toBe('127.30.1.4');
    expect(freeAddress(cidr('127.30.1.0/30'), new Set())).toBe('127.30.1.2');
    expect(freeAddress(cidr('127.30.1.0/30'), new Set(['127.30.1.2']))).toBeUndefined();
    expect(freeAddress(cidr('127.30.0.0/16'), new Set(Array.from({ length: 254 }, (_, i) => `127.30.0.${i + 2}`)))).toBe('127.30.1.0');
  });

  it('accepts only strict loopback CIDRs', () => {
    expect(loopbackCidr('cidr', '127.40.0.0/16').prefix).toBe(16);
    for (const [text, message] of [
      ['127.40.0.0', /has no "\/prefix".*did you mean 127\.40\.0\.0\/32/],
      ['10.0.0.0/8', /not inside 127\.0\.0\.0\/8/],
      ['127.40.0.1/16', /host bits/],
      ['::1/128', /not inside/],
    ] as const) {
      expect(() => loopbackCidr('cidr', text)).toThrow(ApiError);
      expect(() => loopbackCidr('cidr', text)).toThrow(message);
    }
  });

  it('reads healthPorts from YAML user data and ignores anything else', () => {
    expect(healthPorts('healthPorts: [6443, 8080]\nother: 1\n')).toEqual([6443, 8080]);
    expect(healthPorts('healthPorts:\n  - 443\n  - "80"\n  - 70000\n')).toEqual([443]);
    expect(healthPorts('#!/bin/sh\necho hi\n')).toEqual([]);
    expect(healthPorts('')).toEqual([]);
    expect(healthPorts('[1, 2]')).toEqual([]);
    expect(healthPorts('{ unbalanced')).toEqual([]);
  });

  it('names the offending field of a body, and tells immutable fields from unknown ones', () => {
    expect(fieldPath(['listeners', 1, 'port'])).toBe('listeners[1].port');
    expect(() => parseCreate('loadBalancers', { name: 'x', networkId: 'n', subnetIds: ['s'], listeners: [{ port: 1, targetPort: 'a' }], healthCheck: { port: 1 } })).toThrow(/^listeners\[0\]\.targetPort: /);
    expect(() => parseCreate('networks', [])).toThrow(/^body: must be a JSON object/);
    expect(() => parseUpdate('networks', { cidr: '127.1.0.0/16' })).toThrow(/^cidr: cannot be changed/);
    expect(() => parseUpdate('networks', { colour: 'red' })).toThrow(/^colour: is not a field of networks/);
    expect(parseCreate('networks', { name: 'n', cidr: '127.1.0.0/16' })).toEqual({ name: 'n', cidr: '127.1.0.0/16', tags: {} });
  });

  it('saves state atomically and loads it back', async () => {
    const file = join(await temp(), 'state.json');
    const state = CloudState.load(file);
    state.put('networks', { id: 'net-1', name: 'a', tags: {}, createdAt: '2020-01-01T00:00:00.000Z', cidr: '127.1.0.0/16' });
    state.put('networks', { id: 'net-0', name: 'b', tags: {}, createdAt: '2020-01-01T00:00:00.000Z', cidr: '127.2.0.0/16' });
    const again = CloudState.load(file);
    expect(again.list('networks').map((n) => n.id)).toEqual(['net-0', 'net-1']);
    expect(again.counts().networks).toBe(2);
    await writeFile(file, '{"version": 9}');
    expect(() => CloudState.load(file)).toThrow(/not a local cloud state file/);
  });

  it('takes over a lock whose holder is dead, and releases only its own lock', async () => {
    const lock = join(await temp(), 'daemon.lock');
    await writeFile(lock, JSON.stringify({ pid: 2 ** 22 + 12345 }));
    const first = await acquireDaemonLock(lock);
    expect(first.acquired).toBe(true);
    expect(JSON.parse(await readFile(lock, 'utf8'))).toMatchObject({ pid: process.pid });
    if (!first.acquired) return;
    await writeFile(lock, JSON.stringify({ pid: 1 }));
    first.release();
    expect(JSON.parse(await readFile(lock, 'utf8'))).toEqual({ pid: 1 });
  });
});
