/**
 * Messages between the main-thread client (client.ts) and the engine worker
 * (engine_worker.ts). Everything is structured-clone data; errors travel as ErrorData.
 *
 *   main → worker: load, then generate / cancel any number of times, then close
 *   worker → main: loaded | load-failed, then output batches (one per loop step), then closed
 *
 * A hot swap takes two steps so that both threads switch at the same point of the message order:
 * `swap` loads the new model aside (→ swap-ready | swap-failed); the client then switches its own
 * side and posts `commit-swap`, so every generate posted before the commit runs on the old model
 * and every one after on the new. `remove` likewise takes effect at its place in the order
 * (→ removed once the model's requests have finished and its session is released).
 *
 * @module
 */
import type { ErrorData } from "./errors.ts";
import type { ModelSpec } from "./model_info.ts";
import type { EngineStats, GenerationEvent, GenerationRequest, ModelInfo } from "./types.ts";

/** Settings of the worker's loop. */
export interface WorkerSettings {
  /** onnxruntime intra-op threads per session. */
  threads: number;
  maxBatchSize: number;
  maxWaiting: number;
  prefillChunkTokens: number;
  /** Bytes of prompt KV caches each model keeps for reuse (0: none). */
  prefixCacheBytes: number;
}

export type ToWorker =
  | { type: "load"; models: { spec: ModelSpec; info: ModelInfo }[]; settings: WorkerSettings }
  /** `request` is validated and has its seed set. */
  | { type: "generate"; id: number; request: GenerationRequest }
  | { type: "cancel"; id: number }
  /** Loads `spec` aside under request id `id`; nothing serves it until commit-swap. */
  | { type: "swap"; id: number; spec: ModelSpec; info: ModelInfo }
  | { type: "commit-swap"; id: number }
  | { type: "remove"; id: number; name: string }
  | { type: "close" };

/** One request's next event, or its failure (the request's stream ends with the error). */
export type OutputItem =
  | { id: number; event: GenerationEvent }
  | { id: number; error: ErrorData };

export type FromWorker =
  /** Logits width of each model's graph, by model name. */
  | { type: "loaded"; vocabSizes: Record<string, number> }
  | { type: "load-failed"; error: ErrorData }
  | { type: "output"; items: OutputItem[]; stats: EngineStats }
  | { type: "swap-ready"; id: number; vocabSize: number }
  | { type: "swap-failed"; id: number; error: ErrorData }
  | { type: "removed"; id: number }
  | { type: "closed" };
