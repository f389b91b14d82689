/**
 * The addons' images in `hoist get assets`: every image of the builtin addons the spec renders
 * (AWS: the cloud controller by digest, the EBS CSI driver and its sidecars), with the mirror's
 * name under spec.assets.containerRegistry; a published user addon's images as the channel
 * holds them; the table, the JSON list and the `crane copy` lines of --copy.
 */

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { addonImages, splitImage } from '../../cloudup/addons/images.js';
import type { AddonImage } from '../../cloudup/addons/images.js';
import { planAddons } from '../../cloudup/addons/plan.js';
import { completedSpecOf } from '../../cloudup/pipeline/spec.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import { buildPlan } from '../../src/engine/planner.js';
import { Clientset } from '../../state-store/clientset.js';
import { openStore } from '../../state-store/open.js';
import { hoist, tempDir } from '../support/cli.js';

const NAME = 'assets.k8s.local';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
let url: string;

beforeAll(async () => {
  dir = await tempDir('hoist-addon-assets-');
  url = pathToFileURL(join(dir.path, 'state')).href;
  env = { HOIST_STATE_STORE: url, HOIST_CLUSTER_NAME: '' };
  const made = await hoist(['create', 'cluster', NAME], { env });
  expect(made.code, made.stderr).toBe(0);
  const manifest = join(dir.path, 'monitoring.yaml');
  await writeFile(manifest, 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: exporter, namespace: default}\nspec:\n  selector: {matchLabels: {app: e}}\n  template:\n    metadata: {labels: {app: e}}\n    spec: {containers: [{name: e, image: quay.io/prometheus/node-exporter:v1.8.2}]}\n');
  const spec = parse((await hoist(['get', 'cluster', NAME, '-o', 'yaml'], { env })).stdout) as { spec: Record<string, unknown> };
  spec.spec.networking = { calico: {} };
  spec.spec.addons = [{ manifest: pathToFileURL(manifest).href }];
  spec.spec.assets = { containerRegistry: 'mirror.example.com' };
  await writeFile(join(dir.path, 'cluster.yaml'), stringify(spec));
  const replaced = await hoist(['replace', '-f', join(dir.path, 'cluster.yaml')], { env });
  expect(replaced.code, replaced.stderr).toBe(0);
  // Published as update cluster --yes publishes the channel.
  const store = await openStore(url);
  const addons = await planAddons(store, await completedSpecOf(new Clientset(store), NAME), { env: {} });
  const result = buildPlan({ cluster: NAME, cloud: 'local', specRevision: null, tasks: addons.tasks, kinds: addons.kinds }, await discoverAll(addons.kinds, undefined));
  expect((await applyPlan({ result, kinds: addons.kinds, ctx: undefined })).ok).toBe(true);
});
afterAll(async () => dir.cleanup());

describe("the addons' images", () => {
  it('splits references as container runtimes read them', () => {
    expect(splitImage('registry.k8s.io/provider-aws/cloud-controller-manager:v1.32.3@sha256:abc')).toEqual({ reference: 'registry.k8s.io/provider-aws/cloud-controller-manager:v1.32.3', repository: 'provider-aws/cloud-controller-manager', tag: 'v1.32.3', digest: 'sha256:abc' });
    expect(splitImage('docker.io/calico/node:v3.29.1')).toMatchObject({ repository: 'calico/node', tag: 'v3.29.1' });
    expect(splitImage('busybox')).toEqual({ reference: 'busybox:latest', repository: 'library/busybox', tag: 'latest' });
    expect(splitImage('localhost:5000/team/app:1')).toMatchObject({ repository: 'team/app', tag: '1' });
  });

  it('of a default AWS cluster: every builtin addon image, the pinned digests, and none twice', async () => {
    const made = newClusterSpec({ name: 'assets.example.com', cloud: 'aws', zones: ['us-east-1a'] }, SPEC_RULES);
    const images = await addonImages(completeSpec(made.cluster, made.instanceGroups));
    const refs = images.map((i) => i.reference);
    expect(new Set(refs).size).toBe(refs.length);
    expect(refs).toContain('registry.k8s.io/coredns/coredns:v1.12.0');
    expect(refs).toContain('ghcr.io/flannel-io/flannel:v0.27.4');
    expect(refs).toContain('public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.40.1');
    expect(images.find((i) => i.repository === 'provider-aws/cloud-controller-manager')).toMatchObject({ addons: ['aws-cloud-controller-manager'], tag: 'v1.32.3', digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    // The CSI sidecars are shared by the controller and the node plugin: one row, one addon.
    expect(images.filter((i) => i.addons.includes('aws-ebs-csi-driver')).length).toBeGreaterThanOrEqual(5);
    expect(images.every((i) => i.mirror === undefined)).toBe(true);
  });

  it('get assets lists the cluster\'s addon images with the mirror, and a published user addon\'s as it is', async () => {
    const got = await hoist(['get', 'assets', NAME, '-o', 'json'], { env });
    expect(got.code, got.stderr).toBe(0);
    const list = JSON.parse(got.stdout) as { images: unknown[]; addonImages: AddonImage[] };
    expect(list.images).toHaveLength(6);
    expect(list.addonImages.map((i) => `${i.addons.join(',')} ${i.reference} ${i.mirror ?? '-'}`)).toEqual([
      'calico docker.io/calico/cni:v3.29.1 mirror.example.com/calico/cni:v3.29.1',
      'calico docker.io/calico/node:v3.29.1 mirror.example.com/calico/node:v3.29.1',
      'calico docker.io/calico/kube-controllers:v3.29.1 mirror.example.com/calico/kube-controllers:v3.29.1',
      'coredns registry.k8s.io/coredns/coredns:v1.12.0 mirror.example.com/coredns/coredns:v1.12.0',
      'monitoring quay.io/prometheus/node-exporter:v1.8.2 -',
    ]);
    const table = await hoist(['get', 'assets', NAME], { env });
    expect(table.stdout).toMatch(/\naddon-image +coredns\/coredns \(coredns\) +v1\.12\.0 +unknown \(pulled by tag\) +registry\.k8s\.io\/coredns\/coredns:v1\.12\.0 +mirror\.example\.com\/coredns\/coredns:v1\.12\.0\n/);
  });

  it('--copy prints a crane copy line for each addon image', async () => {
    const mirror = pathToFileURL(join(dir.path, 'mirror')).href;
    const copied = await hoist(['get', 'assets', NAME, '--copy', '--to', mirror, '--from', pathToFileURL(join(dir.path, 'nowhere')).href], { env });
    expect(copied.stdout).toContain('  crane copy docker.io/calico/node:v3.29.1 mirror.example.com/calico/node:v3.29.1\n');
    expect(copied.stdout).toContain('  crane copy quay.io/prometheus/node-exporter:v1.8.2 mirror.example.com/prometheus/node-exporter:v1.8.2\n');
  });
});
