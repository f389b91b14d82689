/**
 * Preloaded (node --import) into a hoist process that must not use the network: every fetch,
 * socket connection or DNS lookup to anything but loopback fails, and is written to the file
 * named by HOIST_TEST_NETWORK_LOG so that a test sees attempts even when they were caught.
 */

import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';

const log = process.env.HOIST_TEST_NETWORK_LOG;
const loopback = (host) => host === undefined || host === 'localhost' || /^127\./.test(host) || host === '::1' || host === '[::1]';
const refuse = (what) => {
  if (log) appendFileSync(log, `${what}\n`);
  return new Error(`network use refused in this test: ${what}`);
};

const fetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
  if (url.protocol !== 'file:' && !loopback(url.hostname)) throw refuse(`fetch ${url.href}`);
  return fetch(input, init);
};

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const options = Array.isArray(first) ? first[0] : typeof first === 'object' && first !== null ? first : { port: first, host: typeof args[1] === 'string' ? args[1] : undefined };
  if (options.path === undefined && !loopback(options.host)) throw refuse(`connect ${options.host}:${options.port}`);
  return connect.apply(this, args);
};

const lookup = dns.lookup;
dns.lookup = function (host, ...rest) {
  if (!loopback(host)) throw refuse(`lookup ${host}`);
  return lookup.call(this, host, ...rest);
};
