/**
 * A push-to-pull bridge: producers `push` values as they happen (aligners committing blocks from
 * callbacks), one consumer iterates them; `end` or `fail` closes the stream. Unbounded: the aligned
 * path pushes at most one event per generated token.
 *
 * @module
 */

/**
 * An async queue of values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventQueue } from "./_event_queue.ts";
 * const queue = new EventQueue<number>();
 * queue.push(1);
 * queue.push(2);
 * queue.end();
 * const seen: number[] = [];
 * for await (const value of queue) seen.push(value);
 * assert.deepEqual(seen, [1, 2]);
 * ```
 */
export class EventQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #closed = false;
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;

  push(value: T): void {
    if (this.#closed) return;
    this.#items.push(value);
    this.#notify();
  }

  /** No more values: iteration ends once the queued ones are read. */
  end(): void {
    this.#closed = true;
    this.#notify();
  }

  /** Iteration throws `error` once the queued values are read. */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#failure = { error };
    this.end();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      if (this.#items.length > 0) {
        yield this.#items.shift()!;
        continue;
      }
      if (this.#closed) {
        if (this.#failure) throw this.#failure.error;
        return;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
