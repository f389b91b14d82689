/**
 * The one place that says which program an instance runs. Today that is the minimal agent
 * (`hoist local-cloud agent`); the node agent (nodeup) takes its place by changing this file.
 */

import { hoistExecutable } from '../../src/cli/self.js';
import type { Env } from './files.js';

export interface AgentCommand {
  readonly command: string;
  readonly args: readonly string[];
}

/** `--instance` only names the instance on the process list; the agent reads its environment. */
export function agentCommand(instanceId: string, env: Env): AgentCommand {
  return { command: process.execPath, args: [hoistExecutable(env), 'local-cloud', 'agent', '--instance', instanceId] };
}

/** The environment an instance's agent gets on top of the daemon's own. */
export interface AgentEnvironment {
  readonly HOIST_INSTANCE_ID: string;
  readonly HOIST_INSTANCE_ADDRESS: string;
  readonly HOIST_INSTANCE_ROOT: string;
  /** Path of the file holding the template version's userData. */
  readonly HOIST_INSTANCE_USER_DATA: string;
  readonly HOIST_LOCAL_CLOUD_ENDPOINT: string;
}
