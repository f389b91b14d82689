/**
 * The local cluster of the reconcile tests: 3 control-plane machines (one group each) and 3
 * nodes at a Kubernetes version, applied, valid, with an admin kubeconfig for the drains and
 * kubectl. Helpers change the spec's version, read the JSON-lines events of `reconcile cluster
 * -o json`, list the cluster's machines, and measure etcd's write outage.
 */

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Etcd3 } from 'etcd3';
import { expect } from 'vitest';
import { etcdClient } from '../../nodeup/etcd/client.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import { readMembers } from '../../nodeup/etcd/registry.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { Instance } from '../../cloudup/local/api-types.js';
import { connectLocalCloud } from '../../cloudup/local/client.js';
import type { LocalCloudClient } from '../../cloudup/local/client.js';
import { kubectl, removeDir } from '../apiserver/support.js';
import type { LocalWorld } from '../cli/local-support.js';
import { localWorld, machinesNotReady } from '../cli/local-support.js';
import { HOIST_BIN, hoistProcess } from '../support/cli.js';
import type { RunResult } from '../support/cli.js';

export interface ReconcileEvent {
  readonly level: string;
  readonly code: string;
  readonly message: string;
  readonly data?: { readonly phase?: string; readonly group?: string; readonly instances?: readonly string[]; readonly [k: string]: unknown };
}

export interface ReconcileWorld {
  readonly name: string;
  readonly world: LocalWorld;
  readonly client: LocalCloudClient;
  readonly kubeconfig: string;
  run(...args: string[]): Promise<RunResult>;
  kubectl(...args: string[]): Promise<RunResult>;
  /** Writes `kubernetesVersion` into the stored spec (a new revision), as a user's edit does. */
  setVersion(version: string): Promise<void>;
  /** The cluster's machines, terminated ones included. */
  machines(): Promise<Instance[]>;
  /**
   * The kubelet versions `kubectl get nodes` shows for the running machines once all six of their
   * Nodes report `version` (a new machine's Node registers shortly after the machine is Ready);
   * what it saw last otherwise.
   */
  nodeVersions(version: string): Promise<string[]>;
  /** `reconcile cluster NAME --yes -o json` as a child process; `killWhen` SIGKILLs it at an event. */
  reconcile(killWhen?: (e: ReconcileEvent) => boolean): Promise<{ code: number | null; killed: boolean; events: ReconcileEvent[]; stderr: string }>;
  destroy(): Promise<void>;
}

