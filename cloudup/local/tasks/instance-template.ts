/**
 * InstanceTemplate: what an instance boots with. Versions are immutable, so a change is a new
 * version (like an AWS launch template), which is what marks running instances out of date.
 */
import type { InstanceTemplate, Tags } from '../api-types.js';
import { HoistError } from '../../../src/errors.js';
import { taskConstructor } from '../../../src/engine/task.js';
import { localKind } from './resource-kind.js';

export interface InstanceTemplateFields {
  readonly machineType: string;
  readonly image: string;
  /** The instance's boot configuration (text). */
  readonly userData: string;
  /** Tags every instance launched from the template carries. */
  readonly instanceTags: Tags;
}

export const instanceTemplateTask = taskConstructor<InstanceTemplateFields>('InstanceTemplate');

function latest(t: InstanceTemplate) {
  return t.versions.find((v) => v.version === t.latestVersion) ?? t.versions.at(-1);
}

export const instanceTemplateKind = localKind<'instanceTemplates', InstanceTemplateFields>({
  kind: 'InstanceTemplate',
  type: 'instanceTemplates',
  uses: [],
  fields: (t) => {
    const v = latest(t);
    return v ? { machineType: v.machineType, image: v.image, userData: v.userData, instanceTags: { ...v.instanceTags } } : undefined;
  },
  outputs: (t) => ({ latestVersion: t.latestVersion }),
  body: (d) => ({ version: { machineType: d.machineType, image: d.image, userData: d.userData, instanceTags: d.instanceTags } }),
  immutable: [],
  // Every update is a new version, which the groups then point at.
  updatedOutputs: ['latestVersion'],
  async update(ctx, live, d) {
    await ctx.client.createTemplateVersion(live.id, { machineType: d.machineType, image: d.image, userData: d.userData, instanceTags: d.instanceTags });
    const t = await ctx.client.get('instanceTemplates', live.id);
    if (!t) throw new HoistError('CLOUD', `instance template ${live.id} vanished after a new version was made`);
    return t;
  },
});
