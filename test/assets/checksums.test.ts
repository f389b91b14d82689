/** The checksum formats each project publishes, and how a location's sha256 is chosen. */

import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { AssetLocation } from '../../src/assets/catalog.js';
import { assetLocations } from '../../src/assets/catalog.js';
import { parseChecksumFile, parseSumsList, pinAssets, pinLocation, readChecksum } from '../../src/assets/checksums.js';
import { knownFile } from '../../src/assets/known.js';
import { completeSpec, newClusterSpec } from '../../src/api/index.js';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { HoistError } from '../../src/errors.js';

// Node.js v20.20.2's SHASUMS256.txt.asc, as quoted in nodejs/nodejs.org
// (apps/site/pages/en/blog/release/v20.20.2.md): sums inside the PGP armour.
const NODE_SUMS = new URL('./fixtures/node-v20.20.2-SHASUMS256.txt.asc', import.meta.url);

// etcd's SHA256SUMS lines for v3.6.5's Linux archives (values as openstack/kolla pins them).
const ETCD_SUMS = [
  '66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3  etcd-v3.6.5-linux-amd64.tar.gz',
  '7010161787077b07de29b15b76825ceacbbcedcb77fe2e6832f509be102cab6b  etcd-v3.6.5-linux-arm64.tar.gz',
  '',
].join('\n');

// containerd's v2.1.4/containerd-2.1.4-linux-amd64.tar.gz.sha256sum: sha256sum's format.
const CONTAINERD_SUM = '316d510a0428276d931023f72c09fdff1a6ba81d6cc36f31805fea6a3c88f515  containerd-2.1.4-linux-amd64.tar.gz\n';

// dl.k8s.io's v1.35.0/bin/linux/amd64/kubelet.sha256: the bare hex, no newline (value from
// kubernetes/kops pkg/assets/assetdata/k8s-1.35.yaml).
const KUBELET_SUM = '2f4ed7778681649b81244426c29c5d98df60ccabf83d561d69e61c1cbb943ddf';

const failsWith = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HoistError);
    return (e as HoistError).message;
  }
  throw new Error('expected an error');
};

describe('checksum formats', () => {
  it('reads the linux-x64 tarball line of a signed Node.js SHASUMS256.txt, skipping the PGP armour', async () => {
    const text = await readFile(NODE_SUMS, 'utf8');
    expect(parseSumsList(text, 'node-v20.20.2-linux-x64.tar.gz', 'u')).toBe('19e56f0825510207dd904f087fe52faa0a4eb6b2aab5f0ea7a33830d04888b8b');
    expect(parseSumsList(text, 'node-v20.20.2-linux-x64.tar.xz', 'u')).toBe('df770b2a6f130ed8627c9782c988fda9669fa23898329a61a871e32f965e007d');
    expect(parseSumsList(text, 'win-x64/node.exe', 'u')).toBe('56c1520ee33b801e8bdb92fb321cf2e98529735b6d12bd4a2a6dec0ac0bab937');
    // A name that is only a prefix or suffix of a listed file is not that file.
    expect(failsWith(() => parseSumsList(text, 'node-v20.20.2-linux-x64.tar', 'https://nodejs.org/dist/v20.20.2/SHASUMS256.txt'))).toContain(
      'https://nodejs.org/dist/v20.20.2/SHASUMS256.txt: has no sha256 line for node-v20.20.2-linux-x64.tar',
    );
  });

  it("reads an archive's line of etcd's SHA256SUMS, in text or binary mode", () => {
    expect(parseSumsList(ETCD_SUMS, 'etcd-v3.6.5-linux-amd64.tar.gz', 'u')).toBe('66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3');
    expect(parseSumsList(ETCD_SUMS.replace('  etcd-v3.6.5-linux-arm64', ' *etcd-v3.6.5-linux-arm64'), 'etcd-v3.6.5-linux-arm64.tar.gz', 'u')).toBe(
      '7010161787077b07de29b15b76825ceacbbcedcb77fe2e6832f509be102cab6b',
    );
    expect(failsWith(() => parseSumsList(`${ETCD_SUMS}${'0'.repeat(64)}  etcd-v3.6.5-linux-amd64.tar.gz\n`, 'etcd-v3.6.5-linux-amd64.tar.gz', 'SUMS'))).toContain(
      'SUMS: has 2 different sha256 lines for etcd-v3.6.5-linux-amd64.tar.gz',
    );
  });

  it("reads containerd's .sha256sum and dl.k8s.io's bare .sha256", () => {
    expect(parseChecksumFile(CONTAINERD_SUM, 'u')).toBe('316d510a0428276d931023f72c09fdff1a6ba81d6cc36f31805fea6a3c88f515');
    expect(parseChecksumFile(KUBELET_SUM, 'u')).toBe(KUBELET_SUM);
    expect(parseChecksumFile(KUBELET_SUM.toUpperCase(), 'u')).toBe(KUBELET_SUM);
    expect(failsWith(() => parseChecksumFile('<html>Not Found</html>', 'https://m/x.sha256'))).toBe(
      'https://m/x.sha256: not a sha256 checksum file (expected 64 hex digits) (found "<html>Not Found</html>")',
    );
  });
});

