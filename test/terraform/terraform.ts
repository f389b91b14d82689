/**
 * Runs the real `terraform` binary for tests: offline (the hashicorp/aws provider from a local
 * plugin directory), with its configuration, data and plugin cache in a temporary folder and
 * HOME pointed there too, so that nothing reads or writes the user's own files.
 */

import { spawn } from 'node:child_process';
import { constants, existsSync, readdirSync } from 'node:fs';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ENDPOINT_SERVICES } from '../../cloudup/aws/terraform/provider.js';

const PROVIDER = join('registry.terraform.io', 'hashicorp', 'aws');
const SEARCHED = ['/opt/tf-plugins', join(homedir(), '.terraform.d', 'plugins'), '/usr/local/share/terraform/plugins', '/usr/share/terraform/plugins'];

export interface TerraformRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

export interface Terraform {
  readonly binary: string;
  readonly pluginDir: string;
  /** Runs `terraform <args>` in `cwd` with the isolated environment and the given AWS variables. */
  run(args: readonly string[], cwd: string): Promise<TerraformRun>;
}

/** The module's variables that point the provider at an emulator (moto) for every service. */
export function emulatorVariables(url: string): Record<string, unknown> {
  return {
    aws_endpoints: Object.fromEntries(ENDPOINT_SERVICES.map((s) => [s, url])),
    aws_skip_credentials_validation: true,
    aws_skip_requesting_account_id: true,
    aws_skip_metadata_api_check: true,
    aws_s3_use_path_style: true,
  };
}

/** Finds terraform and the provider, and prepares the isolated folders under `home`. */
export async function setupTerraform(home: string, aws: Readonly<Record<string, string>>): Promise<Terraform> {
  const binary = process.env['HOIST_TEST_TERRAFORM'] ?? (await findOnPath('terraform'));
  if (binary === undefined) throw new Error('the terraform tests need the terraform binary (1.5 or later) on PATH, or its path in HOIST_TEST_TERRAFORM');
  const pluginDir = findPluginDir();
  const config = join(home, 'terraformrc');
  await mkdir(join(home, 'plugin-cache'), { recursive: true });
  await writeFile(config, '');
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    TF_CLI_CONFIG_FILE: config,
    TF_DATA_DIR: join(home, 'data'),
    TF_PLUGIN_CACHE_DIR: join(home, 'plugin-cache'),
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
    CHECKPOINT_DISABLE: '1',
    // The provider (which inherits this) and terraform spend much of their CPU allocating and
    // collecting garbage, and these tests are CPU-bound on a loaded machine: GOGC=400 cuts their
    // CPU by about a quarter for ~100 MB more per process (GOGC=off took 2 GB in a plan).
    GOGC: process.env['GOGC'] ?? '400',
    // To see where a run spends its time: TF_LOG=DEBUG TF_LOG_PATH=/tmp/tf.log npx vitest run test/terraform/...
    ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('TF_LOG') && e[1] !== undefined)),
    ...aws,
  };
  return {
    binary,
    pluginDir,
    run: (args, cwd) => runProcess(binary, args, cwd, env),
  };
}

/**
 * `terraform init` (offline, from the plugin directory) and `terraform validate` of the module in
 * `dir`, with terraform's own folders under `home`: the run that failed, or validate's.
 */
export async function validateModule(home: string, dir: string, aws: Readonly<Record<string, string>> = {}): Promise<TerraformRun> {
  const terraform = await setupTerraform(home, aws);
  const init = await terraform.run(['init', '-input=false', '-no-color', `-plugin-dir=${terraform.pluginDir}`], dir);
  return init.code === 0 ? terraform.run(['validate', '-no-color'], dir) : init;
}

/**
 * The first plugin directory that holds hashicorp/aws for this platform, from
 * HOIST_TEST_TF_PLUGIN_DIR or the usual places; a clear error naming what is missing otherwise.
 */
export function findPluginDir(): string {
  const platform = `${process.platform}_${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const given = process.env['HOIST_TEST_TF_PLUGIN_DIR'];
  const candidates = given ? [given] : SEARCHED;
  for (const dir of candidates) {
    const provider = join(dir, PROVIDER);
    if (!existsSync(provider)) continue;
    for (const version of readdirSync(provider)) {
      const folder = join(provider, version, platform);
      if (existsSync(folder) && readdirSync(folder).some((f) => f.startsWith('terraform-provider-aws'))) return dir;
    }
  }
  throw new Error(
    `the terraform tests need the hashicorp/aws provider 5.x for ${platform} in a plugin directory (${join('<dir>', PROVIDER, '<version>', platform)}/terraform-provider-aws_*); ` +
      `looked in ${candidates.join(', ')}; set HOIST_TEST_TF_PLUGIN_DIR to the directory that has it`,
  );
}

function runProcess(command: string, args: readonly string[], cwd: string, env: Record<string, string>): Promise<TerraformRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - started }));
  });
}

async function findOnPath(name: string): Promise<string | undefined> {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      await access(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not in this folder
    }
  }
  return undefined;
}
