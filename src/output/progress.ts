/**
 * Renders the executor's progress for the CLI, in one of three ways:
 *
 * - on a terminal, one status line rewritten in place, and a lasting line for each retry,
 *   failure or warning, so that they stay on screen once the status line moves on;
 * - in a log (not a terminal), one plain line per finished step, retry, failure or skip, with
 *   no control characters;
 * - with `json`, one JSON object per event (JSON lines), for `-o json`.
 */

import type { Progress } from '../engine/executor.js';
import type { HoistEvent } from './events.js';
import { jsonEventSink } from './io.js';

export interface ProgressRendererOptions {
  readonly write: (text: string) => void;
  readonly isTTY: boolean;
  readonly json: boolean;
  /** The terminal's width; the status line is cut to fit it. */
  readonly columns?: number;
}

export interface ProgressRenderer {
  onProgress(p: Progress): void;
  /** An EventSink: pass it as the executor's `events`, and for any other events of the run. */
  event(e: HoistEvent): void;
  /** Takes the status line away; the command then prints its own summary from the result. */
  finish(): void;
}

const CLEAR_LINE = '\r\x1b[2K';
const EXECUTOR = 'executor.step.';

export function progressRenderer(options: ProgressRendererOptions): ProgressRenderer {
  const { write } = options;
  if (options.json) {
    const sink = jsonEventSink(write);
    return { onProgress: () => undefined, event: sink, finish: () => undefined };
  }
  const width = Math.max(20, options.columns ?? 100);
  const labels = new Map<string, string>();
  let status = '';

  const show = (line: string): void => {
    if (options.isTTY) {
      write(`${CLEAR_LINE}${line}\n${status}`);
    } else {
      write(`${line}\n`);
    }
  };

  return {
    onProgress(p) {
      if (!options.isTTY) return;
      const line = statusLine(p, labels, width);
      if (line === status) return;
      status = line;
      write(`${CLEAR_LINE}${status}`);
    },
    event(e) {
      const id = e.data?.['id'];
      const label = e.data?.['label'];
      if (typeof id === 'string' && typeof label === 'string') labels.set(id, label);
      const line = lineFor(e, options.isTTY);
      if (line !== undefined) show(clean(line));
    },
    finish() {
      if (options.isTTY && status !== '') write(CLEAR_LINE);
      status = '';
    },
  };
}

/** What a person needs to see of an event, or nothing; finished steps only outside a terminal. */
function lineFor(e: HoistEvent, isTTY: boolean): string | undefined {
  if (e.code.startsWith(EXECUTOR)) {
    const what = e.code.slice(EXECUTOR.length);
    if (what === 'started') return undefined;
    if (what === 'done' && isTTY) return undefined;
    return e.message;
  }
  if (e.level === 'debug') return undefined;
  const prefix = e.level === 'warn' ? 'warning: ' : e.level === 'error' ? 'error: ' : '';
  return `${prefix}${e.message}`;
}

/** `[12/40] 3 running: Subnet/a, Network/b`, cut to the width with an ellipsis. */
export function statusLine(p: Progress, labels: ReadonlyMap<string, string>, width: number): string {
  const finished = p.done + p.failed + p.skipped;
  const names = p.running.map((id) => labels.get(id) ?? id).join(', ');
  const running = p.running.length === 0 ? '' : ` ${p.running.length} running: ${names}`;
  const failed = p.failed === 0 ? '' : ` (${p.failed} failed)`;
  const line = clean(`[${finished}/${p.total}]${failed}${running}`).replace(/\s+/g, ' ');
  // One column short of the width: writing the last column makes some terminals wrap.
  return line.length < width ? line : `${line.slice(0, width - 2)}…`;
}

/** Drops escape sequences and control characters (but not newlines) that came in with error messages. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(/[\x00-\x09\x0b-\x1f\x7f]/g, '');
}
