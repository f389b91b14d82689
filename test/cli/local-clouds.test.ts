/**
 * Two local clouds in different folders, two clusters each, side by side on one machine: all
 * four are created with default ranges, applied, validated and deleted at the same time, and
 * no address is shared between clusters. Each cluster is one control-plane machine and no
 * node: the addresses in question are the balancer's and the machines', and a node adds none
 * that a second cluster could take.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance, LoadBalancer, Network } from '../../cloudup/local/api-types.js';
import { hoistProcess } from '../support/cli.js';
import type { LocalWorld } from './local-support.js';
import { localWorld, machinesNotReady } from './local-support.js';

let worlds: LocalWorld[] = [];
const clusters = (w: number) => [`c${w}a.k8s.local`, `c${w}b.k8s.local`];
/** Every cluster with the world it lives in. */
const all = () => worlds.flatMap((world, w) => clusters(w).map((name) => ({ world, name })));
const run = (world: LocalWorld, ...args: string[]) => hoistProcess(args, { env: world.env });

/**
 * Four control planes boot at once here, beside three other test files on two cores: under
 * such load one took 86-106 s from boot to Ready (unpacking the etcd and Kubernetes archives
 * takes most of it), where alone it takes about 15 s. The bound leaves room for that.
 */
const VALIDATE_WAIT = '300s';

/**
 * GET /healthz through a cluster's API load balancer until it answers 200. The balancer probes
 * its target every second with an 800 ms timeout, so on a loaded machine it may hold no
 * healthy target for a moment and close a connection (ECONNRESET); what each try saw is kept
 * for the failure message.
 */
async function healthzThrough(lb: string, timeoutMs = 60_000): Promise<{ ok: boolean; seen: string[] }> {
  const deadline = Date.now() + timeoutMs;
  const seen: string[] = [];
  for (;;) {
    const answer = await fetch(`http://${lb}:6443/healthz`).then(
      (r) => String(r.status),
      (e: unknown) => String((e as { cause?: { code?: string } }).cause?.code ?? e),
    );
    if (answer === '200') return { ok: true, seen };
    if (seen.at(-1) !== answer) seen.push(answer);
    if (Date.now() > deadline) return { ok: false, seen };
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  worlds = await Promise.all([localWorld(), localWorld()]);
});
afterAll(async () => {
  const left = (await Promise.all(worlds.map((w) => w.destroy()))).flat();
  expect(left).toEqual([]);
});

describe('two local clouds with two clusters each', () => {
  it('creates, applies, validates and deletes all four at once without sharing an address', { timeout: 600_000 }, async () => {
    const created = await Promise.all(all().map(({ world, name }) => run(world, 'create', 'cluster', name, '--node-count', '0')));
    for (const c of created) expect(c.code, c.stderr).toBe(0);

    const applied = await Promise.all(all().map(({ world, name }) => run(world, 'update', 'cluster', name, '--yes')));
    for (const a of applied) expect(a.code, a.stderr).toBe(0);
    const started = Date.now();
    const valid = await Promise.all(
      all().map(async ({ world, name }) => {
        const v = await run(world, 'validate', 'cluster', name, '--wait', VALIDATE_WAIT);
        process.stdout.write(`local clouds: ${name} valid after ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
        return { ...v, machines: v.code === 0 ? '' : await machinesNotReady(world) };
      }),
    );
    for (const v of valid) expect(v.code, `${v.stdout}${v.stderr}${v.machines}`).toBe(0);

    // Each cluster's network, load balancer and machines, from both clouds.
    const owned = await Promise.all(
      all().map(async ({ world, name }) => {
        const mine = (await world.everything()).filter((r) => r.resource.tags['hoist.dev/cluster'] === name);
        const of = <T>(type: string) => mine.filter((r) => r.type === type).map((r) => r.resource as T);
        return {
          name,
          networks: of<Network>('networks').map((n) => n.cidr),
          addresses: [...of<LoadBalancer>('loadBalancers').map((l) => l.address), ...of<Instance>('instances').filter((i) => i.state !== 'terminated').map((i) => i.address)],
        };
      }),
    );
    for (const o of owned) {
      expect(o.networks, o.name).toHaveLength(1);
      expect(o.addresses.length, o.name).toBe(2);
    }
    const networks = owned.map((o) => o.networks[0]);
    expect(new Set(networks).size, networks.join(' ')).toBe(4);
    const addresses = owned.flatMap((o) => o.addresses);
    expect(new Set(addresses).size, addresses.join(' ')).toBe(addresses.length);
    // Every machine answers as itself through its own API load balancer.
    for (const o of owned) {
      const lb = o.addresses[0]!;
      const healthz = await healthzThrough(lb);
      expect(healthz.ok, `${o.name} at ${lb}: ${healthz.seen.join(', ')}`).toBe(true);
    }

    const deleted = await Promise.all(all().map(({ world, name }) => run(world, 'delete', 'cluster', name, '--yes')));
    for (const d of deleted) expect(d.code, d.stderr).toBe(0);
    for (const world of worlds) {
      const left = (await world.everything()).filter((r) => !(r.type === 'instances' && (r.resource as Instance).state === 'terminated'));
      expect(left).toEqual([]);
    }
  });
});
