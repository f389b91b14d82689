/**
 * etcd disks on GCE (the fake Compute API): update cluster makes one persistent disk per member,
 * labelled with its cluster, etcd cluster and member; nodeup's claim step on a control-plane
 * instance, as that instance (its name, zone, project and token from a metadata server
 * stand-in), reads its member's disks and attaches them with instances.attachDisk, formats only
 * the one without a filesystem and mounts both (the OS commands are answered and recorded:
 * nothing is formatted or mounted here); a second instance of the zone cannot take a disk the
 * running one uses; delete cluster leaves no disk behind.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gceDiskCloud } from '../../nodeup/etcd/volume-gce.js';
import { claimMemberVolume } from '../../nodeup/etcd/volume.js';
import { claimOnThisCloud } from '../../nodeup/etcd/volume-claim.js';
import type { CommandRunner } from '../../nodeup/etcd/volume-os.js';
import { osVolumeHost } from '../../nodeup/etcd/volume-os.js';
import { listen } from '../boot/servers.js';
import type { Listening } from '../boot/servers.js';
import { hoist, tempDir } from '../support/cli.js';
import type { FakeCompute } from './fake/server.js';
import { PROJECT, cliEnv, startFake, useAssetMirror, waitFor } from './support.js';

const NAME = 'disks.gce.example.com';
const SAFE = 'disks-gce-example-com';
const ZONE = 'us-central1-a';
const TOKEN = 'ya29.instance-token';
let fake: FakeCompute;
let env: Record<string, string>;
let dir: { path: string; cleanup: () => Promise<void> };
let metadata: Listening;
/** The instance the metadata server answers for. */
let current = '';
let savedHost: string | undefined;
let mainMember = '';

const run = (args: string[], stdin?: string) => hoist(args, { env, ...(stdin === undefined ? {} : { stdin }) });
const api = async (path: string) => (await (await fetch(`${fake.url}/compute/v1/projects/${PROJECT}/${path}`)).json()) as Record<string, unknown>;
const instancesOf = (role: string) => fake.resources('instances').filter((i) => (i.labels as Record<string, string>)['hoist-dev-role'] === role && i.status === 'RUNNING').map((i) => String(i.name));
const clusterDisks = () => fake.resources('disks').filter((d) => (d.labels as Record<string, string> | undefined)?.['hoist-dev-cluster'] === SAFE);

/** GCE's metadata server as an instance sees it: its name, zone, project and service account token. */
function startMetadata(): Promise<Listening> {
  return listen((req, res) => {
    const reply = (status: number, body: string, type = 'application/text'): void => {
      res.writeHead(status, { 'content-type': type, 'metadata-flavor': 'Google' }).end(body);
    };
    if (req.headers['metadata-flavor'] !== 'Google') return reply(403, 'Missing Metadata-Flavor:Google header');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/computeMetadata/v1/instance/service-accounts/default/token') return reply(200, JSON.stringify({ access_token: TOKEN, expires_in: 3599, token_type: 'Bearer' }), 'application/json');
    const body: Record<string, string> = {
      // The directory of the instance's entries: what Google's libraries read to find the server.
      '/computeMetadata/v1/instance': 'attributes/\nname\nservice-accounts/\nzone\n',
      '/computeMetadata/v1/instance/name': current,
      '/computeMetadata/v1/instance/zone': `projects/123456789/zones/${ZONE}`,
      '/computeMetadata/v1/project/project-id': PROJECT,
    };
    const found = body[path];
    return found === undefined ? reply(404, 'Not Found') : reply(200, found);
  });
}

/** The OS side: answers mountpoint, blkid, mkfs.ext4 and mount, and keeps what ran. */
function recorder(formatted: ReadonlySet<string>): { run: CommandRunner; commands: string[] } {
  const commands: string[] = [];
  return {
    commands,
    run: async (program, args) => {
      commands.push([program, ...args].join(' '));
      if (program === 'mountpoint') return { code: 32, stdout: '', stderr: '' };
      if (program === 'blkid') return formatted.has(args.at(-1)!) ? { code: 0, stdout: 'ext4\n', stderr: '' } : { code: 2, stdout: '', stderr: '' };
      return { code: 0, stdout: '', stderr: '' };
    },
  };
}

