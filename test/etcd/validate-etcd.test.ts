/**
 * validate cluster's etcd checks where hoist cannot reach the members (as on AWS and GCE, whose
 * members listen on private addresses; here every address is loopback, so the handshake with
 * each member is told to find none reachable), and the members' reports in the state store decide. A recent healthy report with
 * one leader passes; a stale one, an unhealthy one, a missing one and two leaders each fail,
 * naming the etcd cluster and member. The live path (members that answer) is in
 * backup-scheduled.test.ts, on a local cluster's real etcd.
 */

import { describe, expect, it, beforeAll } from 'vitest';
import { etcdValidation, STALE_REPORT_MS } from '../../cloudup/rolling/validate-etcd.js';
import type { MemberBackupReport } from '../../nodeup/etcd/backup-service-report.js';
import { writeMemberReport } from '../../nodeup/etcd/backup-service-report.js';
import { publishMember } from '../../nodeup/etcd/registry.js';
import { createCA, createKeyset, newKeyset } from '../../src/pki/index.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import { openStore } from '../../state-store/open.js';
import { freePort } from './backup-support.js';

const CLUSTER = 'reports.k8s.local';
const NOW = new Date('2026-12-04T12:00:00Z');
let store: ObjectStore;
let unreachable: string;

const report = (member: string, over: Partial<MemberBackupReport> = {}): MemberBackupReport => ({
  etcdCluster: 'main',
  member,
  instanceId: `i-${member}`,
  clientUrl: unreachable,
  at: new Date(NOW.getTime() - 2_000).toISOString(),
  healthy: true,
  id: member === 'a' ? 'a1' : member === 'b' ? 'b2' : 'c3',
  leader: 'a1',
  backups: { interval: '15m' },
  ...over,
});

async function validateWith(reports: readonly MemberBackupReport[]) {
  const prefix = `${CLUSTER}/status/etcd/main/reports/`;
  for (const k of await store.list(prefix)) await store.delete(k);
  for (const r of reports) await writeMemberReport(store, CLUSTER, r);
  return etcdValidation({ store, cluster: CLUSTER, etcdClusters: [{ name: 'main', members: ['a', 'b', 'c'] }], now: () => NOW, reach: async () => 'unreachable' })();
}

beforeAll(async () => {
  store = await openStore(`memfs://validate-etcd-${process.pid}`);
  await createKeyset(store, CLUSTER, newKeyset('etcd-clients-ca', 'CA', await createCA('etcd-clients-ca')));
  unreachable = `https://127.0.0.1:${await freePort()}`;
  for (const m of ['a', 'b', 'c']) await publishMember(store, CLUSTER, { etcdCluster: 'main', member: m, instanceId: `i-${m}`, peerUrl: unreachable, clientUrl: unreachable, updatedAt: NOW.toISOString() });
}, 30_000);

describe("validate cluster's etcd checks from the members' reports", () => {
  it('pass when every member reported recently, healthy, with one leader', async () => {
    expect(await validateWith(['a', 'b', 'c'].map((m) => report(m)))).toEqual([]);
  }, 20_000);

  it('name each member that is stale, unhealthy or silent, and say where the verdict comes from', async () => {
    const stale = new Date(NOW.getTime() - STALE_REPORT_MS - 5_000).toISOString();
    const failures = await validateWith([report('a', { at: stale }), report('b', { healthy: false, error: 'context deadline exceeded' })]);
    expect(failures.map((f) => f.name)).toEqual(['main/a', 'main/b', 'main/c']);
    expect(failures.every((f) => f.kind === 'etcd' && f.message.includes('from its report in the state store; hoist cannot reach the members: https://127.0.0.1:'))).toBe(true);
    expect(failures[0]!.message).toMatch(/^etcd main: member a last reported 35 s ago .*down/);
    expect(failures[1]!.message).toMatch(/^etcd main: member b at https:\/\/127\.0\.0\.1:\d+ is not healthy: context deadline exceeded/);
    expect(failures[2]!.message).toMatch(/^etcd main: member c never reported \(reports\.k8s\.local\/status\/etcd\/main\/reports\/c\.json is missing/);
  }, 20_000);

  it('fail when the members do not agree on one leader', async () => {
    const failures = await validateWith([report('a'), report('b'), report('c', { leader: 'c3' })]);
    expect(failures).toEqual([{ kind: 'etcd', name: 'main', message: expect.stringMatching(/^etcd main: the members do not agree on one leader \(a1, c3\)/) }]);
  }, 20_000);
});
