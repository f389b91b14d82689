/**
 * Addons in `validate cluster`: the control plane's applier reports what it applied to the state
 * store (nodeup/addons/channel.ts, AddonStatusReport); an addon it reports Failed fails
 * validation, named with the applier's error, which names the object the API server refused.
 * No report yet (no applier has run) is no failure: the machines' own checks cover a control
 * plane that is not up.
 */

import { AddonStatusReportSchema, addonStatusKey } from '../../nodeup/addons/channel.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { ValidationFailure } from './validate.js';

export async function addonFailures(store: ObjectStore, cluster: string): Promise<ValidationFailure[]> {
  const key = addonStatusKey(cluster);
  const stored = await store.get(key);
  if (stored === undefined) return [];
  let report;
  try {
    report = AddonStatusReportSchema.parse(JSON.parse(Buffer.from(stored.body).toString('utf8')));
  } catch (e) {
    return [{ kind: 'addon', name: key, message: `the addon applier's report cannot be read: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` }];
  }
  return report.addons
    .filter((a) => a.phase === 'Failed')
    .map((a) => ({ kind: 'addon', name: a.name, message: `${a.version} failed to apply: ${a.error ?? 'no error reported'} (reported by ${report.instanceId} at ${report.updatedAt})` }));
}
