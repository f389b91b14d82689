/**
 * The Node.js runtime of the local cloud's mirror, packed as the Node.js project packs a release
 * (`node-v<version>-linux-x64/bin/node` inside `nodejs/v<version>/node-v<version>-linux-x64.tar.gz`,
 * beside a `SHASUMS256.txt`), so that a local instance's boot script downloads, verifies,
 * extracts and runs a runtime as a real machine does.
 *
 * Its `bin/node` is a symbolic link to the host's own `node` binary rather than a copy of it. A
 * local instance runs on the host's Node.js whatever it installs (the agent, nodeup and the
 * stand-ins are the host's processes and threads), and a copy costs every instance's boot about
 * 0.75 s of CPU and 99 MB of disk (hashing a 40 MB gzip level 1 archive, extracting 99 MB),
 * which several instances booting at once on a small host multiply: a three-machine cluster
 * became ready 4 to 5 s later under load. The link keeps every step of the script (the download,
 * the sha256 check, tar, `node --version`) at a few milliseconds (docs/local-cloud.md, "How an
 * instance boots", has the figures).
 *
 * The archive is built once per mirror and reproducibly (fixed times, no owners): the same host
 * binary path always gives the same sha256. Another host binary (a Node.js at another path)
 * gets a new archive, and so a new pin.
 */

import { mkdir, mkdtemp, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { create } from 'tar';
import { sha256File } from '../../../src/assets/location.js';

const EPOCH = new Date('2000-01-01T00:00:00Z');
const SUMS = 'SHASUMS256.txt';
/** Beside the archive: the host binary its link names. */
const LINKED = '.host-node';

/** The runtime as a boot script takes it: version, URL and the archive's sha256. */
export interface LocalNodeRuntime {
  readonly version: string;
  readonly url: string;
  readonly sha256: string;
}

/** The release's names for the host's Node.js version (`v20.20.2` → `20.20.2`). */
export function nodeRelease(version: string = process.version): { version: string; folder: string; fileName: string; top: string } {
  const plain = version.replace(/^v/, '');
  const top = `node-v${plain}-linux-x64`;
  return { version: plain, folder: `nodejs/v${plain}`, fileName: `${top}.tar.gz`, top };
}

/**
 * Makes sure the mirror folder `dir` holds the runtime archive of the host's `node` (`binary`)
 * and its `SHASUMS256.txt`, and returns it. An archive already there for the same binary, with
 * its sums, is kept as it is: a test may corrupt it on purpose to see an instance refuse it.
 */
export async function ensureNodeRuntime(dir: string, binary: string = process.execPath, version: string = process.version): Promise<LocalNodeRuntime> {
  const release = nodeRelease(version);
  const folder = join(dir, release.folder);
  const archive = join(folder, release.fileName);
  const sums = join(folder, SUMS);
  const linked = await readFile(join(folder, LINKED), 'utf8').catch(() => undefined);
  let sha256 = linked === binary ? parseSums(await readFile(sums, 'utf8').catch(() => ''), release.fileName) : undefined;
  if (sha256 === undefined) {
    await mkdir(folder, { recursive: true });
    await buildArchive(binary, release.top, archive);
    sha256 = await sha256File(archive);
    await writeFile(join(folder, LINKED), binary);
    // The sums are written last, aside and renamed: their presence means the archive is complete.
    const partial = `${sums}.partial-${process.pid}`;
    await writeFile(partial, `${sha256}  ${release.fileName}\n`);
    await rename(partial, sums);
  }
  return { version: release.version, url: pathToFileURL(archive).href, sha256 };
}

/** The hash a `SHASUMS256.txt` gives `file`, if it names it. */
export function parseSums(text: string, file: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{64})\s+\*?(\S+)$/.exec(line.trim());
    if (m?.[2] === file) return m[1];
  }
  return undefined;
}

async function buildArchive(binary: string, top: string, dest: string): Promise<void> {
  const staging = await mkdtemp(join(dirname(dest), '.staging-'));
  try {
    const bin = join(staging, top, 'bin', 'node');
    await mkdir(dirname(bin), { recursive: true });
    await symlink(binary, bin);
    const partial = `${dest}.partial-${process.pid}`;
    await create({ gzip: true, cwd: staging, file: partial, portable: true, mtime: EPOCH }, [top]);
    await rename(partial, dest);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
