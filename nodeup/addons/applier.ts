/**
 * The addon applier of the control plane (kops's `channels`): it reads the channel the cluster's
 * `update cluster` publishes, applies each addon whose manifest hash differs from what the
 * cluster's record says was applied, prunes what addons no longer hold, waits (bounded) for
 * each applied addon's workloads, records what it applied in the cluster and reports to the
 * state store. One pass is `pass()`; `start()` runs passes every `pollMs` until stopped.
 *
 * A failed addon is retried with backoff while the others go on, except a system addon the
 * others depend on (SYSTEM_ADDONS): until it applies, the addons after it wait.
 */

import type { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import type { EventSink } from '../../src/output/events.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { applyAddon, describeRefs, prune } from './apply-addon.js';
import type { AddonChannel, AddonEntry, AddonStatus, AddonStatusReport } from './channel.js';
import { AddonChannelSchema, addonChannelKey, addonManifestKey, addonStatusKey } from './channel.js';
import { waitHealthy } from './health.js';
import { AddonKube } from './kube.js';
import { ApplierLease } from './lease.js';
import { parseManifest } from './manifest.js';
import { readRecord, writeRecord } from './record.js';
import type { AppliedAddon } from './record.js';

/** Addons the others depend on: while one of them fails, the addons after it wait. */
export const SYSTEM_ADDONS: ReadonlySet<string> = new Set(['core']);

export interface ApplierOptions {
  readonly cluster: string;
  /** This machine: the Lease's holder and the report's writer. */
  readonly instanceId: string;
  readonly store: ObjectStore;
  readonly kube: KubeConfig;
  readonly events: EventSink;
  /** How often the channel is read (default 5 s); unchanged, a pass costs one store read. */
  readonly pollMs?: number;
  /** How long an applied addon's workloads are waited for (default 2 min); then it is reported unhealthy. */
  readonly healthTimeoutMs?: number;
  readonly healthPollMs?: number;
  /** The first retry of a failed addon (default 5 s), doubling up to 5 minutes. */
  readonly retryBaseMs?: number;
  readonly leaseSeconds?: number;
}

interface Failure {
  readonly sha256: string;
  readonly attempts: number;
  readonly nextAt: number;
}

export interface PassResult {
  /** False when another machine holds the Lease: nothing was done. */
  readonly leader: boolean;
  /** Addons applied (or retried) in this pass. */
  readonly applied: readonly string[];
  readonly pruned: readonly string[];
  readonly report?: AddonStatusReport;
}

const MAX_RETRY_MS = 5 * 60_000;
const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class AddonApplier {
  private readonly kube: AddonKube;
  private readonly lease: ApplierLease;
  private readonly failures = new Map<string, Failure>();
  private readonly statuses = new Map<string, AddonStatus>();
  private channelEtag: string | undefined;
  private reported: string | undefined;
  private stopped = false;
  private lost = false;

  constructor(private readonly opts: ApplierOptions) {
    this.kube = new AddonKube(opts.kube);
    this.lease = new ApplierLease(opts.kube, { identity: opts.instanceId, durationSeconds: opts.leaseSeconds ?? 30 });
  }

  /** One look at the channel and the cluster; applies what changed. */
  async pass(): Promise<PassResult> {
    if (!(await this.lease.acquire())) {
      this.channelEtag = undefined;
      return { leader: false, applied: [], pruned: [] };
    }
    const stored = await this.opts.store.get(addonChannelKey(this.opts.cluster));
    if (stored === undefined) return { leader: true, applied: [], pruned: [] };
    // Unchanged channel, nothing failed or unhealthy: nothing to do (one store read per pass).
    const settled = this.failures.size === 0 && [...this.statuses.values()].every((s) => s.healthy || s.phase === 'Pruned');
    if (stored.etag === this.channelEtag && settled) return { leader: true, applied: [], pruned: [] };
    const channel = this.parseChannel(Buffer.from(stored.body).toString('utf8'));
    // A pass may outlast the Lease (health waits): renewed meanwhile; once lost, the pass stops.
    this.lost = false;
    const seconds = this.opts.leaseSeconds ?? 30;
    const renew = setInterval(() => {
      this.lease.acquire().then(
        (held) => void (this.lost ||= !held),
        () => undefined,
      );
    }, (seconds * 1000) / 3);
    try {
      return await this.applyChannel(channel, stored.etag);
    } finally {
      clearInterval(renew);
    }
  }

  private async applyChannel(channel: AddonChannel, etag: string): Promise<PassResult> {
    const record = await readRecord(this.kube);
    const applied: string[] = [];
    const waiting: AddonEntry[] = [];
    let blockedBy: string | undefined;
    for (const entry of channel.addons) {
      if (this.halted()) break;
      const done = record.get(entry.name);
      if (done?.sha256 === entry.sha256) {
        await this.recheck(entry, done);
        continue;
      }
      if (blockedBy !== undefined) {
        this.status(entry, 'Applying', false);
        continue;
      }
      const failure = this.failures.get(entry.name);
      if (failure !== undefined && failure.sha256 === entry.sha256 && Date.now() < failure.nextAt) {
        if (SYSTEM_ADDONS.has(entry.name)) blockedBy = entry.name;
        continue;
      }
      applied.push(entry.name);
      const ok = await this.applyOne(entry, done, record, channel);
      if (ok) waiting.push(entry);
      if (!ok && SYSTEM_ADDONS.has(entry.name)) blockedBy = entry.name;
    }
    if (blockedBy !== undefined) this.opts.events({ level: 'warn', code: 'addons.blocked', message: `addons after ${blockedBy} wait until it applies: the others depend on it` });
    await this.awaitHealth(waiting, channel, etag);
    if (this.lost) {
      this.opts.events({ level: 'warn', code: 'addons.lease-lost', message: 'another control-plane machine took the addon applier\'s Lease: this pass stopped' });
      return { leader: false, applied, pruned: [] };
    }
    const pruned = await this.pruneRemoved(channel, record);
    this.channelEtag = etag;
    const report = await this.writeReport(channel);
    return { leader: true, applied, pruned, report };
  }

  /** Runs passes until `stop()`; a pass that fails is reported and the next one runs as usual. */
  start(): { stop(): Promise<void> } {
    let wake: () => void = () => undefined;
    const loop = (async () => {
      while (!this.stopped) {
        await this.pass().catch((e: unknown) => this.opts.events({ level: 'error', code: 'addons.pass-failed', message: `addon applier: ${message(e)}` }));
        if (this.stopped) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.opts.pollMs ?? 5_000);
          wake = () => (clearTimeout(timer), resolve());
        });
      }
      await this.lease.release();
    })();
    return {
      stop: async () => {
        this.stopped = true;
        wake();
        await loop;
      },
    };
  }

  private halted(): boolean {
    return this.stopped || this.lost;
  }

  private parseChannel(text: string): AddonChannel {
    const parsed = AddonChannelSchema.safeParse(parseYaml(text));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(`${addonChannelKey(this.opts.cluster)}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'not an AddonChannel'}`);
    }
    return parsed.data;
  }

  private async applyOne(entry: AddonEntry, done: AppliedAddon | undefined, record: Map<string, AppliedAddon>, channel: AddonChannel): Promise<boolean> {
    const e = this.opts.events;
    const from = done === undefined ? '' : ` (was ${done.version})`;
    this.status(entry, 'Applying', false);
    e({ level: 'info', code: 'addons.applying', message: `applying addon ${entry.name} ${entry.version}${from}`, data: { addon: entry.name, version: entry.version, sha256: entry.sha256 } });
    try {
      const body = await this.opts.store.get(addonManifestKey(this.opts.cluster, entry.name, entry.sha256));
      if (body === undefined) throw new Error(`manifest ${addonManifestKey(this.opts.cluster, entry.name, entry.sha256)} is missing from the state store`);
      const result = await applyAddon(this.kube, entry.name, parseManifest(entry, body.body), done?.objects ?? []);
      if (result.errors.length > 0) throw new Error(result.errors.join('; '));
      const appliedAt = new Date().toISOString();
      record.set(entry.name, { version: entry.version, sha256: entry.sha256, appliedAt, objects: [...result.applied] });
      await writeRecord(this.kube, record);
      this.failures.delete(entry.name);
      if (result.pruned.length > 0) e({ level: 'info', code: 'addons.pruned-objects', message: `addon ${entry.name}: pruned ${describeRefs(result.pruned)}` });
      // Reported at once: get addons shows it while its workloads come up (awaitHealth).
      this.status(entry, 'Applied', entry.health.length === 0, undefined, appliedAt);
      await this.writeReport(channel);
      e({ level: 'info', code: 'addons.applied', message: `applied addon ${entry.name} ${entry.version}`, data: { addon: entry.name } });
      return true;
    } catch (err) {
      const attempts = (this.failures.get(entry.name)?.attempts ?? 0) + 1;
      const delay = Math.min(MAX_RETRY_MS, (this.opts.retryBaseMs ?? 5_000) * 2 ** (attempts - 1));
      this.failures.set(entry.name, { sha256: entry.sha256, attempts, nextAt: Date.now() + delay });
      this.status(entry, 'Failed', false, message(err));
      e({ level: 'error', code: 'addons.failed', message: `addon ${entry.name} ${entry.version} failed (attempt ${attempts}; retrying in ${Math.round(delay / 1000)} s): ${message(err)}`, data: { addon: entry.name } });
      return false;
    }
  }

  /**
   * Waits (up to healthTimeoutMs for them all) for the workloads of the addons this pass
   * applied, reporting each as it becomes healthy; one still unhealthy is looked at again on
   * later passes (recheck).
   */
  private async awaitHealth(entries: readonly AddonEntry[], channel: AddonChannel, etag: string): Promise<void> {
    const deadline = Date.now() + (this.opts.healthTimeoutMs ?? 120_000);
    let pending = entries.filter((x) => x.health.length > 0);
    for (;;) {
      const still: { entry: AddonEntry; why: string[] }[] = [];
      for (const entry of pending) {
        const why = await waitHealthy(this.kube, entry.health, 0, 0, () => this.halted());
        const current = this.statuses.get(entry.name);
        if (why.length > 0) still.push({ entry, why });
        else if (current !== undefined) {
          this.statuses.set(entry.name, { ...current, healthy: true });
          this.opts.events({ level: 'info', code: 'addons.healthy', message: `addon ${entry.name} ${entry.version} is healthy`, data: { addon: entry.name } });
        }
      }
      pending = still.map((x) => x.entry);
      // A newer channel ends the wait: the next pass applies it at once, not after this one's deadline.
      const superseded = pending.length > 0 && (await this.opts.store.get(addonChannelKey(this.opts.cluster)))?.etag !== etag;
      if (pending.length === 0 || Date.now() >= deadline || this.halted() || superseded) {
        for (const { entry, why } of still) this.opts.events({ level: 'warn', code: 'addons.unhealthy', message: `addon ${entry.name} ${entry.version} is not healthy yet: ${why.join('; ')}`, data: { addon: entry.name } });
        return;
      }
      await this.writeReport(channel);
      await new Promise((r) => setTimeout(r, this.opts.healthPollMs ?? 2_000));
    }
  }

  /** An addon applied before: one look at its health, no wait. */
  private async recheck(entry: AddonEntry, done: AppliedAddon): Promise<void> {
    this.failures.delete(entry.name);
    const previous = this.statuses.get(entry.name);
    if (previous?.healthy === true && previous.sha256 === entry.sha256 && previous.phase === 'Applied') return;
    const why = await waitHealthy(this.kube, entry.health, 0, 0, () => this.halted());
    this.status(entry, 'Applied', why.length === 0, undefined, done.appliedAt);
  }

  /** Addons the record has and the channel no longer names: every object of theirs goes. */
  private async pruneRemoved(channel: AddonChannel, record: Map<string, AppliedAddon>): Promise<string[]> {
    const wanted = new Set(channel.addons.map((a) => a.name));
    const removed = [...record.keys()].filter((name) => !wanted.has(name));
    for (const name of removed) {
      const done = record.get(name);
      if (done === undefined) continue;
      const gone = await prune(this.kube, name, [], done.objects);
      record.delete(name);
      await writeRecord(this.kube, record);
      this.statuses.set(name, { name, version: done.version, sha256: done.sha256, phase: 'Pruned', healthy: true, appliedAt: new Date().toISOString() });
      this.opts.events({ level: 'info', code: 'addons.pruned', message: `addon ${name} left the channel: pruned ${gone.length === 0 ? 'nothing' : describeRefs(gone)}`, data: { addon: name } });
    }
    return removed;
  }

  private status(entry: AddonEntry, phase: AddonStatus['phase'], healthy: boolean, error?: string, appliedAt?: string): void {
    this.statuses.set(entry.name, {
      name: entry.name,
      version: entry.version,
      sha256: entry.sha256,
      phase,
      healthy,
      ...(appliedAt === undefined ? {} : { appliedAt }),
      ...(error === undefined ? {} : { error }),
    });
  }

  /** The report: the channel's addons in order, then those pruned; written only when it changed. */
  private async writeReport(channel: AddonChannel): Promise<AddonStatusReport> {
    const names = [...channel.addons.map((a) => a.name), ...[...this.statuses.values()].filter((s) => s.phase === 'Pruned').map((s) => s.name)];
    const addons = [...new Set(names)].map((n) => this.statuses.get(n)).filter((s) => s !== undefined);
    const report: AddonStatusReport = { cluster: this.opts.cluster, instanceId: this.opts.instanceId, updatedAt: new Date().toISOString(), addons };
    const content = JSON.stringify(addons);
    if (content !== this.reported) {
      await this.opts.store.put(addonStatusKey(this.opts.cluster), `${JSON.stringify(report, null, 2)}\n`);
      this.reported = content;
    }
    return report;
  }
}
