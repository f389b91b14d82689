/**
 * The CLI loads only the modules of the command being run (src/cli/program.ts). Its table of
 * command modules must name, for every top-level command, every module that adds to it: a
 * command built from its own modules has the same subcommands, options and arguments as the
 * full program; a module that only adds subcommands is loaded for those alone. The bundle answers
 * `--version` without loading a single chunk, and `get clusters` without the spec API.
 */

import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_MODULES, commandsFor } from '../../src/cli/program.js';
import type { Runner } from '../../src/cli/program.js';
import type { IO } from '../../src/output/io.js';
import { silent } from '../../src/output/events.js';
import { HOIST_BIN, hoist, tempDir } from '../support/cli.js';
import pkg from '../../package.json' with { type: 'json' };

const io: IO = { out: () => {}, err: () => {}, events: silent, env: {}, cwd: '/', verbose: false, interactive: false, ask: async () => '', readStdin: async () => '' };
const run: Runner = async () => {};

/** A command's shape: its options and arguments, and its subcommands', recursively. */
function shape(c: Command): unknown {
  return {
    options: c.options.map((o) => o.flags),
    args: c.registeredArguments.map((a) => a.name()),
    commands: Object.fromEntries(c.commands.map((s) => [s.name(), shape(s)])),
  };
}

describe('the lazy command table', () => {
  it('builds each top-level command from its own modules exactly as the full program has it', async () => {
    const full = buildProgram(io, run, await commandsFor([]));
    expect(full.commands.length).toBeGreaterThan(15);
    for (const command of full.commands) {
      const alone = buildProgram(io, run, await commandsFor([command.name(), '--help']));
      const built = alone.commands.find((c) => c.name() === command.name());
      expect(built, `hoist ${command.name()}`).toBeDefined();
      expect(shape(built as Command), `hoist ${command.name()}`).toEqual(shape(command));
      // Fewer modules than all: the point of the table.
      expect(alone.commands.length, `hoist ${command.name()}`).toBeLessThan(full.commands.length);
    }
  });

  it('finds the command after the root options and their values; help and unknown commands load all', async () => {
    const all = (await commandsFor([])).length;
    expect((await commandsFor(['--state', 'file:///x', '--name', 'update', 'get', 'clusters'])).length).toBeLessThan(all);
    const get = await commandsFor(['get', 'instancegroups']);
    expect(await commandsFor(['--state', 'file:///x', '--name', 'update', 'get', 'instancegroups'])).toEqual(get);
    expect((await commandsFor(['--help'])).length).toBe(all);
    expect((await commandsFor(['help', 'get'])).length).toBe(all);
    expect((await commandsFor(['updte', 'cluster'])).length).toBe(all);
  });
});

/** Every name a command answers to. */
const namesOf = (c: Command): string[] => [c.name(), ...c.aliases()];

describe('the lazy command table, by subcommand', () => {
  it('builds each subcommand, by each of its names, from the modules the table picks for it exactly as the full program has it', async () => {
    const full = buildProgram(io, run, await commandsFor([]));
    let narrowed = 0;
    for (const command of full.commands) {
      for (const sub of command.commands) {
        for (const name of namesOf(sub)) {
          const modules = await commandsFor([command.name(), name, '--help']);
          const alone = buildProgram(io, run, modules);
          const built = alone.commands.find((c) => c.name() === command.name())?.commands.find((c) => namesOf(c).includes(name));
          expect(built, `hoist ${command.name()} ${name}`).toBeDefined();
          expect(shape(built as Command), `hoist ${command.name()} ${name}`).toEqual(shape(sub));
          if (modules.length < (await commandsFor([command.name()])).length) narrowed++;
        }
      }
    }
    // get, create and delete each have subcommands from several modules.
    expect(narrowed).toBeGreaterThan(10);
  });

  it('names in the table only subcommands that the full program has under one of the module\'s commands', async () => {
    const full = buildProgram(io, run, await commandsFor([]));
    for (const m of COMMAND_MODULES) {
      const subs = m.words.flatMap((w) => full.commands.find((c) => c.name() === w)?.commands.flatMap(namesOf) ?? []);
      for (const name of m.subcommands ?? []) expect(subs, `${m.words.join('|')} ${name}`).toContain(name);
    }
  });

  it('loads get.ts alone for get clusters; all the modules of get for an unknown subcommand, or one after an option', async () => {
    const all = await commandsFor(['get']);
    expect(await commandsFor(['get', 'clusters'])).toHaveLength(1);
    expect(await commandsFor(['--state', 'file:///x', 'get', 'cluster', 'a.example.com', '-o', 'json'])).toHaveLength(1);
    expect(await commandsFor(['get', 'clustres'])).toEqual(all);
    expect(await commandsFor(['get', '-o', 'json', 'clusters'])).toEqual(all);
    // create's own -f takes a file whose name may be a subcommand's: create.ts is always loaded.
    expect((await commandsFor(['create', 'cluster'])).length).toBeLessThan((await commandsFor(['create'])).length);
  });
});

