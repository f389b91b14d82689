/**
 * The rolling update: replaces every out-of-date instance, group by group (bastions, control
 * plane, nodes), in batches that keep each group within its maxSurge and maxUnavailable.
 *
 * A batch detaches up to `surge` instances (the group launches their replacements while they
 * keep serving) and terminates up to `unavailable` in place; waits until the group is whole and
 * Ready again; drains and terminates the detached ones; then validates the cluster. Instances
 * are recorded before anything is done to them, and detached ones are found again by their
 * tags, so a roll killed at any point finishes its batch when run again and never replaces an
 * instance twice. A batch whose new machines do not become Ready stops the roll: no further
 * machine is touched, and the error names each machine and what it last reported.
 */

import { HoistError } from '../../src/errors.js';
import type { ResolvedRollingUpdate } from '../../src/api/index.js';
import type { EventSink } from '../../src/output/events.js';
import { batchSize, rollOrder } from './batches.js';
import type { RollRecorder } from './progress.js';
import type { RollingCloud, RollingGroup, RollingInstance } from './types.js';
import { validateCluster } from './validate.js';

export interface RollOptions {
  readonly settings: (group: string) => ResolvedRollingUpdate;
  /** Which groups to roll (default all). */
  readonly include?: (group: RollingGroup) => boolean;
  /** Replace every instance, out of date or not. */
  readonly force?: boolean;
  /** Skip draining and validation: replace machines as fast as the cloud allows. */
  readonly cloudOnly?: boolean;
  readonly validationTimeoutMs: number;
  readonly validateCount: number;
  readonly nodeIntervalMs: number;
  readonly controlPlaneIntervalMs: number;
  readonly drainTimeoutMs: number;
  readonly failOnValidateError: boolean;
  readonly recorder: RollRecorder;
  readonly events: EventSink;
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface RollResult {
  readonly replaced: Readonly<Record<string, readonly string[]>>;
}

const alive = (i: RollingInstance) => i.state !== 'terminated' && i.state !== 'stopping';

export async function rollingUpdate(cloud: RollingCloud, opts: RollOptions): Promise<RollResult> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const poll = opts.pollMs ?? cloud.pollMs;
  const say = (message: string, data: Record<string, unknown> = {}, code = 'roll.progress') => opts.events({ level: 'info', code, message, data });
  const groups = rollOrder((await cloud.groups()).filter((g) => opts.include?.(g) ?? true));
  // Forced rolls replace the instances that exist now, not the ones they create.
  const forced = new Set(opts.force ? groups.flatMap((g) => g.instances.filter((i) => !i.detached && alive(i)).map((i) => i.id)) : []);
  const replaced: Record<string, string[]> = {};

  const current = async (name: string): Promise<RollingGroup> => {
    const g = (await cloud.groups()).find((x) => x.name === name);
    if (!g) throw new HoistError('NOT_FOUND', `instance group ${name} disappeared during the rolling update`);
    return g;
  };
  // Only machines that were there when the roll reached their group are replaced: a machine the
  // roll launched that is still out of date means the group launches an old configuration, which
  // another round would not fix (see stillOutdated).
  const outdated = (g: RollingGroup, initial: ReadonlySet<string>) =>
    g.instances.filter((i) => initial.has(i.id) && !i.detached && alive(i) && (i.needsUpdate || forced.has(i.id)) && !opts.recorder.replaced(g.name, i.id));
  const stillOutdated = (g: RollingGroup, initial: ReadonlySet<string>): void => {
    const stale = g.instances.filter((i) => !initial.has(i.id) && !i.detached && alive(i) && i.needsUpdate);
    if (stale.length === 0) return;
    throw new HoistError('ABORTED', `instance group ${g.name} launched ${stale.map((i) => `${i.id} (${i.updateReason ?? 'out of date'})`).join(', ')} during the rolling update, and they are out of date too: the group does not launch the current configuration`, {
      hint: 'run hoist update cluster --yes so that the group launches the current configuration, then the rolling update again',
    });
  };

  /** Waits until the group has its target number of Ready instances, none of them `leaving`. */
  const waitWhole = async (name: string, leaving: ReadonlySet<string>): Promise<void> => {
    const deadline = Date.now() + opts.validationTimeoutMs;
    for (;;) {
      const g = await current(name);
      const members = g.instances.filter((i) => !i.detached && alive(i) && !leaving.has(i.id));
      const notReady = members.filter((i) => !(opts.cloudOnly ? i.cloudReady : i.ready));
      if (members.length >= g.desired && notReady.length === 0) return;
      if (Date.now() > deadline) {
        const named = notReady.map((i) => `${i.id} (${[i.state, i.phase, i.lastError && `last error: ${i.lastError}`].filter(Boolean).join('; ')})`);
        const short = members.length < g.desired ? `; the group has ${members.length} of ${g.desired} instances` : '';
        throw new HoistError('ABORTED', `instance group ${name} did not become Ready within ${Math.round(opts.validationTimeoutMs / 1000)} s${short}${named.length ? `: ${named.join(', ')}` : ''}; no further machines were touched`, {
          hint: 'see hoist get instances for what each machine reported; fix the cause, then run the rolling update again to continue',
        });
      }
      await sleep(poll);
    }
  };

