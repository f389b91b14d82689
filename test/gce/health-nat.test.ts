/**
 * The API's health check and private topology's way out, on GCE (the fake Compute API), through
 * the CLI, with one private cluster: the plan shows the legacy HTTP health check on the API target
 * pool and its probes' firewall rule, and a Cloud Router with a Cloud NAT over the private
 * subnetworks; apply makes them as the API has them (the pool names the check; the NAT lists the
 * subnetworks); a second plan has nothing to do; a check taken off the pool and a NAT taken off
 * the router come back as in-place updates; a subnet with egress External is left out of the NAT
 * (kops's reading of egress on GCE); delete leaves none of them.
 */

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/engine/plan.js';
import { apiName, gceName } from '../../cloudup/gce/names.js';
import { API_HEALTH_CHECK_PORT, HEALTH_CHECK_SOURCE_RANGES } from '../../cloudup/gce/model/api.js';
import { hoist, tempDir } from '../support/cli.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror } from './support.js';

const NAME = 'private.gce.example.com';
const OWNER = `hoist.dev/cluster=${NAME}`;
let fake: FakeCompute;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const api = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${fake.url}/compute/v1/projects/${PROJECT}/${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return (await res.json()) as Readonly<Record<string, unknown>>;
};
const mine = (collection: string) => fake.resources(collection).filter((r) => r.description === OWNER);
const idsOf = (plan: Plan): string[] => plan.changes.filter((c) => c.action === 'create').map((c) => c.id);

beforeAll(async () => {
  fake = await startFake();
  dir = await tempDir('hoist-gce-private-');
  env = cliEnv(fake, `file://${join(dir.path, 'state')}`);
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', 'us-central1-a', '--node-count', '1', '--topology', 'private']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
});

afterAll(async () => {
  await fake?.stop();
  await dir?.cleanup();
});

