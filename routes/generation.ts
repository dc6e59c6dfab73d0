/**
 * Running engine requests for one HTTP request: start them (so that errors raised before the
 * first token still become proper HTTP statuses), then either collect every candidate or merge
 * the event streams for SSE. No sampling happens here: the engine owns the decode loop.
 *
 * @module
 */
import type {
  ComputeSpent,
  FinishReason,
  GeneratedToken,
  GenerationEngine,
  GenerationEvent,
  GenerationRequest,
} from "../models/engine/types.ts";

/** The engine's "started" event. */
export type StartedEvent = Extract<GenerationEvent, { type: "started" }>;

/** An engine request whose "started" event has arrived; `events` yields the rest. */
export interface StartedGeneration {
  started: StartedEvent;
  events: AsyncIterator<GenerationEvent>;
}

/**
 * Starts every request under `abort.signal` and waits for each "started" event. If any fails,
 * aborts the others and throws the first failure.
 */
export async function startGenerations(
  engine: GenerationEngine,
  requests: readonly GenerationRequest[],
  abort: { signal: AbortSignal; abort: () => void },
): Promise<StartedGeneration[]> {
  const settled = await Promise.allSettled(requests.map(async (request) => {
    const events = engine.generate(request, abort.signal)[Symbol.asyncIterator]();
    const first = await events.next();
    if (first.done || first.value.type !== "started") {
      throw new Error(`engine stream began with ${first.done ? "its end" : first.value.type}, not "started"`);
    }
    return { started: first.value, events };
  }));
  const failure = settled.find((s) => s.status === "rejected");
  if (failure === undefined) {
    return settled.map((s) => (s as PromiseFulfilledResult<StartedGeneration>).value);
  }
  abort.abort();
  for (const s of settled) if (s.status === "fulfilled") void s.value.events.return?.().catch(() => {});
  throw failure.reason;
}

/** Everything one candidate produced. */
export interface CandidateResult {
  tokens: GeneratedToken[];
  text: string;
  finishReason: FinishReason;
  completionTokens: number;
}

/** A finished engine request. */
export interface CollectedGeneration {
  started: StartedEvent;
  candidates: CandidateResult[];
  compute?: ComputeSpent;
}

/**
 * Reads a started generation to its end. `onToken` sees every token event (for time to first
 * token).
 */
export async function collectGeneration(
  generation: StartedGeneration,
  n: number,
  onToken: () => void = () => {},
): Promise<CollectedGeneration> {
  const candidates: CandidateResult[] = Array.from(
    { length: n },
    () => ({ tokens: [], text: "", finishReason: "stop", completionTokens: 0 }),
  );
  let compute: ComputeSpent | undefined;
  for (;;) {
    const { value: event, done } = await generation.events.next();
    if (done) break;
    if (event.type === "token") {
      onToken();
      candidates[event.candidate].tokens.push(event.token);
      candidates[event.candidate].text += event.textDelta;
    } else if (event.type === "finished") {
      const candidate = candidates[event.candidate];
      candidate.text += event.textDelta;
      candidate.finishReason = event.reason;
      candidate.completionTokens = event.completionTokens;
    } else if (event.type === "done") {
      compute = event.compute;
    }
  }
  return { started: generation.started, candidates, compute };
}

/** An event tagged with the index of the generation it came from. */
export interface SourcedEvent {
  source: number;
  event: GenerationEvent;
}

/**
 * Interleaves the remaining events of several generations in arrival order.
 *
 * @example
 * ```ts
 * import { mergeGenerations } from "./generation.ts";
 * const events = (xs: number[]) =>
 *   (async function* () {
 *     for (const x of xs) yield { type: "finished", candidate: x, reason: "stop", textDelta: "", completionTokens: 0 } as const;
 *   })();
 * const seen: number[] = [];
 * const started = { type: "started", modelVersion: "v", promptTokens: 1, seed: 1 } as const;
 * for await (const { source } of mergeGenerations([{ started, events: events([0, 1]) }, { started, events: events([0]) }])) seen.push(source);
 * if (seen.sort().join() !== "0,0,1") throw new Error();
 * ```
 */
export async function* mergeGenerations(
  generations: readonly StartedGeneration[],
): AsyncGenerator<SourcedEvent> {
  const pending = new Map<number, Promise<{ source: number; result: IteratorResult<GenerationEvent> }>>();
  const pull = (source: number) =>
    pending.set(source, generations[source].events.next().then((result) => ({ source, result })));
  generations.forEach((_, source) => pull(source));
  try {
    while (pending.size > 0) {
      const { source, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(source);
        continue;
      }
      pull(source);
      yield { source, event: result.value };
    }
  } finally {
    for (const [source, promise] of pending) {
      promise.catch(() => {}); // nobody awaits it any more
      void generations[source].events.return?.().catch(() => {});
    }
  }
}
