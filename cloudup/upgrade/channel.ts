/**
 * A cluster's channel: `spec.channel` names one hoist ships (`stable`, `alpha`; the default is
 * stable) or a channel file of the user's, by absolute path, file:// URL or https:// URL.
 */

import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { BUNDLED_CHANNELS } from '../../src/channels/bundled.js';
import type { BundledChannel } from '../../src/channels/bundled.js';
import { bundledChannel } from '../../src/channels/bundled-parsed.js';
import { minorOf, parseChannel } from '../../src/channels/format.js';
import type { Channel, ChannelKubernetes } from '../../src/channels/format.js';
import { DEFAULT_CHANNEL } from '../../src/api/cloud-defaults.js';
import { HoistError, ValidationError } from '../../src/errors.js';

const FETCH_TIMEOUT_MS = 30_000;
const CHANNEL_FIX = `name a channel hoist ships (${BUNDLED_CHANNELS.join(', ')}), an absolute path, a file:// URL or an https:// URL`;

export interface LoadedChannel {
  /** As the spec names it (the default filled in). */
  readonly ref: string;
  readonly channel: Channel;
}

function isBundled(ref: string): ref is BundledChannel {
  return (BUNDLED_CHANNELS as readonly string[]).includes(ref);
}

/** Reads the channel that `spec.channel` names; every failure names the field and the fix. */
export async function loadChannel(ref: string | undefined): Promise<LoadedChannel> {
  const name = ref ?? DEFAULT_CHANNEL;
  if (isBundled(name)) return { ref: name, channel: bundledChannel(name) };
  const refuse = (message: string, fix = CHANNEL_FIX): never => {
    throw new ValidationError('the cluster\'s channel', [{ path: 'spec.channel', value: name, message, fix }]);
  };
  let text: string;
  if (name.startsWith('https://')) {
    text = await download(name).catch((e: unknown) => refuse(`could not be downloaded: ${e instanceof Error ? e.message : String(e)}`, 'check the URL and the network, or copy the file and name its path'));
  } else if (name.startsWith('file://') || isAbsolute(name)) {
    let path: string;
    try {
      path = name.startsWith('file://') ? fileURLToPath(name) : name;
    } catch {
      return refuse('is not a file URL', 'write it as file:///absolute/path.yaml');
    }
    text = await readFile(path, 'utf8').catch((e: unknown) => refuse(`could not be read: ${e instanceof Error ? e.message : String(e)}`, 'check the path, or name a channel hoist ships'));
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(name)) {
    return refuse('uses a scheme hoist does not read channels from');
  } else {
    return refuse(`is not a channel hoist ships nor an absolute path`);
  }
  try {
    return { ref: name, channel: parseChannel(text, name) };
  } catch (e) {
    // The problems keep their paths inside the channel file; the subject names the spec field.
    if (e instanceof ValidationError) throw new ValidationError(`the channel named by spec.channel (${name})`, e.problems, e.code);
    if (e instanceof HoistError) throw new HoistError(e.code, `spec.channel ${JSON.stringify(name)}: ${e.message}`, { cause: e, hint: 'fix the channel file, or set spec.channel to a channel hoist ships' });
    throw e;
  }
}

async function download(url: string): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.text();
}

/** The channel's row of a version's minor; undefined when the channel does not list it. */
export function channelRow(channel: Channel, version: string): ChannelKubernetes | undefined {
  const minor = minorOf(version);
  return channel.spec.kubernetesVersions.find((r) => r.minor === minor);
}

/** The channel's row of the minor after `version`'s, if it lists one. */
export function nextMinorRow(channel: Channel, version: string): ChannelKubernetes | undefined {
  const rows = channel.spec.kubernetesVersions;
  const i = rows.findIndex((r) => r.minor === minorOf(version));
  return i < 0 ? undefined : rows[i + 1];
}

/**
 * -1, 0 or 1 for dotted numeric versions (`v` prefix ignored; missing parts count as 0). Two
 * semantic versions compare as semver does, so a pre-release comes before its release
 * (`1.35.0-alpha.1` < `1.35.0`): a cluster on a pre-release is offered the release.
 */
export function compareVersions(a: string, b: string): number {
  const sa = semver.valid(a.replace(/^v/, ''));
  const sb = semver.valid(b.replace(/^v/, ''));
  if (sa !== null && sb !== null) return semver.compare(sa, sb);
  const pa = a.replace(/^v/, '').split(/[.-]/).map(Number);
  const pb = b.replace(/^v/, '').split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (Number.isNaN(x) || Number.isNaN(y)) return a.localeCompare(b);
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}
