/**
 * An engine view for the grid: every weighting of a cell asks the engine for the very same seeded
 * candidates (same model, prompt, sampling and seed: only the scoring differs), and a seeded request
 * always yields the same events. So each distinct seeded request runs once and later identical
 * requests replay its recorded events; unseeded requests pass straight through. This saves a factor
 * of the number of weightings in generation. A replayed "done" event repeats the original compute, so
 * receipts count the tokens each run consumed, not the tokens the engine generated.
 *
 * @module
 */
import type { GenerationEngine, GenerationEvent, GenerationRequest } from "../../models/engine/types.ts";

/** The view, and how many requests actually reached the engine. */
export interface ReplayingEngine extends GenerationEngine {
  /** Seeded requests run on the engine (each distinct one once) and replayed. */
  readonly counts: { ran: number; replayed: number };
}

/**
 * Wraps `engine`; `close` only forgets the recordings (the engine belongs to the caller).
 *
 * @example
 * ```ts ignore
 * const view = replayingEngine(engine);
 * // two identical seeded requests: the second never reaches `engine`
 * ```
 */
export function replayingEngine(engine: GenerationEngine): ReplayingEngine {
  const recordings = new Map<string, Promise<GenerationEvent[]>>();
  const counts = { ran: 0, replayed: 0 };
  const record = async (request: GenerationRequest, signal?: AbortSignal) => {
    const events: GenerationEvent[] = [];
    for await (const event of engine.generate(request, signal)) events.push(event);
    if (events.some((event) => event.type === "finished" && event.reason === "cancelled")) {
      throw signal?.reason ?? new Error("generation was cancelled");
    }
    return events;
  };
  async function* generate(
    request: GenerationRequest,
    signal?: AbortSignal,
  ): AsyncGenerator<GenerationEvent> {
    if (request.sampling.seed === undefined) {
      yield* engine.generate(request, signal);
      return;
    }
    const key = JSON.stringify([
      request.model,
      request.promptIds,
      request.n,
      request.sampling,
      request.promptLogprobs ?? null,
    ]);
    let recording = recordings.get(key);
    if (recording === undefined) {
      counts.ran++;
      recording = record(request, signal);
      recordings.set(key, recording);
      recording.catch(() => recordings.delete(key)); // a failed run is not replayed
    } else counts.replayed++;
    const events = await recording;
    for (const event of events) {
      signal?.throwIfAborted();
      yield structuredClone(event);
    }
  }
  return {
    counts,
    generate,
    tokenize: (model, text) => engine.tokenize(model, text),
    detokenize: (model, ids) => engine.detokenize(model, ids),
    models: () => engine.models(),
    stats: () => engine.stats(),
    close: () => {
      recordings.clear();
      return Promise.resolve();
    },
  };
}
