/** Flags added for kops parity refuse bad values with the flag, the value and a fix, before doing anything. */

import { describe, expect, it } from 'vitest';
import { hoist } from '../support/cli.js';

describe('kops-parity flags', () => {
  it.each([
    [['validate', 'cluster', 'demo.k8s.local', '--wait', '1m', '--interval', 'soon'], '--interval'],
    [['delete', 'instance', 'i-0abc', '--drain-timeout', 'later', '--name', 'demo.k8s.local'], '--drain-timeout'],
    [['get', 'all', 'demo.k8s.local', '-o', 'xml'], '--output'],
    [['version', '-o', 'xml'], '--output'],
  ])('%j is refused naming %s', async (args, flag) => {
    const r = await hoist(args, { env: { HOIST_STATE_STORE: 'memfs://flags', HOIST_CLUSTER_NAME: '' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(flag);
    expect(r.stderr).toContain('"');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});
