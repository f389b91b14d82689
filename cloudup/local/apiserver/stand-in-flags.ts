/**
 * What the control-plane stand-ins share with the stand-in runtime (stand-ins/runtime.ts):
 * flags as the Kubernetes programs take them (`--name=value` or `--name value`), the node's
 * absolute paths mapped into its root folder (`HOIST_NODE_ROOT`), the instance's identity
 * header for health probes, and stopping with the process or thread that started them.
 */

import { isAbsolute, join } from 'node:path';

export type Flags = Readonly<Record<string, string>>;

export function parseFlags(argv: readonly string[]): Flags {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    const next = argv[i + 1];
    if (eq > 0) out[a.slice(2, eq)] = a.slice(eq + 1);
    else if (next !== undefined && !next.startsWith('--')) {
      out[a.slice(2)] = next;
      i++;
    } else out[a.slice(2)] = 'true';
  }
  return out;
}

/** A path of the node, inside the node's root folder. */
export function hostPath(p: string, env: NodeJS.ProcessEnv = process.env): string {
  const root = env.HOIST_NODE_ROOT ?? '/';
  return root === '/' || !isAbsolute(p) ? p : join(root, p);
}

/** The header that tells the local cloud's probes which instance answered. */
export function identityHeaders(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.HOIST_INSTANCE_ID === undefined ? {} : { 'x-hoist-instance-id': env.HOIST_INSTANCE_ID };
}

export function required(flags: Flags, name: string): string {
  const v = flags[name];
  if (v === undefined || v === '') throw new Error(`--${name} is required`);
  return v;
}

/** Calls `stop` on SIGTERM/SIGINT and when the parent process goes away. */
export function onStop(stop: () => Promise<void>): void {
  const run = (): void => {
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', run);
  process.once('SIGINT', run);
  if (process.send !== undefined) process.once('disconnect', run);
}
