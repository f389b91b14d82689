/**
 * The output port of library code. Library modules never print: they emit typed events, and the
 * CLI decides how to render them (text on stderr, progress, or JSON lines).
 */

export type EventLevel = 'debug' | 'info' | 'warn' | 'error';

export interface HoistEvent {
  readonly level: EventLevel;
  /** Stable, machine-readable name, e.g. `lock.acquired`, `store.conflict`. */
  readonly code: string;
  readonly message: string;
  readonly data?: Readonly<Record<string, unknown>>;
}

export type EventSink = (event: HoistEvent) => void;

/** A sink that drops everything: the default for library calls made without one. */
export const silent: EventSink = () => {};

/** A sink that records events, for tests and for commands that summarise at the end. */
export function recorder(): { sink: EventSink; events: HoistEvent[] } {
  const events: HoistEvent[] = [];
  return { sink: (e) => events.push(e), events };
}
