/**
 * An APIServer machine's API server follows the control plane's etcd members: nodeup writes
 * `--etcd-servers` from the members' published client URLs and installs the follower service;
 * when the published set changes (a control-plane machine replaced), the follower rewrites the
 * two flags in the static pod manifest, and only when a new member answers. Against two real etcd
 * processes (TLS, the cluster's etcd-clients-ca), a file:// state store and nodeup under a root
 * folder; the follower's process is the nodeup bundle's own command.
 */

import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { completeSpec } from '../../src/api/index.js';
import { etcdServerCertRequest, issueCertificate } from '../../src/pki/index.js';
import { primaryItem, trustBundle } from '../../src/pki/keyset.js';
import { readKeyset } from '../../src/pki/store.js';
import { recorder } from '../../src/output/events.js';
import { hostPath } from '../../nodeup/context.js';
import { FOLLOW_SERVICE_CONF, FOLLOW_SERVICE_UNIT, followEtcdMembers, manifestEtcdFlags } from '../../nodeup/etcd/follow.js';
import type { EtcdFollowConfig } from '../../nodeup/etcd/follow.js';
import { API_SERVER_MANIFEST, readFollowConfig } from '../../nodeup/etcd/follow-service.js';
import { publishMember, unpublishMember } from '../../nodeup/etcd/registry.js';
import { startEtcd } from '../apiserver/support.js';
import type { Etcd } from '../apiserver/support.js';
import { CLUSTER, CONTROL_PLANE, nodeWorld } from './support.js';
import type { NodeWorld } from './support.js';

const GROUP = 'apiserver-local-a';
const DEAD = 'https://127.0.0.1:9'; // the discard port: nothing serves etcd there

let world: NodeWorld | undefined;
const etcds: Etcd[] = [];
let root = '';
let config: EtcdFollowConfig;

const w = (): NodeWorld => {
  if (world === undefined) throw new Error('no world');
  return world;
};

/** Publishes `urls` (member name → client URL) for etcd main and events, and removes the other members. */
async function publish(urls: Readonly<Record<string, string>>): Promise<void> {
  for (const etcd of ['main', 'events']) {
    for (const member of ['a', 'b', 'c']) {
      const clientUrl = urls[member];
      if (clientUrl === undefined) await unpublishMember(w().store, CLUSTER, etcd, member);
      else await publishMember(w().store, CLUSTER, { etcdCluster: etcd, member, instanceId: `i-${member}`, peerUrl: 'https://127.0.0.1:2380', clientUrl, updatedAt: new Date().toISOString() });
    }
  }
}

const manifest = () => readFile(hostPath(root, API_SERVER_MANIFEST), 'utf8');
const pass = async (options: { readonly checkMs?: number } = {}) => {
  const { sink, events } = recorder();
  return { outcome: await followEtcdMembers({ config, store: w().store, root, events: sink, ...options }), events };
};

/** A TCP server that takes every connection and never says a byte: a member that hangs. */
async function silentMember(): Promise<{ readonly url: string; readonly close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => resolve());
    }),
  };
}
/** The manifest without its etcd flags: what the follower must leave alone. */
const rest = (text: string) => text.split('\n').filter((l) => !l.includes('--etcd-servers')).join('\n');

beforeAll(async () => {
  world = await nodeWorld({
    spec: (spec) => {
      const plane = spec.instanceGroups.find((ig) => ig.metadata.name === CONTROL_PLANE)!;
      return completeSpec(spec.cluster, [...spec.instanceGroups, { ...plane, metadata: { ...plane.metadata, name: GROUP }, spec: { ...plane.spec, role: 'APIServer' as const } }]);
    },
  });
  // etcd serves with a certificate of the cluster's etcd-clients-ca and trusts its clients: as the API server's etcd does.
  const keyset = (await readKeyset(w().store, CLUSTER, 'etcd-clients-ca', { private: true }))!;
  const item = primaryItem(keyset);
  const ca = { certificate: item.certificate!, privateKey: item.privateKey! };
  const server = await issueCertificate(ca, etcdServerCertRequest('a', ['127.0.0.1']));
  const tls = { caFile: join(w().dir, 'etcd-ca.crt'), certFile: join(w().dir, 'etcd.crt'), keyFile: join(w().dir, 'etcd.key') };
  await Promise.all([writeFile(tls.caFile, trustBundle(keyset)), writeFile(tls.certFile, server.certificate), writeFile(tls.keyFile, server.privateKey)]);
  etcds.push(await startEtcd(undefined, tls), await startEtcd(undefined, tls));
  root = join(w().dir, 'apiserver-root');
}, 60_000);