describe('get clusters without the spec API', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  const NAME = 'listed.example.com';

  beforeAll(async () => {
    dir = await tempDir('hoist-lazy-get-');
    env = { HOIST_STATE_STORE: pathToFileURL(dir.path).href };
    expect((await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a,us-east-1b'], { env })).code).toBe(0);
  });
  afterAll(async () => dir.cleanup());

  const table = `NAME                CLOUD  ZONES\n${NAME}  aws    us-east-1a,us-east-1b\n`;
  const history = () => join(dir.path, NAME, 'history', '00000001');

  it('lists from the copy in the latest revision; a damaged copy is passed over for the stored object', async () => {
    expect(await hoist(['get', 'clusters'], { env })).toMatchObject({ code: 0, stdout: table });
    const record = await readFile(history(), 'utf8');
    try {
      const damaged = JSON.parse(record) as { specs: { cluster: { spec?: unknown } } };
      delete damaged.specs.cluster.spec;
      await writeFile(history(), JSON.stringify(damaged));
      expect(await hoist(['get', 'clusters'], { env })).toMatchObject({ code: 0, stdout: table });
    } finally {
      await writeFile(history(), record);
    }
  });

  it('validates a Cluster changed outside hoist, as every other read does: a bad field is refused by its path, without a stack', async () => {
    const config = join(dir.path, NAME, 'config');
    const text = await readFile(config, 'utf8');
    try {
      await writeFile(config, text.replace('cloudProvider: aws', 'cloudProvider: azure'));
      const r = await hoist(['get', 'clusters'], { env });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('spec.cloudProvider');
      expect(r.stderr).toContain('azure');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      // The bundle's listing hands this one to the whole CLI (it validates): the same answer.
      const bundled = spawnSync(process.execPath, [HOIST_BIN, 'get', 'clusters'], { encoding: 'utf8', env: { ...process.env, ...env } });
      expect({ code: bundled.status, stdout: bundled.stdout, stderr: bundled.stderr }).toEqual({ code: 1, stdout: '', stderr: r.stderr });
    } finally {
      await writeFile(config, text);
    }
    expect(await hoist(['get', 'clusters'], { env })).toMatchObject({ code: 0, stdout: table });
  });

  it('runs in the bundle loading neither zod nor yaml (npm run build)', () => {
    const r = spawnSync(process.execPath, ['--import', loaderHook, HOIST_BIN, 'get', 'clusters'], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(table);
    const loaded = loadedFiles(r.stderr);
    const sources = loaded.flatMap((f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources);
    expect(sources.filter((s) => /node_modules\/(zod|yaml)\//.test(s) || s.includes('src/api/schema')), loaded.join('\n')).toEqual([]);
    // commander and the read path: about 200 KB (it was 1.7 MB in 68 files), in the listing
    // bundle and the entry's few chunks (it was 23 files).
    expect(loaded.reduce((n, f) => n + statSync(f).size, 0)).toBeLessThan(320 * 1024);
    expect(loaded.map((f) => f.slice(dirname(HOIST_BIN).length + 1))).toContain('hoist-list.js');
    expect(loaded.length, loaded.join('\n')).toBeLessThanOrEqual(6);
    // commander requires node:child_process only if it spawns (src/build/listing.mjs).
    expect(builtins(r.stderr)).toContain('fs/promises');
    expect(builtins(r.stderr)).not.toContain('child_process');
  });

  it('the listing bundle runs a table alone, and hands back, having printed nothing, what needs the whole CLI', () => {
    // Each command line through runListing of dist/hoist-list.js, in one process.
    const script = `
      const { runListing } = await import(${JSON.stringify(pathToFileURL(join(dirname(HOIST_BIN), 'hoist-list.js')).href)});
      const results = [];
      for (const [argv, env, verbose] of ${JSON.stringify(listingCases(env))}) {
        let printed = '';
        const io = { out: (t) => (printed += t), err: (t) => (printed += t), events: (e) => { if (e.level !== 'debug') printed += e.message; }, env, cwd: '/', verbose, interactive: false, ask: async () => '', readStdin: async () => '' };
        results.push({ argv: argv.join(' '), code: await runListing(argv, io) ?? 'handed back', printed });
      }
      process.stdout.write(JSON.stringify(results));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const back = (argv: string) => ({ argv, code: 'handed back', printed: '' });
    expect(JSON.parse(r.stdout)).toEqual([
      { argv: 'get clusters', code: 0, printed: table },
      { argv: `get cluster ${NAME} -o table`, code: 0, printed: table },
      { argv: 'get clusters missing.example.com', code: 1, printed: `error: cluster missing.example.com not found in ${env.HOIST_STATE_STORE}\nhint: list the clusters with: hoist get clusters\n` },
      back('get clusters -o yaml'),
      back('get clusters -o json'),
      back('get clusters --full'),
      back(`get instancegroups --name ${NAME}`),
      back('get all'),
      back('create cluster'),
      back('get clusters'), // s3://
      back('get clusters'), // -v
    ]);
  });
});

/** Command lines for runListing: [argv, env, verbose]. */
function listingCases(env: Record<string, string>): [string[], Record<string, string>, boolean][] {
  const s3 = { ...env, HOIST_STATE_STORE: 's3://hoist-listing-bucket' };
  return [
    [['get', 'clusters'], env, false],
    [['get', 'cluster', 'listed.example.com', '-o', 'table'], env, false],
    [['get', 'clusters', 'missing.example.com'], env, false],
    [['get', 'clusters', '-o', 'yaml'], env, false],
    [['get', 'clusters', '-o', 'json'], env, false],
    [['get', 'clusters', '--full'], env, false],
    [['get', 'instancegroups', '--name', 'listed.example.com'], env, false],
    [['get', 'all'], env, false],
    [['create', 'cluster'], env, false],
    [['get', 'clusters'], s3, false],
    [['get', 'clusters'], env, true],
  ];
}

/** A loader hook that reports every module Node.js loads from a file. */
const hook = `data:text/javascript,${encodeURIComponent("export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('loaded ' + url + '\\n'); return next(url, context); }")}`;
const loaderHook = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)}); process.on('exit', () => process.stderr.write('builtins ' + process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice(13)).join(' ') + '\\n'));`)}`;
/** The Node.js modules (node:...) that were loaded, as the loader hook reports them at exit. */
const builtins = (stderr: string): string[] => stderr.split('\n').find((l) => l.startsWith('builtins '))?.slice('builtins '.length).split(' ') ?? [];
const loadedFiles = (stderr: string): string[] => stderr.split('\n').flatMap((l) => (l.startsWith('loaded ') ? [fileURLToPath(l.slice('loaded '.length))] : []));

describe('hoist --version (the bundle: npm run build)', () => {
  it('prints the version loading next to nothing of the bundle', () => {
    const r = spawnSync(process.execPath, ['--import', loaderHook, HOIST_BIN, '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
    const loaded = loadedFiles(r.stderr);
    expect(loaded.some((f) => f.endsWith('/hoist.js'))).toBe(true);
    // The entry and esbuild's shared helpers: a few kilobytes (all commands' modules were 7 MB).
    const bytes = loaded.reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes, loaded.join('\n')).toBeLessThan(64 * 1024);
  });
});

describe('update cluster without the Kubernetes client (the bundle: npm run build)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  afterAll(async () => dir?.cleanup());

  it('plans an applied cluster whose minor stays without loading @kubernetes/client-node (14 MB of the bundle)', async () => {
    dir = await tempDir('hoist-lazy-update-');
    const NAME = 'lazy.example.com';
    // No kubeconfig: were the client loaded, it would find no nodes to ask.
    const env = { HOIST_STATE_STORE: pathToFileURL(join(dir.path, 'state')).href, HOIST_CLUSTER_NAME: NAME, HOME: dir.path, TMPDIR: dir.path, KUBECONFIG: join(dir.path, 'none') };
    expect((await hoist(['create', 'cluster', NAME, '--cloud', 'aws', '--zones', 'us-east-1a', '--dns-zone', 'example.com'], { env })).code).toBe(0);
    // A Terraform module writes cluster-completed.spec: the next update's version guards compare with it.
    const terraform = ['update', 'cluster', '--target', 'terraform', '--out', join(dir.path, 'tf')];
    const first = await hoist(terraform, { env });
    expect(first.code, first.stderr).toBe(0);
    const r = spawnSync(process.execPath, ['--import', loaderHook, HOIST_BIN, ...terraform], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(r.status, r.stderr).toBe(0);
    const loaded = loadedFiles(r.stderr);
    const sources = loaded.flatMap((f) => (JSON.parse(readFileSync(`${f}.map`, 'utf8')) as { sources: string[] }).sources);
    expect(sources.some((s) => s.includes('cloudup/upgrade/guards-update.ts')), 'the version guards ran').toBe(true);
    expect(sources.filter((s) => s.includes('node_modules/@kubernetes/client-node/'))).toEqual([]);
  });
});
