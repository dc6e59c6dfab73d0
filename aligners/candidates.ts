/**
 * One batch of candidates from the engine: a single `generate` call with `n` candidates, so they
 * share one prefill of the prompt, seeded from the request generator.
 *
 * @module
 */
import type {
  ComputeSpent,
  FinishReason,
  GeneratedToken,
  GenerationEngine,
  GenerationRequest,
} from "../models/engine/types.ts";
import type { Rng } from "../models/random.ts";
import { type AlignmentTask, GENERATION_STREAM } from "./aligner.ts";

/** One generated candidate. */
export interface Candidate {
  text: string;
  completionTokens: number;
  finishReason: FinishReason;
  /** Every generated token (an ending EOS included), with its log-prob when the sampling asked for them. */
  tokens: GeneratedToken[];
}

/** A batch of candidates with what the engine reported about it. */
export interface CandidateBatch {
  candidates: Candidate[];
  modelVersion: string;
  seed: number;
  compute: ComputeSpent;
}

/**
 * The engine seed of candidate batch `batch`: `rng.fork(GENERATION_STREAM + batch)`'s first output.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "../models/random.ts";
 * import { batchSeed } from "./candidates.ts";
 * assert.equal(batchSeed(new Rng(7), 0), batchSeed(new Rng(7), 0));
 * assert.notEqual(batchSeed(new Rng(7), 0), batchSeed(new Rng(7), 1));
 * ```
 */
export function batchSeed(rng: Rng, batch: number): number {
  return rng.fork(GENERATION_STREAM + batch).nextUint32();
}

/**
 * Generates `n` candidates for `task` in one engine request (seed from {@link batchSeed}).
 *
 * @example
 * ```ts ignore
 * const batch = await generateCandidates(engine, task, 4, new Rng(1), 0);
 * console.log(batch.candidates.map((c) => c.text), batch.compute.prefillTokens);
 * ```
 */
export function generateCandidates(
  engine: GenerationEngine,
  task: AlignmentTask,
  n: number,
  rng: Rng,
  batch: number,
  signal?: AbortSignal,
): Promise<CandidateBatch> {
  const seed = batchSeed(rng, batch);
  const request = { model: task.model, promptIds: task.promptIds, n, sampling: { ...task.sampling, seed } };
  return requestCandidates(engine, request, signal);
}

/**
 * Runs one engine request (its `sampling.seed` set) and collects its candidates.
 *
 * @example
 * ```ts ignore
 * const batch = await requestCandidates(engine, { model: "m", promptIds, n: 2, sampling: { ...sampling, seed: 7 } });
 * console.log(batch.candidates[0].tokens.map((t) => t.tokenId));
 * ```
 */
export async function requestCandidates(
  engine: GenerationEngine,
  request: GenerationRequest,
  signal?: AbortSignal,
): Promise<CandidateBatch> {
  const seed = request.sampling.seed ?? 0;
  const candidates: Candidate[] = Array.from({ length: request.n }, () => ({
    text: "",
    completionTokens: 0,
    finishReason: "cancelled" as FinishReason,
    tokens: [],
  }));
  let modelVersion = "";
  let compute: ComputeSpent | undefined;
  for await (const event of engine.generate(request, signal)) {
    if (event.type === "started") modelVersion = event.modelVersion;
    else if (event.type === "token") {
      const candidate = candidates[event.candidate];
      candidate.text += event.textDelta;
      candidate.tokens.push(event.token);
    } else if (event.type === "finished") {
      const candidate = candidates[event.candidate];
      candidate.text += event.textDelta;
      candidate.completionTokens = event.completionTokens;
      candidate.finishReason = event.reason;
    } else compute = event.compute;
  }
  if (compute === undefined) throw new Error("engine stream ended without a done event");
  return { candidates, modelVersion, seed, compute };
}
