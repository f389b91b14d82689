/**
 * `dist/agent.js`: the program a local cloud instance runs. It is its own small entry point,
 * not the CLI, so that booting a machine loads only the agent and nodeup: every instance of a
 * rolling update pays its start-up on the host's CPU. The daemon starts it as
 * `agent.js local-cloud agent --instance <id>`; the arguments only mark it on the process list.
 */

import { runAgentProcess } from './agent-process.js';

// The agent's work ends when it returns: whatever it abandoned (nodeup stopped mid-run) ends too.
process.exit(await runAgentProcess(process.env, (text) => void process.stdout.write(text)));
