import { describe, expect, it } from 'vitest';
import { startDiscovery } from '../../src/engine/discover.js';
import type { LiveObject, Task, TaskKind } from '../../src/engine/task.js';

interface Log {
  readonly events: string[];
}

/** A kind whose discovery logs when it starts and what tasks it was given, and ends when told. */
function kind(name: string, opts: { readsTasks?: boolean; fail?: boolean } = {}): TaskKind<Log> & { end(): void } {
  let end = () => {};
  const ended = new Promise<void>((resolve) => (end = resolve));
  return {
    kind: name,
    uses: [],
    ...(opts.readsTasks ? { discoverReadsTasks: true, prefetch: (log: Log) => void log.events.push(`prefetch ${name}`) } : {}),
    async discover(log, desired) {
      log.events.push(`discover ${name} ${desired === undefined ? '-' : desired.map((t) => t.name).join(',')}`);
      await ended;
      if (opts.fail) throw new Error(`${name} failed`);
      return [{ id: `${name}-1`, name: `${name}-1`, fields: {}, outputs: {} } satisfies LiveObject];
    },
    checkChanges: () => ({}),
    create: () => Promise.reject(new Error('not used')),
    update: () => Promise.reject(new Error('not used')),
    delete: () => Promise.reject(new Error('not used')),
    end: () => end(),
  };
}

const task = (k: string, name: string): Task => ({ kind: k, name, lifecycle: 'Sync', dependsOn: [], desired: {} });

describe('discovery started before the tasks are built', () => {
  it('lists the kinds that do not read the tasks at once, and gives the others their tasks when they come', async () => {
    const log: Log = { events: [] };
    const vpc = kind('VPC');
    const template = kind('LaunchTemplate', { readsTasks: true });
    const kinds = new Map<string, TaskKind<Log>>([['VPC', vpc], ['LaunchTemplate', template]]);
    const discovery = startDiscovery(kinds, log);
    // Before any task exists: the VPCs are being listed, the templates' listing that needs no task is under way.
    expect(log.events).toEqual(['discover VPC -', 'prefetch LaunchTemplate']);
    vpc.end();
    template.end();
    const found = await discovery.finish(kinds, [task('LaunchTemplate', 'a'), task('VPC', 'v'), task('LaunchTemplate', 'b')]);
    expect(log.events).toEqual(['discover VPC -', 'prefetch LaunchTemplate', 'discover LaunchTemplate a,b']);
    expect([...found.keys()]).toEqual(['VPC', 'LaunchTemplate']);
    expect(found.get('VPC')?.map((o) => o.id)).toEqual(['VPC-1']);
  });

  it('discovers at finish the kinds it was not started with (an addon channel)', async () => {
    const log: Log = { events: [] };
    const vpc = kind('VPC');
    const addon = kind('Addon');
    vpc.end();
    addon.end();
    const discovery = startDiscovery(new Map([['VPC', vpc]]), log);
    const found = await discovery.finish(new Map([['VPC', vpc], ['Addon', addon]]), [task('Addon', 'dns')]);
    expect(log.events).toEqual(['discover VPC -', 'discover Addon dns']);
    expect([...found.keys()]).toEqual(['VPC', 'Addon']);
  });

  it('reports an early listing that failed when the plan asks for it, and not before', async () => {
    const log: Log = { events: [] };
    const vpc = kind('VPC', { fail: true });
    const kinds = new Map([['VPC', vpc]]);
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const discovery = startDiscovery(kinds, log);
      vpc.end();
      // The failure waits for the plan: the tasks are still being built.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expect(discovery.finish(kinds, [])).rejects.toThrow('VPC failed');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
