/**
 * The kinds addons hold that the local API server stores (CustomResourceDefinitions,
 * APIServices, PriorityClasses, StorageClasses, CSIDrivers), through the real kubectl: found by
 * discovery and short names, server-side applied, listed with kubectl's columns, and deleted by
 * label selector (deletecollection).
 */

import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApiServer } from '../../cloudup/local/apiserver/server.js';
import { kubectl, makePki, removeDir, startEtcd, startServer, writeKubeconfig } from './support.js';
import type { Etcd } from './support.js';

let dir: string;
let etcd: Etcd | undefined;
let server: RunningApiServer | undefined;
let kubeconfig: string;

const MANIFEST = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: { name: widgets.example.com, labels: { addon: demo } }
spec:
  group: example.com
  names: { kind: Widget, plural: widgets }
  scope: Namespaced
  versions: [{ name: v1, served: true, storage: true }]
---
apiVersion: apiregistration.k8s.io/v1
kind: APIService
metadata: { name: v1beta1.metrics.k8s.io, labels: { addon: demo } }
spec: { group: metrics.k8s.io, version: v1beta1, groupPriorityMinimum: 100, versionPriority: 100, service: { name: metrics-server, namespace: kube-system } }
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: { name: demo-critical, labels: { addon: demo } }
value: 1000000
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: demo-gp3, labels: { addon: demo } }
provisioner: ebs.csi.aws.com
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: { name: ebs.csi.aws.com, labels: { addon: demo } }
spec: { attachRequired: true }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: one, namespace: kube-system, labels: { addon: demo } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: two, namespace: kube-system, labels: { addon: other } }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: three, namespace: kube-system, labels: { addon: third } }
`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hoist-addon-kinds-'));
  etcd = await startEtcd(join(dir, 'etcd'));
  const pki = await makePki();
  server = await startServer(etcd, pki);
  kubeconfig = await writeKubeconfig(dir, 'admin.conf', server.url, pki, pki.admin);
});

afterAll(async () => {
  await server?.close();
  await etcd?.stop();
  await removeDir(dir);
});

describe('the kinds addons hold, through kubectl', () => {
  it('server-side applies them and lists them by their short names', async () => {
    const applied = await kubectl(kubeconfig, dir, ['apply', '--server-side', '--field-manager=hoist-addons', '-f', '-'], MANIFEST);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/widgets.example.com serverside-applied');
    expect(applied.stdout).toContain('apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io serverside-applied');
    const got = await kubectl(kubeconfig, dir, ['get', 'crd,pc,sc,csidrivers,apiservices', '-l', 'addon=demo', '-o', 'name']);
    expect(got.stdout.trim().split('\n').sort()).toEqual([
      'apiservice.apiregistration.k8s.io/v1beta1.metrics.k8s.io',
      'csidriver.storage.k8s.io/ebs.csi.aws.com',
      'customresourcedefinition.apiextensions.k8s.io/widgets.example.com',
      'priorityclass.scheduling.k8s.io/demo-critical',
      'storageclass.storage.k8s.io/demo-gp3',
    ]);
    const table = await kubectl(kubeconfig, dir, ['get', 'storageclass']);
    expect(table.stdout).toMatch(/^NAME\s+AGE\ndemo-gp3\s+\d+s\n$/);
  });

  it('deletes a collection by label selector, leaving what the selector does not pick', async () => {
    const deleted = await kubectl(kubeconfig, dir, ['delete', 'configmaps', '-n', 'kube-system', '-l', 'addon=demo']);
    expect(deleted.stdout).toContain('configmap "one" deleted');
    const left = await kubectl(kubeconfig, dir, ['get', 'configmaps', '-n', 'kube-system', '-o', 'name']);
    expect(left.stdout).toContain('configmap/two');
    expect(left.stdout).not.toContain('configmap/one');
    // DELETE on the collection itself, as client libraries send it.
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    await kc.makeApiClient(CoreV1Api).deleteCollectionNamespacedConfigMap({ namespace: 'kube-system', labelSelector: 'addon in (third)' });
    const after = (await kubectl(kubeconfig, dir, ['get', 'configmaps', '-n', 'kube-system', '-o', 'name'])).stdout;
    expect(after).not.toContain('configmap/three');
    expect(after).toContain('configmap/two');
    const gone = await kubectl(kubeconfig, dir, ['delete', 'crd,pc,sc,csidrivers,apiservices', '-l', 'addon=demo']);
    expect(gone.code).toBe(0);
    expect((await kubectl(kubeconfig, dir, ['get', 'crd,pc,sc,csidrivers,apiservices', '-l', 'addon=demo', '-o', 'name'])).stdout).toBe('');
  });
});
