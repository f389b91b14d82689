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
 * IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT` names another metadata server) and Auto Scaling's
 * CompleteLifecycleAction as the machine's role (`AWS_ENDPOINT_URL_AUTO_SCALING` or
 * `AWS_ENDPOINT_URL` names another endpoint).
 */

import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { groupName } from '../cloudup/aws/model/names.js';
import type { Task } from '../src/engine/task.js';
import type { EventSink } from '../src/output/events.js';
import { storeProxyOption } from './http-proxy.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The kinds of node task a warming machine runs: installing, which joins nothing. */
const WARMING_KINDS: ReadonlySet<string> = new Set(['Archive', 'Package']);

function metadata(env: Env): MetadataService {
  const endpoint = env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
  return new MetadataService({ ...(endpoint ? { endpoint } : {}), ec2MetadataV1Disabled: true });
}

/** Whether Auto Scaling is taking this machine into its warm pool. */
export async function isWarming(env: Env): Promise<boolean> {
  const state = (await metadata(env).request('latest/meta-data/autoscaling/target-lifecycle-state', {})).trim();
  return state.startsWith('Warmed:');
}

/**
 * The tasks of a warming machine: the archives and packages of the full model, which the machine
 * keeps for when it goes into service; a dependency on a task left out is dropped with it.
 */
export function warmingTasks(tasks: readonly Task[]): Task[] {
  const kept = tasks.filter((t) => WARMING_KINDS.has(t.kind));
  const ids = new Set(kept.map((t) => `${t.kind}/${t.name}`));
  return kept.map((t) => ({ ...t, dependsOn: t.dependsOn.filter((d) => ids.has(d)) }));
}

/**
 * Completes the group's lifecycle hook for this machine (CONTINUE), as kops's nodeup does after
 * each run. A launch that waits on no hook (the hook was completed already, or taken off) is
 * not an error: Auto Scaling answers ValidationError, which is reported and passed over.
 */
export async function completeLifecycleHook(input: { env: Env; cluster: string; instanceGroup: string; instanceId: string; hook: string; events: EventSink }): Promise<void> {
  const { env } = input;
  const zone = (await metadata(env).request('latest/meta-data/placement/availability-zone', {})).trim();
  const endpoint = env.AWS_ENDPOINT_URL_AUTO_SCALING ?? env.AWS_ENDPOINT_URL;
  const agent = storeProxyOption().agent;
  const client = new AutoScalingClient({
    region: env.AWS_REGION ?? zone.replace(/[a-z]$/, ''),
    ...(endpoint ? { endpoint } : {}),
    ...(agent === undefined ? {} : { requestHandler: { httpAgent: agent, httpsAgent: agent } }),
  });
  const group = groupName(input.instanceGroup, input.cluster);
  try {
    await client.send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: group, LifecycleHookName: input.hook, InstanceId: input.instanceId, LifecycleActionResult: 'CONTINUE' }));
    input.events({ level: 'info', code: 'nodeup.lifecycle-hook', message: `nodeup: completed lifecycle hook ${input.hook} of ${group} for ${input.instanceId}`, data: { group, hook: input.hook, instanceId: input.instanceId } });
  } catch (e) {
    if (!(e instanceof Error) || e.name !== 'ValidationError') throw e;
    input.events({ level: 'info', code: 'nodeup.lifecycle-hook', message: `nodeup: no launch of ${input.instanceId} waits on lifecycle hook ${input.hook} of ${group}: ${e.message}`, data: { group, hook: input.hook, instanceId: input.instanceId } });
  } finally {
    client.destroy();
  }
}
