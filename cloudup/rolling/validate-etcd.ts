/**
 * etcd's part of `validate cluster`: for each etcd cluster (main, events), every member is
 * healthy and they agree on exactly one leader. It asks the members as `hoist etcd status`
 * does (nodeup/etcd/status.ts: the addresses they published, a short-lived client certificate),
 * so the two always agree; first a TLS handshake with each tells a member that is down (refused,
 * or connected but silent) from one hoist cannot reach. Where no member can be reached (on AWS
 * and GCE the members listen on private addresses), it reads what each member's backup service
 * last reported in the state store (nodeup/etcd/backup-service-report.ts): each report must be
 * recent, say the member answers, and name the same leader. Each failure names the etcd
 * cluster, the member and what is wrong.
 */

import { connect } from 'node:tls';
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
  /** How a member's client URL is tried (a TLS handshake); a test stands in for addresses it cannot make unreachable. */
  readonly reach?: (url: string, creds: EtcdCredentials) => Promise<Reach>;
}

export type Reach = 'ok' | 'unreachable' | 'refused' | 'stalled';

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
      const c = creds;
      // Only the spec's members: a removed member's published address may outlive it.
      const asked = [...published.values()].filter((m) => e.members.includes(m.member));
      const probes = await Promise.all(asked.map(async (m) => ({ m, probe: await (input.reach ?? probe)(m.clientUrl, c) })));
      // A member that accepts the connection but never completes TLS (frozen, overloaded) is down,
      // and is not asked through the etcd client, whose connection to it would never close.
      const stalled = probes.filter((p) => p.probe === 'stalled' || p.probe === 'refused');
      const reached = probes.filter((p) => p.probe !== 'unreachable');
      if (stalled.length > 0) {
        for (const p of stalled) out.push(failure(e.name, p.m.member, `member ${p.m.member} at ${p.m.clientUrl} is not healthy: ${p.probe === 'refused' ? 'nothing listens there (connection refused)' : `it accepts connections but does not answer (no TLS handshake within ${PROBE_MS / 1000} s)`}`));
        continue;
      }
      const live = reached.length > 0 ? await etcdClusterReport(input.store, input.cluster, e.name, e.members, c) : undefined;
      if (live !== undefined && live.members.some((m) => m.id !== undefined)) out.push(...liveFailures(live));
      else if (reports.size > 0) out.push(...reportFailures(input, e.name, e.members, reports, live?.problem ?? `${asked.map((m) => m.clientUrl).join(', ')} cannot be reached from here`));
      else out.push(failure(e.name, undefined, `no member answers (${live?.problem ?? 'no address can be reached from here'}), and no member reported in the state store`));
    }
    return out;
  };
}

const PROBE_MS = 3_000;

/**
 * Whether a member's client URL answers a TLS handshake: `unreachable` when no connection can
 * be made from here (a private address; then the members' reports decide), `refused` when the
 * host answers that nothing listens, `stalled` when it connects but never completes TLS.
 */
function probe(url: string, creds: EtcdCredentials): Promise<Reach> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let connected = false;
    const socket = connect({ host: u.hostname, port: Number(u.port), ca: creds.ca, cert: creds.certificate, key: creds.key, rejectUnauthorized: false });
    const done = (r: Reach) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(connected ? 'stalled' : 'unreachable'), PROBE_MS);
    socket.once('connect', () => (connected = true));
    socket.once('secureConnect', () => done('ok'));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : connected ? 'stalled' : 'unreachable'));
  });
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
