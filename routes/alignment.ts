/**
 * Serving an aligned request: plan the spec (routes/alignment_schema.ts), run the aligner on the
 * engine with the request's seed — n times for n choices, choice i with `new Rng(seed, i)` (PCG
 * stream i, so choice 0 is the single-answer run) — and hand the route the choices as one collected
 * generation plus a receipt per choice. The same run also yields engine-like events for SSE: blocks
 * an aligner commits early (blockwise decoding) arrive as "token" events while it runs; everything
 * else arrives once the choice is made. Both completion routes use it; no sampling here.
 *
 * @module
 */
import type {
  GeneratedToken,
  GenerationEngine,
  GenerationEvent,
  SamplingParams,
} from "../models/engine/types.ts";
import { Rng } from "../models/random.ts";
import type { CriterionRegistry } from "../aligners/criteria/mod.ts";
import type { CommittedPiece, ModelPlanning } from "../aligners/mod.ts";
import {
  type AlignmentReceipt,
  type AlignmentSpec,
  type AlignmentUsage,
  alignmentUsage,
  planAlignment,
  wireReceipt,
} from "./alignment_schema.ts";
import { EventQueue } from "./_event_queue.ts";
import type { RouteDeps } from "./deps.ts";
import type { CandidateResult, CollectedGeneration, StartedEvent, StartedGeneration } from "./generation.ts";
import type { ChunkWriter } from "./streaming.ts";
import type { GenerationTelemetry } from "./telemetry.ts";

/** What the app aligns with. */
export interface AlignmentDeps {
  criteria: CriterionRegistry;
  /** Calibration and quality curves of a model version (the serving one's calibrate and plan a request). */
  planning: (modelVersion: string | undefined) => ModelPlanning;
  /** Server-side spec for legacy `best_of` (its criteria); none = BUILTIN_DEFAULT_CRITERIA. */
  defaultSpec?: AlignmentSpec;
}

/** One aligned prompt. */
export interface AlignedInput {
  model: string;
  promptIds: number[];
  /** The prompt as criteria see it. */
  prompt: string;
  /** With `logprobs` set, the choices carry their tokens' log-probs. */
  sampling: SamplingParams;
  spec: AlignmentSpec;
  /** The request's seed (random when absent; the receipt reports it). */
  seed: number | null | undefined;
  /** Choices wanted (the aligner runs once per choice; the budget applies to each run). */
  n: number;
  signal: AbortSignal;
  telemetry: GenerationTelemetry;
}

/** The chosen answers as one generation, with a receipt per choice and the summed usage extension. */
export interface AlignedOutput {
  generation: CollectedGeneration;
  receipts: AlignmentReceipt[];
  usage: AlignmentUsage;
}

/** A running aligned request. */
export interface AlignedRun {
  /** Events as the choices take shape: "token"s (committed blocks, then the rest), "finished" per choice. */
  generation: StartedGeneration;
  /** Receipts of the choices finished so far (by choice index). */
  receipts: (AlignmentReceipt | undefined)[];
  output: Promise<AlignedOutput>;
}

/**
 * Plans the spec (its validation errors throw here, before anything streams) and starts the n runs.
 * Read `output` for the whole answer, or `generation` to stream it.
 */
export function startAligned(deps: RouteDeps, input: AlignedInput): AlignedRun {
  const servingVersion = deps.engine.models().find((model) => model.name === input.model)?.version;
  const planning = deps.alignment.planning(servingVersion);
  const plan = planAlignment(
    input.spec,
    { promptTokens: input.promptIds.length, maxTokens: input.sampling.maxTokens },
    deps.alignment.criteria,
    planning.curves,
  );
  const seed = input.seed ?? crypto.getRandomValues(new Uint32Array(1))[0];
  const deadline = plan.deadlineMs === undefined ? undefined : AbortSignal.timeout(plan.deadlineMs);
  // The deadline stops generation (candidates finish as cancelled, the aligner still chooses);
  // scoring runs under the request's own signal.
  // usage's cached_tokens: the prompt tokens the prefix cache served to the run's first engine request.
  const engine = observingStarts(
    deadline === undefined ? deps.engine : withDeadline(deps.engine, deadline),
    (started) => startedEvent.cachedPromptTokens ??= started.cachedPromptTokens ?? 0,
  );
  const { calibrator } = planning;
  const events = new EventQueue<GenerationEvent>();
  const receipts: (AlignmentReceipt | undefined)[] = new Array(input.n).fill(undefined);
  const candidates: CandidateResult[] = [];
  const emitTokens = (candidate: number, tokens: readonly GeneratedToken[], text: string) =>
    tokens.forEach((token, t) =>
      events.push({ type: "token", candidate, token, textDelta: t === tokens.length - 1 ? text : "" })
    );

  async function runChoice(index: number) {
    let committedText = ""; // text sent with "token" events so far
    let committedTokens = 0;
    let pendingText = "";
    const onCommit = (piece: CommittedPiece) => {
      pendingText += piece.text;
      if (piece.tokens.length === 0) return; // its text goes out with the next tokens or "finished"
      emitTokens(index, piece.tokens, pendingText);
      committedText += pendingText;
      pendingText = "";
      committedTokens += piece.tokens.length;
    };
    const { choice, receipt } = await plan.aligner.run({
      model: input.model,
      promptIds: input.promptIds,
      prompt: input.prompt,
      sampling: input.sampling,
      criteria: plan.criteria,
      calibrator,
    }, {
      engine,
      criteria: deps.alignment.criteria,
      rng: new Rng(seed, index),
      signal: input.signal,
      onCommit,
    });
    input.telemetry.aligned({
      receipt,
      weights: plan.criteria.weights,
      planner: plan.chosenBy,
      budget: input.spec.budget,
      calibrationVersion: calibrator.modelVersion,
    });
    candidates[index] = {
      tokens: choice.tokens,
      text: choice.text,
      finishReason: choice.finishReason,
      completionTokens: choice.completionTokens,
    };
    receipts[index] = wireReceipt(receipt, plan, {
      seed,
      seedStream: input.n > 1 ? index : undefined,
      deadlineExceeded: deadline?.aborted ?? false,
      calibration: {
        method: calibrator.method,
        modelVersion: calibrator.modelVersion,
        uncalibrated: Object.keys(receipt.criteria ?? plan.criteria.weights).filter((name) =>
          !calibrator.has(name)
        ),
        file: planning.calibrationFile,
      },
    });
    emitTokens(index, choice.tokens.slice(committedTokens), "");
    events.push({
      type: "finished",
      candidate: index,
      reason: choice.finishReason,
      textDelta: choice.text.slice(committedText.length),
      completionTokens: choice.completionTokens,
    });
    return receipt;
  }

  const info = deps.engine.models().find((m) => m.name === input.model);
  // cachedPromptTokens is set at the first engine start; usage reads it once every choice has finished.
  const startedEvent: StartedEvent = {
    type: "started",
    modelVersion: info?.version ?? "",
    promptTokens: input.promptIds.length,
    seed,
  };
  const output = Promise.all(Array.from({ length: input.n }, (_, i) => runChoice(i))).then(
    (runs) => {
      events.end();
      const wire = receipts as AlignmentReceipt[];
      return {
        generation: { started: { ...startedEvent, modelVersion: runs[0].modelVersion }, candidates },
        receipts: wire,
        usage: sumUsage(runs.map(alignmentUsage)),
      };
    },
    (error) => {
      events.fail(error);
      throw error;
    },
  );
  output.catch(() => {}); // a streaming caller hears of failures through `generation`
  return { generation: { started: startedEvent, events: events[Symbol.asyncIterator]() }, receipts, output };
}