async function claim(instance: string, etcdCluster: string, member: string, root: string, formatted: ReadonlySet<string>) {
  current = instance;
  const os = recorder(formatted);
  // No HOIST_GCE_AUTH: requests carry the metadata server's token.
  const cloud = gceDiskCloud({ env: { HOIST_GCE_ENDPOINT: fake.url }, pollMs: 50, releaseTimeoutMs: 20_000 });
  const host = osVolumeHost({ root, run: os.run, deviceTimeoutMs: 10_000, pollMs: 10 });
  try {
    const result = await claimMemberVolume({ cloud, host, want: { cluster: NAME, etcdCluster, member }, dir: `/mnt/etcd-${etcdCluster}`, events: () => undefined }).catch((e: unknown) => e as Error);
    return { result, commands: os.commands };
  } finally {
    await cloud.close();
  }
}

beforeAll(async () => {
  fake = await startFake();
  dir = await tempDir('hoist-gce-disks-');
  metadata = await startMetadata();
  savedHost = process.env.GCE_METADATA_HOST;
  // Google's libraries read the metadata server's address from the process's environment.
  process.env.GCE_METADATA_HOST = new URL(metadata.url).host;
  env = cliEnv(fake, `file://${join(dir.path, 'state')}`);
  const created = await run(['create', 'cluster', NAME, '--cloud', 'gce', '--project', PROJECT, '--zones', ZONE, '--node-count', '1']);
  expect(created.code, created.stderr).toBe(0);
  await useAssetMirror(run, NAME, join(dir.path, 'assets'));
  const applied = await run(['update', 'cluster', NAME, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  await waitFor('a running control-plane instance and node', () => instancesOf('control-plane').length === 1 && instancesOf('node').length === 1);
});

afterAll(async () => {
  if (savedHost === undefined) delete process.env.GCE_METADATA_HOST;
  else process.env.GCE_METADATA_HOST = savedHost;
  await metadata?.close();
  await fake?.stop();
  await dir?.cleanup();
});

describe('etcd disks on GCE', () => {
  it('a control-plane instance claims its member\'s disks: attached to it, formatted only when empty, mounted', async () => {
    const config = parse(await readFile(join(dir.path, 'state', NAME, 'igconfig', `control-plane-${ZONE}`, 'nodeup.yaml'), 'utf8')) as { controlPlane: { etcdClusters: { name: string; member: string }[] } };
    const member = (etcd: string) => config.controlPlane.etcdClusters.find((e) => e.name === etcd)!.member;
    mainMember = member('main');
    expect(clusterDisks().map((d) => [(d.labels as Record<string, string>)['hoist-dev-etcd-cluster'], (d.labels as Record<string, string>)['hoist-dev-etcd-member']]).sort()).toEqual([['events', member('events')], ['main', mainMember]]);
    const [instance] = instancesOf('control-plane') as [string];
    const root = join(dir.path, 'instance-1');
    const device = (etcd: string) => `/dev/disk/by-id/google-etcd-${etcd}`;
    for (const etcd of ['main', 'events']) {
      await mkdir(join(root, '/dev/disk/by-id'), { recursive: true });
      await writeFile(join(root, device(etcd)), '');
    }
    const tokensBefore = metadata.requests.filter((r) => r.includes('/token')).length;
    // main has never held data, and is claimed as nodeup's etcd member task does: the cloud is
    // GCE because its metadata server answers. events already has a filesystem.
    current = instance;
    const os = recorder(new Set([device('events')]));
    const main = { result: await claimOnThisCloud({ want: { cluster: NAME, etcdCluster: 'main', member: mainMember }, dir: '/mnt/etcd-main', env: { HOIST_GCE_ENDPOINT: fake.url }, events: () => undefined, host: osVolumeHost({ root, run: os.run, pollMs: 10 }) }), commands: os.commands };
    expect(main.result).toMatchObject({ device: device('main'), formatted: true, alreadyMounted: false });
    expect(main.commands).toEqual(['mountpoint -q /mnt/etcd-main', `blkid -p -s TYPE -o value ${device('main')}`, `mkfs.ext4 -q -F -m 0 ${device('main')}`, `mount -o noatime ${device('main')} /mnt/etcd-main`]);
    const events = await claim(instance, 'events', member('events'), root, new Set([device('events')]));
    expect(events.result).toMatchObject({ device: device('events'), formatted: false });
    expect(events.commands).toEqual(['mountpoint -q /mnt/etcd-events', `blkid -p -s TYPE -o value ${device('events')}`, `mount -o noatime ${device('events')} /mnt/etcd-events`]);
    expect(metadata.requests.filter((r) => r.includes('/token')).length).toBeGreaterThan(tokensBefore);
    expect(fake.count('POST', new RegExp(`/instances/${instance}/attachDisk$`))).toBe(2);

    const attached = (await api(`zones/${ZONE}/instances/${instance}`)).disks as { deviceName: string; boot: boolean }[];
    expect(attached.filter((d) => !d.boot).map((d) => d.deviceName).sort()).toEqual(['etcd-events', 'etcd-main']);
    for (const d of clusterDisks()) {
      const users = (await api(`zones/${ZONE}/disks/${String(d.name)}`)).users as string[];
      expect(users.map((u) => u.split('/').pop())).toEqual([instance]);
    }
  });

  it('a second instance of the zone cannot take the disk the running one uses', async () => {
    const [holder] = instancesOf('control-plane') as [string];
    const [other] = instancesOf('node') as [string];
    const attempt = await claim(other, 'main', mainMember, join(dir.path, 'instance-2'), new Set());
    expect(attempt.result).toBeInstanceOf(Error);
    expect((attempt.result as Error).message).toContain(`is attached to ${holder}, which is RUNNING: it keeps the member's disk`);
    expect(attempt.commands).toEqual(['mountpoint -q /mnt/etcd-main']);
    expect(fake.count('POST', new RegExp(`/instances/${other}/attachDisk$`))).toBe(0);
  });

  it('a disk held by an instance being deleted is waited for, then attached to the claiming one', async () => {
    const [holder] = instancesOf('control-plane') as [string];
    const [other] = instancesOf('node') as [string];
    const holderPath = `projects/${PROJECT}/zones/${ZONE}/instances/${holder}`;
    const deleting = await fetch(`${fake.url}/compute/v1/${holderPath}`, { method: 'DELETE' });
    expect(deleting.status).toBe(200);
    // The deletion takes a second here, so that the claim finds the holder STOPPING and waits.
    fake.state.managed.get(holderPath)!.stepEndsAt = Date.now() + 1000;
    expect((await api(`zones/${ZONE}/instances/${holder}`)).status).toBe('STOPPING');
    const root = join(dir.path, 'instance-2');
    await mkdir(join(root, '/dev/disk/by-id'), { recursive: true });
    await writeFile(join(root, '/dev/disk/by-id/google-etcd-main'), '');
    const taken = await claim(other, 'main', mainMember, root, new Set(['/dev/disk/by-id/google-etcd-main']));
    expect(taken.result).toMatchObject({ device: '/dev/disk/by-id/google-etcd-main', formatted: false });
    expect(fake.count('GET', new RegExp(`/instances/${holder}$`))).toBeGreaterThanOrEqual(2);
    const disk = clusterDisks().find((d) => (d.labels as Record<string, string>)['hoist-dev-etcd-cluster'] === 'main')!;
    const users = (await api(`zones/${ZONE}/disks/${String(disk.name)}`)).users as string[];
    expect(users.map((u) => u.split('/').pop())).toEqual([other]);
  });

  it('delete cluster deletes the disks, attached ones included', async () => {
    const deleted = await run(['delete', 'cluster', NAME, '--yes']);
    expect(deleted.code, deleted.stdout + deleted.stderr).toBe(0);
    expect(clusterDisks().map((d) => d.name)).toEqual([]);
  });
});
