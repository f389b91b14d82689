/** Failures of cloud calls are coded CLOUD on every cloud, and print as user errors with exit code 1. */

import { describe, expect, it } from 'vitest';
import { AmbiguousCreateError } from '../../cloudup/aws/errors.js';
import { GceApiError } from '../../cloudup/gce/errors.js';
import { LocalCloudError } from '../../cloudup/local/client.js';
import { reportError } from '../../src/cli/report-error.js';
import { ERROR_CODES, HoistError } from '../../src/errors.js';
import type { IO } from '../../src/output/io.js';

function capture(): { io: IO; err: () => string } {
  let err = '';
  const io = { err: (s: string) => (err += s) } as unknown as IO;
  return { io, err: () => err };
}

describe('the CLOUD code', () => {
  it('is one of the stable codes, and a user error by default', () => {
    expect(ERROR_CODES).toContain('CLOUD');
    expect(new HoistError('CLOUD', 'x').user).toBe(true);
  });

  it('codes a failed call on AWS, GCE and the local cloud', () => {
    const throttled = Object.assign(new Error('ServiceUnavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
    expect(new AmbiguousCreateError('CreateVpcCommand', throttled).code).toBe('CLOUD');
    expect(new GceApiError('insert network n', { status: 403, reason: 'forbidden', message: 'Required permission' }, undefined).code).toBe('CLOUD');
    expect(new LocalCloudError('Unavailable', 'the local cloud did not answer', 0).code).toBe('CLOUD');
    expect(new LocalCloudError('InternalError', 'boom', 500).code).toBe('CLOUD');
    // The cloud's refusals of a request keep their own codes.
    expect(new LocalCloudError('InvalidParameter', 'cidr: bad', 400).code).toBe('INVALID_SPEC');
  });

  it('prints one message and its hint, and exits 1 (a daemon bug shows as internal, also exit 1)', () => {
    const user = capture();
    expect(reportError(user.io, new LocalCloudError('Unavailable', 'the local cloud at http://127.0.0.1:1 did not answer GET /v1/networks: ECONNREFUSED', 0), false)).toBe(1);
    expect(user.err()).toBe('error: the local cloud at http://127.0.0.1:1 did not answer GET /v1/networks: ECONNREFUSED\nhint: is the local cloud running? see: hoist local-cloud status\n');
    const bug = capture();
    expect(reportError(bug.io, new LocalCloudError('InternalError', 'boom', 500), false)).toBe(1);
    expect(bug.err()).toMatch(/^internal error: boom\n/);
  });
});
