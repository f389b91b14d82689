/**
 * A systemd unit that runs one of the nodeup bundle's long-running commands (the addon applier,
 * scheduled etcd backups) with the Node.js the boot script installed, restarted when it stops.
 */

/** Where the boot script installs Node.js and the nodeup bundle (cloudup/boot/template.ts). */
const NODE = '/opt/hoist/node/bin/node';
const BUNDLE = 'opt/hoist/nodeup/nodeup.mjs';

export interface BundleUnit {
  readonly description: string;
  /** Units it starts after, besides the network. */
  readonly after?: readonly string[];
  /** The bundle's command, e.g. `addons-applier`. */
  readonly command: string;
  /** The command's configuration file (absolute; given relative to the unit's `/`). */
  readonly conf: string;
  /** An environment file the service reads (the egress proxy's). */
  readonly environmentFile?: string;
}

export function bundleServiceUnit(unit: BundleUnit): string {
  return [
    '[Unit]',
    `Description=hoist: ${unit.description} (managed by hoist nodeup)`,
    `After=${['network-online.target', ...(unit.after ?? [])].join(' ')}`,
    '',
    '[Service]',
    'WorkingDirectory=/',
    ...(unit.environmentFile === undefined ? [] : [`EnvironmentFile=${unit.environmentFile}`]),
    `ExecStart=${NODE} ${BUNDLE} ${unit.command} --conf ${unit.conf.replace(/^\/+/, '')}`,
    'Restart=always',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
