/**
 * `hoist get assets CLUSTER [-o table|yaml|json] [--copy --to URL [--from URL]]`: every file and
 * image the cluster's machines download (the addons' images too), with version, upstream and
 * mirror locations and the hash that pins each; with --copy, the files are copied into a mirror. Listing reads nothing
 * over the network.
 */

import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { completeSpec } from '../api/index.js';
import { stringify } from 'yaml';
import { copyItems, copyToMirror, folderTarget } from '../assets/copy.js';
import type { MirrorTarget } from '../assets/copy.js';
import { assetInventory } from '../assets/inventory.js';
import type { AssetEntry, FileEntry } from '../assets/inventory.js';
import { storeTarget } from '../assets/store-target.js';
import { HoistError, NotFoundError, invalidFlag } from '../errors.js';
import { parseOutputFormat, renderJson, renderTable } from '../output/format.js';
import { addonImages } from '../../cloudup/addons/images.js';
import type { AddonImage } from '../../cloudup/addons/images.js';
import { nodeupBundle, nodeupBundleUrl } from '../../cloudup/nodeup/bundle.js';
import { openStore } from '../../state-store/open.js';
import type { Context } from './context.js';
import type { Runner } from './program.js';

export interface GetAssetsOptions {
  readonly output?: string;
  readonly copy?: boolean;
  readonly to?: string;
  readonly from?: string;
}

const MIRROR_FIX = 'use file:///absolute/folder or s3://bucket[/prefix]';

function checkMirrorUrl(flag: string, url: string): string {
  if (!/^(file:\/\/\/|s3:\/\/[a-z0-9])/.test(url)) throw invalidFlag(flag, url, 'is not a mirror location', MIRROR_FIX);
  return url.replace(/\/+$/, '');
}

export async function runGetAssets(positional: string | undefined, opts: GetAssetsOptions, ctx: Context): Promise<number> {
  const format = parseOutputFormat(opts.output);
  if (opts.copy && opts.to === undefined) throw invalidFlag('--to', undefined, 'is required with --copy', `name the mirror: --to file:///srv/mirror or --to s3://bucket/prefix`);
  if (!opts.copy && opts.to !== undefined) throw invalidFlag('--to', opts.to, 'is only used with --copy', 'add --copy to copy the files there');
  const to = opts.to === undefined ? undefined : checkMirrorUrl('--to', opts.to);
  const from = opts.from === undefined ? undefined : checkMirrorUrl('--from', opts.from);
  const cluster = ctx.clusterName(positional);
  const clients = await ctx.clientset();
  const set = await clients.getSpecSet(cluster);
  if (!set) throw new NotFoundError(`cluster ${cluster} not found in ${clients.store.url}`, 'list the clusters with: hoist get clusters');
  const spec = completeSpec(set.cluster.object, set.instanceGroups.map((v) => v.object));
  const bundle = await nodeupBundle(ctx.io.env).catch(() => undefined);
  const entries = assetInventory(spec, bundle === undefined ? {} : { nodeup: { version: pkg.version, sha256: bundle.sha256, url: nodeupBundleUrl(clients.store.url, cluster, bundle.sha256) } });
  const addons = await addonImages(spec, clients.store);

  if (to === undefined) {
    printInventory(ctx, format, cluster, entries, addons);
    return 0;
  }
  const files = entries.filter((e): e is FileEntry => e.kind === 'file');
  const target: MirrorTarget = to.startsWith('file://') ? folderTarget(to) : storeTarget(await openStore(to, { events: ctx.io.events, env: ctx.io.env, cwd: ctx.io.cwd, source: '--to' }));
  const items = copyItems(files, from);
  try {
    const outcome = await copyToMirror(items, target, { events: ctx.io.events });
    ctx.io.out(`Copied ${outcome.copied.length} files to ${to}, skipped ${outcome.skipped.length} already there, ${outcome.failed.length} failed.\n`);
    ctx.io.out('The nodeup bundle is not copied: machines read it from the state store, where update cluster --yes publishes it.\n');
    ctx.io.out(imageAdvice(spec.cluster.spec.assets?.containerRegistry, entries, addons));
    if (outcome.failed.length > 0) {
      throw new HoistError('NOT_FOUND', `${outcome.failed.length} of ${items.length} files were not copied to ${to}: ${outcome.failed.map((f) => f.path).join(', ')}`, {
        hint: 'see the lines above for why; the files copied stay in the mirror, and running the command again copies only what is missing',
      });
    }
    return 0;
  } finally {
    target.close?.();
  }
}

