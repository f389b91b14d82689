/**
 * The record of a rolling update in the state store (`<cluster>/status/rolling-update.json`):
 * which instances each group has replaced and which are being replaced. Written before every
 * action, so a roll that is killed and run again knows where it was.
 */

import type { ObjectStore } from '../../state-store/object-store.js';

export interface GroupProgress {
  readonly replaced: readonly string[];
  readonly inFlight: readonly string[];
}

export interface RollRecord {
  readonly startedAt: string;
  readonly updatedAt: string;
  readonly finishedAt?: string;
  readonly groups: Readonly<Record<string, GroupProgress>>;
}

export const rollRecordKey = (cluster: string): string => `${cluster}/status/rolling-update.json`;

export class RollRecorder {
  private record: RollRecord;

  private constructor(
    private readonly store: ObjectStore,
    private readonly cluster: string,
    previous: RollRecord | undefined,
    now: string,
  ) {
    // A finished roll's record starts over; an unfinished one is continued.
    this.record = previous && !previous.finishedAt ? previous : { startedAt: now, updatedAt: now, groups: {} };
  }

  static async open(store: ObjectStore, cluster: string, now = new Date().toISOString()): Promise<RollRecorder> {
    return new RollRecorder(store, cluster, await readRollRecord(store, cluster), now);
  }

  get current(): RollRecord {
    return this.record;
  }

  /** Whether this roll (or the interrupted run it continues) already replaced the instance. */
  replaced(group: string, id: string): boolean {
    return this.record.groups[group]?.replaced.includes(id) ?? false;
  }

  async starting(group: string, ids: readonly string[]): Promise<void> {
    const g = this.group(group);
    await this.save(group, { replaced: g.replaced, inFlight: [...new Set([...g.inFlight, ...ids])] });
  }

  async done(group: string, ids: readonly string[]): Promise<void> {
    const g = this.group(group);
    await this.save(group, { replaced: [...new Set([...g.replaced, ...ids])], inFlight: g.inFlight.filter((i) => !ids.includes(i)) });
  }

  async finished(): Promise<void> {
    this.record = { ...this.record, finishedAt: new Date().toISOString() };
    await this.write();
  }

  private group(name: string): GroupProgress {
    return this.record.groups[name] ?? { replaced: [], inFlight: [] };
  }

  private async save(group: string, progress: GroupProgress): Promise<void> {
    this.record = { ...this.record, updatedAt: new Date().toISOString(), groups: { ...this.record.groups, [group]: progress } };
    await this.write();
  }

  private async write(): Promise<void> {
    await this.store.put(rollRecordKey(this.cluster), `${JSON.stringify(this.record, null, 2)}\n`);
  }
}

export async function readRollRecord(store: ObjectStore, cluster: string): Promise<RollRecord | undefined> {
  const found = await store.get(rollRecordKey(cluster));
  if (!found) return undefined;
  try {
    return JSON.parse(Buffer.from(found.body).toString('utf8')) as RollRecord;
  } catch {
    return undefined;
  }
}
