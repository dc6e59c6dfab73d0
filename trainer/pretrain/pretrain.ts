/**
 * Cross-entropy pretraining: ONNX training-graph gradients, AdamW with warm-up + cosine
 * schedule, periodic held-out loss and resumable checkpoints.
 */
import type { GptConfig } from "../../models/gpt/config.ts";
import type { Parameters } from "../../models/gpt/parameters.ts";
import { type TokenBatch, TrainingSession } from "../../models/gpt/training_session.ts";
import { type AdamWState, adamWStep, createAdamWState, warmupCosineLearningRate } from "../adamw.ts";
import { loadCheckpoint, saveCheckpoint } from "../checkpoint.ts";

export interface PretrainLogEntry {
  step: number;
  tokensSeen: number;
  trainLoss: number;
  heldOutLoss?: number;
  learningRate: number;
  gradientNorm: number;
  tokensPerSecond: number;
  elapsedSeconds: number;
}

export interface PretrainOptions {
  config: GptConfig;
  /** Initial weights; updated in place. */
  parameters: Parameters;
  /** Serves training batches; `skip` replays it to a resumed step. */
  nextBatch: () => TokenBatch;
  heldOutBatches: readonly TokenBatch[];
  steps: number;
  peakLearningRate: number;
  warmupSteps: number;
  heldOutEvery: number;
  checkpointEvery: number;
  /** Resume from and save to this safetensors file (none: no checkpoints). */
  checkpointPath?: string;
  threads: number;
  log: (entry: PretrainLogEntry) => void;
  /** Stops after the current step, saving a checkpoint first (a later call resumes). */
  signal?: AbortSignal;
}

export interface PretrainResult {
  parameters: Parameters;
  history: PretrainLogEntry[];
  /** Steps completed so far (less than `steps` if stopped by the signal). */
  completedSteps: number;
}

export async function pretrain(options: PretrainOptions): Promise<PretrainResult> {
  const session = await TrainingSession.create(options.config, {
    objective: "cross_entropy",
    threads: options.threads,
  });
  let parameters = options.parameters;
  let optimizer: AdamWState = createAdamWState(parameters);
  let history: PretrainLogEntry[] = [];
  let startStep = 0;
  let tokensSeen = 0;
  let elapsedBefore = 0;
  const resumed = options.checkpointPath ? await loadCheckpoint(options.checkpointPath) : undefined;
  if (resumed) {
    parameters = resumed.parameters;
    optimizer = resumed.optimizer;
    history = (resumed.notes.history as PretrainLogEntry[]) ?? [];
    tokensSeen = Number(resumed.notes.tokensSeen ?? 0);
    elapsedBefore = Number(resumed.notes.elapsedSeconds ?? 0);
    startStep = resumed.step;
    for (let i = 0; i < startStep; i++) options.nextBatch(); // replay the data order
  }
  const started = performance.now();
  let windowStart = performance.now();
  let windowTokens = 0;
  let completedSteps = startStep;
  try {
    for (let step = startStep; step < options.steps; step++) {
      const batch = options.nextBatch();
      const result = await session.run(batch, parameters);
      const learningRate = warmupCosineLearningRate(
        step,
        options.peakLearningRate,
        options.warmupSteps,
        options.steps,
      );
      const gradientNorm = adamWStep(parameters, result.gradients, optimizer, learningRate);
      const tokens = batch.batchSize * batch.seqLength;
      tokensSeen += tokens;
      windowTokens += tokens;
      completedSteps = step + 1;
      const last = completedSteps === options.steps;
      if ((step + 1) % options.heldOutEvery === 0 || last || step === startStep) {
        const heldOutLoss = await meanLoss(session, options.heldOutBatches, parameters);
        const now = performance.now();
        const entry: PretrainLogEntry = {
          step: step + 1,
          tokensSeen,
          trainLoss: result.loss,
          heldOutLoss,
          learningRate,
          gradientNorm,
          tokensPerSecond: windowTokens / ((now - windowStart) / 1000),
          elapsedSeconds: elapsedBefore + (now - started) / 1000,
        };
        history.push(entry);
        options.log(entry);
        windowStart = performance.now();
        windowTokens = 0;
      }
      const stopping = options.signal?.aborted ?? false;
      if (options.checkpointPath && ((step + 1) % options.checkpointEvery === 0 || last || stopping)) {
        await saveCheckpoint(options.checkpointPath, {
          step: step + 1,
          parameters,
          optimizer,
          notes: {
            history,
            tokensSeen,
            elapsedSeconds: elapsedBefore + (performance.now() - started) / 1000,
          },
        });
      }
      if (stopping) break;
    }
  } finally {
    await session.release();
  }
  return { parameters, history, completedSteps };
}

/** Mean token cross-entropy over batches whose weights each sum to 1. */
export async function meanLoss(
  session: TrainingSession,
  batches: readonly TokenBatch[],
  parameters: Parameters,
): Promise<number> {
  let total = 0;
  for (const batch of batches) total += (await session.run(batch, parameters)).loss;
  return total / batches.length;
}