/** Images are not copied (that needs a registry client): the commands that do it. */
function imageAdvice(registry: string | undefined, entries: readonly AssetEntry[], addons: readonly AddonImage[]): string {
  const dest = registry?.replace(/\/+$/, '') ?? '<your-registry>';
  const lines = entries
    .filter((e) => e.kind === 'image')
    .map((e) => `  crane copy ${e.source}${e.kind === 'image' && e.digest ? `@${e.digest}` : ''} ${dest}/${e.name}:${e.version}`);
  for (const a of addons) lines.push(`  crane copy ${a.reference}${a.digest === undefined ? '' : `@${a.digest}`} ${dest}/${a.repository}:${a.tag}`);
  return `Images are not copied; copy them with a registry client, e.g.:\n${lines.join('\n')}\n`;
}

function hashOf(e: AssetEntry): string {
  if (e.kind === 'image') return e.digest ?? 'unknown (pulled by tag)';
  if (e.sha256 !== undefined) return `sha256:${e.sha256}`;
  if (e.sha512 !== undefined) return `sha512:${e.sha512}`;
  if (e.name === 'nodeup') return 'none: this hoist build has no dist/nodeup.mjs (npm run build)';
  return `read at plan time from ${e.checksum?.url ?? '?'}`;
}

/** Addon images in the table's rows: KIND `addon-image`, the addons that run it after the name. */
type Row = AssetEntry | { readonly kind: 'addon-image'; readonly name: string; readonly version: string; readonly source: string; readonly mirror?: string; readonly digest?: string };

function printInventory(ctx: Context, format: 'table' | 'yaml' | 'json', cluster: string, entries: readonly AssetEntry[], addons: readonly AddonImage[]): void {
  if (format === 'table') {
    const rows: Row[] = [
      ...entries,
      ...addons.map((a): Row => ({ kind: 'addon-image', name: `${a.repository} (${a.addons.join(', ')})`, version: a.tag, source: a.reference, ...(a.mirror === undefined ? {} : { mirror: a.mirror }), ...(a.digest === undefined ? {} : { digest: a.digest }) })),
    ];
    ctx.io.out(
      renderTable(rows, [
        { header: 'KIND', value: (e) => e.kind },
        { header: 'NAME', value: (e) => e.name },
        { header: 'VERSION', value: (e) => e.version || '-' },
        { header: 'HASH', value: (e) => (e.kind === 'addon-image' ? (e.digest ?? 'unknown (pulled by tag)') : hashOf(e)) },
        { header: 'SOURCE', value: (e) => e.source || '-' },
        { header: 'MIRROR', value: (e) => e.mirror ?? '-' },
      ]),
    );
    return;
  }
  const list = { apiVersion: 'hoist.dev/v1alpha1', kind: 'AssetList', cluster, files: entries.filter((e) => e.kind === 'file'), images: entries.filter((e) => e.kind === 'image'), addonImages: addons };
  ctx.io.out(format === 'json' ? renderJson(list) : stringify(list, { lineWidth: 0, aliasDuplicateObjects: false }));
}

export function registerGetAssets(program: Command, run: Runner): void {
  const get = program.commands.find((c) => c.name() === 'get');
  if (get === undefined) throw new HoistError('INTERNAL', 'the get command must be registered before get assets');
  get
    .command('assets')
    .aliases(['asset'])
    .argument('[cluster]', 'cluster name (or --name)')
    .option('-o, --output <format>', 'table, yaml or json')
    .option('--copy', 'copy the files into the mirror named by --to')
    .option('--to <url>', 'the mirror to copy into: file:///folder or s3://bucket/prefix, laid out like spec.assets.fileRepository')
    .option('--from <url>', 'copy from this mirror instead of the upstream release locations')
    .description('list every file and image the cluster\'s machines download, with their hashes; --copy fills a mirror')
    .action(async (cluster: string | undefined, opts: GetAssetsOptions, cmd: Command) => run(cmd, (ctx) => runGetAssets(cluster, opts, ctx)));
}
