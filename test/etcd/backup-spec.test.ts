/**
 * spec.etcdClusters[].backups: kops's defaults when unset, the given values when set, and a value
 * that is not a duration refused with its field path and the value.
 */

import { describe, expect, it } from 'vitest';
import { completeSpec, etcdBackupSettings } from '../../src/api/defaults.js';
import { stringify } from 'yaml';
import { SPEC_RULES } from '../../cloudup/providers.js';
import { parseSpecText } from '../../src/api/parse.js';
import { cluster, groups } from '../api/fixtures.js';

describe('spec.etcdClusters[].backups', () => {
  it('defaults to the state store, every 15 minutes, hourly for a week and daily for a year', () => {
    const spec = completeSpec(cluster(), groups());
    expect(spec.cluster.spec.etcdClusters.map((e) => etcdBackupSettings(e))).toEqual([
      { interval: '15m', retention: { hourly: '7d', daily: '365d' } },
      { interval: '15m', retention: { hourly: '7d', daily: '365d' } },
    ]);
    expect(etcdBackupSettings({ backups: { store: 's3://b/etcd', interval: '1h', retention: { daily: '30d' } } })).toEqual({ store: 's3://b/etcd', interval: '1h', retention: { hourly: '7d', daily: '30d' } });
  });

  it('refuses a value that is not a duration, with its path', () => {
    const members = completeSpec(cluster(), groups()).cluster.spec.etcdClusters[0]!.etcdMembers.map((m) => ({ name: m.name, instanceGroup: m.instanceGroup }));
    const text = stringify(cluster({ etcdClusters: [{ name: 'main', etcdMembers: members, backups: { interval: '15 minutes' } }, { name: 'events', etcdMembers: members }] }));
    let message = '';
    try {
      parseSpecText(text, 'cluster.yaml', SPEC_RULES);
    } catch (e) {
      message = e instanceof Error ? e.message : String(e);
    }
    expect(message).toMatch(/spec\.etcdClusters\[0\]\.backups\.interval \(line \d+, column \d+\): "15 minutes" has the wrong form/);
  });
});
