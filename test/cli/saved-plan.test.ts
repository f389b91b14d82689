/**
 * Saved plans: a file that was edited after it was saved is refused as modified, and a plan that
 * the spec or the live cloud has overtaken names the task and the field that moved.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSavedPlan, loadPlan, savePlan } from '../../src/cli/shared/saved-plan.js';
import { applyPlan } from '../../src/engine/apply.js';
import { discoverAll } from '../../src/engine/discover.js';
import type { Plan } from '../../src/engine/plan.js';
import { buildPlan } from '../../src/engine/planner.js';
import type { Task, TaskKind } from '../../src/engine/task.js';
import { ref } from '../../src/engine/task.js';
import { HoistError } from '../../src/errors.js';
import type { MemoryCloud } from '../engine/memory-kind.js';
import { memoryCloud, memoryKind } from '../engine/memory-kind.js';
import { tempDir } from '../support/cli.js';

const kinds = new Map<string, TaskKind<MemoryCloud>>([
  ['Network', memoryKind('Network')],
  ['DnsRecord', memoryKind('DnsRecord', { uses: ['Network'] })],
]);

function tasks(ttl: number): Task[] {
  return [
    { kind: 'Network', name: 'net', lifecycle: 'Sync', dependsOn: [], desired: { cidr: '127.20.0.0/16' } },
    { kind: 'DnsRecord', name: 'api', lifecycle: 'Sync', dependsOn: ['Network/net'], desired: { type: 'A', ttl, values: [ref('Network/net')] } },
  ];
}

async function plan(cloud: MemoryCloud, t: Task[], specRevision = 1) {
  const discovered = await discoverAll(kinds, cloud);
  return buildPlan({ cluster: 'c', cloud: 'memory', specRevision, tasks: t, kinds, now: () => new Date(0) }, discovered);
}

async function converge(cloud: MemoryCloud, t: Task[]): Promise<void> {
  const run = await applyPlan({ result: await plan(cloud, t), kinds, ctx: cloud, executor: { retry: { baseDelayMs: 1, maxDelayMs: 5 } } });
  expect(run.failures).toEqual([]);
}

/** What the CLI would print for an error: its message and its hint. */
async function refusal(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(HoistError);
    return `${(e as HoistError).message}\n${(e as HoistError).hint ?? ''}`;
  }
  throw new Error('expected a refusal, and it was accepted');
}

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => void (dir = await tempDir('hoist-saved-plan-')));
afterEach(async () => dir.cleanup());

describe('a saved plan file', () => {
  it('is refused as modified when one field (a TTL) was edited, naming nothing else', async () => {
    const saved = (await plan(memoryCloud(), tasks(60))).plan;
    const io = { cwd: dir.path };
    await savePlan(io, 'plan.json', saved);
    expect(await loadPlan(io, 'plan.json', 'c')).toEqual(saved);

    const file = join(dir.path, 'plan.json');
    const text = await readFile(file, 'utf8');
    const edited = text.replace(/("path": "ttl",\s*"after": )60/, '$1300');
    expect(edited).not.toBe(text);
    await writeFile(file, edited);

    const why = await refusal(loadPlan(io, 'plan.json', 'c'));
    expect(why).toContain('--plan: "plan.json" was modified after it was saved: its checksum does not match its content; nothing was applied (make the plan again: hoist update cluster c --save-plan plan.json)');
    expect(why).not.toMatch(/DnsRecord|ttl|stale|live cloud/);
  });

  it('is refused when it has no checksum (an older hoist, or not written by hoist), and accepted re-indented', async () => {
    const saved = (await plan(memoryCloud(), tasks(60))).plan;
    const io = { cwd: dir.path };
    await writeFile(join(dir.path, 'old.json'), JSON.stringify(saved, null, 2));
    const why = await refusal(loadPlan(io, 'old.json', 'c'));
    expect(why).toContain('--plan: "old.json" has no checksum: it was not saved by hoist update cluster --save-plan, or was saved by an older version; nothing was applied (make the plan again: hoist update cluster c --save-plan old.json)');

    // Too deep to hash is not a plan hoist wrote either: refused the same way, not a crash.
    await writeFile(join(dir.path, 'deep.json'), `{"checksum":"sha256:0","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    expect(await refusal(loadPlan(io, 'deep.json', 'c'))).toContain('--plan: "deep.json" was modified after it was saved');

    // Layout is not content: the same plan, re-indented, is still the plan hoist saved.
    await savePlan(io, 'plan.json', saved);
    const file = join(dir.path, 'plan.json');
    await writeFile(file, JSON.stringify(JSON.parse(await readFile(file, 'utf8'))));
    expect(await loadPlan(io, 'plan.json', 'c')).toEqual(saved);
  });
});

describe('a stale saved plan', () => {
  let cloud: MemoryCloud;
  let saved: Plan;
  beforeEach(async () => {
    cloud = memoryCloud();
    await converge(cloud, tasks(60));
    saved = (await plan(cloud, tasks(300))).plan;
  });

  it('names the task and the field the live cloud moved, with planned and current values', async () => {
    await converge(cloud, tasks(120));
    const why = await refusal(async () => checkSavedPlan(saved, (await plan(cloud, tasks(300))).plan));
    expect(why).toContain('the saved plan is stale: the live cloud changed since it was made:\n  DnsRecord/api: ttl planned 60 -> 300, now 120 -> 300');
    expect(why).not.toContain('Network/net');
  });

  it('names the task and the field the spec moved, after the revisions', async () => {
    const why = await refusal(async () => checkSavedPlan(saved, (await plan(cloud, tasks(600), 2)).plan));
    expect(why).toContain('it was made from revision 1 of the spec, which is now at revision 2');
    expect(why).toContain('\n  DnsRecord/api: ttl planned 60 -> 300, now 60 -> 600');
  });

  it('names a task that was not planned, and one that is no longer planned', async () => {
    const now = (await plan(cloud, [...tasks(300), { kind: 'DnsRecord', name: 'www', lifecycle: 'Sync', dependsOn: [], desired: { type: 'A', ttl: 60, values: ['127.0.0.1'] } }])).plan;
    expect(await refusal(() => checkSavedPlan(saved, now))).toContain('  DnsRecord/www: not in the saved plan, now create');
    expect(await refusal(() => checkSavedPlan(now, saved))).toContain('  DnsRecord/www: planned create, now not planned');
  });
});