describe('a private GCE cluster (fake Compute API)', () => {
  it('plans the API health check, its firewall rule, and a router with a NAT', async () => {
    const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const ids = idsOf(JSON.parse(planned.stdout) as Plan);
    expect(ids).toContain(`HttpHealthCheck/${apiName(NAME)}`);
    expect(ids).toContain(`Router/${gceName('nat', NAME)}`);
    expect(ids).toContain(`Firewall/${gceName('api-health-check', NAME)}`);
    expect(mine('httpHealthChecks')).toEqual([]);
    expect(mine('routers')).toEqual([]);
  });

  it('applies them as the API has them, and plans nothing more after', async () => {
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const [check] = mine('httpHealthChecks');
    expect(check).toMatchObject({ name: apiName(NAME), port: API_HEALTH_CHECK_PORT, requestPath: '/readyz' });
    const pool = mine('targetPools').find((p) => p.name === apiName(NAME));
    expect(pool?.healthChecks).toEqual([check!.selfLink]);
    const probes = mine('firewalls').find((f) => f.name === gceName('api-health-check', NAME));
    expect(probes).toMatchObject({ sourceRanges: [...HEALTH_CHECK_SOURCE_RANGES].sort(), allowed: [{ IPProtocol: 'tcp', ports: [String(API_HEALTH_CHECK_PORT)] }] });

    const [router] = mine('routers');
    const network = mine('networks')[0]!;
    expect(router).toMatchObject({ name: gceName('nat', NAME), network: network.selfLink });
    const nats = router!.nats as { name: string; natIpAllocateOption: string; sourceSubnetworkIpRangesToNat: string; subnetworks: { name: string }[] }[];
    expect(nats).toHaveLength(1);
    expect(nats[0]).toMatchObject({ natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS' });
    // Every instance without an external address is in a subnetwork the NAT covers.
    const natted = new Set(nats[0]!.subnetworks.map((s) => s.name));
    const instances = fake.resources('instances');
    expect(instances.length).toBeGreaterThan(0);
    for (const i of instances) {
      const nic = (i.networkInterfaces as { subnetwork: string; accessConfigs?: unknown[] }[])[0]!;
      if ((nic.accessConfigs ?? []).length === 0) expect(natted.has(nic.subnetwork), `${String(i.name)} in ${nic.subnetwork}`).toBe(true);
    }

    const again = await run(['update', 'cluster', NAME, '-o', 'json']);
    expect(again.code, again.stderr).toBe(0);
    const plan = JSON.parse(again.stdout) as Plan;
    expect(plan.changes.filter((c) => c.action !== 'noop')).toEqual([]);
  });

  it('puts back, in place, a health check taken off the pool and a NAT taken off the router', async () => {
    const pool = mine('targetPools').find((p) => p.name === apiName(NAME))!;
    const router = mine('routers')[0]!;
    const off = await api('POST', `regions/us-central1/targetPools/${apiName(NAME)}/removeHealthCheck`, { healthChecks: [{ healthCheck: (pool.healthChecks as string[])[0] }] });
    expect(off.error).toBeUndefined();
    const unNat = await api('PATCH', `regions/us-central1/routers/${String(router.name)}`, { nats: [] });
    expect(unNat.error).toBeUndefined();

    const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const changes = (JSON.parse(planned.stdout) as Plan).changes.filter((c) => c.action !== 'noop').map((c) => [c.action, c.id]);
    expect(changes.sort()).toEqual([
      ['update', `Router/${gceName('nat', NAME)}`],
      ['update', `TargetPool/${apiName(NAME)}`],
    ]);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(mine('targetPools').find((p) => p.name === apiName(NAME))?.healthChecks).toEqual(pool.healthChecks);
    expect(mine('routers')[0]?.nats).toEqual(router.nats);
  });

  it('leaves a subnet with egress External out of the NAT, and refuses an AWS egress at its path with the store unchanged', async () => {
    const spec = JSON.parse((await run(['get', 'cluster', NAME, '-o', 'json'])).stdout) as { spec: { subnets: { name: string; type: string }[] } };
    const i = spec.spec.subnets.findIndex((s) => s.type === 'Private');
    expect(i).toBeGreaterThanOrEqual(0);
    const before = (await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout;
    const refused = await run(['edit', 'cluster', NAME, '--set', `spec.subnets[${i}].egress=tgw-0123456789abcdef0`]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`spec.subnets[${i}].egress`);
    expect(refused.stderr).toContain('is not an egress of gce');
    expect((await run(['get', 'cluster', NAME, '-o', 'yaml'])).stdout).toBe(before);

    // The only private subnet routes its own way out: no NAT is left to make, so the router goes.
    const external = await run(['edit', 'cluster', NAME, '--set', `spec.subnets[${i}].egress=External`]);
    expect(external.code, external.stderr).toBe(0);
    const planned = await run(['update', 'cluster', NAME, '-o', 'json']);
    expect(planned.code, planned.stderr).toBe(0);
    const changes = (JSON.parse(planned.stdout) as Plan).changes.filter((c) => c.action !== 'noop').map((c) => [c.action, c.id]);
    expect(changes).toEqual([['delete', `Router/${gceName('nat', NAME)}`]]);
    const applied = await run(['update', 'cluster', NAME, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(mine('routers')).toEqual([]);

    // kops's NatGateway is the default: the NAT comes back over the subnet.
    const nat = await run(['edit', 'cluster', NAME, '--set', `spec.subnets[${i}].egress=NatGateway`]);
    expect(nat.code, nat.stderr).toBe(0);
    const back = await run(['update', 'cluster', NAME, '--yes']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(mine('routers').map((r) => r.name)).toEqual([gceName('nat', NAME)]);
  });

  it('deletes them with the cluster', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect(mine('httpHealthChecks')).toEqual([]);
    expect(mine('routers')).toEqual([]);
    expect(mine('targetPools')).toEqual([]);
    expect(mine('firewalls')).toEqual([]);
    expect(mine('networks')).toEqual([]);
  });
});

describe('the fake Compute API, on health checks and routers', () => {
  it('refuses what the API refuses: two checks on a pool, a NAT over another network, deleting a check in use', async () => {
    const reason = (r: Readonly<Record<string, unknown>>) => (r.error as { errors: { reason: string }[] } | undefined)?.errors[0]?.reason;
    for (const name of ['hc-a', 'hc-b']) expect(reason(await api('POST', 'global/httpHealthChecks', { name, port: 3990 }))).toBeUndefined();
    expect(reason(await api('POST', 'global/httpHealthChecks', { name: 'hc-slow', checkIntervalSec: 5, timeoutSec: 6 }))).toBe('invalid');
    expect(reason(await api('POST', 'regions/us-central1/targetPools', { name: 'two', healthChecks: ['global/httpHealthChecks/hc-a', 'global/httpHealthChecks/hc-b'] }))).toBe('invalid');
    expect(reason(await api('POST', 'regions/us-central1/targetPools', { name: 'one', healthChecks: ['global/httpHealthChecks/hc-a'] }))).toBeUndefined();
    expect(reason(await api('DELETE', 'global/httpHealthChecks/hc-a'))).toBe('resourceInUseByAnotherResource');

    for (const net of ['net-a', 'net-b']) expect(reason(await api('POST', 'global/networks', { name: net, autoCreateSubnetworks: false }))).toBeUndefined();
    expect(reason(await api('POST', 'regions/us-central1/subnetworks', { name: 'sub-b', network: 'global/networks/net-b', ipCidrRange: '10.1.0.0/20' }))).toBeUndefined();
    const nat = { name: 'nat', natIpAllocateOption: 'AUTO_ONLY', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: [{ name: 'regions/us-central1/subnetworks/sub-b', sourceIpRangesToNat: ['ALL_IP_RANGES'] }] };
    expect(reason(await api('POST', 'regions/us-central1/routers', { name: 'r-a', network: 'global/networks/net-a', nats: [nat] }))).toBe('invalid');
    expect(reason(await api('POST', 'regions/us-central1/routers', { name: 'r-b', network: 'global/networks/net-b', nats: [{ ...nat, subnetworks: [] }] }))).toBe('required');
    expect(reason(await api('POST', 'regions/us-central1/routers', { name: 'r-b', network: 'global/networks/net-b', nats: [nat] }))).toBeUndefined();
    expect(reason(await api('DELETE', 'regions/us-central1/subnetworks/sub-b'))).toBe('resourceInUseByAnotherResource');
  });
});
