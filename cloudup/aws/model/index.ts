/** The AWS cloud's model: a completed spec becomes the tasks of an AWS cluster. */

import type { CompletedSpec } from '../../../src/api/index.js';
import { settleSpec } from '../../../src/api/validate-settled.js';
import type { Task } from '../../../src/engine/task.js';
import { idOf } from '../../../src/engine/task.js';
import type { BootOptions } from '../../provider.js';
import { awsSpecRules } from '../spec-rules.js';
import { apiTasks, hostedZoneTask } from './api.js';
import { etcdTasks } from './etcd.js';
import { iamTasks } from './iam.js';
import { irsaTasks } from './irsa.js';
import { instanceGroupTasks, keyPairTask } from './instance-groups.js';
import { networkTasks } from './network.js';
import { securityTasks } from './security.js';

/** Throws a ValidationError for a spec that lacks what validation would have made sure of. */
export function buildAwsTasks(completed: CompletedSpec, boot: BootOptions): Task[] {
  const spec = settleSpec(completed, awsSpecRules);
  const network = networkTasks(spec);
  const security = securityTasks(spec, network.vpc);
  const zone = hostedZoneTask(spec);
  const api = apiTasks(spec, network.vpc, network.subnets, zone);
  const iam = iamTasks(spec, boot, zone ? idOf(zone) : undefined);
  const keyPair = keyPairTask(spec);
  const groups = instanceGroupTasks(spec, boot, { subnets: network.subnets, securityGroups: security.groups, profiles: iam.profiles, targetGroups: api.targetGroups }, keyPair);
  return [...network.tasks, ...security.tasks, ...api.tasks, ...iam.tasks, ...(keyPair ? [keyPair] : []), ...groups, ...etcdTasks(spec), ...irsaTasks(spec, boot)];
}