const ETCD_UPSTREAM: AssetLocation = {
  name: 'etcd',
  version: '3.6.5',
  url: 'https://github.com/etcd-io/etcd/releases/download/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz',
  roles: ['ControlPlane'],
  path: 'etcd/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz',
  upstream: true,
  checksum: { url: 'https://github.com/etcd-io/etcd/releases/download/v3.6.5/SHA256SUMS', entry: 'etcd-v3.6.5-linux-amd64.tar.gz' },
};

/** A reader over fixed documents that records what was asked; anything else is not found. */
function reader(docs: Record<string, string>) {
  const asked: string[] = [];
  const read = async (url: string) => {
    asked.push(url);
    const doc = docs[url];
    if (doc === undefined) throw new HoistError('NOT_FOUND', `cannot read ${url}: HTTP 404`);
    return Buffer.from(doc);
  };
  return { read, asked };
}

describe('pinning a location', () => {
  it('pins a known upstream release from the table, reading nothing', async () => {
    const { read, asked } = reader({});
    expect(await pinLocation(ETCD_UPSTREAM, read)).toEqual({ sha256: '66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3' });
    expect(asked).toEqual([]);
  });

  it("reads an unknown upstream release's sum from its project's list", async () => {
    const v = '3.6.99';
    const loc: AssetLocation = { ...ETCD_UPSTREAM, version: v, checksum: { url: `https://e/v${v}/SHA256SUMS`, entry: `etcd-v${v}-linux-amd64.tar.gz` } };
    const { read, asked } = reader({ [`https://e/v${v}/SHA256SUMS`]: ETCD_SUMS.replaceAll('3.6.5', v) });
    expect(await pinLocation(loc, read)).toEqual({ sha256: '66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3' });
    expect(asked).toEqual([`https://e/v${v}/SHA256SUMS`]);
    expect(await readChecksum({ url: `https://e/v${v}/SHA256SUMS`, entry: `etcd-v${v}-linux-arm64.tar.gz` }, read)).toBe(
      '7010161787077b07de29b15b76825ceacbbcedcb77fe2e6832f509be102cab6b',
    );
  });

  it("pins a mirror's file by the .sha256 beside it, and a known release by the table when the mirror has none", async () => {
    const mirror: AssetLocation = { ...ETCD_UPSTREAM, url: 'file:///m/etcd/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz', upstream: false, checksum: { url: 'file:///m/etcd/v3.6.5/etcd-v3.6.5-linux-amd64.tar.gz.sha256' } };
    const standIn = 'ab'.repeat(32);
    expect(await pinLocation(mirror, reader({ [mirror.checksum.url]: `${standIn}  etcd-v3.6.5-linux-amd64.tar.gz\n` }).read)).toEqual({ sha256: standIn });
    expect(await pinLocation(mirror, reader({}).read)).toEqual({ sha256: '66bad39ed920f6fc15fd74adcb8bfd38ba9a6412f8c7852d09eb11670e88cac3' });
    // An unknown release with no published sum cannot be pinned: the error names the URL.
    const unknown = { ...mirror, version: '3.6.99' };
    await expect(pinLocation(unknown, reader({}).read)).rejects.toThrow(`cannot read ${mirror.checksum.url}: HTTP 404`);
  });

  it("pins Kubernetes's default tarballs by the sha512 its changelog publishes, reading nothing; a mirror's by its .sha256", async () => {
    const made = newClusterSpec({ name: 'pin.example.com', cloud: 'local', zones: [], topology: 'public' }, SPEC_RULES);
    const spec = completeSpec(made.cluster, made.instanceGroups);
    const kube = assetLocations(spec, undefined).filter((a) => a.name.startsWith('kubernetes-'));
    expect(kube.map((a) => `${a.name}@${a.version}`)).toEqual(['kubernetes-node@1.35.0', 'kubernetes-server@1.35.0']);
    const { read, asked } = reader({});
    const pins = await pinAssets(kube, read);
    expect(asked).toEqual([]);
    for (const p of pins) {
      expect(p.sha256, p.name).toBeUndefined();
      expect(p.sha512, p.name).toBe(knownFile(p.name, '1.35.0')?.sha512);
    }
    expect(pins[0]?.sha512).toBe('179278fecb65d246443f58cef00ca2f2a9d0ac6fbdb310994f0ac7fca249f7bdc1c79ea7f3e5455c1e2d2460f5447d006bfa579f97b502ee7034b2a1927f934a');
    const mirrored = assetLocations(spec, 'file:///m').filter((a) => a.name === 'kubernetes-node');
    const standIn = 'cd'.repeat(32);
    expect(await pinAssets(mirrored, reader({ 'file:///m/kubernetes/v1.35.0/kubernetes-node-linux-amd64.tar.gz.sha256': `${standIn}\n` }).read)).toMatchObject([{ sha256: standIn }]);
    // A mirror without the .sha256 holds the upstream file: pinned by the known sha512.
    expect(await pinAssets(mirrored, reader({}).read)).toMatchObject([{ sha512: pins[0]?.sha512 }]);
  });
});