  const drainAll = async (ids: readonly string[]): Promise<void> => {
    if (opts.cloudOnly || ids.length === 0) return;
    await Promise.all(ids.map((id) => cloud.drain(id)));
    const deadline = Date.now() + opts.drainTimeoutMs;
    for (;;) {
      const pending = (await Promise.all(ids.map(async (id) => ((await cloud.drained(id)) ? undefined : id)))).filter((x) => x !== undefined);
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        throw new HoistError('ABORTED', `${pending.join(', ')} did not finish draining within ${Math.round(opts.drainTimeoutMs / 1000)} s`, { hint: 'raise --drain-timeout, or skip draining with --cloudonly' });
      }
      await sleep(poll);
    }
  };

  const validate = async (): Promise<void> => {
    if (opts.cloudOnly) return;
    for (let n = 0; n < opts.validateCount; n++) {
      const deadline = Date.now() + opts.validationTimeoutMs;
      for (;;) {
        const result = await validateCluster(cloud);
        if (result.valid) break;
        if (Date.now() > deadline) {
          const why = result.failures.map((f) => `${f.name} ${f.message}`).join('; ');
          if (opts.failOnValidateError) throw new HoistError('ABORTED', `the cluster did not validate: ${why}`, { hint: 'hoist validate cluster shows each failure' });
          opts.events({ level: 'warn', code: 'roll.validation-failed', message: `the cluster did not validate, continuing: ${why}` });
          break;
        }
        await sleep(poll);
      }
      if (n + 1 < opts.validateCount) await sleep(poll);
    }
  };

  const finishDetached = async (name: string, ids: readonly string[]): Promise<void> => {
    say(`${name}: waiting for the new instance(s) to be Ready`, { group: name, leaving: ids }, 'roll.waiting');
    await waitWhole(name, new Set(ids));
    await drainAll(ids);
    await Promise.all(ids.map((id) => cloud.terminate(name, id)));
  };

  for (const group of groups) {
    const name = group.name;
    const settings = batchSize(group, opts.settings(name), cloud.supportsSurge);
    replaced[name] = [];
    // A roll that was killed mid-batch left its detached instances running: finish that batch.
    const leftover = (await current(name)).instances.filter((i) => i.detached && alive(i)).map((i) => i.id);
    if (leftover.length > 0) {
      say(`${name}: continuing an interrupted batch (${leftover.join(', ')})`, { group: name, instances: leftover });
      await finishDetached(name, leftover);
      await opts.recorder.done(name, leftover);
      replaced[name]!.push(...leftover);
    }
    const start = await current(name);
    const initial = new Set(start.instances.map((i) => i.id));
    const total = outdated(start, initial).length;
    if (total === 0) continue;
    say(`${name}: ${total} instance(s) to replace, ${settings.surge} surged and ${settings.unavailable} unavailable at a time`, { group: name, total, ...settings });
    for (let todo = outdated(await current(name), initial); todo.length > 0; todo = outdated(await current(name), initial)) {
      // Machines that do not serve anyway go first.
      const ordered = [...todo].sort((a, b) => Number(a.ready) - Number(b.ready));
      const detach = ordered.slice(0, settings.surge).map((i) => i.id);
      const terminate = ordered.slice(detach.length, detach.length + settings.unavailable).map((i) => i.id);
      const batch = [...detach, ...terminate];
      await opts.recorder.starting(name, batch);
      say(`${name}: replacing ${batch.join(', ')} (${replaced[name]!.length} of ${total} done)`, { group: name, instances: batch, done: replaced[name]!.length, total }, 'roll.batch');
      for (const id of detach) await cloud.detach(name, id);
      await drainAll(terminate);
      await Promise.all(terminate.map((id) => cloud.terminate(name, id)));
      await finishDetached(name, detach);
      await opts.recorder.done(name, batch);
      replaced[name]!.push(...batch);
      say(`${name}: ${replaced[name]!.length} of ${total} replaced`, { group: name, done: replaced[name]!.length, total }, 'roll.replaced');
      await validate();
      const interval = group.role === 'ControlPlane' ? opts.controlPlaneIntervalMs : opts.nodeIntervalMs;
      if (interval > 0) await sleep(interval);
    }
    stillOutdated(await current(name), initial);
  }
  await opts.recorder.finished();
  return { replaced };
}
