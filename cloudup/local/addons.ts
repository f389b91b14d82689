/**
 * The local cloud adds no addons: its machines need no cloud controller (nodeup registers them
 * with their addresses) and its volumes are folders that no CSI driver serves.
 */

import type { CloudAddons } from '../addons/types.js';

export const localAddons: CloudAddons = { addons: () => [] };
