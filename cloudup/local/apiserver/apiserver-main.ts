/**
 * The kube-apiserver stand-in of the local cloud: the local API server started from the flags
 * nodeup writes into the static-pod manifest for the real kube-apiserver. It waits for etcd
 * (started beside it) and starts again if it cannot reach it.
 */

import { readFile } from 'node:fs/promises';
import { parseFlags, hostPath, identityHeaders, onStop, required } from './stand-in-flags.js';
import type { Flags } from './stand-in-flags.js';
import { encryptionTransformer } from './encryption.js';
import { startApiServer } from './server.js';
import type { ApiServerOptions, RunningApiServer } from './server.js';

// etcd starts beside it and answers within a second or two: a short retry serves the API as soon as it can.
const RETRY_MS = 500;

async function optionsFrom(flags: Flags, version: string, log: (line: string) => void): Promise<ApiServerOptions> {
  const read = (name: string) => readFile(hostPath(required(flags, name)), 'utf8');
  const etcdCa = flags['etcd-cafile'];
  const credentials =
    etcdCa === undefined
      ? undefined
      : {
          rootCertificate: await readFile(hostPath(etcdCa)),
          ...(flags['etcd-certfile'] === undefined ? {} : { certChain: await readFile(hostPath(flags['etcd-certfile'])) }),
          ...(flags['etcd-keyfile'] === undefined ? {} : { privateKey: await readFile(hostPath(flags['etcd-keyfile'])) }),
        };
  const encryption = flags['encryption-provider-config'];
  const bind = flags['bind-address'] ?? process.env.HOIST_INSTANCE_ADDRESS ?? '127.0.0.1';
  return {
    tlsCert: await read('tls-cert-file'),
    tlsKey: await read('tls-private-key-file'),
    clientCA: await read('client-ca-file'),
    etcd: { hosts: required(flags, 'etcd-servers').split(','), ...(credentials === undefined ? {} : { credentials }) },
    host: bind === '0.0.0.0' ? (process.env.HOIST_INSTANCE_ADDRESS ?? '127.0.0.1') : bind,
    port: Number(flags['secure-port'] ?? 6443),
    anonymousAuth: flags['anonymous-auth'] !== 'false',
    version,
    ...(flags['advertise-address'] === undefined ? {} : { advertiseAddress: flags['advertise-address'] }),
    plainHealth: identityHeaders(),
    ...(encryption === undefined ? {} : { encryptionConfig: await encryptionConfigAt(hostPath(encryption)) }),
    events: (e) => log(`${e.level}: ${e.message}`),
  };
}

/** Read and checked once here: a provider the stand-in cannot honour stops it at once, not in the retry loop. */
async function encryptionConfigAt(path: string): Promise<string> {
  const text = await readFile(path, 'utf8');
  encryptionTransformer(text);
  return text;
}

export async function runApiServer(argv: readonly string[], version: string, log: (line: string) => void): Promise<void> {
  const options = await optionsFrom(parseFlags(argv), version, log);
  let server: RunningApiServer | undefined;
  let stopped = false;
  onStop(async () => {
    stopped = true;
    await server?.close();
  });
  while (server === undefined && !stopped) {
    try {
      server = await startApiServer(options);
    } catch (e) {
      log(`cannot start yet (${e instanceof Error ? e.message : String(e)}); trying again in ${RETRY_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}