function sumUsage(parts: readonly AlignmentUsage[]): AlignmentUsage {
  const total: AlignmentUsage = {
    candidates: 0,
    generated_tokens: 0,
    forward_passes: 0,
    reward_evaluations: 0,
  };
  for (const part of parts) {
    total.candidates += part.candidates;
    total.generated_tokens += part.generated_tokens;
    total.forward_passes += part.forward_passes;
    total.reward_evaluations += part.reward_evaluations;
  }
  return total;
}

/** The engine with its `generate` replaced, everything else delegated. */
function withGenerate(engine: GenerationEngine, generate: GenerationEngine["generate"]): GenerationEngine {
  return {
    generate,
    tokenize: (model, text) => engine.tokenize(model, text),
    detokenize: (model, ids, options) => engine.detokenize(model, ids, options),
    models: () => engine.models(),
    stats: () => engine.stats(),
    close: () => engine.close(),
  };
}

/** The engine with every generation also stopped by `deadline`. */
function withDeadline(engine: GenerationEngine, deadline: AbortSignal): GenerationEngine {
  return withGenerate(
    engine,
    (request, signal) =>
      engine.generate(request, signal === undefined ? deadline : AbortSignal.any([signal, deadline])),
  );
}

/** The engine with `onStart` called on each request's "started" event. */
function observingStarts(engine: GenerationEngine, onStart: (event: StartedEvent) => void): GenerationEngine {
  return withGenerate(engine, async function* (request, signal) {
    for await (const event of engine.generate(request, signal)) {
      if (event.type === "started") onStart(event);
      yield event;
    }
  });
}

/**
 * The run's events once the first has arrived, so that a failure before any output (a context-length
 * or overload error from the engine) still becomes an HTTP status rather than an error in the stream.
 */
export async function firstEventReady(run: AlignedRun): Promise<StartedGeneration> {
  const { events } = run.generation;
  const first = await events.next();
  async function* all(): AsyncGenerator<GenerationEvent> {
    if (first.done) return;
    yield first.value;
    for (let next = await events.next(); !next.done; next = await events.next()) yield next.value;
  }
  return { started: run.generation.started, events: all() };
}

/**
 * A writer whose finishing chunk of choice i carries its receipt, and whose usage chunk the summed
 * alignment compute.
 */
export function withReceipts(writer: ChunkWriter, run: AlignedRun): ChunkWriter {
  return {
    openingChunks: () => writer.openingChunks(),
    eventChunk(source, event) {
      const chunk = writer.eventChunk(source, event);
      return chunk !== undefined && event.type === "finished"
        ? { ...(chunk as object), alignment: run.receipts[event.candidate] }
        : chunk;
    },
    usageChunk() {
      const chunk = writer.usageChunk() as { usage: object };
      const usage = sumUsage(run.receipts.flatMap((r) => (r ? [wireUsage(r)] : [])));
      return { ...chunk, usage: { ...chunk.usage, alignment_compute: usage } };
    },
    usage: () => writer.usage(),
    finishReasonsSeen: () => writer.finishReasonsSeen(),
  };
}

/** `usage.alignment_compute` of one wire receipt. */
function wireUsage(receipt: AlignmentReceipt): AlignmentUsage {
  return {
    candidates: receipt.candidates_considered,
    generated_tokens: receipt.compute.generated_tokens,
    forward_passes: receipt.compute.forward_passes,
    reward_evaluations: receipt.compute.reward_evaluations,
  };
}
