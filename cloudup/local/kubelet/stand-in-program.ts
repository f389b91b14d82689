/**
 * The part of the kubelet stand-in's program that talks to the API server: the bundle
 * dist/kubelet-stand-in.cjs (./stand-in-main.ts with @kubernetes/client-node inside; `npm run
 * build` makes it), evaluated by the stand-in program as the control-plane stand-ins' bundle is
 * (../apiserver/stand-in-program.ts): as a function given a `require` for Node's built-in
 * modules, so that the one program runs as CommonJS or as an ES module alike.
 */

import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hoistExecutable } from '../self.js';

let cache: { path: string; mtimeMs: number; source: string } | undefined;

/** The bundle's source, or undefined when dist/ has none (sources not built yet). */
export function kubeletClientSource(): string | undefined {
  const path = join(dirname(hoistExecutable()), 'kubelet-stand-in.cjs');
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  if (cache?.path !== path || cache.mtimeMs !== mtimeMs) cache = { path, mtimeMs, source: readFileSync(path, 'utf8') };
  return cache.source;
}

/**
 * Stand-in program text (runs after the kubelet body of ../stand-ins/programs.ts, whose `podPath`,
 * `FLAGS`, `ADDRESS`, `VERSION`, `log` and `closers` it uses) that starts the API client, or
 * nothing when the bundle is not built.
 */
export function kubeletClientProgram(): string {
  const source = kubeletClientSource();
  if (source === undefined) return "log('no API client (dist/kubelet-stand-in.cjs is not built): the node is not registered');";
  return [
    "const { createRequire: kubeletRequire } = await import('node:module');",
    'const kubeletModule = { exports: {} };',
    `new Function('require', 'module', 'exports', '__filename', '__dirname', ${JSON.stringify(source)})(kubeletRequire(process.cwd() + '/'), kubeletModule, kubeletModule.exports, '', process.cwd());`,
    'const stopClient = kubeletModule.exports.startKubeletClient({',
    '  flags: FLAGS, version: VERSION, address: ADDRESS, log,',
    // Every manifest of the static pod folder, as the real kubelet mirrors every static pod it has.
    '  staticPods: () => {',
    '    if (!podPath) return [];',
    "    try { return fs.readdirSync(host(podPath)).filter((f) => /\\.(ya?ml|manifest|json)$/.test(f)).sort().map((file) => ({ file, text: fs.readFileSync(path.join(host(podPath), file), 'utf8') })); } catch (e) { return []; }",
    '  },',
    '});',
    'closers.push(stopClient);',
  ].join('\n');
}
