/** A service hoist cannot reach is reported as such, in one message with a hint, not as an internal error. */

import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { reportError } from '../../src/cli/report-error.js';
import type { IO } from '../../src/output/io.js';
import { hoist, tempDir } from '../support/cli.js';

function capture(): { io: IO; err: () => string } {
  let err = '';
  const io = { err: (s: string) => (err += s) } as unknown as IO;
  return { io, err: () => err };
}

const failed = (code: string, fields: Record<string, unknown>) => Object.assign(new Error(`connect ${code}`), { code, ...fields });

/** A loopback port with nothing listening: bound, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((done) => server.close(() => done()));
  return port;
}

describe('an unreachable service', () => {
  it('names the address and the reason, found in the error or its causes, and exits 1', () => {
    const refused = capture();
    expect(reportError(refused.io, failed('ECONNREFUSED', { address: '127.0.0.1', port: 9 }), false)).toBe(1);
    expect(refused.err()).toMatch(/^error: cannot reach 127\.0\.0\.1:9: the connection was refused \(ECONNREFUSED\)\nhint: check the endpoint/);
    const wrapped = capture();
    reportError(wrapped.io, new Error('request failed', { cause: failed('ENOTFOUND', { hostname: 'ec2.nowhere.invalid' }) }), false);
    expect(wrapped.err()).toMatch(/^error: cannot reach ec2\.nowhere\.invalid: the name does not resolve \(ENOTFOUND\)\n/);
    const both = capture();
    reportError(both.io, new AggregateError([failed('ECONNREFUSED', { address: '::1', port: 443 })], 'all failed'), false);
    expect(both.err()).toMatch(/^error: cannot reach \[::1\]:443: /);
    // Anything else is still an internal error.
    const bug = capture();
    reportError(bug.io, Object.assign(new Error('boom'), { code: 'ERR_SOMETHING' }), false);
    expect(bug.err()).toMatch(/^internal error: boom\n/);
  });

  it("is what the CLI prints when the AWS endpoint refuses the connection, without a stack", async () => {
    const dir = await tempDir('hoist-unreachable-');
    try {
      const port = await closedPort();
      const env = { HOIST_STATE_STORE: `file://${dir.path}`, AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_REGION: 'us-east-1', HOME: dir.path };
      expect((await hoist(['create', 'cluster', 'net.example.com', '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env })).code).toBe(0);
      const bad = await hoist(['update', 'cluster', 'net.example.com'], { env: { ...env, AWS_MAX_ATTEMPTS: 'many' } });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain('error: AWS_MAX_ATTEMPTS is "many"');
      // One attempt each: the SDK's own setting is honored, and the answer comes at once.
      const r = await hoist(['update', 'cluster', 'net.example.com'], { env: { ...env, AWS_MAX_ATTEMPTS: '1' } });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`error: cannot reach 127.0.0.1:${port}: the connection was refused (ECONNREFUSED)\nhint: check the endpoint`);
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr).not.toMatch(/\n\s+at /);
    } finally {
      await dir.cleanup();
    }
  });
});
