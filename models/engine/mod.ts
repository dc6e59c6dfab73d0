/**
 * The generation engine: serves decoder models in the Optimum layout with continuous batching,
 * shared prefill, seeded sampling, stop strings, log-probs, cancellation and compute accounting,
 * in a Worker so the HTTP thread never blocks on a model run. The contract is types.ts.
 *
 * @example
 * ```ts ignore
 * import { createEngine } from "./mod.ts";
 * const engine = await createEngine({ models: [{ name: "default", path: "models/default" }] });
 * const promptIds = await engine.tokenize("default", "<|user|>\nHello\n<|assistant|>\n");
 * const sampling = { temperature: 0.8, topP: 0.95, topK: 0, presencePenalty: 0, frequencyPenalty: 0,
 *   maxTokens: 32, stop: ["\n\n"], ignoreEos: false, seed: 7 };
 * for await (const event of engine.generate({ model: "default", promptIds, n: 2, sampling })) {
 *   if (event.type === "token") console.log(event.candidate, event.textDelta);
 * }
 * await engine.close();
 * ```
 *
 * @module
 */
import { type LoadedModel, WorkerEngine } from "./client.ts";
import { InvalidRequestError } from "./errors.ts";
import { type ModelSpec, readModelFolder } from "./model_info.ts";
import type { GenerationEngine, ModelHost } from "./types.ts";

export * from "./errors.ts";
export type * from "./types.ts";
export type { ModelSpec } from "./model_info.ts";
export { MAX_LOGPROB_ALTERNATIVES } from "./validate_request.ts";
export { compiledSchema } from "./json_constraint.ts";
export { SchemaError } from "./json_schema.ts";
export { policySampling } from "./policy_sampling.ts";
export { prefilledTokens, PREFIX_CACHE_MIN_TOKENS } from "./prefix_reuse.ts";

/** Options of {@link createEngine}. */
export interface EngineOptions {
  /** The models to serve; names must be unique. */
  models: ModelSpec[];
  /** onnxruntime intra-op threads per model session (default 2). */
  threads?: number;
  /** Most candidates decoding at once per model (default 16). */
  maxBatchSize?: number;
  /** Most requests waiting per model before OverloadedError (default 64). */
  maxWaiting?: number;
  /** Prompt tokens prefilled per loop step while other sequences decode (default 128). */
  prefillChunkTokens?: number;
  /**
   * Megabytes of recent prompts' KV caches each model keeps, so that prompts sharing a prefix with
   * them prefill only the rest (default 128; 0 turns prefix caching off). See prefix_cache.ts.
   */
  prefixCacheMegabytes?: number;
}

/**
 * Reads the model folders, starts the engine worker and loads every model in it.
 * Throws ModelLoadError for a folder that breaks the contract. The engine is also a ModelHost:
 * models can be swapped, added and removed while it serves.
 */
export async function createEngine(options: EngineOptions): Promise<GenerationEngine & ModelHost> {
  const names = options.models.map((m) => m.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate !== undefined) {
    throw new InvalidRequestError(`model name "${duplicate}" appears twice`, "models");
  }
  const models: LoadedModel[] = [];
  for (const spec of options.models) models.push({ spec, ...await readModelFolder(spec) });
  const megabytes = (value: number | undefined, fallback: number) => {
    const chosen = value ?? fallback;
    if (!(chosen >= 0 && Number.isFinite(chosen))) {
      throw new InvalidRequestError(
        "prefixCacheMegabytes must be a non-negative number",
        "prefixCacheMegabytes",
      );
    }
    return chosen;
  };
  const positive = (value: number | undefined, fallback: number, name: string) => {
    const chosen = value ?? fallback;
    if (!Number.isInteger(chosen) || chosen < 1) {
      throw new InvalidRequestError(`${name} must be a positive integer`, name);
    }
    return chosen;
  };
  return await WorkerEngine.start(models, {
    threads: positive(options.threads, 2, "threads"),
    maxBatchSize: positive(options.maxBatchSize, 16, "maxBatchSize"),
    maxWaiting: positive(options.maxWaiting, 64, "maxWaiting"),
    prefillChunkTokens: positive(options.prefillChunkTokens, 128, "prefillChunkTokens"),
    prefixCacheBytes: Math.round(megabytes(options.prefixCacheMegabytes, 128) * 2 ** 20),
  });
}
