/**
 * The node plan and the files nodeup writes, for a control-plane machine and a worker of the
 * standard local cluster, held as golden files. Key material, certificate fingerprints and the
 * temporary folder differ on every run and are masked; everything else is exact.
 * `npm run golden:update` rewrites them (this file sits below test/golden for that).
 */

import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { renderPlanText } from '../../../src/engine/render-text.js';
import { expectGolden } from '../../support/golden.js';
import { CONTROL_PLANE, NODES, nodeWorld } from '../../nodeup/support.js';
import type { NodeWorld } from '../../nodeup/support.js';

// The golden files hold the stand-in etcd's checksums, the same on every machine: the host's etcd
// (whatever is installed) is not packed into this mirror.
process.env.HOIST_ETCD_BINARY = 'none';

let world: NodeWorld;
beforeAll(async () => {
  world = await nodeWorld();
});
afterAll(async () => {
  await world.cleanup();
});

function mask(text: string): string {
  return text
    .replaceAll(world.dir, '/TMP')
    .replace(/-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----\n?/g, '<$1>\n')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<masked>')
    // The bootstrap token's secret comes from the CA key, new on every run.
    .replace(/token: ([a-z0-9]{6})\.[a-z0-9]{16}/g, 'token: $1.<masked>');
}

/** Every file under `root`: path, mode, and its text (programs and archives by checksum). */
async function listing(root: string): Promise<string> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      const mode = ((await stat(path)).mode & 0o777).toString(8).padStart(4, '0');
      if (e.isDirectory()) {
        out.push(`/${relative(root, path)}/  ${mode}`);
        await walk(path);
        continue;
      }
      const body = await readFile(path);
      const opaque = path.includes('/usr/local/bin/') || path.includes('/var/cache/');
      out.push(`/${relative(root, path)}  ${mode}${opaque ? `  sha256 ${createHash('sha256').update(body).digest('hex')}` : ''}`);
      if (!opaque) out.push(...mask(body.toString('utf8')).trimEnd().split('\n').map((l) => `    ${l}`));
    }
  };
  await walk(root);
  return `${out.join('\n')}\n`;
}

describe('nodeup on the standard local cluster', () => {
  for (const [ig, name] of [[CONTROL_PLANE, 'control-plane'], [NODES, 'node']] as const) {
    it(`plans and writes a ${name} machine as in the golden files`, async () => {
      const root = join(world.dir, `root-${name}`);
      const dry = await world.nodeup(ig, root, { dryRun: true });
      await expectGolden(`nodeup/${name}-plan.txt`, mask(renderPlanText(dry.plan)));
      await world.nodeup(ig, root);
      await expectGolden(`nodeup/${name}-files.txt`, await listing(root));
    });
  }
});
