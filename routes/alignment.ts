/**
 * Serving an aligned request: plan the spec (routes/alignment_schema.ts), run the aligner on the
 * engine with the request's seed, and hand the route one collected candidate (the choice) plus the
 * receipt and the compute of every candidate. Both completion routes use it; no sampling here.
 *
 * @module
 */
import type { GenerationEngine, GenerationEvent, SamplingParams } from "../models/engine/types.ts";
import { Rng } from "../models/random.ts";
import type { Calibrator, CriterionRegistry } from "../aligners/criteria/mod.ts";
import {
  type AlignmentReceipt,
  type AlignmentSpec,
  type AlignmentUsage,
  alignmentUsage,
  planAlignment,
  wireReceipt,
} from "./alignment_schema.ts";
import type { RouteDeps } from "./deps.ts";
import type { CollectedGeneration, StartedGeneration } from "./generation.ts";
import type { ChunkWriter } from "./streaming.ts";
import type { GenerationTelemetry } from "./telemetry.ts";

/** What the app aligns with. */
export interface AlignmentDeps {
  criteria: CriterionRegistry;
  calibrator: Calibrator;
  /** Server-side spec for legacy `best_of` (its criteria); none = BUILTIN_DEFAULT_CRITERIA. */
  defaultSpec?: AlignmentSpec;
}

/** One aligned prompt. */
export interface AlignedInput {
  model: string;
  promptIds: number[];
  /** The prompt as criteria see it. */
  prompt: string;
  sampling: SamplingParams;
  spec: AlignmentSpec;
  /** The request's seed (random when absent; the receipt reports it). */
  seed: number | null | undefined;
  signal: AbortSignal;
  telemetry: GenerationTelemetry;
}

/** The chosen answer as a one-candidate generation, with the receipt and usage extension. */
export interface AlignedOutput {
  generation: CollectedGeneration;
  receipt: AlignmentReceipt;
  usage: AlignmentUsage;
}

/** Runs the spec's aligner for one prompt. */
export async function runAligned(deps: RouteDeps, input: AlignedInput): Promise<AlignedOutput> {
  const plan = planAlignment(
    input.spec,
    { promptTokens: input.promptIds.length, maxTokens: input.sampling.maxTokens },
    deps.alignment.criteria,
  );
  const seed = input.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  const deadline = plan.deadlineMs === undefined ? undefined : AbortSignal.timeout(plan.deadlineMs);
  // The deadline stops generation (candidates finish as cancelled, the aligner still chooses);
  // scoring runs under the request's own signal.
  const engine = deadline === undefined ? deps.engine : withDeadline(deps.engine, deadline);
  const { calibrator } = deps.alignment;
  const { choice, receipt } = await plan.aligner.run({
    model: input.model,
    promptIds: input.promptIds,
    prompt: input.prompt,
    sampling: input.sampling,
    criteria: plan.criteria,
    calibrator,
  }, { engine, criteria: deps.alignment.criteria, rng: new Rng(seed), signal: input.signal });
  input.telemetry.aligned({
    aligner: receipt.aligner,
    n: typeof receipt.params.n === "number" ? receipt.params.n : receipt.candidates,
    candidates: receipt.candidates,
    generatedTokens: receipt.compute.generatedTokens,
  });
  const weighted = Object.keys(receipt.criteria ?? plan.criteria.weights);
  return {
    generation: {
      started: {
        type: "started",
        modelVersion: receipt.modelVersion,
        promptTokens: input.promptIds.length,
        seed,
      },
      candidates: [{
        tokens: [],
        text: choice.text,
        finishReason: choice.finishReason,
        completionTokens: choice.completionTokens,
      }],
    },
    receipt: wireReceipt(receipt, plan, {
      seed,
      deadlineExceeded: deadline?.aborted ?? false,
      calibration: {
        method: calibrator.method,
        modelVersion: calibrator.modelVersion,
        uncalibrated: weighted.filter((name) => !calibrator.has(name)),
      },
    }),
    usage: alignmentUsage(receipt),
  };
}

/** The engine with every generation also stopped by `deadline`. */
function withDeadline(engine: GenerationEngine, deadline: AbortSignal): GenerationEngine {
  return {
    generate: (request, signal) =>
      engine.generate(request, signal === undefined ? deadline : AbortSignal.any([signal, deadline])),
    tokenize: (model, text) => engine.tokenize(model, text),
    detokenize: (model, ids) => engine.detokenize(model, ids),
    models: () => engine.models(),
    stats: () => engine.stats(),
    close: () => engine.close(),
  };
}

/**
 * The chosen answer as a started generation whose events are its one "finished" event (the whole
 * text), so the routes' SSE path streams it after the choice was made.
 */
export function chosenAsStream(output: AlignedOutput): StartedGeneration {
  const [chosen] = output.generation.candidates;
  async function* events(): AsyncGenerator<GenerationEvent> {
    yield {
      type: "finished",
      candidate: 0,
      reason: chosen.finishReason,
      textDelta: chosen.text,
      completionTokens: chosen.completionTokens,
    };
  }
  return { started: output.generation.started, events: events() };
}

/** A writer whose finishing chunk carries the receipt and whose usage chunk the alignment compute. */
export function withReceipt(writer: ChunkWriter, output: AlignedOutput): ChunkWriter {
  return {
    openingChunks: () => writer.openingChunks(),
    eventChunk(source, event) {
      const chunk = writer.eventChunk(source, event);
      return chunk !== undefined && event.type === "finished"
        ? { ...(chunk as object), alignment: output.receipt }
        : chunk;
    },
    usageChunk() {
      const chunk = writer.usageChunk() as { usage: object };
      return { ...chunk, usage: { ...chunk.usage, alignment_compute: output.usage } };
    },
    usage: () => writer.usage(),
    finishReasonsSeen: () => writer.finishReasonsSeen(),
  };
}