afterAll(async () => {
  await Promise.all(etcds.map((e) => e.stop()));
  await world?.cleanup();
});

describe("an APIServer machine's etcd servers", () => {
  it('are the published members at boot, and nodeup installs the follower beside the API server', async () => {
    await publish({ a: etcds[0]!.endpoint });
    const run = await w().nodeup(GROUP, root);
    expect(run.applied).toBeGreaterThan(0);
    expect(manifestEtcdFlags(await manifest())).toEqual({ servers: etcds[0]!.endpoint, overrides: `/events#${etcds[0]!.endpoint}` });
    config = await readFollowConfig(hostPath(root, FOLLOW_SERVICE_CONF));
    expect(config).toMatchObject({ cluster: CLUSTER, manifest: API_SERVER_MANIFEST, etcdClusters: ['main', 'events'] });
    const unit = await readFile(hostPath(root, `/etc/systemd/system/${FOLLOW_SERVICE_UNIT}`), 'utf8');
    expect(unit).toContain(`nodeup.mjs apiserver-etcd-servers --conf ${FOLLOW_SERVICE_CONF.slice(1)}`);
    // The follower agrees with what nodeup wrote: nothing to do.
    expect((await pass()).outcome.action).toBe('unchanged');
  });

  it('follow a replaced control-plane machine: the flags are rewritten, nothing else, and nodeup then sees no change', async () => {
    const before = await manifest();
    await publish({ a: etcds[1]!.endpoint });
    const { outcome, events } = await pass();
    expect(outcome).toMatchObject({ action: 'rewritten', flags: { servers: etcds[1]!.endpoint, overrides: `/events#${etcds[1]!.endpoint}` } });
    expect(events.map((e) => e.code)).toEqual(['etcd.follow.rewritten']);
    const after = await manifest();
    expect(manifestEtcdFlags(after).servers).toBe(etcds[1]!.endpoint);
    expect(rest(after)).toBe(rest(before));
    // nodeup run again (a reboot) reads the same members and finds the manifest as it would write it.
    const again = await w().nodeup(GROUP, root);
    expect(again.applied).toBe(0);
  });

  it('name every published member, main in --etcd-servers and events in the override', async () => {
    await publish({ a: etcds[1]!.endpoint, b: etcds[0]!.endpoint });
    const urls = [etcds[0]!.endpoint, etcds[1]!.endpoint].sort();
    expect((await pass()).outcome).toMatchObject({ action: 'rewritten', flags: { servers: urls.join(','), overrides: `/events#${urls.join(';')}` } });
  });

  it('are kept when none of the new members answers, or none is published', async () => {
    const before = await manifest();
    await publish({ a: DEAD });
    const dead = await pass();
    expect(dead.outcome).toMatchObject({ action: 'kept', reason: `none of the published members of etcd main answers (${DEAD})` });
    await publish({});
    expect((await pass()).outcome).toMatchObject({ action: 'kept', reason: `etcd main, events of ${CLUSTER} has no published member` });
    expect(await manifest()).toBe(before);
    // One new member that answers beside a dead one is enough: the API server skips the dead one.
    await publish({ a: DEAD, c: etcds[0]!.endpoint });
    expect((await pass()).outcome).toMatchObject({ action: 'rewritten', flags: { servers: [DEAD, etcds[0]!.endpoint].sort().join(',') } });
  });

  it('never take a published record without a usable client URL', async () => {
    const before = await manifest();
    await publish({ a: '' });
    expect((await pass()).outcome).toMatchObject({ action: 'kept', reason: `etcd main, events of ${CLUSTER} has no published member` });
    expect(await manifest()).toBe(before);
    await publish({ a: '', b: 'https://127.0.0.1:2379,https://127.0.0.1:9', c: etcds[1]!.endpoint });
    expect((await pass()).outcome).toMatchObject({ action: 'rewritten', flags: { servers: etcds[1]!.endpoint, overrides: `/events#${etcds[1]!.endpoint}` } });
  });

  it('are not written over a manifest that nodeup rewrote while the pass checked the members', async () => {
    await publish({ a: etcds[0]!.endpoint });
    const path = hostPath(root, API_SERVER_MANIFEST);
    // nodeup writes a new manifest (here: one more flag) while the pass asks the new member.
    const rewritten = (await manifest()).replace(/^(\s*- )--etcd-servers=/m, '$1--v=2\n$1--etcd-servers=');
    const answers = async () => {
      await writeFile(path, rewritten);
      return true;
    };
    const { sink } = recorder();
    const outcome = await followEtcdMembers({ config, store: w().store, root, events: sink, answers });
    expect(outcome).toMatchObject({ action: 'kept', reason: 'the manifest was rewritten during the pass' });
    expect(await manifest()).toBe(rewritten);
    // The next pass starts from nodeup's manifest and keeps its flag.
    expect((await pass()).outcome).toMatchObject({ action: 'rewritten', flags: { servers: etcds[0]!.endpoint } });
    expect(await manifest()).toContain('--v=2');
  });

  it('are kept, with the reason, when a member takes the connection and never answers: the pass ends at its deadline', async () => {
    const silent = await silentMember();
    try {
      const before = await manifest();
      await publish({ a: silent.url });
      let started = Date.now();
      const hung = await pass({ checkMs: 500 });
      // Sooner than etcd's own call deadline (3 s): the pass's deadline ended the check.
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(hung.outcome).toMatchObject({ action: 'kept', reason: `none of the published members of etcd main answered within 0.5 s (${silent.url})` });
      expect(await manifest()).toBe(before);
      // A member that answers is taken without waiting for the one that hangs.
      await publish({ a: silent.url, b: etcds[1]!.endpoint });
      started = Date.now();
      expect((await pass()).outcome).toMatchObject({ action: 'rewritten', flags: { servers: [silent.url, etcds[1]!.endpoint].sort().join(',') } });
      expect(Date.now() - started).toBeLessThan(2_500);
    } finally {
      await silent.close();
    }
  });

  it('are kept, with the reason, when the manifest has no command to set them in, and the file is left alone', async () => {
    const before = await manifest();
    const doc = parse(before) as { spec: { containers: Record<string, unknown>[] } };
    delete doc.spec.containers[0]!['command'];
    const commandless = stringify(doc);
    await writeFile(hostPath(root, API_SERVER_MANIFEST), commandless);
    try {
      await publish({ a: etcds[0]!.endpoint });
      const { outcome, events } = await pass();
      expect(outcome).toEqual({ action: 'kept', flags: {}, reason: `${API_SERVER_MANIFEST} has no kube-apiserver command to set --etcd-servers in` });
      expect(events).toEqual([]);
      expect(await manifest()).toBe(commandless);
    } finally {
      await writeFile(hostPath(root, API_SERVER_MANIFEST), before);
    }
  });

  it('are followed by the nodeup bundle\'s apiserver-etcd-servers command, as its unit runs it', async () => {
    await publish({ b: etcds[1]!.endpoint });
    const proc = spawn(process.execPath, ['dist/nodeup.mjs', 'apiserver-etcd-servers', '--conf', hostPath(root, FOLLOW_SERVICE_CONF)], { env: { ...process.env, HOIST_NODE_ROOT: root }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    try {
      await new Promise<void>((resolve, reject) => {
        proc.stderr.on('data', (c: Buffer) => {
          log += c.toString('utf8');
          if (log.includes('"etcd.follow.rewritten"')) resolve();
        });
        proc.once('exit', (code) => reject(new Error(`exited (${String(code)}) before a pass:\n${log}`)));
      });
    } finally {
      const exited = new Promise<void>((resolve) => (proc.exitCode === null ? proc.once('exit', () => resolve()) : resolve()));
      proc.kill('SIGTERM');
      await exited;
    }
    expect(manifestEtcdFlags(await manifest()).servers).toBe(etcds[1]!.endpoint);
  });
});
