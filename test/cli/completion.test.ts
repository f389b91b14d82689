/**
 * `hoist completion`: the bash script, sourced in the real bash, completes commands, subcommands
 * and flags from the program's own tree (so a command added anywhere is offered). zsh's script
 * wraps the bash one; fish's is checked as text (neither shell is installed here). And
 * `version [--short]`.
 */

import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hoist, tempDir } from '../support/cli.js';
import { VERSION } from '../../src/cli/program.js';

let dir: { path: string; cleanup: () => Promise<void> };
let script: string;

beforeAll(async () => {
  dir = await tempDir('hoist-completion-');
  const r = await hoist(['completion', 'bash']);
  expect(r.code, r.stderr).toBe(0);
  script = join(dir.path, 'hoist.bash');
  await writeFile(script, r.stdout);
});
afterAll(async () => dir.cleanup());

/** What bash's completion function offers for the words typed so far (the last one being completed). */
function complete(...words: string[]): string[] {
  const line = ['hoist', ...words];
  const program = [
    `source ${JSON.stringify(script)}`,
    `COMP_WORDS=(${line.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${line.length - 1}`,
    '_hoist_completions',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n');
  return execFileSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8' }).split('\n').filter((w) => w !== '').sort();
}

describe('completion bash', () => {
  it('registers itself for hoist with complete -F', () => {
    const out = execFileSync('bash', ['--norc', '--noprofile', '-c', `source ${JSON.stringify(script)}; complete -p hoist`], { encoding: 'utf8' });
    expect(out.trim()).toBe('complete -F _hoist_completions hoist');
  });

  it('offers top-level commands, subcommands, their aliases and flags', () => {
    expect(complete('')).toEqual(expect.arrayContaining(['create', 'delete', 'distrust', 'get', 'promote', 'rolling-update', 'version', 'completion']));
    expect(complete('ro')).toEqual(['rollback', 'rolling-update']);
    expect(complete('get', 'key')).toEqual(['keypair', 'keypairs', 'keyset', 'keysets']);
    expect(complete('get', 'keypairs', '--')).toEqual(expect.arrayContaining(['--distrusted', '--output', '--name', '--state']));
    // A positional argument does not move the path: a cluster name, then flags of delete instance.
    expect(complete('--name', 'demo.k8s.local', 'delete', 'instance', 'i-0abc', '--s')).toEqual(['--state', '--surge']);
    expect(complete('distrust', '')).toEqual(expect.arrayContaining(['keypair', '--name']));
  });

  it('zsh wraps the bash function; fish names every command path; an unknown shell is refused', async () => {
    const zsh = await hoist(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef hoist\n/);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain('complete -F _hoist_completions hoist');
    const fish = await hoist(['completion', 'fish']);
    expect(fish.stdout).toContain("complete -c hoist -f -n '__hoist_at '\\'''\\''' -a");
    expect(fish.stdout).toMatch(/complete -c hoist -n '__hoist_at '\\''\/get\/keypairs'\\''' -l distrusted/);
    const bad = await hoist(['completion', 'powershell']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('use one of: bash, zsh, fish');
  });
});

describe('version', () => {
  it('prints the version, alone with --short, or as JSON', async () => {
    expect((await hoist(['version', '--short'])).stdout).toBe(`${VERSION}\n`);
    expect((await hoist(['version'])).stdout).toBe(`Client version: ${VERSION} (Node.js ${process.version})\n`);
    expect(JSON.parse((await hoist(['version', '-o', 'json'])).stdout)).toEqual({ clientVersion: VERSION, nodeVersion: process.version });
  });
});
