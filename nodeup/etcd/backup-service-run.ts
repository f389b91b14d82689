/**
 * The backup service as a process: reads its configuration, opens the state store and runs
 * passes until it is told to stop (SIGTERM from systemd, or the local cloud's supervisor going
 * away: it watches its IPC channel so that it never outlives the machine that started it).
 * A failed pass is reported and the next one comes as usual: the service never exits on its own.
 */

import { readFile } from 'node:fs/promises';
import { HoistError } from '../../src/errors.js';
import type { EventSink } from '../../src/output/events.js';
import { openStore } from '../../state-store/open.js';
import { storeProxyOption } from '../http-proxy.js';
import type { BackupServiceConfig } from './backup-service.js';
import { backupService } from './backup-service.js';
import { REPORT_MS } from './backup-service-report.js';
import { onServiceStop } from '../services/stop-signal.js';

export interface BackupServiceOptions {
  /** The configuration file, a host path. */
  readonly conf: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
}

async function readConfig(path: string): Promise<BackupServiceConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new HoistError('NOT_FOUND', `--conf ${path}: cannot read the backup service's configuration (${e instanceof Error ? e.message : String(e)})`, { hint: 'nodeup writes it on control-plane machines: /etc/hoist/etcd-backup.json' });
  }
  const c = JSON.parse(text) as BackupServiceConfig;
  if (typeof c.cluster !== 'string' || !Array.isArray(c.members)) throw new HoistError('INVALID_SPEC', `--conf ${path}: not a backup service configuration (cluster and members are required)`);
  return c;
}

export async function runBackupService(opts: BackupServiceOptions): Promise<number> {
  const config = await readConfig(opts.conf);
  const store = await openStore(config.stateStore, { env: opts.env, events: opts.events, source: `${opts.conf} stateStore`, ...storeProxyOption() });
  let stopped = false;
  let wake = () => undefined as void;
  const stop = () => {
    stopped = true;
    wake();
  };
  onServiceStop(stop);
  const service = backupService({ config, store, root: opts.env.HOIST_NODE_ROOT ?? '/', env: opts.env, events: opts.events });
  opts.events({ level: 'info', code: 'etcd.backup-service', message: `scheduled backups of ${config.members.map((m) => `etcd ${m.etcdCluster} (member ${m.member})`).join(', ')} of ${config.cluster}: the leader of each takes them` });
  try {
    while (!stopped) {
      let waitMs = REPORT_MS;
      try {
        waitMs = await service.pass();
      } catch (e) {
        opts.events({ level: 'error', code: 'etcd.backup-service', message: `pass failed (next in ${REPORT_MS / 1000} s): ${e instanceof Error ? e.message : String(e)}` });
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        wake = () => (clearTimeout(timer), resolve());
      });
    }
  } finally {
    store.close?.();
  }
  opts.events({ level: 'info', code: 'etcd.backup-service', message: 'stopped' });
  return 0;
}
