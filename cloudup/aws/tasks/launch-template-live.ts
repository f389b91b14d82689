/**
 * Launch templates as a plan sees them, reading as few versions as it can.
 *
 * Versions cannot change once made, so when hoist makes one it tags the template (not the
 * version) with `hoist.dev/version-hash: <version>:<hash>`, the hash of the fields the version
 * was made from. While that tag names the template's latest version, and its hash is the hash of
 * what a task wants, the latest version holds what the task wants, and the plan uses the task's
 * fields as the live ones without reading the version. Every other template is read: one whose
 * tag is gone, or names an older version (a version made outside hoist), or whose fields differ
 * from the task's (so the plan shows each changed field with its live value).
 *
 * The template's own state is compared as fields too: `defaultVersion` (hoist keeps the latest
 * version the default) and `versionHashTag` (the tag names the latest version), so a default
 * moved by hand or a removed tag shows in the plan, and the update sets them right.
 */

import { createHash } from 'node:crypto';
import type { LaunchTemplate, LaunchTemplateVersion } from '@aws-sdk/client-ec2';
import stringify from 'safe-stable-stringify';
import { resolveValue, UNKNOWN } from '../../../src/engine/diff.js';
import type { LiveObject, Ref, ResolvedFields, Task, TaskKind } from '../../../src/engine/task.js';
import type { AwsContext } from '../context.js';
import type { Listed } from '../listings/ec2.js';
import { listLaunchTemplates, readLatestVersions } from '../listings/launch-templates.js';
import { tagMap, userTags } from '../tags.js';
import { iamInstanceProfileKind } from './iam-instance-profile.js';
import { keyPairKind } from './key-pair.js';
import { versionFields } from './launch-template-data.js';
import { liveObject } from './live.js';
import { securityGroupKind } from './security-group.js';

export const VERSION_HASH_TAG = 'hoist.dev/version-hash';

/** The desired `defaultVersion`: the latest version is the default. */
export const LATEST = '$Latest';

/** Fields of the template rather than of a version: not in a version's hash. */
const TEMPLATE_FIELDS = new Set(['launchTemplateName', 'tags', 'defaultVersion', 'versionHashTag']);

/**
 * Fields added after versions were tagged, at the value those versions hold (they were made
 * without them): left out of the hash there, so that a tag written before still proves its version.
 */
const UNHASHED_DEFAULTS: Readonly<Record<string, unknown>> = { tenancy: 'default', ebsOptimized: false };

/** The hash of the fields a version is made from (resolved, as the template's task has them). */
export function versionHash(fields: ResolvedFields): string {
  const data = Object.fromEntries(Object.entries(fields).filter(([k, v]) => !TEMPLATE_FIELDS.has(k) && !(k in UNHASHED_DEFAULTS && UNHASHED_DEFAULTS[k] === v)));
  return createHash('sha256').update(stringify(data)).digest('hex').slice(0, 32);
}

/** The value of the template's VERSION_HASH_TAG once `version` is made from `fields`. */
export function versionTag(version: number | string, fields: ResolvedFields): string {
  return `${version}:${versionHash(fields)}`;
}

function parseVersionTag(value: string | undefined): { version: number; hash: string } | undefined {
  const m = /^(\d+):([0-9a-f]+)$/.exec(value ?? '');
  return m ? { version: Number(m[1]), hash: m[2]! } : undefined;
}

/**
 * The live templates. `wanted`: by name, the fields each task wants (undefined where they could
 * not be resolved), when the plan's tasks are known; absent, every template is read. A template
 * no task wants is not read: it is only deleted.
 */
