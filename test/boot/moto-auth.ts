/**
 * A moto server of this test file's own that checks signatures: the shared one (global-setup.ts)
 * accepts any request, so a script that signed wrongly would pass there. This one starts open,
 * so the test can set up a cluster, a role and the role's session credentials, and then
 * `checkSignatures()` makes moto verify the SigV4 signature (and the role's policy) of every
 * request that follows. moto keeps that switch for the whole server, hence a server of our own.
 */

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { freePort } from './servers.js';
import type { InstanceCredentials } from './servers.js';

export interface SigningMoto {
  readonly url: string;
  readonly pid: number;
  /** Makes a role that may use S3 and returns the credentials of a session of it (what an instance profile gives). */
  roleSession(role: string): Promise<InstanceCredentials>;
  /** The credentials of a session of an existing role (one `update cluster` made, with its policy). */
  assume(role: string): Promise<InstanceCredentials>;
  /** From now on every request must be signed by known credentials. */
  checkSignatures(): Promise<void>;
  stop(): Promise<void>;
}

const ACCOUNT = '123456789012';

export async function startSigningMoto(timeoutMs = 30_000): Promise<SigningMoto> {
  const command = fileURLToPath(new URL('../support/moto-server', import.meta.url));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => void (log = (log + chunk.toString()).slice(-4_000)));
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`moto_server exited before answering:\n${log}`);
      if (await fetch(`${url}/moto-api/`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${url}:\n${log}`);
      // moto gives no signal when it listens: ask again shortly.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } catch (e) {
    await stop();
    throw e;
  }
  async function assume(role: string): Promise<InstanceCredentials> {
    // STS's query API directly: hoist has no STS client, and this runs before signatures are checked.
    const body = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: 'instance' });
    const answer = await fetch(`${url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0' },
      body,
    });
    const xml = await answer.text();
    const field = (name: string) => {
      const value = new RegExp(`<${name}>([^<]+)</${name}>`).exec(xml)?.[1];
      if (value === undefined) throw new Error(`AssumeRole gave no ${name}: ${xml}`);
      return value;
    };
    return { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), sessionToken: field('SessionToken') };
  }
  return {
    url,
    pid,
    stop,
    async roleSession(role) {
      const iam = new IAMClient({ region: 'us-east-1', endpoint: url, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
      const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
      const s3 = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] };
      await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: JSON.stringify(trust) }));
      await iam.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: 'state-store', PolicyDocument: JSON.stringify(s3) }));
      iam.destroy();
      return assume(role);
    },
    assume,
    async checkSignatures() {
      // The body is the number of requests still let through unchecked; moto reads it as plain text.
      const answer = await fetch(`${url}/moto-api/reset-auth`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '0' });
      if (!answer.ok) throw new Error(`moto refused to check signatures: ${answer.status} ${await answer.text()}`);
    },
  };
}
