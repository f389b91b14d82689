/**
 * The addon channel as task kinds, so that the plan shows addon changes like any other and the
 * apply publishes them in order:
 *
 * - `Addon/<name>`: one addon's manifest, stored under its sha256. Its live state is the entry the
 *   published index has; create and update write the manifest (a manifest never changes once
 *   written: a new one gets a new key); delete removes the addon's manifests.
 * - `AddonChannel/<cluster>`: the index. It depends on every Addon task, and its kind uses the
 *   Addon kind, so the engine writes each new manifest first, then the index, then removes the
 *   manifests of addons the index no longer names: the applier never reads an index that names a
 *   missing manifest.
 *
 * Both kinds hold the state store themselves; the cloud session's context is not theirs.
 */

import { parse, stringify } from 'yaml';
import type { Fields, LiveObject, ResolvedFields, Task, TaskKind, TaskOptions } from '../../src/engine/task.js';
import { taskConstructor, taskId } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { AddonChannelSchema, addonChannelKey, addonManifestKey } from '../../nodeup/addons/channel.js';
import type { AddonChannel, AddonEntry } from '../../nodeup/addons/channel.js';
import type { RenderedAddon } from './render.js';

export const ADDON_KIND = 'Addon';
export const CHANNEL_KIND = 'AddonChannel';

/** The fields an Addon task desires: its channel entry, and its manifest when a diff is asked for. */
export interface AddonFields {
  readonly version: string;
  readonly sha256: string;
  readonly source: AddonEntry['source'];
  readonly from?: string;
  readonly health: readonly { readonly kind: string; readonly namespace: string; readonly name: string }[];
  /** Only with `--diff-addons`: the planner compares the manifests' text and the plan shows the diff. */
  readonly manifest?: string;
}

export interface ChannelFields {
  /** The index's entries, in apply order. */
  readonly addons: readonly AddonFields[];
  readonly names: readonly string[];
}

const addonTask = taskConstructor<AddonFields>(ADDON_KIND);
const channelTask = taskConstructor<ChannelFields>(CHANNEL_KIND);

export interface AddonKindOptions {
  readonly store: ObjectStore;
  readonly cluster: string;
  /** Read each published manifest, so that a changed one shows as a diff. */
  readonly withManifests: boolean;
  /** The manifests to write, by addon name (the tasks carry their hash only). */
  readonly manifests: ReadonlyMap<string, string>;
}

function entryFields(e: AddonEntry): AddonFields {
  return { version: e.version, sha256: e.sha256, source: e.source, ...(e.from === undefined ? {} : { from: e.from }), health: e.health };
}

export function addonTasks(cluster: string, rendered: readonly RenderedAddon[], withManifests: boolean): Task[] {
  const addons = rendered.map((r) => addonTask(r.entry.name, { ...entryFields(r.entry), ...(withManifests ? { manifest: r.manifest } : {}) }));
  const options: TaskOptions = { dependsOn: addons.map((t) => taskId(t.kind, t.name)) };
  const channel = channelTask(cluster, { addons: rendered.map((r) => entryFields(r.entry)), names: rendered.map((r) => r.entry.name) }, options);
  return [...addons, channel];
}

/** The published index, or undefined when none is; a broken one is an error naming its key. */
export async function readChannel(store: ObjectStore, cluster: string): Promise<AddonChannel | undefined> {
  const key = addonChannelKey(cluster);
  const object = await store.get(key);
  if (object === undefined) return undefined;
  const parsed = AddonChannelSchema.safeParse(parse(Buffer.from(object.body).toString('utf8')));
  if (!parsed.success) throw new HoistError('STORE', `${store.url}/${key} is not an addon channel: ${parsed.error.issues[0]?.message ?? 'invalid'}`, { hint: 'run update cluster --yes to publish the channel again' });
  return parsed.data;
}

export function addonKinds(options: AddonKindOptions): Map<string, TaskKind<unknown>> {
  const { store, cluster } = options;
  const published = (name: string, sha: string) => addonManifestKey(cluster, name, sha);
  const live = (name: string, fields: ResolvedFields): LiveObject => ({ id: published(name, String(fields['sha256'])), name, fields, outputs: { id: published(name, String(fields['sha256'])) } });

  const write = async (name: string, desired: ResolvedFields): Promise<LiveObject> => {
    const manifest = options.manifests.get(name);
    if (manifest === undefined) throw new HoistError('INTERNAL', `no manifest was rendered for addon ${name}`);
    const key = published(name, String(desired['sha256']));
    if ((await store.get(key)) === undefined) await store.put(key, manifest);
    return live(name, desired);
  };

  const addon: TaskKind<unknown> = {
    kind: ADDON_KIND,
    uses: [],
    async discover() {
      const channel = await readChannel(store, cluster);
      return Promise.all((channel?.addons ?? []).map(async (e) => {
        let fields: ResolvedFields = entryFields(e) as unknown as ResolvedFields;
        if (options.withManifests) {
          const object = await store.get(published(e.name, e.sha256));
          fields = { ...fields, manifest: object === undefined ? '' : Buffer.from(object.body).toString('utf8') };
        }
        return live(e.name, fields);
      }));
    },
    checkChanges: () => ({}),
    create: async (_ctx, task, desired) => write(task.name, desired),
    update: async (_ctx, task, _live, desired) => write(task.name, desired),
    async delete(_ctx, obj) {
      for (const key of await store.list(`${cluster}/addons/${obj.name}/`)) await store.delete(key);
    },
  };

  const writeIndex = async (desired: ResolvedFields): Promise<LiveObject> => {
    const entries = desired['addons'] as unknown as readonly AddonFields[];
    const names = desired['names'] as unknown as readonly string[];
    const index: AddonChannel = {
      apiVersion: 'hoist.dev/v1alpha1',
      kind: 'AddonChannel',
      cluster,
      addons: entries.map((e, i) => ({ name: names[i]!, ...e, health: [...e.health] }) as AddonEntry),
    };
    AddonChannelSchema.parse(index);
    await store.put(addonChannelKey(cluster), stringify(index, { lineWidth: 0 }));
    return { id: addonChannelKey(cluster), name: cluster, fields: desired, outputs: { id: addonChannelKey(cluster) } };
  };

  const channel: TaskKind<unknown> = {
    kind: CHANNEL_KIND,
    uses: [ADDON_KIND],
    async discover() {
      const index = await readChannel(store, cluster);
      if (index === undefined) return [];
      const fields: Fields = { addons: index.addons.map(entryFields) as unknown as Fields[], names: index.addons.map((e) => e.name) };
      return [{ id: addonChannelKey(cluster), name: cluster, fields: fields as ResolvedFields, outputs: { id: addonChannelKey(cluster) } }];
    },
    checkChanges: () => ({}),
    create: async (_ctx, _task, desired) => writeIndex(desired),
    update: async (_ctx, _task, _live, desired) => writeIndex(desired),
    async delete() {
      await store.delete(addonChannelKey(cluster));
    },
  };
  return new Map([[ADDON_KIND, addon], [CHANNEL_KIND, channel]]);
}