export async function reconcileWorld(name: string, version: string): Promise<ReconcileWorld> {
  const world = await localWorld();
  const dir = await mkdtemp(join(tmpdir(), 'hoist-reconcile-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const run = (...args: string[]) => hoistProcess(args, { env: world.env });
  const must = async (r: Promise<RunResult>, what: string) => {
    const done = await r;
    expect(done.code, `${what}: ${done.stdout}${done.stderr}`).toBe(0);
    return done;
  };
  const client = await connectLocalCloud({ env: { ...process.env, ...world.env }, autoStart: false });
  const children = new Set<ChildProcess>();
  const w: ReconcileWorld = {
    name,
    world,
    client,
    kubeconfig,
    run,
    kubectl: (...args) => kubectl(kubeconfig, dir, args),
    async setVersion(v) {
      const yaml = (await must(run('get', 'cluster', name, '-o', 'yaml'), 'get cluster')).stdout;
      await must(hoistProcess(['replace', '-f', '-'], { env: world.env, stdin: yaml.replace(/kubernetesVersion: .*/, `kubernetesVersion: ${v}`) }), 'replace');
    },
    async nodeVersions(version) {
      const deadline = Date.now() + 120_000;
      for (;;) {
        // The Nodes of the running machines (a Node is named by its machine's id); a replaced machine's Node stays behind, NotReady.
        const running = new Set((await w.machines()).filter((i) => i.state === 'running').map((i) => i.id));
        const r = await w.kubectl('get', 'nodes', '-o', 'json');
        expect(r.code, r.stderr).toBe(0);
        const list = JSON.parse(r.stdout) as { items: { metadata: { name: string }; status?: { nodeInfo?: { kubeletVersion?: string } } }[] };
        const versions = list.items.filter((n) => running.has(n.metadata.name)).map((n) => n.status?.nodeInfo?.kubeletVersion ?? '');
        if ((versions.length === 6 && versions.every((v) => v === `v${version}`)) || Date.now() > deadline) return versions;
        await new Promise((r) => setTimeout(r, 500));
      }
    },
    machines: async () => (await client.list('instances')).filter((i) => i.tags['hoist.dev/cluster'] === name),
    reconcile: (killWhen) => reconcileChild(world.env, [name, '--yes', '-o', 'json', '--kubeconfig', kubeconfig], children, killWhen),
    async destroy() {
      // A reconcile still running (its test timed out) is stopped by its PID before the cloud goes.
      await Promise.all([...children].map((c) => new Promise<void>((resolve) => {
        if (c.exitCode !== null || c.signalCode !== null) return resolve();
        c.once('close', () => resolve());
        c.kill('SIGKILL');
      })));
      expect(await world.destroy()).toEqual([]);
      await removeDir(dir);
    },
  };
  try {
    await must(run('create', 'cluster', name, '--control-plane-count', '3', '--node-count', '3', '--kubernetes-version', version), 'create cluster');
    await must(run('update', 'cluster', name, '--yes'), 'update cluster');
    await must(run('export', 'kubeconfig', name, '--admin', '--kubeconfig', kubeconfig), 'export kubeconfig');
    // The cloud's checks, as the roll's validation makes them; the tests wait for the Nodes themselves.
    // Six machines boot at once, the three control planes' etcd members joining one at a time:
    // on two cores shared with three other files that takes minutes.
    const valid = await run('validate', 'cluster', name, '--wait', '420s');
    if (valid.code !== 0) expect.fail(`validate cluster: ${valid.stdout}${valid.stderr}\n${await machinesNotReady(world, 25)}`);
    return w;
  } catch (e) {
    await w.destroy();
    throw e;
  }
}

function reconcileChild(env: Record<string, string>, args: readonly string[], children: Set<ChildProcess>, killWhen?: (e: ReconcileEvent) => boolean) {
  return new Promise<{ code: number | null; killed: boolean; events: ReconcileEvent[]; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [HOIST_BIN, 'reconcile', 'cluster', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const events: ReconcileEvent[] = [];
    let partial = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      const lines = (partial + d.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines.filter((l) => l.startsWith('{'))) {
        const e = JSON.parse(line) as ReconcileEvent;
        events.push(e);
        if (!killed && killWhen?.(e)) {
          killed = true;
          child.kill('SIGKILL');
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      children.delete(child);
      resolve({ code, killed, events, stderr });
    });
  });
}

/** The machines each batch of the roll took, in order, with the phase and group it was in. */
export function batches(events: readonly ReconcileEvent[]): { phase: string; group: string; instances: readonly string[] }[] {
  return events.filter((e) => e.code === 'roll.batch').map((e) => ({ phase: e.data?.phase ?? '', group: e.data?.group ?? '', instances: e.data?.instances ?? [] }));
}

/** Every machine running before was replaced exactly once, each control-plane machine on its own. */
export function expectEachReplacedOnce(events: readonly ReconcileEvent[], before: readonly string[]): void {
  const taken = batches(events).flatMap((b) => b.instances);
  expect([...taken].sort()).toEqual([...before].sort());
  for (const b of batches(events).filter((x) => x.phase === 'control-plane')) expect(b.instances).toHaveLength(1);
}

/** The ConfigMap's value, read with the real kubectl. */
export async function configMapValue(w: ReconcileWorld, name: string): Promise<string> {
  return (await w.kubectl('get', 'configmap', name, '-n', 'default', '-o', 'jsonpath={.data.kept}')).stdout;
}

/** The phases that rolled, in the order they started. */
export const phasesRun = (events: readonly ReconcileEvent[]) => events.filter((e) => e.code === 'reconcile.phase').map((e) => e.data?.phase);

export const isRole = (role: string) => (i: Instance) => i.tags['hoist.dev/role'] === role;

/** The client addresses the members of etcd main publish in the state store. */
export const memberUrls = async (store: ObjectStore, cluster: string) => [...(await readMembers(store, cluster, 'main')).values()].map((m) => m.clientUrl);

/** Writes a key every 100 ms through whichever member answers; the longest gap between writes is the outage. */
export function etcdWriter(store: ObjectStore, cluster: string, creds: EtcdCredentials) {
  let clients: Etcd3[] = [];
  let stop = false;
  let writes = 0;
  let lastOk = Date.now();
  let longest = 0;
  const loop = (async () => {
    while (!stop) {
      if (clients.length === 0) clients = await Promise.all((await memberUrls(store, cluster)).map((u) => etcdClient([u], creds)));
      let ok = false;
      for (const c of clients) {
        ok = await c.put('reconcile/probe').value(String(writes)).then(() => true, () => false);
        if (ok) break;
      }
      if (ok) {
        writes++;
        longest = Math.max(longest, Date.now() - lastOk);
        lastOk = Date.now();
      } else {
        // Replacement machines serve elsewhere: read the published addresses again.
        for (const c of clients) c.close();
        clients = [];
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    async stop() {
      stop = true;
      await loop;
      for (const c of clients) c.close();
      return { writes, longest };
    },
  };
}
