/**
 * The addon applier as nodeup installs it, on a one-machine cluster of the local cloud: after
 * `update cluster --yes` publishes the addon channel, the control plane's hoist-addons.service
 * (the nodeup bundle, run by the machine's supervisor with the admin kubeconfig) applies every
 * addon through the machine's API server and reports them Applied in the store, which
 * `hoist get addons` shows; the real kubectl lists CoreDNS and the network plugin through the
 * load balancer. Then the network plugin is switched to calico: the plan shows it, the applier
 * applies calico with its CRDs (whose custom resources the API server then serves) and prunes
 * the old plugin, and the next plan has no changes. Last, a user addon the API server refuses
 * shows in the report, in `validate cluster` and in `get instances` on the machine that reported it.
 */

import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddonChannel, AddonStatusReport } from '../../nodeup/addons/channel.js';
import { addonChannelKey, addonStatusKey } from '../../nodeup/addons/channel.js';
import { localWorld } from '../cli/local-support.js';
import type { LocalWorld } from '../cli/local-support.js';
import { hoistProcess } from '../support/cli.js';
import { kubectl, removeDir } from '../apiserver/support.js';

const NAME = 'applier.k8s.local';
let world: LocalWorld | undefined;
let dir: string;
let kubeconfig: string;

const run = async (...args: string[]) => {
  const r = await hoistProcess(args, { env: world?.env ?? {} });
  if (r.code !== 0) throw new Error(`hoist ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r;
};
const k = (...args: string[]) => kubectl(kubeconfig, dir, ['--tls-server-name', `api.internal.${NAME}`, ...args]);

/** Resolves with the report once `accept` holds for it: woken by the store's folder changing, bounded. */
async function reportWhen(accept: (r: AddonStatusReport) => boolean, timeoutMs: number): Promise<AddonStatusReport> {
  const path = join(world?.stateDir ?? '', addonStatusKey(NAME));
  await mkdir(dirname(path), { recursive: true });
  const read = async () => {
    const text = await readFile(path, 'utf8').catch(() => undefined);
    return text === undefined ? undefined : (JSON.parse(text) as AddonStatusReport);
  };
  return new Promise((resolve, reject) => {
    let last: AddonStatusReport | undefined;
    const watcher = watch(dirname(path), () => void check());
    const timer = setTimeout(() => {
      watcher.close();
      reject(new Error(`no accepted addon report within ${timeoutMs} ms; last: ${JSON.stringify(last)}`));
    }, timeoutMs);
    const check = async () => {
      last = await read();
      if (last !== undefined && accept(last)) {
        clearTimeout(timer);
        watcher.close();
        resolve(last);
      }
    };
    void check();
  });
}

beforeAll(async () => {
  const etcdVersion = /etcd Version:\s*(\d+\.\d+\.\d+)/.exec(execFileSync('etcd', ['--version'], { encoding: 'utf8' }))?.[1];
  if (etcdVersion === undefined) throw new Error('no etcd on this machine: apt-get install -y etcd-server');
  dir = await mkdtemp(join(tmpdir(), 'hoist-applier-local-'));
  world = await localWorld();
  await run('create', 'cluster', NAME, '--control-plane-count', '1', '--node-count', '0');
  const spec = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: { etcdClusters: { version?: string }[] } };
  for (const c of spec.spec.etcdClusters) c.version = etcdVersion;
  await writeFile(join(dir, 'cluster.yaml'), stringify(spec));
  await run('replace', '-f', join(dir, 'cluster.yaml'));
  await run('update', 'cluster', NAME, '--yes');
  kubeconfig = join(dir, 'kubeconfig');
  await run('export', 'kubeconfig', NAME, '--admin', '--kubeconfig', kubeconfig);
}, 180_000);

afterAll(async () => {
  if (world !== undefined) expect(await world.destroy()).toEqual([]);
  await removeDir(dir);
});

describe('the addon applier on a local cluster', () => {
  it('applies the addons update cluster published: get addons shows each Applied, kubectl lists CoreDNS and the network plugin', async () => {
    const channel = parse(await readFile(join(world?.stateDir ?? '', addonChannelKey(NAME)), 'utf8')) as AddonChannel;
    const names = channel.addons.map((a) => a.name);
    expect(names).toEqual(expect.arrayContaining(['core', 'coredns']));
    // The spec's network plugin (the default one), whatever its name.
    const network = names.find((n) => n !== 'core' && n !== 'coredns') ?? '';
    const report = await reportWhen((r) => names.every((n) => r.addons.some((a) => a.name === n && a.phase === 'Applied')), 90_000);
    expect(report.instanceId).toMatch(/^i-/);
    const shown = (JSON.parse((await run('get', 'addons', NAME, '-o', 'json')).stdout) as { items: { name: string; applied?: { phase: string; version: string } }[] }).items;
    for (const a of channel.addons) expect(shown.find((v) => v.name === a.name)?.applied).toMatchObject({ phase: 'Applied', version: a.version });
    const got = await k('get', 'deploy,ds', '-n', 'kube-system', '-o', 'name');
    expect(got.stdout).toContain('deployment.apps/coredns');
    expect((await k('get', 'ds', '-n', 'kube-system', '-l', `addons.hoist.dev/name=${network}`, '-o', 'name')).stdout).toMatch(/^daemonset\.apps\/\S+\n/);
  }, 120_000);

  it('switching to calico: the plan shows it, the applier applies calico and its CRDs and prunes the old plugin once; the next plan has no changes', async () => {
    const old = (parse(await readFile(join(world?.stateDir ?? '', addonChannelKey(NAME)), 'utf8')) as AddonChannel).addons.map((a) => a.name).find((n) => n !== 'core' && n !== 'coredns') ?? '';
    expect((await k('get', 'ds', '-n', 'kube-system', '-l', `addons.hoist.dev/name=${old}`, '-o', 'name')).stdout).not.toBe('');
    const spec = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: Record<string, unknown> };
    spec.spec.networking = { calico: {} };
    await writeFile(join(dir, 'cluster.yaml'), stringify(spec));
    await run('replace', '-f', join(dir, 'cluster.yaml'));
    const planned = (await run('update', 'cluster', NAME)).stdout;
    expect(planned).toContain('  Will create addon calico 3.29.1\n');
    expect(planned).toContain(`  Will delete addon ${old} (no longer in the spec)\n`);
    await run('update', 'cluster', NAME, '--yes');
    const report = await reportWhen((r) => r.addons.some((a) => a.name === 'calico' && a.phase === 'Applied') && r.addons.some((a) => a.name === old && a.phase === 'Pruned'), 90_000);
    const calico = report.addons.find((a) => a.name === 'calico');

    const crds = (await k('get', 'crd', '-l', 'addons.hoist.dev/name=calico', '-o', 'name')).stdout.trim().split('\n');
    expect(crds).toContain('customresourcedefinition.apiextensions.k8s.io/ippools.crd.projectcalico.org');
    expect(crds).toContain('customresourcedefinition.apiextensions.k8s.io/networkpolicies.crd.projectcalico.org');
    expect(crds).toHaveLength(20);
    expect((await k('get', 'ds', '-n', 'kube-system', '-l', 'addons.hoist.dev/name=calico', '-o', 'name')).stdout).toBe('daemonset.apps/calico-node\n');
    expect((await k('get', 'ds,deploy,cm,sa', '-A', '-l', `addons.hoist.dev/name=${old}`, '-o', 'name')).stdout).toBe('');
    // The CRDs' custom resources are served: what calico-node writes first, an IPPool, through the real kubectl.
    const pool = 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: default-ipv4-ippool}\nspec: {cidr: 100.96.0.0/11, ipipMode: CrossSubnet, natOutgoing: true}\n';
    expect((await kubectl(kubeconfig, dir, ['--tls-server-name', `api.internal.${NAME}`, 'apply', '-f', '-'], pool)).stdout).toBe('ippool.crd.projectcalico.org/default-ipv4-ippool created\n');
    expect((await k('get', 'ippools', '-o', 'jsonpath={.items[*].spec.cidr}')).stdout).toBe('100.96.0.0/11');

    const again = (await run('update', 'cluster', NAME)).stdout;
    expect(again).toMatch(/^No changes: /);
    // Applied once: the applier's log (one JSON line per event) has one addons.applying for calico,
    // and the record's time of that apply is the one the report gave.
    const logs = (await readdir(world?.cloudDir ?? '', { recursive: true })).filter((f) => f.endsWith('hoist-addons.log'));
    expect(logs).toHaveLength(1);
    const lines = (await readFile(join(world?.cloudDir ?? '', logs[0] ?? ''), 'utf8')).split('\n').filter((l) => l.includes('"addons.applying"') && l.includes('applying addon calico '));
    expect(lines).toHaveLength(1);
    const record = JSON.parse((await k('get', 'configmap', 'hoist-addons', '-n', 'kube-system', '-o', 'jsonpath={.data.calico}')).stdout) as { appliedAt: string; sha256: string };
    expect(record.sha256).toBe(calico?.sha256);
    expect(record.appliedAt).toBe(calico?.appliedAt);
  }, 150_000);

  it('a user addon the API server refuses: Failed in the report, named by validate cluster and by get instances on the control-plane machine', async () => {
    const file = join(dir, 'broken.yaml');
    await writeFile(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: not-valid-, namespace: kube-system}\ndata: {a: "1"}\n');
    const spec = parse((await run('get', 'cluster', NAME, '-o', 'yaml')).stdout) as { spec: Record<string, unknown> };
    spec.spec.addons = [{ manifest: pathToFileURL(file).href }];
    await writeFile(join(dir, 'cluster.yaml'), stringify(spec));
    await run('replace', '-f', join(dir, 'cluster.yaml'));
    await run('update', 'cluster', NAME, '--yes');
    const report = await reportWhen((r) => r.addons.some((a) => a.name === 'broken' && a.phase === 'Failed'), 60_000);
    const error = report.addons.find((a) => a.name === 'broken')?.error ?? '';
    expect(error).toMatch(/^ConfigMap\/kube-system\/not-valid-: HTTP 422: /);

    const validated = await hoistProcess(['validate', 'cluster', NAME], { env: world?.env ?? {} });
    expect(validated.code).not.toBe(0);
    expect(`${validated.stdout}${validated.stderr}`).toContain('ConfigMap/kube-system/not-valid-: HTTP 422');
    const instances = JSON.parse((await run('get', 'instances', '--name', NAME, '-o', 'json')).stdout) as { id: string; role: string; addonFailures?: { addon: string; message: string }[] }[];
    const reporter = instances.find((i) => i.id === report.instanceId);
    expect(reporter?.role).toBe('control-plane');
    expect(reporter?.addonFailures).toEqual([{ addon: 'broken', version: expect.stringMatching(/^[0-9a-f]{12}$/), message: error }]);
    const table = (await run('get', 'instances', '--name', NAME)).stdout;
    expect(table).toMatch(new RegExp(`${report.instanceId} .*Addon/broken [0-9a-f]{12}: ConfigMap/kube-system/not-valid-: HTTP 422`));
  }, 120_000);
});
