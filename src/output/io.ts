import type { EventSink, HoistEvent } from './events.js';

/**
 * Everything a command touches of the outside world. Commands take an IO so that tests can run
 * them in-process with captured output, a fake terminal and their own environment.
 */
export interface IO {
  /** Writes command output (what a user may pipe or parse). */
  readonly out: (text: string) => void;
  /** Writes messages for the human: progress, warnings, hints. */
  readonly err: (text: string) => void;
  readonly events: EventSink;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly verbose: boolean;
  /** True when a person is at the terminal (prompts and editors are allowed). */
  readonly interactive: boolean;
  /** Asks a question on the terminal and returns the answer line. */
  readonly ask: (question: string) => Promise<string>;
  /** Reads all of standard input (for `-f -`). */
  readonly readStdin: () => Promise<string>;
}

/** Renders events as text lines on stderr; debug lines only when verbose. */
export function textEventSink(write: (text: string) => void, verbose: boolean): EventSink {
  return (e: HoistEvent) => {
    if (e.level === 'debug' && !verbose) return;
    const prefix = e.level === 'warn' ? 'warning: ' : e.level === 'error' ? 'error: ' : '';
    write(`${prefix}${e.message}\n`);
  };
}

/** Renders events as JSON lines, one object per event. */
export function jsonEventSink(write: (text: string) => void): EventSink {
  return (e: HoistEvent) => write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
}
