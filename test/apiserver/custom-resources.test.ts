/**
 * Custom resources on the local API server, through the real kubectl: a stored CRD is
 * established and its resources are discovered and served (namespaced and cluster-scoped,
 * get/list/apply/patch/delete, label selectors, resourceVersion), then go with their namespace
 * or their CRD. One etcd and one server for the file.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { kubectl, makePki, removeDir, startEtcd, startServer, writeKubeconfig } from './support.js';
import type { Etcd } from './support.js';

let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let admin: string;

const run = (args: readonly string[], stdin?: string) => kubectl(admin, dir, args, stdin);

const crd = (plural: string, kind: string, scope: 'Namespaced' | 'Cluster', extra = '') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: ${plural}.example.hoist.dev}
spec:
  group: example.hoist.dev
  scope: ${scope}
  names: {kind: ${kind}, plural: ${plural}, singular: ${kind.toLowerCase()}${extra}}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
    subresources: {status: {}}
`;

const widget = (name: string, size: number, labels = 'tier: web') => `apiVersion: example.hoist.dev/v1
kind: Widget
metadata: {name: ${name}, namespace: shop, labels: {${labels}}}
spec: {size: ${size}, parts: [a, b]}
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-apiserver-cr-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  const pki = await makePki();
  server = await startServer(etcd, pki);
  admin = await writeKubeconfig(dir, 'admin.conf', server.url, pki, pki.admin);
  const crds = [crd('widgets', 'Widget', 'Namespaced', ', shortNames: [wd], categories: [all]'), crd('gadgets', 'Gadget', 'Cluster')].join('---\n');
  const made = await run(['apply', '-f', '-'], crds);
  expect(made.stderr).toBe('');
  expect((await run(['create', 'namespace', 'shop'])).code).toBe(0);
});

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

describe('custom resources of stored CRDs', () => {
  it('a CRD is established, and discovery lists its resources with their short names', async () => {
    const wait = await run(['wait', '--for=condition=Established', 'crd/widgets.example.hoist.dev', 'crd/gadgets.example.hoist.dev', '--timeout=10s']);
    expect(wait.stdout).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.example.hoist.dev condition met\ncustomresourcedefinition.apiextensions.k8s.io/gadgets.example.hoist.dev condition met\n');
    const resources = await run(['api-resources', '--api-group=example.hoist.dev', '--no-headers']);
    expect(resources.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/))).toEqual([
      ['gadgets', 'example.hoist.dev/v1', 'false', 'Gadget'],
      ['widgets', 'wd', 'example.hoist.dev/v1', 'true', 'Widget'],
    ]);
  });

  it('kubectl apply creates and configures a namespaced custom resource; get by plural, short name and label', async () => {
    const file = join(dir, 'widget.yaml');
    await writeFile(file, widget('big', 3));
    expect((await run(['apply', '-f', file])).stdout).toBe('widget.example.hoist.dev/big created\n');
    const first = JSON.parse((await run(['get', 'widget', 'big', '-n', 'shop', '-o', 'json'])).stdout) as { metadata: { resourceVersion: string; generation: number; uid: string } };
    expect(first.metadata.generation).toBe(1);
    await writeFile(file, widget('big', 5));
    expect((await run(['apply', '-f', file])).stdout).toBe('widget.example.hoist.dev/big configured\n');
    const second = JSON.parse((await run(['get', 'wd', 'big', '-n', 'shop', '-o', 'json'])).stdout) as { spec: { size: number; parts: string[] }; metadata: { resourceVersion: string; generation: number; uid: string } };
    expect(second.spec).toEqual({ size: 5, parts: ['a', 'b'] });
    expect(second.metadata.generation).toBe(2);
    expect(second.metadata.uid).toBe(first.metadata.uid);
    expect(Number(second.metadata.resourceVersion)).toBeGreaterThan(Number(first.metadata.resourceVersion));

    expect((await run(['apply', '-f', '-'], widget('small', 1, 'tier: db'))).stdout).toBe('widget.example.hoist.dev/small created\n');
    const table = await run(['get', 'widgets', '-n', 'shop']);
    expect(table.stdout).toMatch(/^NAME\s+AGE\nbig\s+\d+s\nsmall\s+\d+s\n$/);
    expect((await run(['get', 'widgets', '-n', 'shop', '-l', 'tier=web', '-o', 'name'])).stdout).toBe('widget.example.hoist.dev/big\n');
    expect((await run(['get', 'widgets', '-A', '-l', 'tier in (db)', '-o', 'name'])).stdout).toBe('widget.example.hoist.dev/small\n');
    // The CRD's categories: `get all` includes widgets.
    expect((await run(['get', 'all', '-n', 'shop', '-o', 'name'])).stdout).toContain('widget.example.hoist.dev/big\n');
  });

  it('a stale resourceVersion is a conflict; the status subresource alone changes the status', async () => {
    const current = JSON.parse((await run(['get', 'widget', 'big', '-n', 'shop', '-o', 'json'])).stdout) as Record<string, unknown> & { metadata: { resourceVersion: string } };
    const stale = { ...current, metadata: { ...current.metadata, resourceVersion: String(Number(current.metadata.resourceVersion) - 1) } };
    const replaced = await run(['replace', '-f', '-'], JSON.stringify(stale));
    expect(replaced.code).not.toBe(0);
    expect(replaced.stderr).toContain('the object has been modified');
    // Through the main resource a status is ignored; through /status it is kept.
    await run(['patch', 'widget', 'big', '-n', 'shop', '--type=merge', '-p', '{"status":{"ready":true}}']);
    expect((await run(['get', 'widget', 'big', '-n', 'shop', '-o', 'jsonpath={.status}'])).stdout).toBe('');
    const status = await run(['patch', 'widget', 'big', '-n', 'shop', '--subresource=status', '--type=merge', '-p', '{"status":{"ready":true}}']);
    expect(status.stdout).toBe('widget.example.hoist.dev/big patched\n');
    expect((await run(['get', 'widget', 'big', '-n', 'shop', '-o', 'jsonpath={.status.ready}'])).stdout).toBe('true');
  });

  it('server-side apply and delete of a cluster-scoped custom resource', async () => {
    const gadget = (color: string) => `apiVersion: example.hoist.dev/v1\nkind: Gadget\nmetadata: {name: lamp}\nspec: {color: ${color}}\n`;
    expect((await run(['apply', '--server-side', '--field-manager=hoist-addons', '-f', '-'], gadget('red'))).stdout).toBe('gadget.example.hoist.dev/lamp serverside-applied\n');
    expect((await run(['apply', '--server-side', '--field-manager=hoist-addons', '-f', '-'], gadget('blue'))).stdout).toBe('gadget.example.hoist.dev/lamp serverside-applied\n');
    expect((await run(['get', 'gadget', 'lamp', '-o', 'jsonpath={.spec.color} {.metadata.managedFields[0].manager}'])).stdout).toBe('blue hoist-addons');
    expect((await run(['delete', 'gadget', 'lamp'])).stdout).toBe('gadget.example.hoist.dev "lamp" deleted\n');
    const gone = await run(['get', 'gadget', 'lamp']);
    expect(gone.stderr).toContain('gadgets.example.hoist.dev "lamp" not found');
  });

  it('a CRD whose name is not <plural>.<group> is refused with the field', async () => {
    const bad = crd('bolts', 'Bolt', 'Cluster').replace('name: bolts.example.hoist.dev', 'name: screws.example.hoist.dev');
    const r = await run(['apply', '-f', '-'], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('metadata.name: Invalid value: "screws.example.hoist.dev": must be spec.names.plural+"."+spec.group (bolts.example.hoist.dev)');
  });

  it('deleting the namespace deletes its custom resources; deleting the CRD deletes the rest and stops serving them', async () => {
    await run(['apply', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: attic}\n');
    await run(['apply', '-f', '-'], widget('old', 1).replace('namespace: shop', 'namespace: attic'));
    expect((await run(['delete', 'namespace', 'attic'])).code).toBe(0);
    expect((await run(['get', 'widgets', '-A', '-o', 'name'])).stdout).toBe('widget.example.hoist.dev/big\nwidget.example.hoist.dev/small\n');
    expect((await run(['delete', 'crd', 'widgets.example.hoist.dev'])).code).toBe(0);
    const unserved = await run(['get', 'widgets', '-A']);
    expect(unserved.code).not.toBe(0);
    expect(unserved.stderr).toMatch(/the server doesn't have a resource type "widgets"|could not find the requested resource/);
    // Made again, the CRD starts empty: its objects went with it.
    await run(['apply', '-f', '-'], crd('widgets', 'Widget', 'Namespaced'));
    expect((await run(['get', 'widgets', '-A', '-o', 'name'])).stdout).toBe('');
  });
});
