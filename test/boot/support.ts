/** What the boot script tests share: the nodeup bundle, the Node.js mirror, the script's environment, reading files back. */

import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { embedChannels } from '../../src/build/embed-channels.mjs';
import { create } from 'tar';
import { parseSums } from '../../cloudup/local/stand-ins/node-runtime.js';
import { ROOT } from '../support/cli.js';

export const sha256 = (body: Uint8Array | string): string => createHash('sha256').update(body).digest('hex');

/**
 * The nodeup bundle as `npm run build` makes dist/nodeup.mjs (src/build/bundle.mjs: the same
 * entry, one ESM file with the same banner), built here into the test's folder: dist/ is
 * removed and rewritten by every build, and the script must be pinned to bytes nothing changes
 * mid-test.
 */
export async function buildNodeupBundle(dir: string): Promise<{ path: string; body: Buffer; sha256: string }> {
  const path = join(dir, 'nodeup.mjs');
  const banner = [
    "import { createRequire as __hoistCreateRequire } from 'node:module';",
    "import { fileURLToPath as __hoistFileURLToPath } from 'node:url';",
    "import { dirname as __hoistDirname } from 'node:path';",
    'const require = __hoistCreateRequire(import.meta.url);',
    'const __filename = __hoistFileURLToPath(import.meta.url);',
    'const __dirname = __hoistDirname(__filename);',
  ].join('\n');
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/nodeup-main.ts'],
    outfile: path,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    legalComments: 'none',
    logLevel: 'warning',
    banner: { js: banner },
    // As the build does: the bundle has no src/ beside it to read the channel files from.
    plugins: [embedChannels()],
  });
  const body = await readFile(path);
  return { path, body, sha256: sha256(body) };
}

export interface NodeMirror {
  /** The mirror folder (serve it over HTTP). */
  readonly dir: string;
  /** The archive's path below the mirror's root. */
  readonly path: string;
  readonly version: string;
  readonly sha256: string;
}

/**
 * A Node.js release made from this machine's own `node`, as the Node.js project lays one out
 * (`nodejs/v<version>/node-v<version>-linux-x64.tar.gz` holding `node-v<version>-linux-x64/bin/node`,
 * beside a SHASUMS256.txt), and its hash read from that SHASUMS256.txt as a boot script's pin is
 * read from the upstream one. The binary is copied in (gzip level 1: 40 MB in about a second),
 * so the script downloads, checks and unpacks a whole runtime.
 */
export async function nodeMirror(dir: string): Promise<NodeMirror> {
  const version = process.version.replace(/^v/, '');
  const top = `node-v${version}-linux-x64`;
  const folder = join(dir, 'nodejs', `v${version}`);
  const staging = join(dir, 'staging');
  await mkdir(join(staging, top, 'bin'), { recursive: true });
  await mkdir(folder, { recursive: true });
  await copyFile(process.execPath, join(staging, top, 'bin', 'node'));
  const archive = join(folder, `${top}.tar.gz`);
  await create({ gzip: { level: 1 }, cwd: staging, file: archive, portable: true }, [top]);
  await rm(staging, { recursive: true, force: true });
  await writeFile(join(folder, 'SHASUMS256.txt'), `${sha256(await readFile(archive))}  ${top}.tar.gz\n`);
  const pinned = parseSums(await readFile(join(folder, 'SHASUMS256.txt'), 'utf8'), `${top}.tar.gz`);
  if (pinned === undefined) throw new Error(`SHASUMS256.txt does not name ${top}.tar.gz`);
  return { dir, path: `nodejs/v${version}/${top}.tar.gz`, version, sha256: pinned };
}

/**
 * The environment a script runs in: nothing of this process's (no AWS keys: the machine has
 * only its instance profile), a home and AWS config files of its own, and the overrides.
 */
export function scriptEnv(dir: string, root: string, overrides: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: join(dir, 'home'),
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    HOIST_ROOT: root,
    HOIST_BOOT_LOG: join(root, 'var/log/hoist-boot.log'),
    HOIST_SERVICE_MANAGER: 'none',
    // 1 s between tries at most: the tests see several tries in a few seconds.
    HOIST_BOOT_RETRY_MAX: '1',
    ...overrides,
  };
}

/** Every file below `dir` (relative paths), none when it does not exist. */
export async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}
