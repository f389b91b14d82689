import { MinHeap } from './executor-heap.js';

interface Waiter {
  readonly priority: number;
  readonly order: number;
  readonly grant: (granted: boolean) => void;
}

/**
 * The executor's parallelism: a counting semaphore whose waiters are served by priority (then
 * by input order) instead of first come, first served. The priority is how much work hangs on
 * a step, so that a long chain of dependencies starts as early as it can.
 */
export class Slots {
  private free: number;
  private readonly waiting = new MinHeap<Waiter>((a, b) => a.priority > b.priority || (a.priority === b.priority && a.order < b.order));

  constructor(capacity: number) {
    this.free = capacity;
  }

  /**
   * Resolves true once the caller holds a slot, or false if `signal` aborts first (the caller
   * then holds nothing). A free slot is taken at once, before this returns.
   */
  acquire(priority: number, order: number, signal: AbortSignal): Promise<boolean> {
    if (signal.aborted) return Promise.resolve(false);
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const onAbort = (): void => {
        const removed = this.waiting.removeWhere((w) => w === waiter);
        if (removed.length > 0) resolve(false);
      };
      const waiter: Waiter = {
        priority,
        order,
        grant: (granted) => {
          signal.removeEventListener('abort', onAbort);
          resolve(granted);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Gives the slot to the waiter that comes first, or back to the pool when none waits. */
  release(): void {
    const next = this.waiting.pop();
    if (next) next.grant(true);
    else this.free++;
  }
}
