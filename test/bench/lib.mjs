// Shared pieces of the benchmarks: timing, child processes, and a moto server of our own.
import { spawn, spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { embedChannels } from '../../src/build/embed-channels.mjs';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// HOIST_BENCH_CLI: a bundle built elsewhere (node src/build/bundle.mjs <folder>).
export const HOIST = process.env.HOIST_BENCH_CLI ?? `${ROOT}dist/hoist.js`;

/** spawnSync kills a child whose output passes its buffer (1 MB by default): a first apply of 200 groups prints more. */
const MAX_OUTPUT = 256 * 1024 * 1024;

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Runs hoist as a process and returns its wall time in milliseconds; throws on a non-zero exit. */
export function timeHoist(args, env) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [HOIST, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: MAX_OUTPUT });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`hoist ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** As timeHoist, without blocking the event loop (for a run whose requests this process serves). */
export async function timeHoistAsync(args, env) {
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [HOIST, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
  const status = await new Promise((resolve, reject) => child.on('error', reject).on('close', resolve));
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (status !== 0) throw new Error(`hoist ${args.join(' ')} exited ${status}: ${stderr}`);
  return { ms, stdout };
}

export function runHoist(args, env, input) {
  const r = spawnSync(process.execPath, [HOIST, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', input, maxBuffer: MAX_OUTPUT });
  if (r.status !== 0) throw new Error(`hoist ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** Uses HOIST_TEST_MOTO_URL when set; otherwise starts moto_server (as the tests do) and returns how to stop it. */
export async function moto() {
  if (process.env.HOIST_TEST_MOTO_URL) return { url: process.env.HOIST_TEST_MOTO_URL, stop: async () => {} };
  const port = await freePort();
  const child = spawn(`${ROOT}test/support/moto-server`, ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const failed = new Promise((_, reject) =>
    child.on('exit', (code) => code === 127 && reject(new Error("moto_server not found: install moto 5.2.1 (pip install 'moto[server]==5.2.1')"))),
  );
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  };
  for (let i = 0; i < 600; i++) {
    const ok = await Promise.race([failed, fetch(`${url}/moto-api/`).then((r) => r.ok, () => false)]);
    if (ok) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error('moto_server did not answer within 60 s');
}

/**
 * A pass-through HTTP proxy in front of `target` that counts requests per AWS service, read from
 * each request's SigV4 credential scope (`Credential=<key>/<date>/<region>/<service>/aws4_request`),
 * and measures the server's share (`load()`): the bytes of its answers per service, and the time
 * during which at least one request waited for its answer (moto answers one at a time, so this is
 * the time it spent on them, queueing included).
 */
export async function countingProxy(target) {
  let counts = {};
  let bytes = {};
  /**
   * Per action (`<service> <action>`): requests, answer bytes, time from request to last byte,
   * and when its first request came and its last answer ended (ms since the last reset).
   */
  let actions = {};
  let busyMs = 0;
  let waiting = 0;
  let busySince = 0n;
  let since = process.hrtime.bigint();
  const upstream = new URL(target);
  const server = createHttpServer((req, res) => {
    const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? 'unsigned';
    counts[service] = (counts[service] ?? 0) + 1;
    // The body names the action of query APIs (EC2, IAM, Auto Scaling, ELB): read it whole first.
    const body = [];
    req.on('data', (chunk) => body.push(chunk));
    req.on('end', () => forward(req, res, service, Buffer.concat(body)));
  });
  const forward = (req, res, service, body) => {
    const name = `${service} ${actionOf(req, body)}`;
    const sent = process.hrtime.bigint();
    const action = (actions[name] ??= { requests: 0, bytes: 0, ms: 0, first: Number(sent - since) / 1e6, last: 0 });
    action.requests++;
    if (waiting++ === 0) busySince = sent;
    const done = () => {
      const now = process.hrtime.bigint();
      action.ms += Number(now - sent) / 1e6;
      action.last = Math.max(action.last, Number(now - since) / 1e6);
      if (--waiting === 0) busyMs += Number(process.hrtime.bigint() - busySince) / 1e6;
    };
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk) => {
        bytes[service] = (bytes[service] ?? 0) + chunk.length;
        action.bytes += chunk.length;
      });
      answer.on('end', done);
      answer.pipe(res);
    });
    out.on('error', done);
    out.on('error', (e) => res.destroy(e));
    out.end(body);
  };
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    counts: () => ({ ...counts }),
    load: () => ({ bytes: { ...bytes }, busyMs, actions: structuredClone(actions) }),
    reset: () => void ((counts = {}), (bytes = {}), (actions = {}), (busyMs = 0), (since = process.hrtime.bigint())),
    stop: () => new Promise((resolve) => {
      server.close(resolve);
      server.closeAllConnections();
    }),
  };
}

/**
 * The action of a request: a query API's `Action=` (in the body, or the URL of a GET), a JSON
 * API's X-Amz-Target, else the method and the path without its query (S3, Route 53).
 */
function actionOf(req, body) {
  const url = new URL(req.url ?? '/', 'http://proxy');
  const query = url.searchParams.get('Action') ?? new URLSearchParams(body.toString('utf8')).get('Action');
  if (query) return query;
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return target.split('.').at(-1);
  return `${req.method} ${url.pathname.split('/').slice(0, 3).join('/')}`;
}

export function motoEnv(url) {
  return { AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };
}

/** Prints one result row and remembers whether it met its target. */
export function report(results, name, value, unit, target) {
  const ok = value < target;
  results.push({ name, value, unit, target, ok });
  const digits = unit === 'x' ? 2 : 0;
  console.log(`${name.padEnd(52)} ${value.toFixed(digits).padStart(7)} ${unit}   target < ${target} ${unit}   ${ok ? 'ok' : 'MISSED'}`);
}

/** Imports hoist's TypeScript modules in plain Node: `exports` lines bundled by esbuild into one module. */
export async function importSources(exports) {
  const dir = mkdtempSync(join(tmpdir(), 'hoist-bench-module-'));
  try {
    const outfile = join(dir, 'module.mjs');
    await build({
      stdin: { contents: exports.join('\n'), resolveDir: ROOT, loader: 'ts' },
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      // As in the CLI's bundle: the channels hoist ships are embedded (src/channels/*.yaml are not beside the module).
      plugins: [embedChannels()],
      // As in the CLI's bundle: CommonJS dependencies (yaml) require Node's built-ins.
      banner: { js: "import { createRequire as __benchCreateRequire } from 'node:module'; const require = __benchCreateRequire(import.meta.url);" },
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
