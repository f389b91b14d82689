/**
 * The machine's half of claiming an etcd volume, with its commands answered: a device with any
 * filesystem is never formatted, a blkid that cannot tell stops the claim before mkfs, a failed
 * mkfs stops it before mount, a volume already mounted is left as it is, and a device that
 * never appears is named in the error. (The clouds' half runs against moto and the fake Compute
 * API: test/aws/etcd-volumes.test.ts, test/gce/etcd-disks.test.ts.)
 */

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimMemberVolume } from '../../nodeup/etcd/volume.js';
import type { VolumeCloud } from '../../nodeup/etcd/volume.js';
import type { CommandResult, CommandRunner } from '../../nodeup/etcd/volume-os.js';
import { osVolumeHost } from '../../nodeup/etcd/volume-os.js';

const DEVICE = '/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_vol0123';
let root: string;

/** Answers each program with `answers[program]` (exit 0 otherwise) and keeps what ran. */
function runner(answers: Readonly<Record<string, Partial<CommandResult>>>): { run: CommandRunner; ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    run: async (program, args) => {
      ran.push([program, ...args].join(' '));
      return { code: 0, stdout: '', stderr: '', ...answers[program] };
    },
  };
}

/** A cloud whose one volume is always found and attached: only the machine's half is under test here. */
function cloudOf(found: string[]): VolumeCloud {
  return {
    noun: 'volume',
    find: async () => {
      found.push('find');
      return { id: 'vol-0123', devices: [] };
    },
    attach: async (v) => ({ ...v, devices: [DEVICE, '/dev/xvdu'] }),
  };
}

const want = { cluster: 'c.example.com', etcdCluster: 'main', member: 'a' };

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'hoist-etcd-volume-'));
  await mkdir(join(root, 'dev/disk/by-id'), { recursive: true });
  await writeFile(join(root, DEVICE), '');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('claiming a volume on the machine', () => {
  it('keeps a device that has a filesystem of any kind', async () => {
    const os = runner({ mountpoint: { code: 32 }, blkid: { code: 0, stdout: 'xfs\n' } });
    const result = await claimMemberVolume({ cloud: cloudOf([]), host: osVolumeHost({ root, run: os.run }), want, dir: '/mnt/etcd-main', events: () => undefined });
    expect(result).toEqual({ volume: 'vol-0123', device: DEVICE, formatted: false, alreadyMounted: false });
    expect(os.ran).toEqual(['mountpoint -q /mnt/etcd-main', `blkid -p -s TYPE -o value ${DEVICE}`, `mount -o noatime ${DEVICE} /mnt/etcd-main`]);
  });

  it('formats nothing when blkid cannot tell (exit 4 or 8), and mounts nothing after a failed mkfs', async () => {
    for (const code of [4, 8]) {
      const os = runner({ mountpoint: { code: 32 }, blkid: { code, stderr: 'ambivalent result' } });
      await expect(claimMemberVolume({ cloud: cloudOf([]), host: osVolumeHost({ root, run: os.run }), want, dir: '/mnt/etcd-main', events: () => undefined })).rejects.toThrow(`blkid -p ${DEVICE} failed (exit ${code}): ambivalent result`);
      expect(os.ran.some((c) => c.startsWith('mkfs'))).toBe(false);
    }
    const os = runner({ mountpoint: { code: 32 }, blkid: { code: 2 }, 'mkfs.ext4': { code: 1, stderr: 'device is busy' } });
    await expect(claimMemberVolume({ cloud: cloudOf([]), host: osVolumeHost({ root, run: os.run }), want, dir: '/mnt/etcd-main', events: () => undefined })).rejects.toThrow('device is busy');
    expect(os.ran.at(-1)).toBe(`mkfs.ext4 -q -F -m 0 ${DEVICE}`);
  });

  it('leaves a volume already mounted as it is, without asking the cloud', async () => {
    const found: string[] = [];
    const os = runner({ mountpoint: { code: 0 } });
    const result = await claimMemberVolume({ cloud: cloudOf(found), host: osVolumeHost({ root, run: os.run }), want, dir: '/mnt/etcd-main', events: () => undefined });
    expect(result.alreadyMounted).toBe(true);
    expect(found).toEqual([]);
    expect(os.ran).toEqual(['mountpoint -q /mnt/etcd-main']);
  });

  it('names the device paths it waited for when none appears', async () => {
    const host = osVolumeHost({ root, run: runner({}).run, deviceTimeoutMs: 50, pollMs: 10 });
    await expect(host.waitDevice(['/dev/disk/by-id/google-etcd-main', '/dev/sdu'])).rejects.toThrow('did not appear within 0 s (looked for /dev/disk/by-id/google-etcd-main, /dev/sdu)');
  });
});
