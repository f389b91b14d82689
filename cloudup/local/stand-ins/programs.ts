/**
 * Stand-in programs for the local cloud, which cannot download Kubernetes. Each is a small
 * Node.js program named like the real binary that serves the real component's health
 * endpoints (plain HTTP, on the address and port the component is configured with) and
 * nothing else: no API, no scheduling, no data. The stand-in kubelet runs the static pods of
 * its manifest folder by starting the stand-in of each pod's command in a worker thread, as a
 * container runtime would start the image.
 */

import { controlPlaneStandIn } from '../apiserver/stand-in-program.js';
import { kubeletClientProgram } from '../kubelet/stand-in-program.js';
import { RUNTIME } from './runtime.js';

const KUBELET = String.raw`
const config = FLAGS.config ? fs.readFileSync(host(FLAGS.config), 'utf8') : '';
serve({ host: yamlScalar(config, 'healthzBindAddress') || ADDRESS, port: Number(yamlScalar(config, 'healthzPort') || 10248) }, { '/healthz': 'ok' });
const podPath = yamlScalar(config, 'staticPodPath');
const pods = new Map();
function startPod(file, text, restarts) {
  const command = yamlList(text, 'command');
  if (command.length === 0) return log(file + ': no command, skipped');
  const bin = host(path.join('/usr/local/bin', path.basename(command[0])));
  fs.mkdirSync(host('/var/log/pods'), { recursive: true });
  const out = fs.createWriteStream(host('/var/log/pods/' + path.basename(file).replace(/\.[a-z]+$/, '') + '.log'), { flags: 'a' });
  // A container of the pod: a thread with its own isolate, argv and environment.
  const container = new Worker(bin, { argv: command.slice(1), env: process.env, stdout: true, stderr: true });
  container.stdout.pipe(out, { end: false });
  container.stderr.pipe(out, { end: false });
  const pod = { text, container, stopped: false };
  pods.set(file, pod);
  log('started static pod ' + file + ' (thread ' + container.threadId + ')');
  container.on('error', (e) => log('static pod ' + file + ': ' + e.message));
  container.on('exit', (code) => {
    out.end();
    if (pod.stopped) return;
    log('static pod ' + file + ' exited (' + code + '), restarting');
    setTimeout(() => { if (pods.get(file) === pod) startPod(file, text, restarts + 1); }, Math.min(10000, 500 * 2 ** restarts));
  });
}
function stopPod(file) {
  const pod = pods.get(file);
  if (!pod) return;
  pod.stopped = true;
  pods.delete(file);
  void pod.container.terminate();
}
function syncPods() {
  let files = [];
  try { files = fs.readdirSync(host(podPath)).filter((f) => /\.(ya?ml|manifest|json)$/.test(f)).sort(); } catch (e) { /* no folder yet */ }
  for (const file of [...pods.keys()]) if (!files.includes(file)) stopPod(file);
  for (const file of files) {
    const text = fs.readFileSync(path.join(host(podPath), file), 'utf8');
    const running = pods.get(file);
    if (running && running.text === text) continue;
    stopPod(file);
    startPod(file, text, 0);
  }
}
closers.push(() => { for (const file of [...pods.keys()]) stopPod(file); });
if (podPath) {
  syncPods();
  setInterval(syncPods, 2000);
}
`;

const KUBE_PROXY = String.raw`
const config = FLAGS.config ? fs.readFileSync(host(FLAGS.config), 'utf8') : '';
serve(hostPort(yamlScalar(config, 'healthzBindAddress'), ADDRESS, 10256), { '/healthz': 'ok', '/livez': 'ok' });
`;

const apiServerLike = (port: number) => String.raw`
serve({ host: FLAGS['bind-address'] || ADDRESS, port: Number(FLAGS['secure-port'] || ${port}) }, {
  '/healthz': 'ok', '/livez': 'ok', '/readyz': 'ok',
  '/version': JSON.stringify({ major: VERSION.split('.')[0], minor: VERSION.split('.')[1], gitVersion: 'v' + VERSION, platform: 'hoist-stand-in' }),
});
`;

const ETCD = String.raw`
if (FLAGS['data-dir']) fs.mkdirSync(host(FLAGS['data-dir']), { recursive: true });
serve(hostPort(FLAGS['listen-client-urls'], ADDRESS, 2379), { '/health': JSON.stringify({ health: 'true', reason: '' }), '/version': JSON.stringify({ etcdserver: VERSION, etcdcluster: VERSION.split('.').slice(0, 2).join('.') + '.0' }) });
`;

// containerd serves gRPC on a unix socket, which a stand-in has no use for: it only stays up.
const CONTAINERD = String.raw`
log('running (stand-in: no socket, no images)');
setInterval(() => undefined, 1 << 30);
`;

const TOOL = String.raw`
process.stdout.write(COMPONENT + ' v' + VERSION + ' (hoist stand-in, not the real program)\n');
process.exit(0);
`;

const BODIES: Readonly<Record<string, string>> = {
  kubelet: KUBELET,
  'kube-proxy': KUBE_PROXY,
  'kube-apiserver': apiServerLike(6443),
  'kube-controller-manager': apiServerLike(10257),
  'kube-scheduler': apiServerLike(10259),
  etcd: ETCD,
  containerd: CONTAINERD,
};

/**
 * The source of the stand-in for `component` at `version`; tools (kubectl, ctr …) only print
 * their version. kube-apiserver and kube-controller-manager are the local API server and its
 * controllers when dist/ holds their bundle (../apiserver/stand-in-program.ts).
 */
export function standInProgram(component: string, version: string): string {
  const bundled = controlPlaneStandIn(component, version);
  if (bundled !== undefined) return bundled;
  return [
    '#!/usr/bin/env node',
    `// hoist stand-in for ${component} v${version}: NOT the real program. It serves the health`,
    '// endpoints of the real component so that the local cloud can run and check a cluster.',
    '(async () => {',
    `const COMPONENT = ${JSON.stringify(component)};`,
    `const VERSION = ${JSON.stringify(version)};`,
    RUNTIME,
    BODIES[component] ?? TOOL,
    // The kubelet also registers its Node and posts its mirror pods (../kubelet/stand-in-main.ts).
    ...(component === 'kubelet' ? [kubeletClientProgram()] : []),
    '})();',
  ].join('\n');
}
