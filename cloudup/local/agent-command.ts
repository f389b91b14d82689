/**
 * The one place that says which program an instance runs: `dist/agent.js` beside the hoist
 * executable (the agent alone, without the CLI), or `hoist local-cloud agent` where there is
 * no such file. Either way the command line holds `local-cloud agent --instance <id>`, which
 * is how a restarted daemon recognises its instances' processes.
 */

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hoistExecutable } from './self.js';
import type { Env } from './files.js';

export interface AgentCommand {
  readonly command: string;
  readonly args: readonly string[];
}

export function agentCommand(instanceId: string, env: Env): AgentCommand {
  const hoist = hoistExecutable(env);
  const agent = join(dirname(hoist), 'agent.js');
  return { command: process.execPath, args: [existsSync(agent) ? agent : hoist, 'local-cloud', 'agent', '--instance', instanceId] };
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
