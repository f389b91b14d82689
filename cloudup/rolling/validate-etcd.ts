/**
 * etcd's part of `validate cluster`: for each etcd cluster (main, events), every member is
 * healthy and they agree on exactly one leader. It asks the members as `hoist etcd status`
 * does (nodeup/etcd/status.ts: the addresses they published, a short-lived client certificate),
 * so the two always agree. Where no member answers hoist directly (on AWS and GCE the members
 * listen on private addresses), it reads what each member's backup service last reported in
 * the state store (nodeup/etcd/backup-service-report.ts): each report must be recent, say the
 * member answers, and name the same leader. Each failure names the etcd cluster, the member and
 * what is wrong.
 */

import type { ObjectStore } from '../../state-store/object-store.js';
import type { EtcdCredentials } from '../../nodeup/etcd/client.js';
import { readMembers } from '../../nodeup/etcd/registry.js';
import type { EtcdClusterReport } from '../../nodeup/etcd/status.js';
import { etcdClusterReport, operatorCredentials } from '../../nodeup/etcd/status.js';
import type { MemberBackupReport } from '../../nodeup/etcd/backup-service-report.js';
import { REPORT_MS, readMemberReports, reportKey } from '../../nodeup/etcd/backup-service-report.js';
import type { ValidationCheck, ValidationFailure } from './validate.js';

export interface EtcdValidationInput {
  readonly store: ObjectStore;
  readonly cluster: string;
  /** Each etcd cluster of the spec with its members' names. */
  readonly etcdClusters: readonly { readonly name: string; readonly members: readonly string[] }[];
  readonly now?: () => Date;
}

/** A report older than this is stale: the service writes one at least every REPORT_MS. */
export const STALE_REPORT_MS = 3 * REPORT_MS;

const failure = (etcd: string, member: string | undefined, message: string): ValidationFailure => ({ kind: 'etcd', name: member === undefined ? etcd : `${etcd}/${member}`, message: `etcd ${etcd}: ${message}` });

export function etcdValidation(input: EtcdValidationInput): ValidationCheck {
  let creds: EtcdCredentials | undefined;
  return async () => {
    const out: ValidationFailure[] = [];
    for (const e of input.etcdClusters) {
      const [published, reports] = await Promise.all([readMembers(input.store, input.cluster, e.name), readMemberReports(input.store, input.cluster, e.name)]);
      // No member ever published an address (no machine booted yet, or the stand-in etcd): the instance checks say why.
      if (published.size === 0 && reports.size === 0) continue;
      creds ??= await operatorCredentials(input.store, input.cluster);
      const live = await etcdClusterReport(input.store, input.cluster, e.name, e.members, creds);
      const answered = live.members.some((m) => m.id !== undefined);
      if (answered) out.push(...liveFailures(live));
      else if (reports.size > 0) out.push(...reportFailures(input, e.name, e.members, reports, live.problem));
      else out.push(failure(e.name, undefined, `no member answers (${live.problem ?? 'no address published'}), and no member reported in the state store`));
    }
    return out;
  };
}

/** From what the members answered hoist now. */
function liveFailures(r: EtcdClusterReport): ValidationFailure[] {
  const out: ValidationFailure[] = [];
  for (const m of r.members.filter((x) => !x.healthy)) {
    out.push(failure(r.name, m.name, `member ${m.name}${m.clientUrl ? ` at ${m.clientUrl}` : ''} is not healthy: ${m.error ?? 'it does not answer'}`));
  }
  const leaders = r.members.filter((m) => m.leader);
  if (out.length === 0 && (leaders.length !== 1 || !r.healthy)) out.push(failure(r.name, undefined, leaders.length === 0 ? `has no leader${r.problem ? ` (${r.problem})` : ''}` : (r.problem ?? `has ${leaders.length} leaders`)));
  return out;
}

/** From the members' own reports, where hoist cannot reach them. */
function reportFailures(input: EtcdValidationInput, etcd: string, members: readonly string[], reports: ReadonlyMap<string, MemberBackupReport>, direct: string | undefined): ValidationFailure[] {
  const now = (input.now ?? (() => new Date()))().getTime();
  const via = `(from its report in the state store; hoist cannot reach the members: ${direct ?? 'no answer'})`;
  const out: ValidationFailure[] = [];
  const leaders = new Set<string>();
  for (const name of members) {
    const r = reports.get(name);
    if (r === undefined) {
      out.push(failure(etcd, name, `member ${name} never reported (${reportKey(input.cluster, etcd, name)} is missing: its machine's etcd-backup.service has not run) ${via}`));
      continue;
    }
    const age = Math.round((now - Date.parse(r.at)) / 1000);
    if (now - Date.parse(r.at) > STALE_REPORT_MS) out.push(failure(etcd, name, `member ${name} last reported ${age} s ago (at ${r.at}; the report is written every ${REPORT_MS / 1000} s): its machine or its etcd-backup.service is down ${via}`));
    else if (!r.healthy) out.push(failure(etcd, name, `member ${name} at ${r.clientUrl} is not healthy: ${r.error ?? 'it does not answer'} ${via}`));
    else if (r.leader !== undefined) leaders.add(r.leader);
  }
  if (out.length === 0 && leaders.size !== 1) out.push(failure(etcd, undefined, `the members do not agree on one leader (${[...leaders].join(', ') || 'none'}) ${via}`));
  return out;
}
