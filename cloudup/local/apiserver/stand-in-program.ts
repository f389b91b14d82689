/**
 * The kube-apiserver and kube-controller-manager stand-ins of the local mirror: the bundle
 * `dist/control-plane-stand-in.cjs` (the local API server and the controllers, with etcd3 and
 * @kubernetes/client-node inside; `npm run build` makes it), wrapped so that the one file runs
 * as the other stand-ins do — as CommonJS or as an ES module, in a process or a worker thread:
 * the CommonJS bundle is evaluated as a function given a `require` for Node's built-in modules
 * (the only ones it loads).
 */

import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hoistExecutable } from '../self.js';

export const BUNDLED_STAND_INS: ReadonlySet<string> = new Set(['kube-apiserver', 'kube-controller-manager']);

let cache: { path: string; mtimeMs: number; source: string } | undefined;

/** The bundle's source, or undefined when dist/ has none (sources not built yet). */
function bundleSource(): string | undefined {
  const path = join(dirname(hoistExecutable()), 'control-plane-stand-in.cjs');
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  if (cache?.path !== path || cache.mtimeMs !== mtimeMs) cache = { path, mtimeMs, source: readFileSync(path, 'utf8') };
  return cache.source;
}

/** The program of a bundled stand-in, or undefined when `component` is not one or the bundle is not built. */
export function controlPlaneStandIn(component: string, version: string): string | undefined {
  if (!BUNDLED_STAND_INS.has(component)) return undefined;
  const source = bundleSource();
  if (source === undefined) return undefined;
  return [
    '#!/usr/bin/env node',
    `// hoist stand-in for ${component} v${version}: NOT the real program. It is hoist's own`,
    '// implementation of the part of it a cluster of the local cloud needs (docs/local-cloud.md).',
    '(async () => {',
    "const { createRequire } = await import('node:module');",
    `globalThis.HOIST_STAND_IN = ${JSON.stringify({ component, version })};`,
    "const require = createRequire(process.cwd() + '/');",
    'const module = { exports: {} };',
    `new Function('require', 'module', 'exports', '__filename', '__dirname', ${JSON.stringify(source)})(require, module, module.exports, '', process.cwd());`,
    '})();',
    '',
  ].join('\n');
}