export async function discoverTemplates(ctx: AwsContext, wanted: ReadonlyMap<string, ResolvedFields | undefined> | undefined): Promise<LiveObject[]> {
  const templates = await listLaunchTemplates(ctx);
  const proven = new Map<Listed<LaunchTemplate>, ResolvedFields>();
  const toRead: LaunchTemplate[] = [];
  for (const t of templates) {
    const name = nameOf(t.item);
    if (wanted !== undefined && !wanted.has(name)) continue;
    const fields = wanted?.get(name);
    const tag = parseVersionTag(tagMap(t.item.Tags)[VERSION_HASH_TAG]);
    if (fields !== undefined && tag !== undefined && tag.version === t.item.LatestVersionNumber && tag.hash === versionHash(fields)) proven.set(t, fields);
    else toRead.push(t.item);
  }
  const versions = await readLatestVersions(ctx, toRead);
  ctx.events({
    level: 'debug',
    code: 'aws.launch-templates.read',
    message: `launch templates: read ${versions.size} of ${templates.length}; ${proven.size} unchanged by their ${VERSION_HASH_TAG} tag`,
    data: { templates: templates.length, read: versions.size, unchanged: proven.size },
  });
  return templates.map((t) => toLive(ctx, t, proven.get(t), versions.get(t.item.LaunchTemplateId!)));
}

/** Its Name tag, as liveObject names it, which a task's name matches. */
function nameOf(t: LaunchTemplate): string {
  return tagMap(t.Tags)['Name'] ?? t.LaunchTemplateId!;
}

function toLive(ctx: AwsContext, t: Listed<LaunchTemplate>, proven: ResolvedFields | undefined, version: LaunchTemplateVersion | undefined): LiveObject {
  const { [VERSION_HASH_TAG]: recorded, ...tags } = tagMap(t.item.Tags);
  const name = t.item.LaunchTemplateName!;
  const latest = version?.VersionNumber ?? t.item.LatestVersionNumber ?? 1;
  const data = proven ? { ...withoutTemplateFields(proven), launchTemplateName: name } : versionFields(name, version?.LaunchTemplateData);
  const fields = {
    ...data,
    defaultVersion: t.item.DefaultVersionNumber === undefined || t.item.DefaultVersionNumber === latest ? LATEST : String(t.item.DefaultVersionNumber),
    versionHashTag: parseVersionTag(recorded)?.version === latest,
    tags: userTags(tags),
  };
  return liveObject(ctx, t, t.item.LaunchTemplateId!, tags, fields, { latestVersion: String(latest) });
}

function withoutTemplateFields(fields: ResolvedFields): ResolvedFields {
  return Object.fromEntries(Object.entries(fields).filter(([k]) => !TEMPLATE_FIELDS.has(k)));
}

/** The kinds a template's references point at (its `uses`): their outputs resolve the tasks' fields. */
const REFERRED: readonly TaskKind<AwsContext>[] = [securityGroupKind, iamInstanceProfileKind, keyPairKind];

/**
 * The fields each task wants, by name, its references resolved from the live objects they name
 * (from the plan's listings, which the other kinds read anyway). A reference to something not
 * there leaves the task's fields undefined, and its template is read. Resolving differently than
 * the planner costs a read at most: the fields are only used when their hash is the tag's.
 */
export async function wantedFields(ctx: AwsContext, tasks: readonly Task[]): Promise<Map<string, ResolvedFields | undefined>> {
  const live = new Map<string, Map<string, LiveObject>>();
  await Promise.all(
    REFERRED.map(async (k) => {
      // Oldest first by id, as the planner picks among objects of one name.
      const objects = [...(await k.discover(ctx))].sort((a, b) => a.id.localeCompare(b.id));
      const byName = new Map<string, LiveObject>();
      for (const o of objects) if (!byName.has(o.name)) byName.set(o.name, o);
      live.set(k.kind, byName);
    }),
  );
  const resolve = (r: Ref) => {
    const slash = r.$ref.indexOf('/');
    return live.get(r.$ref.slice(0, slash))?.get(r.$ref.slice(slash + 1))?.outputs[r.output];
  };
  return new Map(
    tasks.map((t) => {
      const fields = resolveValue(t.desired, resolve);
      return [t.name, fields === UNKNOWN ? undefined : (fields as ResolvedFields)];
    }),
  );
}
