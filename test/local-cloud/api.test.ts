import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreateBodies, ResourceOf } from '../../cloudup/local/api-types.js';
import { LocalCloudError } from '../../cloudup/local/client.js';
import { cloudPaths } from '../../cloudup/local/files.js';
import { destroyCloud, network, removeBundleCopy, startCloud } from './support.js';
import type { TestCloud } from './support.js';

let cloud: TestCloud;
beforeAll(async () => {
  cloud = await startCloud();
});
afterAll(async () => {
  const left = cloud === undefined ? [] : await destroyCloud(cloud.dir);
  await removeBundleCopy();
  expect(left).toEqual([]);
});

async function failure(p: Promise<unknown>): Promise<LocalCloudError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LocalCloudError) return e;
    throw e;
  }
  throw new Error('expected the call to fail');
}

const template = (name: string): CreateBodies['instanceTemplates'] => ({
  name,
  tags: {},
  version: { machineType: 'local.small', image: 'hoist-node', userData: '', instanceTags: {} },
});

describe('the local cloud API', () => {
  it('creates, reads, updates and deletes, with server-assigned ids and persisted state', async () => {
    const { client } = cloud;
    const net = await client.create('networks', { name: 'crud', cidr: '127.201.0.0/16', tags: { owner: 'me' } });
    expect(net.id).toMatch(/^net-[0-9a-f]{16}$/);
    expect(Date.parse(net.createdAt)).not.toBeNaN();
    expect(await client.get('networks', net.id)).toEqual(net);
    const updated = await client.update('networks', net.id, { tags: { owner: 'you' } });
    expect(updated.tags).toEqual({ owner: 'you' });
    const onDisk = JSON.parse(readFileSync(cloudPaths(cloud.dir).state, 'utf8')) as { resources: { networks: ResourceOf['networks'][] } };
    expect(onDisk.resources.networks.find((n) => n.id === net.id)?.tags).toEqual({ owner: 'you' });
    await client.delete('networks', net.id);
    expect(await client.get('networks', net.id)).toBeUndefined();
    expect((await failure(client.delete('networks', net.id))).apiCode).toBe('NotFound');
  });

  it('gives every type its id prefix and keeps names unique per type', async () => {
    const { client } = cloud;
    const { network: net, subnets } = await network(client, '127.202.0.0/16');
    expect(subnets[0]?.id).toMatch(/^subnet-/);
    const fw = await client.create('firewallRules', { name: 'fw', networkId: net.id, direction: 'ingress', protocol: 'tcp', ports: ['443', '30000-32767'], sourceCidrs: ['127.0.0.0/8'], sourceTags: [], targetTags: ['hoist.dev/role=node'], tags: {} });
    const dns = await client.create('dnsRecords', { name: 'api.example.local', type: 'A', ttl: 60, values: ['127.202.1.2'], tags: {} });
    const vol = await client.create('volumes', { name: 'etcd-a', zone: 'a', sizeGb: 20, volumeType: 'local', tags: {} });
    const tmpl = await client.create('instanceTemplates', template('prefixes'));
    expect([fw.id, dns.id, vol.id, tmpl.id].map((id) => id.split('-')[0])).toEqual(['fw', 'dns', 'vol', 'tmpl']);
    expect(vol.path).toBe(cloudPaths(cloud.dir).volumePath(vol.id));
    const again = await failure(client.create('dnsRecords', { name: 'api.example.local', type: 'TXT', ttl: 60, values: ['x'], tags: {} }));
    expect(again.apiCode).toBe('AlreadyExists');
    expect(again.message).toContain(dns.id);
    await client.delete('volumes', vol.id);
  });

  it('filters listings by tags (all must match) and follows pages', async () => {
    const { client } = cloud;
    for (let i = 0; i < 25; i++) {
      await client.create('dnsRecords', { name: `r${i}.paging.local`, type: 'TXT', ttl: 1, values: [String(i)], tags: { suite: 'paging', parity: i % 2 === 0 ? 'even' : 'odd', ...(i < 5 ? { low: 'yes' } : {}) } });
    }
    const before = client.stats.requests;
    const all = await client.list('dnsRecords', { tags: { suite: 'paging' }, pageSize: 10 });
    expect(client.stats.requests - before).toBe(3);
    expect(all.map((r) => r.values[0])).toEqual(Array.from({ length: 25 }, (_, i) => String(i)));
    expect((await client.list('dnsRecords', { tags: { suite: 'paging', parity: 'even', low: 'yes' } })).map((r) => r.values[0])).toEqual(['0', '2', '4']);
    expect(await client.list('dnsRecords', { tags: { suite: 'nope' } })).toEqual([]);
    expect((await client.list('dnsRecords', { name: 'r7.paging.local' })).map((r) => r.values[0])).toEqual(['7']);
    // The raw API: a first page and its token.
    const page = (await (await fetch(`${client.endpoint}/v1/dnsRecords?tag:suite=paging&maxResults=20`)).json()) as { items: unknown[]; nextPageToken?: string };
    expect(page.items).toHaveLength(20);
    expect(page.nextPageToken).toBeTypeOf('string');
    const rest = (await (await fetch(`${client.endpoint}/v1/dnsRecords?tag:suite=paging&maxResults=20&pageToken=${page.nextPageToken}`)).json()) as { items: unknown[]; nextPageToken?: string };
    expect(rest.items).toHaveLength(5);
    expect(rest.nextPageToken).toBeUndefined();
  });

  it('refuses bad bodies with InvalidParameter naming the field', async () => {
    const { client } = cloud;
    const { network: net, subnets } = await network(client, '127.203.0.0/16');
    const tmpl = await client.create('instanceTemplates', template('validation'));
    const subnet = subnets[0] as ResourceOf['subnets'];
    const cases: [() => Promise<unknown>, RegExp][] = [
      [() => client.create('networks', { name: 'outside', cidr: '10.0.0.0/16', tags: {} }), /^cidr: .*not inside 127\.0\.0\.0\/8/],
      [() => client.create('networks', { name: 'overlap', cidr: '127.203.128.0/17', tags: {} }), /^cidr: .*overlaps network/],
      [() => client.create('networks', { name: 'hostbits', cidr: '127.204.0.1/16', tags: {} }), /^cidr: .*host bits/],
      [() => client.create('networks', { name: 'x', cidr: '127.205.0.0/16', tags: {}, colour: 'red' } as never), /^colour: is not a field of networks/],
      [() => client.create('networks', { name: 'has space', cidr: '127.205.0.0/16', tags: {} }), /^name: /],
      [() => client.create('networks', { name: 'x', tags: {} } as never), /^cidr: /],
      [() => client.create('subnets', { name: 's', networkId: net.id, cidr: '127.209.0.0/24', zone: 'a', tags: {} }), /^cidr: .*not inside network/],
      [() => client.create('subnets', { name: 's', networkId: net.id, cidr: '127.203.1.128/25', zone: 'a', tags: {} }), /^cidr: .*overlaps subnet/],
      [() => client.create('subnets', { name: 's', networkId: 'net-missing', cidr: '127.203.9.0/24', zone: 'a', tags: {} }), /^networkId: network "net-missing" does not exist/],
      [() => client.create('firewallRules', { name: 'f', networkId: net.id, direction: 'sideways', protocol: 'tcp', ports: [], sourceCidrs: [], sourceTags: [], targetTags: [] } as never), /^direction: /],
      [() => client.create('firewallRules', { name: 'f', networkId: net.id, direction: 'ingress', protocol: 'tcp', ports: ['70000'], sourceCidrs: [], sourceTags: [], targetTags: [], tags: {} }), /^ports\[0\]: /],
      [() => client.create('instanceGroups', { name: 'g', templateId: tmpl.id, templateVersion: 1, subnetIds: [subnet.id], minSize: 2, maxSize: 1, desiredCapacity: 1, loadBalancerIds: [], tags: {} }), /^minSize: /],
      [() => client.create('instanceGroups', { name: 'g', templateId: tmpl.id, templateVersion: 1, subnetIds: [subnet.id], minSize: 0, maxSize: 1, desiredCapacity: 3, loadBalancerIds: [], tags: {} }), /^desiredCapacity: /],
      [() => client.create('instanceGroups', { name: 'g', templateId: tmpl.id, templateVersion: 7, subnetIds: [subnet.id], minSize: 0, maxSize: 1, desiredCapacity: 0, loadBalancerIds: [], tags: {} }), /^templateVersion: .*no version 7/],
      [() => client.create('instanceGroups', { name: 'g', templateId: tmpl.id, templateVersion: 1, subnetIds: ['subnet-nope'], minSize: 0, maxSize: 1, desiredCapacity: 0, loadBalancerIds: [], tags: {} }), /^subnetIds\[0\]: /],
      [() => client.create('loadBalancers', { name: 'lb', networkId: net.id, subnetIds: [subnet.id], listeners: [{ port: 0, targetPort: 1 }], healthCheck: { port: 1 }, tags: {} }), /^listeners\[0\]\.port: /],
      [() => client.create('loadBalancers', { name: 'lb', networkId: net.id, subnetIds: [subnet.id], listeners: [{ port: 80, targetPort: 1 }, { port: 80, targetPort: 2 }], healthCheck: { port: 1 }, tags: {} }), /^listeners\[1\]\.port: .*twice/],
      [() => client.create('instances', {} as never), /^type: instances are launched by instance groups/],
      [() => client.update('subnets', subnet.id, { cidr: '127.203.7.0/24' } as never), /^cidr: cannot be changed/],
      [() => client.createTemplateVersion(tmpl.id, { machineType: 'x', image: '', userData: '', instanceTags: {} }), /^image: /],
      [() => client.list('networks', { pageSize: 5000 }), /^maxResults: /],
    ];
    for (const [call, message] of cases) {
      const e = await failure(call());
      expect({ code: e.apiCode, status: e.status, message: e.message }).toMatchObject({ code: 'InvalidParameter', status: 400, message: expect.stringMatching(message) });
    }
    const raw = await fetch(`${cloud.client.endpoint}/v1/networks`, { method: 'POST', body: '{not json', headers: { 'content-type': 'application/json' } });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { code: 'InvalidParameter', message: expect.stringMatching(/^body: /) } });
    expect((await fetch(`${cloud.client.endpoint}/v1/nonsense`)).status).toBe(404);
    expect((await fetch(`${cloud.client.endpoint}/v1/networks?tags:x=1`)).status).toBe(400);
  });

  it('refuses to delete what is in use (DependencyViolation), and allows it once unused', async () => {
    const { client } = cloud;
    const { network: net, subnets } = await network(client, '127.206.0.0/16');
    const subnet = subnets[0] as ResourceOf['subnets'];
    const tmpl = await client.create('instanceTemplates', template('in-use'));
    const lb = await client.create('loadBalancers', { name: 'in-use', networkId: net.id, subnetIds: [subnet.id], listeners: [{ port: 18443, targetPort: 443 }], healthCheck: { port: 443 }, tags: {} });
    expect(lb.address).toBe('127.206.1.2');
    const fw = await client.create('firewallRules', { name: 'in-use', networkId: net.id, direction: 'ingress', protocol: 'all', ports: [], sourceCidrs: [], sourceTags: [], targetTags: [], tags: {} });
    const group = await client.create('instanceGroups', { name: 'in-use', templateId: tmpl.id, templateVersion: 'latest', subnetIds: [subnet.id], minSize: 0, maxSize: 2, desiredCapacity: 0, loadBalancerIds: [lb.id], tags: {} });
    for (const [type, id, by] of [
      ['networks', net.id, /subnets .*firewallRules in-use; loadBalancers in-use/],
      ['subnets', subnet.id, /instanceGroups in-use; loadBalancers in-use/],
      ['instanceTemplates', tmpl.id, /instanceGroups in-use/],
      ['loadBalancers', lb.id, /instanceGroups in-use/],
    ] as const) {
      const e = await failure(client.delete(type, id));
      expect(e.apiCode).toBe('DependencyViolation');
      expect(e.status).toBe(409);
      expect(e.message).toMatch(by);
    }
    await client.delete('instanceGroups', group.id);
    await client.delete('loadBalancers', lb.id);
    await client.delete('instanceTemplates', tmpl.id);
    await client.delete('firewallRules', fw.id);
    await client.delete('subnets', subnet.id);
    await client.delete('networks', net.id);
  });

  it('versions templates: a new version bumps latestVersion and leaves the old one as it was', async () => {
    const { client } = cloud;
    const tmpl = await client.create('instanceTemplates', template('versions'));
    const v2 = await client.createTemplateVersion(tmpl.id, { machineType: 'local.large', image: 'hoist-node', userData: 'x: 1\n', instanceTags: { a: 'b' } });
    expect(v2.latestVersion).toBe(2);
    expect(v2.versions.map((v) => [v.version, v.machineType])).toEqual([
      [1, 'local.small'],
      [2, 'local.large'],
    ]);
    expect((await failure(client.createTemplateVersion('tmpl-missing', { machineType: 'x', image: 'y', userData: '', instanceTags: {} }))).apiCode).toBe('NotFound');
  });

  it('reports its status with counts per type', async () => {
    const status = await cloud.client.status();
    expect(status).toMatchObject({ dir: cloud.dir, endpoint: cloud.client.endpoint, version: expect.any(String) });
    expect(status.counts.dnsRecords).toBeGreaterThanOrEqual(26);
    expect(Object.keys(status.counts).sort()).toEqual(['dnsRecords', 'firewallRules', 'instanceGroups', 'instanceTemplates', 'instances', 'loadBalancers', 'networks', 'subnets', 'volumes']);
  });
});
