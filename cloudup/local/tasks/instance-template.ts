/**
 * InstanceTemplate: what an instance boots with. Versions are immutable, so a change is a new
 * version (like an AWS launch template), which is what marks running instances out of date.
 */
import type { InstanceTemplate } from '../api-types.js';
import type { ResolvedFields } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

function latest(t: InstanceTemplate) {
  return t.versions.find((v) => v.version === t.latestVersion) ?? t.versions.at(-1);
}

export const instanceTemplateKind = localKind({
  kind: 'InstanceTemplate',
  type: 'instanceTemplates',
  uses: [],
  fields: (t): ResolvedFields => {
    const v = latest(t);
    return v ? { machineType: v.machineType, image: v.image, userData: v.userData, instanceTags: { ...v.instanceTags } } : {};
  },
  outputs: (t) => ({ latestVersion: t.latestVersion }),
  body: (d) => ({ version: { machineType: d.machineType, image: d.image, userData: d.userData, instanceTags: d.instanceTags } }),
  immutable: [],
  // Every update is a new version, which the groups then point at.
  updatedOutputs: ['latestVersion'],
  async update(ctx, live, d) {
    await ctx.client.createTemplateVersion(live.id, {
      machineType: d.machineType as string,
      image: d.image as string,
      userData: d.userData as string,
      instanceTags: d.instanceTags as Record<string, string>,
    });
    const t = await ctx.client.get('instanceTemplates', live.id);
    if (!t) throw new Error(`instance template ${live.id} vanished after a new version was made`);
    return t;
  },
});
