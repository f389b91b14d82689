import { describe, expect, it } from 'vitest';
import { execute, NotReadyError } from '../../src/engine/executor.js';
import type { Step } from '../../src/engine/executor.js';
import { progressRenderer, statusLine } from '../../src/output/progress.js';
import type { ProgressRendererOptions } from '../../src/output/progress.js';
import { VirtualClock } from '../engine/executor-clock.js';

/** a (10 ms); b not ready once; c fails; d waits on c; a label on b. */
async function renderRun(options: Omit<ProgressRendererOptions, 'write'>): Promise<string> {
  let out = '';
  const renderer = progressRenderer({ ...options, write: (t) => (out += t) });
  const clock = new VirtualClock();
  let tries = 0;
  const steps: Step<void>[] = [
    { id: 'Network/a', dependsOn: [], run: () => clock.sleep(10) },
    {
      id: 'Subnet/b',
      label: 'Subnet/b (us-east-1a)',
      dependsOn: [],
      run: () => clock.sleep(10).then(() => (tries++ === 0 ? Promise.reject(new NotReadyError('not yet')) : undefined)),
    },
    { id: 'Route/c', dependsOn: ['Network/a'], run: () => Promise.reject(new Error('denied \x1b[31mred\x1b[0m')) },
    { id: 'Route/d', dependsOn: ['Route/c'], run: () => clock.sleep(1) },
  ];
  await clock.run(
    execute(steps, { now: clock.now, sleep: clock.sleep, random: () => 0.5, events: (e) => renderer.event(e), onProgress: (p) => renderer.onProgress(p) }),
  );
  renderer.finish();
  return out;
}

/** What a terminal shows after the output: `\r\x1b[2K` clears the line being written. */
function screen(output: string): { lines: string[]; current: string; statuses: string[] } {
  const lines: string[] = [];
  const statuses: string[] = [];
  let current = '';
  // eslint-disable-next-line no-control-regex
  for (const part of output.split(/(\r\x1b\[2K|\n)/)) {
    if (part === '\r\x1b[2K') {
      if (current !== '') statuses.push(current);
      current = '';
    } else if (part === '\n') {
      lines.push(current);
      current = '';
    } else {
      current += part;
    }
  }
  return { lines, current, statuses };
}

describe('progressRenderer', () => {
  it('on a terminal, rewrites one status line and keeps a line for each retry and failure', async () => {
    const output = await renderRun({ isTTY: true, json: false, columns: 60 });
    const { lines, current, statuses } = screen(output);
    expect(lines).toEqual(['retrying Subnet/b (us-east-1a) in 0.1 s: not yet', 'failed Route/c: denied red', 'skipped Route/d: Route/c failed']);
    expect(current).toBe('');
    expect(statuses).toContain('[0/4] 2 running: Network/a, Subnet/b (us-east-1a)');
    expect(statuses).toContain('[1/4] 1 running: Subnet/b (us-east-1a)');
    expect(statuses).toContain('[3/4] (1 failed)');
    for (const s of statuses) expect(s.length).toBeLessThan(60);
  });

  it('in a log, writes one plain line per finished step, retry, failure or skip', async () => {
    const output = await renderRun({ isTTY: false, json: false });
    expect(output).toBe(
      [
        'done Network/a (0.01 s)',
        'retrying Subnet/b (us-east-1a) in 0.1 s: not yet',
        'failed Route/c: denied red',
        'skipped Route/d: Route/c failed',
        'done Subnet/b (us-east-1a) (0.12 s)',
        '',
      ].join('\n'),
    );
    // eslint-disable-next-line no-control-regex
    expect(output).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/);
  });

  it('with json, writes one JSON object per event', async () => {
    const output = await renderRun({ isTTY: true, json: true });
    const events = output.trimEnd().split('\n').map((l) => JSON.parse(l) as { code: string; data: { id: string } });
    expect(events.map((e) => `${e.code} ${e.data.id}`)).toEqual([
      'executor.step.started Network/a',
      'executor.step.started Subnet/b',
      'executor.step.done Network/a',
      'executor.step.started Route/c',
      'executor.step.retrying Subnet/b',
      'executor.step.failed Route/c',
      'executor.step.skipped Route/d',
      'executor.step.started Subnet/b',
      'executor.step.done Subnet/b',
    ]);
    expect(events[5]).toMatchObject({ level: 'error', data: { error: 'denied \x1b[31mred\x1b[0m' } });
  });

  it('prints other events as warnings and errors, and no debug', () => {
    let out = '';
    const r = progressRenderer({ write: (t) => (out += t), isTTY: false, json: false });
    r.event({ level: 'debug', code: 'lock.renewed', message: 'renewed' });
    r.event({ level: 'warn', code: 'lock.stale', message: 'took over a stale lock' });
    r.event({ level: 'info', code: 'plan.saved', message: 'plan saved' });
    expect(out).toBe('warning: took over a stale lock\nplan saved\n');
  });

  it('keeps a lasting line above the status line, and redraws the status after it', () => {
    let out = '';
    const r = progressRenderer({ write: (t) => (out += t), isTTY: true, json: false });
    r.onProgress({ total: 2, done: 0, failed: 0, skipped: 0, running: ['a'] });
    r.onProgress({ total: 2, done: 0, failed: 0, skipped: 0, running: ['a'] });
    r.event({ level: 'warn', code: 'other', message: 'careful' });
    expect(out).toBe('\r\x1b[2K[0/2] 1 running: a\r\x1b[2Kwarning: careful\n[0/2] 1 running: a');
    r.finish();
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });
});

describe('statusLine', () => {
  it('cuts a long line to the width with an ellipsis', () => {
    const running = Array.from({ length: 8 }, (_, i) => `Subnet/us-east-1${'abcdefgh'[i]}.demo.example.com`);
    const line = statusLine({ total: 40, done: 12, failed: 0, skipped: 0, running }, new Map(), 50);
    expect(line).toBe('[12/40] 8 running: Subnet/us-east-1a.demo.exampl…');
    expect(line).toHaveLength(49);
  });

  it('shows labels for the ids it knows, on one line', () => {
    const line = statusLine({ total: 2, done: 1, failed: 0, skipped: 0, running: ['x'] }, new Map([['x', 'the\nx']]), 100);
    expect(line).toBe('[1/2] 1 running: the x');
  });
});
