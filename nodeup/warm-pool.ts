/**
 * A machine of a group with a warm pool (kops's warmPool, AWS). Auto Scaling launches machines
 * into the pool, lets them prepare and stops them; a scale-up starts one, which boots again. The
 * instance metadata says which it is: `autoscaling/target-lifecycle-state` is `Warmed:Stopped`
 * (or another `Warmed:` state) for a machine going into the pool and `InService` for one going
 * into service. A warming machine only does what does not join the cluster (kops's nodeup
 * likewise: packages and downloads, no kubelet), and nodeup stops there; once started into
 * service, nodeup's service runs it again and it joins. With the group's lifecycle hook, each
 * launch waits in Pending:Wait until nodeup completes the hook, so the pool stops a machine only
 * once it is prepared, and a machine goes into service only once it is configured.
 *
 * What asks AWS (the metadata service, the hook) is warm-pool-aws.ts, loaded only in such a group.
 */

import type { Task } from '../src/engine/task.js';

/** The kinds of node task a warming machine runs: installing, which joins nothing. */
const WARMING_KINDS: ReadonlySet<string> = new Set(['Archive', 'Package']);

/**
 * The tasks of a warming machine: the archives and packages of the full model, which the machine
 * keeps for when it goes into service; a dependency on a task left out is dropped with it.
 */
export function warmingTasks(tasks: readonly Task[]): Task[] {
  const kept = tasks.filter((t) => WARMING_KINDS.has(t.kind));
  const ids = new Set(kept.map((t) => `${t.kind}/${t.name}`));
  return kept.map((t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => ids.has(d)) }));
}
