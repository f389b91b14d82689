/**
 * A RollingCloud kept in memory for the roll's own tests: one node group whose machines are
 * launched at some version and, like the local cloud's, are `pending` with their process started
 * (cloudReady) until they have booted for `bootMs` of the test's clock, then `running` and Ready.
 * Every action is logged with the group as it was at that moment.
 */

import type { RollingCloud, RollingGroup, RollingInstance } from '../../cloudup/rolling/types.js';

export interface Machine {
  id: string;
  version: number;
  detached: boolean;
  terminated: boolean;
  launchedAt: number;
}

export interface MemoryRollingCloud {
  readonly cloud: RollingCloud;
  readonly machines: Machine[];
  /** `detach i-1`, `terminate i-1 while running: i-2, i-3, i-4`, in order. */
  readonly log: string[];
  /** The API's problem, if any (validation fails while it is set). */
  apiProblem: string | undefined;
}

export interface MemoryCloudOptions {
  readonly size: number;
  /** The version a new machine gets; 2 (the wanted one) by default. */
  readonly launches?: () => number;
  readonly bootMs?: number;
  readonly now?: () => number;
  /** The group's name and role ('nodes', Node by default), the prefix of its machines' ids ('i'). */
  readonly name?: string;
  readonly role?: RollingGroup['role'];
  readonly idPrefix?: string;
  /** The version the group's first machines run: 1 (out of date) by default. */
  readonly initialVersion?: number;
}

export function memoryRollingCloud(options: MemoryCloudOptions): MemoryRollingCloud {
  const now = options.now ?? (() => 0);
  const bootMs = options.bootMs ?? 0;
  const launches = options.launches ?? (() => 2);
  const wanted = 2;
  let next = 0;
  const machines: Machine[] = [];
  const name = options.name ?? 'nodes';
  const prefix = options.idPrefix ?? 'i';
  const launch = () => machines.push({ id: `${prefix}-${++next}`, version: launches(), detached: false, terminated: false, launchedAt: now() });
  for (let i = 0; i < options.size; i++) machines.push({ id: `${prefix}-${++next}`, version: options.initialVersion ?? 1, detached: false, terminated: false, launchedAt: now() - bootMs });
  const booted = (m: Machine) => now() - m.launchedAt >= bootMs;
  const state = (m: Machine): RollingInstance['state'] => (m.terminated ? 'terminated' : booted(m) ? 'running' : 'pending');
  const group = (): RollingGroup => ({
    name,
    role: options.role ?? 'Node',
    minSize: options.size,
    maxSize: options.size,
    desired: options.size,
    instances: machines.map((m) => ({
      id: m.id,
      group: name,
      state: state(m),
      ready: state(m) === 'running',
      // What the local cloud says of a machine whose process has started.
      cloudReady: !m.terminated,
      needsUpdate: m.version !== wanted,
      ...(m.version !== wanted ? { updateReason: `template version ${m.version}, the group launches ${wanted}` } : {}),
      detached: m.detached,
      drained: false,
      phase: state(m) === 'running' ? 'Ready' : 'booting',
    })),
  });
  const find = (id: string) => machines.find((m) => m.id === id)!;
  const running = () => machines.filter((m) => !m.detached && state(m) === 'running').map((m) => m.id).join(', ');
  const world: MemoryRollingCloud = {
    machines,
    log: [],
    apiProblem: undefined,
    cloud: {
      supportsSurge: true,
      drains: true,
      pollMs: 1,
      groups: async () => [group()],
      async detach(_g, id) {
        world.log.push(`detach ${id}`);
        find(id).detached = true;
        launch();
      },
      async terminate(_g, id) {
        world.log.push(`terminate ${id} while running: ${running()}`);
        const m = find(id);
        m.terminated = true;
        if (!m.detached) launch();
      },
      drain: async () => undefined,
      drained: async () => true,
      apiProblem: async () => world.apiProblem,
    },
  };
  return world;
}
