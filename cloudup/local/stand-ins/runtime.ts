/**
 * The shared part of every stand-in program: plain JavaScript for Node.js, with no dependency,
 * so that an extracted archive runs on any Node.js as it is — as CommonJS or as an ES module
 * alike, since the folders above a machine's root may hold a package.json that says either
 * (modules come from dynamic import(), and the program runs inside an async function), and in a
 * worker thread as in a process of its own. It parses flags, maps the node's absolute paths into
 * the node's root folder (`HOIST_NODE_ROOT`, set by the local cloud's supervisor), serves health
 * endpoints over plain HTTP, and exits on SIGTERM, when the process that started it goes away
 * (its IPC channel closes), or with the thread that started it, so nothing outlives its instance.
 */

export const RUNTIME = String.raw`
'use strict';
const [fs, http, path, { Worker }] = await Promise.all([import('node:fs'), import('node:http'), import('node:path'), import('node:worker_threads')]);

const ROOT = process.env.HOIST_NODE_ROOT || '/';
/** A path of the node, inside the node's root folder. */
function host(p) {
  return ROOT === '/' || !path.isAbsolute(p) ? p : path.join(ROOT, p);
}
function parseFlags(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (argv[i + 1] !== undefined && !argv[i + 1].startsWith('--')) out[a.slice(2)] = argv[++i];
    else out[a.slice(2)] = 'true';
  }
  return out;
}
const FLAGS = parseFlags(process.argv.slice(2));
function log(message) {
  process.stdout.write(new Date().toISOString() + ' ' + COMPONENT + ': ' + message + '\n');
}
if (FLAGS.version !== undefined) {
  process.stdout.write(COMPONENT + ' v' + VERSION + ' (hoist stand-in, not the real program)\n');
  process.exit(0);
}
const closers = [];
function stop(code) {
  for (const close of closers) {
    try { close(); } catch (e) { /* exiting anyway */ }
  }
  process.exit(code);
}
process.on('SIGTERM', () => stop(0));
process.on('SIGINT', () => stop(0));
if (process.send) process.on('disconnect', () => stop(0));

/** "host:port", "http(s)://host:port" or ":port". */
function hostPort(text, defaultHost, defaultPort) {
  if (!text) return { host: defaultHost, port: defaultPort };
  const m = /^(?:[a-z]+:\/\/)?([^:/]*)(?::(\d+))?/.exec(text.split(',')[0].trim());
  return { host: (m && m[1]) || defaultHost, port: m && m[2] ? Number(m[2]) : defaultPort };
}
function unquote(v) {
  v = v.trim();
  if (v.startsWith('"')) return JSON.parse(v);
  if (v.startsWith("'")) return v.slice(1, -1).replace(/''/g, "'");
  return v;
}
/** A top-level "key: value" of a YAML document. */
function yamlScalar(text, key) {
  const m = new RegExp('^' + key + ':[ \\t]*(.*)$', 'm').exec(text);
  return m ? unquote(m[1]) : undefined;
}
/** The items of the first block sequence of scalars under "key:", at any depth. */
function yamlList(text, key) {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => new RegExp('^\\s*(- )?' + key + ':\\s*$').test(l));
  if (at < 0) return [];
  const items = [];
  for (const line of lines.slice(at + 1)) {
    const m = /^\s*- (.*)$/.exec(line);
    if (!m) break;
    items.push(unquote(m[1]));
  }
  return items;
}
const ADDRESS = process.env.HOIST_INSTANCE_ADDRESS || '127.0.0.1';
// Health probes check who answered: on a machine with several local clouds, an address may be another's.
const IDENTITY = process.env.HOIST_INSTANCE_ID ? { 'x-hoist-instance-id': process.env.HOIST_INSTANCE_ID } : {};
/** Serves GET routes ({path: body}) at host:port, retrying while a previous run frees the port. */
function serve(where, routes, attempt) {
  const server = http.createServer((req, res) => {
    const body = routes[(req.url || '').split('?')[0]];
    if (req.method === 'GET' && body !== undefined) res.writeHead(200, { ...IDENTITY, 'content-type': body.startsWith('{') ? 'application/json' : 'text/plain' }).end(body);
    else res.writeHead(404, IDENTITY).end();
  });
  server.once('error', (e) => {
    if (e.code === 'EADDRINUSE' && (attempt || 0) < 100) return setTimeout(() => serve(where, routes, (attempt || 0) + 1), 100);
    log('cannot listen on ' + where.host + ':' + where.port + ': ' + e.message);
    process.exit(1);
  });
  server.listen({ host: where.host, port: where.port, exclusive: true }, () => log('serving ' + Object.keys(routes).join(', ') + ' on http://' + where.host + ':' + where.port));
  closers.push(() => server.close());
}
`;
