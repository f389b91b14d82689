/**
 * Whether a machine is out of date, and why: the one rule behind `get instances` (NEEDUPDATE)
 * and `rolling-update` (what it replaces). Each cloud says what the machine was launched from
 * and what its group launches now; this decides.
 */

export interface MachineEvidence {
  /** The cloud's state, normalised or not: a stopping or terminated machine is never out of date. */
  readonly state: string;
  /**
   * The template version (a number) or template (a name) the machine was launched from, and
   * the one its group launches now; undefined when the cloud does not say.
   */
  readonly launchedFrom: string | number | undefined;
  readonly groupLaunches: string | number | undefined;
  /**
   * Whether the node reports running an older configuration than its group's stored one
   * (undefined: not known, as before the node's first report).
   */
  readonly configOutdated?: boolean;
}

export interface Staleness {
  readonly needsUpdate: boolean;
  readonly reason?: string;
}

const GONE = new Set(['stopping', 'shutting-down', 'terminated', 'STOPPING', 'SUSPENDING', 'TERMINATED']);

export function outOfDate(m: MachineEvidence): Staleness {
  if (GONE.has(m.state)) return { needsUpdate: false };
  const { launchedFrom: from, groupLaunches: to } = m;
  if (from !== undefined && to !== undefined && to !== '' && from !== to) {
    return { needsUpdate: true, reason: typeof from === 'number' ? `template version ${from} (group at ${to})` : `template ${from} (group at ${to})` };
  }
  if (m.configOutdated === true) return { needsUpdate: true, reason: 'config hash' };
  return { needsUpdate: false };
}

/** The fields a machine's row or rolling instance carries. */
export function staleFields(s: Staleness): { readonly needsUpdate: boolean; readonly updateReason?: string } {
  return { needsUpdate: s.needsUpdate, ...(s.reason === undefined ? {} : { updateReason: s.reason }) };
}
