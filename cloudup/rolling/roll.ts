/**
 * The rolling update: replaces every out-of-date instance, group by group (bastions, control
 * plane, nodes), in batches that keep each group within its maxSurge and maxUnavailable.
 *
 * A batch detaches up to `surge` instances (the group launches their replacements while they
 * keep serving) and terminates up to `unavailable` in place; waits until the group is whole and
 * Ready again; drains and terminates the detached ones; then validates the cluster. Instances
 * are recorded before anything is done to them, and detached ones are found again by their
 * tags, so a roll killed at any point finishes its batch when run again and never replaces an
 * instance twice; its counts include what the killed run replaced. A batch whose new machines do
 * not become Ready stops the roll: no further machine is touched, and the error names each
 * machine and what it last reported. With --cloudonly a new machine must at least be running in
 * the cloud's view before the one it replaces goes.
 */

import { HoistError } from '../../src/errors.js';
import type { ResolvedRollingUpdate } from '../../src/api/index.js';
import type { EventSink } from '../../src/output/events.js';
import { batchSize, rollOrder } from './batches.js';
import type { RollRecorder } from './progress.js';
import type { RollingCloud, RollingGroup, RollingInstance } from './types.js';
import { validateCluster } from './validate.js';
import type { EtcdProblem } from './etcd-health.js';
import { waitEtcdHealthy } from './etcd-health.js';
import type { Pending, WaitClock } from './waiting.js';
import { waitFor } from './waiting.js';

