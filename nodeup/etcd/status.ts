/**
 * The etcd clusters of a cluster as its operator sees them (`hoist etcd status`, a rolling
 * update's health check): the members that published their addresses, what each answers, the
 * leader, and whether the cluster is healthy. hoist's own client certificate is issued for the
 * call from the cluster's etcd-clients-ca, short-lived, and never stored.
 */

import { HoistError } from '../../src/errors.js';
import { primaryItem, trustBundle } from '../../src/pki/keyset.js';
import { readKeyset } from '../../src/pki/store.js';
import type { ObjectStore } from '../../state-store/object-store.js';
import type { EtcdCredentials, MemberStatus } from './client.js';
import { clusterHealth } from './client.js';
import { readMembers } from './registry.js';
import { lastBackupId } from './backup-store.js';

/** How long hoist's own etcd client certificate lives. */
const CLIENT_CERT_MS = 60 * 60_000;

export async function operatorCredentials(store: ObjectStore, cluster: string, now = new Date()): Promise<EtcdCredentials> {
  const signer = await readKeyset(store, cluster, 'etcd-clients-ca', { private: true });
  if (signer === undefined) throw new HoistError('NOT_FOUND', `the etcd CAs of cluster ${cluster} do not exist yet`, { hint: `create the cluster first: hoist update cluster ${cluster} --yes` });
  const item = primaryItem(signer);
  if (item.certificate === undefined || item.privateKey === undefined) throw new HoistError('STORE', `the primary item of etcd-clients-ca of ${cluster} has no certificate or key`);
  const { issueCertificate, etcdClientCertRequest } = await import('../../src/pki/index.js');
  const issued = await issueCertificate({ certificate: item.certificate, privateKey: item.privateKey }, etcdClientCertRequest('hoist'), { now, notAfter: new Date(now.getTime() + CLIENT_CERT_MS) });
  return { ca: trustBundle(signer), certificate: issued.certificate, key: issued.privateKey };
}

export interface EtcdMemberReport {
  readonly name: string;
  readonly id?: string;
  readonly peerUrl?: string;
  readonly clientUrl?: string;
  readonly instanceId?: string;
  readonly leader: boolean;
  readonly healthy: boolean;
  readonly revision?: string;
  readonly dbSize?: number;
  readonly version?: string;
  readonly error?: string;
}

export interface EtcdClusterReport {
  readonly name: string;
  readonly healthy: boolean;
  readonly problem?: string;
  readonly leader?: string;
  /** The newest backup's id; none until backups exist (`hoist etcd backup`, a later part). */
  readonly lastBackup: string | null;
  readonly members: readonly EtcdMemberReport[];
}

/** Asks one etcd cluster through the addresses its members published. */
export async function etcdClusterReport(store: ObjectStore, cluster: string, etcd: string, specMembers: readonly string[], creds: EtcdCredentials): Promise<EtcdClusterReport> {
  const published = await readMembers(store, cluster, etcd);
  const urls = [...published.values()].map((m) => m.clientUrl);
  const health = await clusterHealth(urls, creds);
  const byName = new Map(health.members.map((m) => [m.name, m]));
  const names = [...new Set([...specMembers, ...health.members.map((m) => m.name).filter(Boolean)])];
  const members = names.map((name): EtcdMemberReport => {
    const m = byName.get(name);
    const p = published.get(name);
    const s: MemberStatus | undefined = m === undefined ? undefined : health.statuses.get(m.ID);
    const id = m === undefined ? undefined : BigInt(m.ID).toString(16);
    return {
      name,
      ...(id ? { id } : {}),
      ...(m?.peerURLs[0] ?? p?.peerUrl ? { peerUrl: m?.peerURLs[0] ?? p?.peerUrl } : {}),
      ...(m?.clientURLs[0] ?? p?.clientUrl ? { clientUrl: m?.clientURLs[0] ?? p?.clientUrl } : {}),
      ...(p?.instanceId ? { instanceId: p.instanceId } : {}),
      leader: m !== undefined && m.ID === health.leader,
      healthy: s !== undefined && s.error === undefined,
      ...(s?.revision ? { revision: s.revision } : {}),
      ...(s?.dbSize !== undefined ? { dbSize: s.dbSize } : {}),
      ...(s?.version ? { version: s.version } : {}),
      ...(m === undefined ? { error: 'not a member of the cluster' } : s?.error ? { error: s.error } : {}),
    };
  });
  const leader = members.find((m) => m.leader)?.name;
  return { name: etcd, healthy: health.healthy, ...(health.problem ? { problem: health.problem } : {}), ...(leader ? { leader } : {}), lastBackup: await lastBackupId(store, cluster, etcd), members };
}

/**
 * What a rolling update asks before and after each control-plane machine: undefined when every
 * etcd cluster whose members publish their addresses is healthy and has every member of the
 * spec. Clusters whose members publish nothing (the stand-in etcd) are not asked. The client
 * certificate is issued again before it expires.
 */
export function etcdProblemOf(store: ObjectStore, cluster: string, etcdClusters: readonly { readonly name: string; readonly members: readonly string[] }[]): () => Promise<string | undefined> {
  let creds: { value: EtcdCredentials; until: number } | undefined;
  return async () => {
    const published = await Promise.all(etcdClusters.map(async (e) => ({ e, count: (await readMembers(store, cluster, e.name)).size })));
    const asked = published.filter((p) => p.count > 0).map((p) => p.e);
    if (asked.length === 0) return undefined;
    if (creds === undefined || Date.now() > creds.until) creds = { value: await operatorCredentials(store, cluster), until: Date.now() + CLIENT_CERT_MS / 2 };
    const value = creds.value;
    const reports = await Promise.all(asked.map((e) => etcdClusterReport(store, cluster, e.name, e.members, value)));
    // A member of the spec that has not joined yet (a grown control plane) is a problem too:
    // taking a machine down before it joins could leave the cluster without quorum.
    const bad = reports.flatMap((r) => {
      const missing = r.members.filter((m) => m.id === undefined).map((m) => m.name);
      if (!r.healthy) return [`etcd ${r.name}: ${r.problem ?? 'not healthy'}`];
      return missing.length === 0 ? [] : [`etcd ${r.name}: member(s) ${missing.join(', ')} of the spec have not joined yet`];
    });
    return bad.length === 0 ? undefined : bad.join('; ');
  };
}
