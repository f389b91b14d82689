/**
 * How a machine runs services. On a real host that is systemd (unit files in
 * /etc/systemd/system and `systemctl`); on a local cloud instance it is the instance agent's
 * supervisor, which runs each unit's ExecStart as a child process; under `--root` with neither,
 * the wanted state is only recorded, so that a test or a dry run sees what would run.
 */

import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { STATE_DIR, hostPath } from '../context.js';

const run = promisify(execFile);

export interface ServiceState {
  readonly enabled: boolean;
  readonly running: boolean;
}

export interface ServiceManager {
  readonly kind: 'systemd' | 'supervisor' | 'recorded';
  state(name: string): Promise<ServiceState>;
  /** Unit files changed (systemd: daemon-reload). */
  reload(): Promise<void>;
  enable(name: string): Promise<void>;
  /** Starts the unit unless it runs; `restart` stops it first. `unit` is the unit file's text. */
  start(name: string, unit: string): Promise<void>;
  restart(name: string, unit: string): Promise<void>;
}

export function systemd(): ServiceManager {
  const systemctl = async (...args: string[]) => (await run('systemctl', args)).stdout.trim();
  const check = async (...args: string[]) => {
    try {
      await run('systemctl', args);
      return true;
    } catch {
      return false;
    }
  };
  return {
    kind: 'systemd',
    async state(name) {
      const [enabled, running] = await Promise.all([check('is-enabled', '--quiet', name), check('is-active', '--quiet', name)]);
      return { enabled, running };
    },
    async reload() {
      await systemctl('daemon-reload');
    },
    async enable(name) {
      await systemctl('enable', name);
    },
    async start(name) {
      await systemctl('start', name);
    },
    async restart(name) {
      await systemctl('restart', name);
    },
  };
}

/** Records the wanted state in `<root>/var/lib/hoist/nodeup/services/<name>.json`; runs nothing. */
export function recordedServices(root: string): ServiceManager {
  const file = (name: string) => hostPath(root, `${STATE_DIR}/services/${name}.json`);
  const read = async (name: string): Promise<ServiceState> => {
    try {
      return JSON.parse(await readFile(file(name), 'utf8')) as ServiceState;
    } catch {
      return { enabled: false, running: false };
    }
  };
  const write = async (name: string, change: Partial<ServiceState>) => {
    const next = { ...(await read(name)), ...change };
    await mkdir(dirname(file(name)), { recursive: true });
    await writeFile(file(name), `${JSON.stringify(next)}\n`);
  };
  return {
    kind: 'recorded',
    state: read,
    reload: async () => undefined,
    enable: (name) => write(name, { enabled: true }),
    start: (name) => write(name, { running: true }),
    restart: (name) => write(name, { running: true }),
  };
}
