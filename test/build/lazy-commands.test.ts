/**
 * The CLI loads only the modules of the command being run (src/cli/program.ts). Its table of
 * command modules must name, for every top-level command, every module that adds to it: a
 * command built from its own modules has the same subcommands, options and arguments as the
 * full program. And the bundle answers `--version` without loading a single chunk.
 */

import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, commandsFor } from '../../src/cli/program.js';
import type { Runner } from '../../src/cli/program.js';
import type { IO } from '../../src/output/io.js';
import { silent } from '../../src/output/events.js';
import { HOIST_BIN } from '../support/cli.js';
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
    const get = await commandsFor(['get']);
    expect(await commandsFor(['--state', 'file:///x', '--name', 'update', 'get', 'clusters'])).toEqual(get);
    expect((await commandsFor(['--help'])).length).toBe(all);
    expect((await commandsFor(['help', 'get'])).length).toBe(all);
    expect((await commandsFor(['updte', 'cluster'])).length).toBe(all);
  });
});

describe('hoist --version (the bundle: npm run build)', () => {
  it('prints the version loading next to nothing of the bundle', () => {
    // A loader hook that reports every module Node.js loads from a file.
    const hook = `data:text/javascript,${encodeURIComponent("export async function load(url, context, next) { if (url.startsWith('file:')) process.stderr.write('loaded ' + url + '\\n'); return next(url, context); }")}`;
    const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
    const r = spawnSync(process.execPath, ['--import', register, HOIST_BIN, '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
    const loaded = r.stderr.split('\n').flatMap((l) => (l.startsWith('loaded ') ? [fileURLToPath(l.slice('loaded '.length))] : []));
    expect(loaded.some((f) => f.endsWith('/hoist.js'))).toBe(true);
    // The entry and esbuild's shared helpers: a few kilobytes (all commands' modules were 7 MB).
    const bytes = loaded.reduce((n, f) => n + statSync(f).size, 0);
    expect(bytes, loaded.join('\n')).toBeLessThan(64 * 1024);
  });
});
