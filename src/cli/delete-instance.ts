/**
 * `hoist delete instance ID [--surge] [--cloudonly] [--yes]`: replaces one machine safely, as
 * kops does. It is a rolling update of that one machine: drained through the Kubernetes API,
 * terminated, and replaced by its group (with --surge the replacement is Ready first), then the
 * cluster is validated; under the cluster's lock, recorded so that a killed run finishes.
 */

import type { Command } from 'commander';
import { HoistError } from '../errors.js';
import type { Runner } from './program.js';
import { runRollingUpdate } from './rolling-update.js';
import { duration } from './shared/duration.js';

export interface DeleteInstanceOptions {
  readonly yes?: boolean;
  readonly surge?: boolean;
  readonly cloudonly?: boolean;
  readonly kubeconfig?: string;
  readonly validationTimeout: number;
  readonly drainTimeout: number;
  readonly failOnValidateError: boolean;
}

export function registerDeleteInstance(program: Command, run: Runner): void {
  const del = program.commands.find((c) => c.name() === 'delete');
  if (del === undefined) throw new HoistError('INTERNAL', 'the delete command must be registered before delete instance');
  del
    .command('instance')
    .argument('<id>', 'the instance id, or the name of its Kubernetes node (hoist get instances lists them)')
    .option('-y, --yes', 'really delete it (without it, only say what would be done)')
    .option('--surge', 'launch the replacement and wait until it is Ready before draining the instance (not for the control plane, nor a group that cannot place a surge: those are replaced in place)')
    .option('--cloudonly', 'terminate without draining or validating (for a cluster that does not work)')
    .option('--kubeconfig <file>', 'where the context named after the cluster is, to drain through its API (default $KUBECONFIG, else ~/.kube/config)')
    .option('--validation-timeout <duration>', 'how long the replacement and the cluster may take to become valid', duration('--validation-timeout'), 15 * 60_000)
    .option('--drain-timeout <duration>', 'how long the instance may take to drain', duration('--drain-timeout'), 5 * 60_000)
    .option('--no-fail-on-validate-error', 'succeed even when the cluster does not validate afterwards (with a warning)')
    .description('replace one machine of the cluster named by --name: drain, terminate, and let its group replace it')
    .action(async (id: string, opts: DeleteInstanceOptions, cmd: Command) =>
      run(cmd, (ctx) =>
        runRollingUpdate(undefined, {
          ...opts,
          only: id,
          instanceGroup: [],
          instanceGroupRoles: [],
          validateCount: 1,
          nodeInterval: 0,
          controlPlaneInterval: 0,
        }, ctx),
      ),
    );
}
