/**
 * A warm pool machine's questions to AWS (nodeup/warm-pool.ts says what it does with them):
 * IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT` names another metadata server) and Auto Scaling's
 * CompleteLifecycleAction as the machine's role (`AWS_ENDPOINT_URL_AUTO_SCALING` or
 * `AWS_ENDPOINT_URL` names another endpoint). Loaded only by nodeup in a group with a warm pool,
 * so other machines do not load the Auto Scaling client.
 */

import { AutoScalingClient, CompleteLifecycleActionCommand } from '@aws-sdk/client-auto-scaling';
import { MetadataService } from '@aws-sdk/ec2-metadata-service';
import { groupName } from '../cloudup/aws/model/names.js';
import type { EventSink } from '../src/output/events.js';
import { storeProxyOption } from './http-proxy.js';

type Env = Readonly<Record<string, string | undefined>>;

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
