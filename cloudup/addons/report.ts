/**
 * The addon applier's report (`<cluster>/status/addons.json`) as the commands read it: which
 * control-plane machine wrote it, and the addons it reports Failed, so that `get instances`
 * shows them on that machine (and `validate cluster` fails on them).
 */

import { AddonStatusReportSchema, addonStatusKey } from '../../nodeup/addons/channel.js';
import type { AddonStatusReport } from '../../nodeup/addons/channel.js';
import type { ObjectStore } from '../../state-store/object-store.js';

export interface AddonFailure {
  readonly addon: string;
  readonly version: string;
  readonly message: string;
}

/** The report, or undefined before any applier wrote one; one that does not parse is an error naming the key. */
export async function readAddonReport(store: ObjectStore, cluster: string): Promise<AddonStatusReport | undefined> {
  const key = addonStatusKey(cluster);
  const stored = await store.get(key);
  if (stored === undefined) return undefined;
  const parsed = AddonStatusReportSchema.safeParse(JSON.parse(Buffer.from(stored.body).toString('utf8')));
  if (!parsed.success) throw new Error(`${key}: the addon applier's report cannot be read: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** The addons the report says failed to apply, by the machine that reported them. */
export function failuresByInstance(report: AddonStatusReport | undefined): ReadonlyMap<string, readonly AddonFailure[]> {
  const failed = (report?.addons ?? []).filter((a) => a.phase === 'Failed');
  if (report === undefined || failed.length === 0) return new Map();
  return new Map([[report.instanceId, failed.map((a) => ({ addon: a.name, version: a.version, message: a.error ?? 'no error reported' }))]]);
}
