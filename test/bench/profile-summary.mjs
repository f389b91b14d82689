#!/usr/bin/env node
// Summarises V8 CPU profiles (`node --cpu-prof`) by self time: the entries where the process
// spent its samples, with their share and where they are defined. Several profiles (or a
// folder of them) are added up, so the median-free sum of a few runs evens out load noise.
//
//   node test/bench/profile-summary.mjs [--top N] [--by function|file|package|caller] PROFILE|FOLDER...
//
// A frame in a bundle with its source map beside it (`dist/chunks/*.js.map`) is named by its
// original source file and line.
// `--inclusive NAME` also prints the total time under each function called NAME (a phase's cost).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '10' }, by: { type: 'string', default: 'function' }, inclusive: { type: 'string', multiple: true, default: [] } },
});
if (positionals.length === 0) {
  console.error('usage: profile-summary.mjs [--top N] [--by function|file|package|caller] [--inclusive NAME]... PROFILE|FOLDER...');
  process.exit(2);
}
if (!['function', 'file', 'package', 'caller'].includes(values.by)) {
  console.error(`--by ${values.by}: must be function, file, package or caller`);
  process.exit(2);
}

const files = positionals.flatMap((p) => (statSync(p).isDirectory() ? readdirSync(p).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(p, f)) : [p]));

/** A short place for a frame: the package for node_modules, else the file under the bundle or repo. */
function place(url) {
  if (url === '') return '';
  const pkg = /.*node_modules\/((?:@[^/]+\/)?[^/]+)(.*)$/.exec(url);
  if (pkg) return values.by === 'package' ? pkg[1] : `${pkg[1]}${pkg[2]}`;
  return url.replace(/^file:\/\//, '').replace(/^.*\/(dist|src|cloudup|nodeup|state-store)\//, '$1/');
}

const maps = new Map();
/** The bundle's source map for a file:// URL, read once; undefined when there is none. */
function sourceMap(url) {
  if (!maps.has(url)) {
    const path = url.startsWith('file://') ? new URL(url).pathname : url;
    maps.set(url, path.endsWith('.js') && existsSync(`${path}.map`) ? new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8'))) : undefined);
  }
  return maps.get(url);
}

/** The frame's original source and line (through the bundle's source map), else its own. */
function origin(f) {
  const entry = f.url === '' ? undefined : sourceMap(f.url)?.findEntry(f.lineNumber, f.columnNumber);
  if (entry?.originalSource) return { url: entry.originalSource, line: entry.originalLine + 1 };
  return { url: f.url, line: f.lineNumber + 1 };
}

/** Hoist's own source (not a package's, not Node.js's). */
const OWN = /^(src|cloudup|nodeup|state-store)\//;

function keyOf(id, byId, parent) {
  let node = byId.get(id);
  if (values.by === 'caller') {
    for (let a = id; a !== undefined; a = parent.get(a)) {
      if (OWN.test(place(origin(byId.get(a).callFrame).url))) {
        node = byId.get(a);
        break;
      }
    }
  }
  const f = node.callFrame;
  const name = f.functionName || '(anonymous)';
  const at = origin(f);
  if (values.by === 'file' || values.by === 'package') return place(at.url) || name;
  return `${name}  ${place(at.url)}${at.url ? `:${at.line}` : ''}`;
}

const self = new Map();
const inclusive = new Map(values.inclusive.map((n) => [n, 0]));
let total = 0;
/** Samples of the idle thread (waiting on I/O), whatever the grouping. */
let idle = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ms = new Map();
  profile.samples.forEach((id, i) => ms.set(id, (ms.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
  for (const [id, t] of ms) {
    const key = keyOf(id, byId, parent);
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
    if (byId.get(id).callFrame.functionName === '(idle)') idle += t;
    // Each named ancestor counts the sample once, however deep the recursion.
    const seen = new Set();
    for (let a = id; a !== undefined; a = parent.get(a)) {
      const n = byId.get(a).callFrame.functionName;
      if (inclusive.has(n) && !seen.has(n)) {
        seen.add(n);
        inclusive.set(n, inclusive.get(n) + t);
      }
    }
  }
}

const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top));
console.log(`${files.length} profile(s), ${total.toFixed(0)} ms sampled`);
for (const [key, t] of top) console.log(`${t.toFixed(0).padStart(7)} ms ${((100 * t) / total).toFixed(1).padStart(5)} %  ${key}`);
console.log(`busy (all but idle): ${(total - idle).toFixed(0)} ms`);
for (const [n, t] of inclusive) console.log(`under ${n}: ${t.toFixed(0)} ms (${((100 * t) / total).toFixed(1)} %)`);
