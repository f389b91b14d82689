/** The spec commands end to end on an s3:// store (moto), through the real bundled executable. */

import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { hoistProcess } from '../support/cli.js';
import { createTestBucket, motoEnv } from '../support/moto.js';

const NAME = 'demo.example.com';
let env: Record<string, string>;

beforeAll(async () => {
  const bucket = await createTestBucket('hoist-cli');
  env = { ...motoEnv(), HOIST_STATE_STORE: `s3://${bucket}/clusters`, HOIST_CLUSTER_NAME: '' };
});

describe('spec commands on s3://', () => {
  it('create, get, replace unchanged, history', async () => {
    const created = await hoistProcess(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b', '--node-count', '3'], { env });
    expect(created.code, created.stderr).toBe(0);
    expect(created.stderr).toContain('s3://');

    const yaml = await hoistProcess(['get', 'cluster', NAME, '-o', 'yaml'], { env });
    expect(yaml.code, yaml.stderr).toBe(0);
    expect(parse(yaml.stdout).spec.subnets.map((s: { zone: string }) => s.zone)).toEqual(['us-east-1a', 'us-east-1b']);
    const replaced = await hoistProcess(['replace', '-f', '-'], { env, stdin: yaml.stdout });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.stdout).toBe(`cluster/${NAME} unchanged\n`);

    const igs = await hoistProcess(['get', 'instancegroups', '--name', NAME, '-o', 'json'], { env });
    expect(JSON.parse(igs.stdout).items.map((i: { spec: { role: string } }) => i.spec.role)).toEqual(['ControlPlane', 'Node', 'Node']);

    const changed = yaml.stdout.replace('- 0.0.0.0/0', '- 198.51.100.0/24');
    const applied = await hoistProcess(['apply', '-f', '-'], { env, stdin: changed });
    expect(applied.stdout).toBe(`cluster/${NAME} configured\n`);
    const history = JSON.parse((await hoistProcess(['history', 'cluster', NAME, '-o', 'json'], { env })).stdout);
    expect(history.map((h: { rev: number }) => h.rev)).toEqual([1, 2]);
    const diff = await hoistProcess(['diff', 'cluster', NAME, '--from', '1'], { env });
    expect(diff.stdout).toContain('+    - 198.51.100.0/24');
  });

  it('a missing bucket is a clear error', async () => {
    const r = await hoistProcess(['get', 'clusters'], { env: { ...env, HOIST_STATE_STORE: 's3://no-such-bucket-hoist' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no-such-bucket-hoist');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
