/**
 * kops's `set cluster|instancegroup` and `unset cluster|instancegroup`: `edit --set/--unset`
 * without the flags. Fields change as one validated revision; a bad path or value is refused with
 * the command, the field path, the value and a fix, and the state store is left exactly as it was.
 */

import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterAndFields } from '../../src/cli/set.js';
import { hoist, tempDir, treeDigest } from '../support/cli.js';

const NAME = 'set-cmd.example.com';
const GROUP = 'nodes-us-east-1a';
let dir: { path: string; cleanup: () => Promise<void> };
let env: Record<string, string>;
const run = (...args: string[]) => hoist(args, { env });
const spec = async (...what: string[]) => (JSON.parse((await run('get', ...what, '--name', NAME, '-o', 'json')).stdout) as { spec: Record<string, unknown> }).spec;
const store = () => treeDigest(join(dir.path, 'state'));

beforeEach(async () => {
  dir = await tempDir('hoist-set-cmd-');
  env = { HOIST_STATE_STORE: `file://${dir.path}/state`, HOIST_CLUSTER_NAME: '', EDITOR: 'false', VISUAL: 'false' };
  expect((await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env })).code).toBe(0);
});
afterEach(async () => dir.cleanup());

describe('set and unset', () => {
  it('set cluster and unset cluster change the cluster, several fields at once, each command one revision', async () => {
    const set = await run('set', 'cluster', NAME, 'spec.kubernetesVersion=1.34.1', 'spec.sshAccess=[10.0.0.0/8, 192.168.0.0/16]');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`cluster/${NAME} edited (revision 2)\n`);
    expect(await spec('cluster', NAME)).toMatchObject({ kubernetesVersion: '1.34.1', sshAccess: ['10.0.0.0/8', '192.168.0.0/16'] });

    // The cluster from --name, as kops's: the first word is a field.
    const unset = await run('unset', 'cluster', 'spec.kubernetesApiAccess', 'spec.sshAccess', '--name', NAME);
    expect(unset.code, unset.stderr).toBe(0);
    expect(unset.stdout).toBe(`cluster/${NAME} edited (revision 3)\n`);
    const cluster = await spec('cluster', NAME);
    expect(cluster).not.toHaveProperty('kubernetesApiAccess');
    expect(cluster).not.toHaveProperty('sshAccess');
    expect(cluster.kubernetesVersion).toBe('1.34.1');

    const history = (await run('history', 'cluster', NAME)).stdout;
    expect(history).toMatch(/^2\s.*set cluster set-cmd\.example\.com spec\.kubernetesVersion=1\.34\.1/m);
    expect(history).toMatch(/^3\s.*unset cluster spec\.kubernetesApiAccess spec\.sshAccess/m);
    expect((await run('set', 'cluster', NAME, 'spec.kubernetesVersion=1.34.1')).stdout).toBe('No changes.\n');
  });

  it('set instancegroup (and ig) and unset instancegroup change a group of the cluster named by --name', async () => {
    const set = await run('set', 'instancegroup', '--name', NAME, GROUP, 'spec.minSize=3', 'spec.maxSize=5', 'spec.image=ami-0123456789abcdef0');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(`instancegroup/${GROUP} edited (revision 2)\n`);
    expect(await spec('instancegroups', GROUP)).toMatchObject({ minSize: 3, maxSize: 5, image: 'ami-0123456789abcdef0' });
    expect((await run('set', 'ig', GROUP, 'spec.maxSize=6', '--name', NAME)).code).toBe(0);
    expect((await spec('instancegroups', GROUP)).maxSize).toBe(6);

    const unset = await run('unset', 'instancegroup', GROUP, 'spec.image', '--name', NAME);
    expect(unset.code, unset.stderr).toBe(0);
    expect(await spec('instancegroups', GROUP)).not.toHaveProperty('image');
    expect((await run('history', 'cluster', NAME)).stdout).toMatch(/^4\s.*unset instancegroup nodes-us-east-1a spec\.image/m);
  });

  it('refuses bad paths and values with the command, field path, value and fix, changing nothing', async () => {
    const before = await store();
    const cases: [string[], RegExp][] = [
      [['set', 'cluster', NAME, 'spec.kubernetesVersion'], /set cluster: "spec\.kubernetesVersion" has no value \(write path=value/],
      [['set', 'cluster', NAME, 'metadata.name=x'], /set cluster: "metadata\.name=x" names a field outside spec/],
      [['set', 'cluster', NAME, 'spec..x=1'], /set cluster: "spec\.\.x=1" names no field/],
      [['set', 'cluster', NAME, 'spec.noSuchField=1'], /noSuchField/],
      [['set', 'cluster', NAME, 'spec.subnets[0].cidr=10.0.300.0/24'], /spec\.subnets\[0\]\.cidr: "10\.0\.300\.0\/24"/],
      // One bad assignment among good ones: none of them is saved.
      [['set', 'cluster', NAME, 'spec.kubernetesVersion=1.34.1', 'spec.sshAccess=[not-a-cidr]'], /spec\.sshAccess\[0\]: "not-a-cidr"/],
      [['unset', 'cluster', NAME, 'spec.nope'], /unset cluster: "spec\.nope" is not set \(name a field/],
      [['set', 'ig', GROUP, 'spec.minSize=-1', '--name', NAME], /minSize/],
      [['set', 'ig', GROUP, 'spec.minSize=4', 'spec.maxSize=2', '--name', NAME], /spec\.minSize: 4 is greater than maxSize \(2\)/],
      [['unset', 'ig', GROUP, 'spec.nope', '--name', NAME], /unset instancegroup: "spec\.nope" is not set/],
      [['set', 'ig', 'missing', 'spec.maxSize=2', '--name', NAME], /instance group missing not found/],
      [['set', 'cluster', NAME], /no field to set.*\n.*hint: name spec\.path=value after the cluster/],
      [['unset', 'ig', GROUP, '--name', NAME], /no field to unset/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(await store()).toBe(before);
  });

  it('shell completion offers them', async () => {
    const bash = (await run('completion', 'bash')).stdout;
    expect(bash).toContain('"/set/ig"');
    expect(bash).toContain('"/unset/instancegroup"');
  });

  it('reads the first word of set cluster as the cluster unless it is a field', () => {
    expect(clusterAndFields([NAME, 'spec.a=1'])).toEqual({ name: NAME, fields: ['spec.a=1'] });
    expect(clusterAndFields(['spec.a=1', 'spec.b=2'])).toEqual({ fields: ['spec.a=1', 'spec.b=2'] });
    expect(clusterAndFields(['spec.a'])).toEqual({ fields: ['spec.a'] });
    expect(clusterAndFields([])).toEqual({ fields: [] });
  });
});
