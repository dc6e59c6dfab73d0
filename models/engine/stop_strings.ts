/**
 * Stop strings on streamed text: the text ends before the first stop string to be completed
 * (the same cut however the text is chunked), and no delta
 * ever shows part of a stop string. Text that could still turn out to start a stop string
 * (a suffix equal to a stop string's prefix) is held back until it cannot.
 *
 * @module
 */

/** Filters one candidate's text stream for its stop strings. */
export class StopStringFilter {
  readonly #stops: string[];
  readonly #longest: number;
  #held = "";
  #stopped = false;

  /** @param stops the stop strings (empty strings are ignored) */
  constructor(stops: readonly string[]) {
    this.#stops = [...new Set(stops.filter((s) => s.length > 0))];
    this.#longest = Math.max(0, ...this.#stops.map((s) => s.length));
  }

  /** True once a stop string matched; later text is dropped. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Adds newly decoded text and returns the text that is now safe to release.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * const filter = new StopStringFilter(["\n\n"]);
   * assert.equal(filter.push("Hi.\n"), "Hi."); // "\n" could start "\n\n": held back
   * assert.equal(filter.push("\nBye"), "");
   * assert.ok(filter.stopped);
   * ```
   */
  push(chunk: string): string {
    if (this.#stopped) return "";
    const text = this.#held + chunk;
    // The occurrence that ends first wins (as when streaming character by character); at equal ends, the longer.
    let stopAt = -1;
    let stopEnd = Infinity;
    for (const stop of this.#stops) {
      const at = text.indexOf(stop);
      if (at < 0) continue;
      const end = at + stop.length;
      if (end < stopEnd || (end === stopEnd && at < stopAt)) [stopAt, stopEnd] = [at, end];
    }
    if (stopAt >= 0) {
      this.#stopped = true;
      this.#held = "";
      return text.slice(0, stopAt);
    }
    const hold = this.#partialMatchLength(text);
    this.#held = text.slice(text.length - hold);
    return text.slice(0, text.length - hold);
  }

  /** Ends the stream: releases whatever is held back (it did not become a stop string). */
  finish(): string {
    const rest = this.#held;
    this.#held = "";
    return rest;
  }

  /** Length of the longest suffix of `text` that is a proper prefix of some stop string. */
  #partialMatchLength(text: string): number {
    for (let length = Math.min(text.length, this.#longest - 1); length > 0; length--) {
      const suffix = text.slice(text.length - length);
      if (this.#stops.some((stop) => stop.startsWith(suffix))) return length;
    }
    return 0;
  }
}
