/**
 * The fake Compute server answers as the real API does for the calls hoist makes: REST paths,
 * int64 as strings, selfLinks, Operations that finish later, paging, label filters, Google
 * error bodies, and the rejections (missing fields, names that are not RFC 1035, in use).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeCompute } from './fake/server.js';
import { PROJECT, waitFor } from './support.js';

let fake: FakeCompute;
const base = () => `${fake.url}/compute/v1/projects/${PROJECT}`;

type Body = Readonly<Record<string, unknown>>;

/** A value deep in a JSON body, e.g. at(body, 'error', 'errors', 0, 'reason'). */
function at(v: unknown, ...path: readonly (string | number)[]): unknown {
  return path.reduce<unknown>((x, k) => (typeof x === 'object' && x !== null ? (x as Record<string | number, unknown>)[k] : undefined), v);
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: Body }> {
  const res = await fetch(`${base()}/${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: res.status, json: (await res.json()) as Body };
}

async function done(op: Body): Promise<Body> {
  const last = (v: unknown) => String(v).split('/').pop()!;
  const scope = op.zone ? `zones/${last(op.zone)}` : op.region ? `regions/${last(op.region)}` : 'global';
  const waited = await call('POST', `${scope}/operations/${String(op.name)}/wait`);
  expect(waited.json.status).toBe('DONE');
  return waited.json;
}

const template = (name: string, machineType = 'e2-medium') => ({
  name,
  properties: {
    machineType,
    disks: [{ boot: true, autoDelete: true, initializeParams: { sourceImage: 'projects/ubuntu-os-cloud/global/images/family/ubuntu-2404-lts-amd64', diskSizeGb: '20' } }],
    networkInterfaces: [{ network: 'global/networks/net-a', subnetwork: 'regions/us-central1/subnetworks/sub-a' }],
    labels: { 'hoist-dev-cluster': 'fake' },
    tags: { items: ['fake-node'] },
  },
});

beforeAll(async () => {
  // Operations take long enough that a test sees one RUNNING even on a loaded machine.
  fake = await FakeCompute.start({ operationMs: 150, instanceStepMs: 100 });
  await done((await call('POST', 'global/networks', { name: 'net-a', autoCreateSubnetworks: false })).json);
  await done((await call('POST', 'regions/us-central1/subnetworks', { name: 'sub-a', network: 'global/networks/net-a', ipCidrRange: '10.0.0.0/24' })).json);
});

afterAll(async () => {
  await fake?.stop();
});

describe('the fake Compute API', () => {
  it('answers with REST shapes: ids as strings, selfLinks, operations that go PENDING, RUNNING, DONE', async () => {
    const op = (await call('POST', 'global/firewalls', { name: 'fw-a', network: 'global/networks/net-a', allowed: [{ IPProtocol: 'tcp', ports: ['22'] }], sourceRanges: ['0.0.0.0/0'] })).json;
    expect(op).toMatchObject({ kind: 'compute#operation', operationType: 'insert', status: 'PENDING', targetLink: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/firewalls/fw-a` });
    expect(typeof op.id).toBe('string');
    const polled = async () => (await call('GET', `global/operations/${String(op.name)}`)).json.status;
    let status = await polled();
    while (status === 'PENDING') status = await polled();
    expect(status).toBe('RUNNING');
    expect((await done(op)).progress).toBe(100);
    const fw = (await call('GET', 'global/firewalls/fw-a')).json;
    expect(fw).toMatchObject({ kind: 'compute#firewall', name: 'fw-a', direction: 'INGRESS', priority: 1000, network: `https://www.googleapis.com/compute/v1/projects/${PROJECT}/global/networks/net-a` });
    expect(fw.id).toMatch(/^\d{19}$/);
    const disk = (await call('POST', 'zones/us-central1-a/disks', { name: 'disk-a', sizeGb: '20', type: 'zones/us-central1-a/diskTypes/pd-ssd', labels: { team: 'a' } })).json;
    await done(disk);
    expect((await call('GET', 'zones/us-central1-a/disks/disk-a')).json).toMatchObject({ sizeGb: '20', status: 'READY', type: expect.stringMatching(/\/zones\/us-central1-a\/diskTypes\/pd-ssd$/) });
  });

  it('rejects what the real API rejects: missing fields, names that are not RFC 1035, duplicates', async () => {
    const cases: [string, unknown, number, string][] = [
      ['global/networks', { autoCreateSubnetworks: false }, 400, 'required'],
      ['global/networks', { name: 'Net_A' }, 400, 'invalid'],
      ['global/networks', { name: '1net' }, 400, 'invalid'],
      ['global/networks', { name: `n${'x'.repeat(63)}` }, 400, 'invalid'],
      ['global/networks', { name: 'net-a' }, 409, 'alreadyExists'],
      ['regions/us-central1/subnetworks', { name: 'sub-b', network: 'global/networks/net-a' }, 400, 'required'],
      ['regions/us-central1/subnetworks', { name: 'sub-b', network: 'global/networks/net-a', ipCidrRange: '10.0.0.128/25' }, 400, 'invalid'],
      ['regions/us-central1/subnetworks', { name: 'sub-b', network: 'global/networks/nope', ipCidrRange: '10.1.0.0/24' }, 404, 'notFound'],
      ['global/firewalls', { name: 'fw-b', network: 'global/networks/net-a' }, 400, 'invalid'],
      ['global/firewalls', { name: 'fw-b', network: 'global/networks/net-a', allowed: [{ IPProtocol: 'tcp' }], targetTags: ['Not_A_Tag'] }, 400, 'invalid'],
      ['global/instanceTemplates', { name: 'tmpl-b', properties: { disks: [] } }, 400, 'required'],
      ['global/instanceTemplates', { ...template('tmpl-b'), properties: { ...template('tmpl-b').properties, machineType: 'zones/us-central1-a/machineTypes/e2-medium' } }, 400, 'invalid'],
      ['global/instanceTemplates', { ...template('tmpl-b'), properties: { ...template('tmpl-b').properties, labels: { Team: 'a' } } }, 400, 'invalid'],
      ['zones/us-central1-a/instanceGroupManagers', { name: 'mig-b', baseInstanceName: 'b', instanceTemplate: 'global/instanceTemplates/nope' }, 400, 'required'],
      ['zones/us-central1-a/instanceGroupManagers', { name: 'mig-b', baseInstanceName: 'b', instanceTemplate: 'global/instanceTemplates/nope', targetSize: 1 }, 404, 'notFound'],
      ['regions/us-central1/forwardingRules', { name: 'fr-b', IPProtocol: 'TCP', portRange: '6443' }, 400, 'required'],
      ['zones/us-central1-a/disks', { name: 'disk-b', sizeGb: '5' }, 400, 'invalid'],
    ];
    for (const [path, body, status, reason] of cases) {
      const { status: got, json } = await call('POST', path, body);
      expect({ path, body, got, reason: at(json, 'error', 'errors', 0, 'reason') }).toEqual({ path, body, got: status, reason });
      expect(json.error).toMatchObject({ code: status, message: expect.any(String) });
    }
    const missing = await call('GET', 'global/networks/nope');
    expect(missing).toEqual({
      status: 404,
      json: { error: { code: 404, message: `The resource 'projects/${PROJECT}/global/networks/nope' was not found`, errors: [{ message: `The resource 'projects/${PROJECT}/global/networks/nope' was not found`, domain: 'global', reason: 'notFound' }], status: 'NOT_FOUND' } },
    });
  });

  it('refuses to delete what is in use (resourceInUseByAnotherResource)', async () => {
    const network = await call('DELETE', 'global/networks/net-a');
    expect(network.status).toBe(400);
    expect(at(network.json, 'error', 'errors', 0, 'reason')).toBe('resourceInUseByAnotherResource');
    await done((await call('POST', 'global/instanceTemplates', template('tmpl-used'))).json);
    await done((await call('POST', 'zones/us-central1-a/instanceGroupManagers', { name: 'mig-used', baseInstanceName: 'used', instanceTemplate: 'global/instanceTemplates/tmpl-used', targetSize: 0 })).json);
    const tmpl = await call('DELETE', 'global/instanceTemplates/tmpl-used');
    expect([tmpl.status, at(tmpl.json, 'error', 'errors', 0, 'reason')]).toEqual([400, 'resourceInUseByAnotherResource']);
    await done((await call('DELETE', 'zones/us-central1-a/instanceGroupManagers/mig-used')).json);
    await done((await call('DELETE', 'global/instanceTemplates/tmpl-used')).json);
  });

  it('pages with maxResults and nextPageToken, and filters on labels and descriptions', async () => {
    for (let i = 0; i < 7; i++) {
      const labels = { 'hoist-dev-cluster': i % 2 === 0 ? 'even' : 'odd' };
      await done((await call('POST', 'zones/us-central1-b/disks', { name: `paged-${i}`, sizeGb: '10', labels, description: `d${i % 2}` })).json);
    }
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const q = new URLSearchParams({ maxResults: '3', filter: 'labels.hoist-dev-cluster = "even"', ...(token ? { pageToken: token } : {}) });
      const page = (await call('GET', `zones/us-central1-b/disks?${q}`)).json;
      names.push(...(page.items as { name: string }[]).map((d) => d.name));
      token = page.nextPageToken as string | undefined;
      pages++;
    } while (token);
    expect([names, pages]).toEqual([['paged-0', 'paged-2', 'paged-4', 'paged-6'], 2]);
    const described = (await call('GET', `zones/us-central1-b/disks?${new URLSearchParams({ filter: 'description = "d1"' })}`)).json.items as { name: string }[];
    expect(described.map((d) => d.name)).toEqual(['paged-1', 'paged-3', 'paged-5']);
    const aggregated = (await call('GET', `../../projects/${PROJECT}/aggregated/disks?${new URLSearchParams({ filter: 'labels.hoist-dev-cluster = "odd"' })}`)).json;
    expect(Object.keys(aggregated.items as Body)).toEqual(['zones/us-central1-b']);
    expect((await call('GET', `zones/us-central1-b/disks?filter=${encodeURIComponent('labels.x = "y" OR labels.y = "x"')}`)).status).toBe(400);
  });

  it('replays a mutation sent twice with the same requestId', async () => {
    const requestId = '6a5c8d76-4a8f-4a0e-9a3b-0f6f4f3f2b11';
    const first = (await call('POST', `zones/us-central1-a/disks?requestId=${requestId}`, { name: 'once', sizeGb: '10' })).json;
    const again = await call('POST', `zones/us-central1-a/disks?requestId=${requestId}`, { name: 'once', sizeGb: '10' });
    expect(again.status).toBe(200);
    expect(again.json.name).toBe(first.name);
  });

  it('runs managed instance groups: instances from the template, currentActions, recreate, resize, delete', async () => {
    await done((await call('POST', 'global/instanceTemplates', template('tmpl-1'))).json);
    await done((await call('POST', 'global/instanceTemplates', template('tmpl-2', 'e2-standard-2'))).json);
    const group = 'zones/us-central1-a/instanceGroupManagers/mig-a';
    const inserted = (await call('POST', 'zones/us-central1-a/instanceGroupManagers', { name: 'mig-a', baseInstanceName: 'mig-a', instanceTemplate: 'global/instanceTemplates/tmpl-1', targetSize: 2 })).json;
    expect((await call('GET', group)).json.currentActions).toMatchObject({ creating: 2, none: 0 });
    await done(inserted);
    const managed = async () => (await call('POST', `${group}/listManagedInstances`)).json.managedInstances as { name: string; currentAction: string; instanceStatus: string; version: { instanceTemplate: string } }[];
    await waitFor('two running instances', async () => (await managed()).filter((m) => m.currentAction === 'NONE' && m.instanceStatus === 'RUNNING').length === 2);
    const [first] = await managed();
    const instance = (await call('GET', `zones/us-central1-a/instances/${first!.name}`)).json;
    expect(instance).toMatchObject({ status: 'RUNNING', labels: { 'hoist-dev-cluster': 'fake' }, machineType: expect.stringMatching(/\/zones\/us-central1-a\/machineTypes\/e2-medium$/) });
    expect((at(instance, 'metadata', 'items') as { key: string }[]).map((i) => i.key)).toEqual(['instance-template', 'created-by']);
    expect(at(instance, 'networkInterfaces', 0, 'networkIP')).toMatch(/^10\.0\.0\.[23]$/);
    expect(at((await call('GET', group)).json, 'status', 'isStable')).toBe(true);

    await done((await call('POST', `${group}/setInstanceTemplate`, { instanceTemplate: 'global/instanceTemplates/tmpl-2' })).json);
    expect((await managed()).map((m) => m.version.instanceTemplate.split('/').pop())).toEqual(['tmpl-1', 'tmpl-1']);
    await done((await call('POST', `${group}/recreateInstances`, { instances: [`zones/us-central1-a/instances/${first!.name}`] })).json);
    expect(at((await call('GET', group)).json, 'currentActions', 'recreating')).toBe(1);
    await waitFor('the recreated instance', async () => (await managed()).some((m) => m.name === first!.name && m.currentAction === 'NONE' && m.version.instanceTemplate.endsWith('/tmpl-2')));

    await done((await call('POST', `${group}/resize?size=3`)).json);
    await waitFor('three instances', async () => (await managed()).filter((m) => m.currentAction === 'NONE').length === 3);
    await done((await call('POST', `${group}/deleteInstances`, { instances: [`zones/us-central1-a/instances/${first!.name}`] })).json);
    expect((await call('GET', group)).json.targetSize).toBe(2);
    await waitFor('the deleted instance to go', async () => !(await managed()).some((m) => m.name === first!.name));
    expect((await call('POST', `${group}/recreateInstances`, { instances: ['zones/us-central1-a/instances/stranger'] })).status).toBe(400);

    const deleting = (await call('DELETE', group)).json;
    expect(at((await call('GET', group)).json, 'currentActions', 'deleting')).toBe(2);
    await done(deleting);
    expect((await call('GET', group)).status).toBe(404);
    expect(fake.resources('instances')).toEqual([]);
  });

  it('fails chosen calls with a transient error and logs every request', async () => {
    fake.failNext({ method: 'GET', path: /\/global\/networks$/, status: 503 });
    expect((await call('GET', 'global/networks')).status).toBe(503);
    expect((await call('GET', 'global/networks')).status).toBe(200);
    expect(fake.requests.slice(-2).map((r) => r.status)).toEqual([503, 200]);
  });
});
