/** The bundled channels, parsed once: src/api reads the stable one at load. */

import { bundledChannelText } from './bundled.js';
import type { BundledChannel } from './bundled.js';
import { parseBundledChannel } from './format.js';
import type { Channel } from './format.js';

const parsed = new Map<BundledChannel, Channel>();

export function bundledChannel(name: BundledChannel): Channel {
  let channel = parsed.get(name);
  if (!channel) {
    channel = parseBundledChannel(bundledChannelText(name), name);
    parsed.set(name, channel);
  }
  return channel;
}

export function stableChannel(): Channel {
  return bundledChannel('stable');
}