export interface RollOptions {
  readonly settings: (group: string) => ResolvedRollingUpdate;
  /** Which groups to roll (default all). */
  readonly include?: (group: RollingGroup) => boolean;
  /** Replace every instance, out of date or not. */
  readonly force?: boolean;
  /** Replace these instances and nothing else, out of date or not (`delete instance`). */
  readonly only?: ReadonlySet<string>;
  /** Skip draining and validation: replace machines as fast as the cloud allows. */
  readonly cloudOnly?: boolean;
  readonly validationTimeoutMs: number;
  readonly validateCount: number;
  readonly nodeIntervalMs: number;
  readonly controlPlaneIntervalMs: number;
  /** Pause between bastion batches (kops's --bastion-interval); default nodeIntervalMs. */
  readonly bastionIntervalMs?: number;
  readonly drainTimeoutMs: number;
  /** Pause after machines are drained, before they are terminated (kops's --post-drain-delay). */
  readonly postDrainDelayMs?: number;
  /** false: a machine that does not finish draining in time is terminated anyway, with a warning (default true: the roll stops). */
  readonly failOnDrainError?: boolean;
  readonly failOnValidateError: boolean;
  readonly recorder: RollRecorder;
  /** Leave the record open at the end: a caller that rolls in phases (reconcile) closes it after the last. */
  readonly leaveRecordOpen?: boolean;
  readonly events: EventSink;
  /**
   * Runs before each step that changes the cloud: each batch, and the termination of the
   * machines a batch detached (which comes after a long wait). The CLI checks there that it
   * still holds the cluster's lock; what it throws stops the roll.
   */
  readonly beforeChange?: () => Promise<void>;
  /**
   * Asked before each batch (kops's --interactive): false stops the roll there, with what was
   * replaced so far kept; a later run continues.
   */
  readonly confirm?: (group: string, batch: readonly string[]) => Promise<boolean>;
  readonly pollMs?: number;
  /** etcd's health: checked before each control-plane batch and after it (see etcd-health.ts). */
  readonly etcdProblem?: EtcdProblem;
  /** How often a wait says what it still waits for (10 s by default). */
  readonly reportEveryMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RollResult {
  readonly replaced: Readonly<Record<string, readonly string[]>>;
}

const alive = (i: RollingInstance) => i.state !== 'terminated' && i.state !== 'stopping';

/** `i-0abc (pending; booting; last error: …)`: a machine and what it last reported. */
const describe = (i: RollingInstance) => `${i.id} (${[i.state, i.phase, i.lastError && `last error: ${i.lastError}`].filter(Boolean).join('; ')})`;

export async function rollingUpdate(cloud: RollingCloud, opts: RollOptions): Promise<RollResult> {
  const now = opts.now ?? Date.now;
  let lastSaid = now();
  const events: EventSink = (e) => {
    lastSaid = now();
    opts.events(e);
  };
  const clock: WaitClock = {
    now,
    sleep: opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms))),
    pollMs: opts.pollMs ?? cloud.pollMs,
    // 10 s, so that a slow look at the cloud still leaves no silence of 15 s.
    reportEveryMs: opts.reportEveryMs ?? 10_000,
    events,
    lastSaid: () => lastSaid,
  };
  const guard = opts.beforeChange ?? (() => Promise.resolve());
  const say = (message: string, data: Record<string, unknown> = {}, code = 'roll.progress') => events({ level: 'info', code, message, data });
  const groups = rollOrder((await cloud.groups()).filter((g) => opts.include?.(g) ?? true));
  // Forced rolls replace the instances that exist now, not the ones they create.
  const forced: Set<string> = new Set(opts.only ?? (opts.force ? groups.flatMap((g) => g.instances.filter((i) => !i.detached && alive(i)).map((i) => i.id)) : []));
  // An APIServer machine's API server names the etcd members it found at boot: once this roll
  // (or the killed run it continues) has replaced a control-plane machine, they are stale.
  const controlPlaneReplaced = (): boolean =>
    groups.some((g) => g.role === 'ControlPlane' && ((replaced[g.name]?.length ?? 0) > 0 || (opts.recorder.current.groups[g.name]?.replaced.length ?? 0) > 0));
  const replaced: Record<string, string[]> = {};
  // A surged machine must serve before the one it replaces goes; without validation (--cloudonly)
  // it must at least run, not merely have been launched.
  const up = (i: RollingInstance) => (opts.cloudOnly ? i.cloudReady && i.state === 'running' : i.ready);
  const upWord = opts.cloudOnly ? 'running' : 'Ready';

  const current = async (name: string): Promise<RollingGroup> => {
    const g = (await cloud.groups()).find((x) => x.name === name);
    if (!g) throw new HoistError('NOT_FOUND', `instance group ${name} disappeared during the rolling update`);
    return g;
  };
  // Only machines that were there when the roll reached their group are replaced: a machine the
  // roll launched that is still out of date means the group launches an old configuration, which
  // another round would not fix (see stillOutdated).
  const outdated = (g: RollingGroup, initial: ReadonlySet<string>) =>
    g.instances.filter((i) => initial.has(i.id) && !i.detached && alive(i) && ((opts.only === undefined && i.needsUpdate) || forced.has(i.id)) && !opts.recorder.replaced(g.name, i.id));
  const stillOutdated = (g: RollingGroup, initial: ReadonlySet<string>): void => {
    // Replacing chosen machines says nothing about the configuration the group launches.
    if (opts.only !== undefined) return;
    const stale = g.instances.filter((i) => !initial.has(i.id) && !i.detached && alive(i) && i.needsUpdate);
    if (stale.length === 0) return;
    throw new HoistError('ABORTED', `instance group ${g.name} launched ${stale.map((i) => `${i.id} (${i.updateReason ?? 'out of date'})`).join(', ')} during the rolling update, and they are out of date too: the group does not launch the current configuration`, {
      hint: 'run hoist update cluster --yes so that the group launches the current configuration, then the rolling update again',
    });
  };

  /** Waits until the group has its target number of up instances, none of them `leaving`. */
  const waitWhole = async (name: string, leaving: ReadonlySet<string>): Promise<void> => {
    const pending = await waitFor(clock, {
      what: `${name} to have its instances ${upWord}`,
      timeoutMs: opts.validationTimeoutMs,
      look: async (): Promise<Pending | undefined> => {
        const g = await current(name);
        const members = g.instances.filter((i) => !i.detached && alive(i) && !leaving.has(i.id));
        const notUp = members.filter((i) => !up(i));
        if (members.length >= g.desired && notUp.length === 0) return undefined;
        const short = members.length < g.desired ? `the group has ${members.length} of ${g.desired} instances` : '';
        return {
          message: [short, ...notUp.map(describe)].filter(Boolean).join('; '),
          data: { group: name, instances: members.length, desired: g.desired, notUp: notUp.map((i) => ({ id: i.id, state: i.state, phase: i.phase, lastError: i.lastError })) },
        };
      },
    });
    if (pending === undefined) return;
    throw new HoistError('ABORTED', `instance group ${name} did not ${opts.cloudOnly ? 'have its instances running' : 'become Ready'} within ${Math.round(opts.validationTimeoutMs / 1000)} s: ${pending.message}; no further machines were touched`, {
      hint: 'see hoist get instances for what each machine reported; fix the cause, then run the rolling update again to continue',
    });
  };

  const drainAll = async (ids: readonly string[]): Promise<void> => {
    if (opts.cloudOnly || ids.length === 0) return;
    await Promise.all(ids.map((id) => cloud.drain(id)));
    const pending = await waitFor(clock, {
      what: `${ids.join(', ')} to drain`,
      timeoutMs: opts.drainTimeoutMs,
      look: async () => {
        const left = (await Promise.all(ids.map(async (id) => ((await cloud.drained(id)) ? undefined : id)))).filter((x) => x !== undefined);
        return left.length === 0 ? undefined : { message: `${left.join(', ')} not drained yet`, data: { draining: left } };
      },
    });
    const aborting = pending !== undefined && opts.failOnDrainError !== false;
    // The delay lets what the drain moved settle before the machine goes: nothing to wait for on an abort.
    if (!aborting && (opts.postDrainDelayMs ?? 0) > 0) await clock.sleep(opts.postDrainDelayMs ?? 0);
    if (pending !== undefined && opts.failOnDrainError === false) {
      const left = pending.data?.['draining'] as string[];
      opts.events({ level: 'warn', code: 'roll.drain-failed', message: `${left.join(', ')} did not finish draining within ${Math.round(opts.drainTimeoutMs / 1000)} s: terminating anyway (--no-fail-on-drain-error)`, data: { draining: left } });
    } else if (pending !== undefined) {
      throw new HoistError('ABORTED', `${(pending.data?.['draining'] as string[]).join(', ')} did not finish draining within ${Math.round(opts.drainTimeoutMs / 1000)} s`, { hint: 'raise --drain-timeout, or skip draining with --cloudonly' });
    }
  };

  const validate = async (): Promise<void> => {
    if (opts.cloudOnly) return;
    for (let n = 0; n < opts.validateCount; n++) {
      const pending = await waitFor(clock, {
        what: 'the cluster to validate',
        timeoutMs: opts.validationTimeoutMs,
        look: async () => {
          const result = await validateCluster(cloud);
          return result.valid ? undefined : { message: result.failures.map((f) => `${f.name} ${f.message}`).join('; '), data: { failures: result.failures } };
        },
      });
      if (pending !== undefined) {
        if (opts.failOnValidateError) throw new HoistError('ABORTED', `the cluster did not validate: ${pending.message}`, { hint: 'hoist validate cluster shows each failure' });
        events({ level: 'warn', code: 'roll.validation-failed', message: `the cluster did not validate, continuing: ${pending.message}` });
      }
      if (n + 1 < opts.validateCount) await clock.sleep(clock.pollMs);
    }
  };

  const finishDetached = async (name: string, ids: readonly string[]): Promise<void> => {
    say(`${name}: waiting for the new instance(s) to be ${upWord}`, { group: name, leaving: ids }, 'roll.waiting');
    await waitWhole(name, new Set(ids));
    await guard();
    await drainAll(ids);
    await Promise.all(ids.map((id) => cloud.terminate(name, id)));
  };

  for (const group of groups) {
    const name = group.name;
    const settings = batchSize(group, opts.settings(name), cloud.supportsSurge);
    replaced[name] = [];
    const start = await current(name);
    const initial = new Set(start.instances.map((i) => i.id));
    // A warm pool's machines would come into service with the old configuration: as kops, they
    // go first, without drain or surge (they never joined), and the pool launches new ones.
    const warm = opts.only === undefined ? (start.warmPool ?? []).filter((w) => w.needsUpdate || opts.force === true).map((w) => w.id) : [];
    if (warm.length > 0) {
      await guard();
      say(`${name}: terminating ${warm.join(', ')} of its warm pool, out of date`, { group: name, instances: warm }, 'roll.warm-pool');
      for (const id of warm) await cloud.terminate(name, id);
    }
    if (group.role === 'APIServer' && opts.only === undefined && controlPlaneReplaced()) {
      const stale = start.instances.filter((i) => !i.detached && alive(i) && !forced.has(i.id) && !opts.recorder.replaced(name, i.id)).map((i) => i.id);
      for (const id of stale) forced.add(id);
      if (stale.length > 0) say(`${name}: replacing ${stale.join(', ')} too, as the control plane's etcd members they were given at boot were replaced`, { group: name, instances: stale });
    }
    // A roll that was killed mid-batch left its detached instances running: finish that batch.
    const leftover = start.instances.filter((i) => i.detached && alive(i)).map((i) => i.id);
    // The counts cover the whole roll, the killed run's replacements included.
    const earlier = (opts.recorder.current.groups[name]?.replaced ?? []).filter((id) => !leftover.includes(id)).length;
    const total = earlier + leftover.length + outdated(start, initial).length;
    const done = () => earlier + replaced[name]!.length;
    if (leftover.length > 0) {
      say(`${name}: continuing an interrupted batch (${leftover.join(', ')})`, { group: name, instances: leftover });
      await guard();
      await finishDetached(name, leftover);
      await opts.recorder.done(name, leftover);
      replaced[name]!.push(...leftover);
      say(`${name}: ${done()} of ${total} replaced`, { group: name, done: done(), total }, 'roll.replaced');
    }
    const remaining = outdated(await current(name), initial).length;
    if (remaining === 0) continue;
    const already = done() > 0 ? `; ${done()} of ${total} already replaced` : '';
    say(`${name}: ${remaining} instance(s) to replace, ${settings.surge} surged and ${settings.unavailable} unavailable at a time${already}`, { group: name, total, remaining, done: done(), ...settings });
    for (let todo = outdated(await current(name), initial); todo.length > 0; todo = outdated(await current(name), initial)) {
      // Machines that do not serve anyway go first.
      const ordered = [...todo].sort((a, b) => Number(a.ready) - Number(b.ready));
      const detach = ordered.slice(0, settings.surge).map((i) => i.id);
      const terminate = ordered.slice(detach.length, detach.length + settings.unavailable).map((i) => i.id);
      const batch = [...detach, ...terminate];
      const etcd = group.role === 'ControlPlane' ? opts.etcdProblem : undefined;
      if (etcd) await waitEtcdHealthy(clock, etcd, opts.validationTimeoutMs, `before ${batch.join(', ')} goes`);
      if (opts.confirm !== undefined && !(await opts.confirm(name, batch))) {
        throw new HoistError('ABORTED', `rolling update stopped before ${batch.join(', ')} of ${name}, as answered; ${done()} of ${total} of the group replaced`, { hint: 'run it again to continue' });
      }
      await guard();
      await opts.recorder.starting(name, batch);
      say(`${name}: replacing ${batch.join(', ')} (${done()} of ${total} done)`, { group: name, instances: batch, done: done(), total }, 'roll.batch');
      for (const id of detach) await cloud.detach(name, id);
      await drainAll(terminate);
      await Promise.all(terminate.map((id) => cloud.terminate(name, id)));
      await finishDetached(name, detach);
      // The replacement is Ready once its own member serves; the whole etcd cluster must be healthy again.
      if (etcd) await waitEtcdHealthy(clock, etcd, opts.validationTimeoutMs, `after ${batch.join(', ')} was replaced`);
      await opts.recorder.done(name, batch);
      replaced[name]!.push(...batch);
      say(`${name}: ${done()} of ${total} replaced`, { group: name, done: done(), total }, 'roll.replaced');
      await validate();
      // An APIServer machine serves the control plane's API: it waits as a control-plane machine does.
      const interval = group.role === 'ControlPlane' || group.role === 'APIServer' ? opts.controlPlaneIntervalMs : group.role === 'Bastion' ? (opts.bastionIntervalMs ?? opts.nodeIntervalMs) : opts.nodeIntervalMs;
      if (interval > 0) await clock.sleep(interval);
    }
    stillOutdated(await current(name), initial);
  }
  if (!opts.leaveRecordOpen) await opts.recorder.finished();
  return { replaced };
}
