/**
 * Evaluating a candidate model version against the serving one on the grid (DESIGN.md, "data flow of
 * one refresh"): every cell (weighting × aligner with its budget × prompt) runs each of its seeds on
 * both models with the same request seed, through the real aligners, criteria and calibration; the
 * report holds per-cell means for both, the metrics, and KL(candidate ‖ reference) (kl.ts).
 *
 * Candidates depend on the model, prompt, aligner budget and seed, not on the weighting: each is
 * generated once and scored under every weighting (replay_engine.ts).
 *
 * Both models (and the reference) are loaded in the same engine under their names. The reference
 * defaults to the serving model: the KL then measures how far the candidate moved from what serves now.
 *
 * @module
 */
import type { AlignmentTask, Receipt } from "../../aligners/mod.ts";
import { type Calibrator, type CriterionRegistry, validateWeights } from "../../aligners/criteria/mod.ts";
import type { GenerationEngine, SamplingParams } from "../../models/engine/types.ts";
import { Rng } from "../../models/random.ts";
import {
  cellSeeds,
  createCellAligner,
  type EvaluationGrid,
  type EvaluationGridInput,
  EvaluationGridSchema,
  type GridCell,
  gridCells,
} from "./grid.ts";
import { estimateKl } from "./kl.ts";
import { allMetrics } from "./metrics.ts";
import { type EvaluationPrompt, evaluationPrompts } from "./prompts.ts";
import { replayingEngine } from "./replay_engine.ts";
import type { CellReport, CellSide, EvaluationReport, ModelRef } from "./report.ts";

/** Progress of an evaluation: aligner runs first, then KL samples. */
export interface EvaluationProgress {
  phase: "cells" | "kl";
  done: number;
  total: number;
}

/** Options of {@link evaluateCandidate}. */
export interface EvaluateCandidateOptions {
  engine: GenerationEngine;
  /** Engine names of the models compared. */
  candidateModel: string;
  servingModel: string;
  /** Engine name of π_ref for the KL (default: the serving model). */
  referenceModel?: string;
  /** The grid (parsed here, so stored JSON with defaults left out is fine). */
  grid: EvaluationGridInput | EvaluationGrid;
  criteria: CriterionRegistry;
  /** Calibration both models are scored with (the serving version's, so scores compare). */
  calibrator: Calibrator;
  /** The prompts (default: the grid's, see prompts.ts). */
  prompts?: readonly EvaluationPrompt[];
  signal?: AbortSignal;
  onProgress?: (progress: EvaluationProgress) => void;
  /** Aligner runs in flight at once, so the engine can batch them (default 4). */
  concurrency?: number;
}

/** One aligner run's outcome, kept for the cell means. */
interface RunOutcome {
  aggregate: number | null;
  raw: Record<string, number | null>;
  generatedTokens: number;
}

/**
 * Runs the grid for both models and estimates the candidate's KL; returns a plain-JSON report.
 *
 * @example
 * ```ts ignore
 * const report = await evaluateCandidate({ engine, candidateModel: "v2", servingModel: "v1",
 *   grid: { prompts: { source: "held_out", count: 16 } }, criteria, calibrator });
 * const decision = decidePromotion(report, report.grid);
 * ```
 */
export async function evaluateCandidate(options: EvaluateCandidateOptions): Promise<EvaluationReport> {
  const startedAt = performance.now();
  const { engine, candidateModel, servingModel, criteria, calibrator, signal } = options;
  const referenceModel = options.referenceModel ?? servingModel;
  const grid = EvaluationGridSchema.parse(options.grid);
  for (const weighting of grid.weightings) validateWeights(weighting, criteria.names());
  const prompts = options.prompts ?? evaluationPrompts(grid.prompts);
  if (prompts.length === 0) throw new RangeError("an evaluation needs at least one prompt");
  const models = { candidate: modelRef(engine, candidateModel), serving: modelRef(engine, servingModel) };
  const reference = modelRef(engine, referenceModel);
  const promptIds = {
    candidate: await Promise.all(prompts.map((p) => engine.tokenize(candidateModel, p.rendered))),
    serving: await Promise.all(prompts.map((p) => engine.tokenize(servingModel, p.rendered))),
  };

  const cells = gridCells(grid, prompts.length);
  const sides = ["candidate", "serving"] as const;
  const jobs = cells.flatMap((cell, cellIndex) =>
    cellSeeds(grid, cell.promptIndex).flatMap((seed, seedIndex) =>
      sides.map((side) => ({ cell, cellIndex, seed, seedIndex, side }))
    )
  );
  const outcomes = sides.map(() => cells.map(() => [] as RunOutcome[]));
  // The weightings of a cell share its candidates: generated once, replayed (replay_engine.ts).
  const runEngine = replayingEngine(engine);
  let done = 0;
  await runPool(jobs, options.concurrency ?? 4, async (job) => {
    const sideIndex = sides.indexOf(job.side);
    const task = cellTask(grid, job.cell, {
      model: models[job.side].name,
      promptIds: promptIds[job.side][job.cell.promptIndex],
      prompt: prompts[job.cell.promptIndex].text,
      calibrator,
    });
    const aligner = createCellAligner(job.cell.aligner);
    const { receipt } = await aligner.run(task, {
      engine: runEngine,
      criteria,
      rng: new Rng(job.seed),
      signal,
    });
    outcomes[sideIndex][job.cellIndex][job.seedIndex] = runOutcome(receipt);
    options.onProgress?.({ phase: "cells", done: ++done, total: jobs.length });
  });

  const kl = await estimateKl({
    engine,
    model: candidateModel,
    reference: referenceModel,
    prompts: promptIds.candidate,
    samplesPerPrompt: grid.klSamplesPerPrompt,
    maxTokens: grid.maxTokens,
    seed: grid.baseSeed,
    signal,
    onSample: (done, total) => options.onProgress?.({ phase: "kl", done, total }),
  });

  const cellReports: CellReport[] = cells.map((cell, i) => ({
    weighting: cell.weighting,
    aligner: cell.aligner,
    promptId: prompts[cell.promptIndex].id,
    seeds: cellSeeds(grid, cell.promptIndex),
    candidate: cellSide(outcomes[0][i]),
    serving: cellSide(outcomes[1][i]),
  }));
  const generated = (side: number) =>
    outcomes[side].flat().reduce((sum, outcome) => sum + outcome.generatedTokens, 0);
  return {
    format: "iama.evaluation.v1",
    models: { ...models, reference },
    grid,
    prompts: prompts.map(({ id, text }) => ({ id, text })),
    cells: cellReports,
    metrics: allMetrics(cellReports),
    kl,
    compute: {
      runs: jobs.length / 2,
      candidateGeneratedTokens: generated(0),
      servingGeneratedTokens: generated(1),
      generationRequests: { ...runEngine.counts },
      elapsedMilliseconds: performance.now() - startedAt,
    },
  };
}

/** The aligner task of a cell for one model. */
function cellTask(
  grid: EvaluationGrid,
  cell: GridCell,
  input: Pick<AlignmentTask, "model" | "promptIds" | "prompt" | "calibrator">,
): AlignmentTask {
  const sampling: SamplingParams = {
    temperature: grid.temperature,
    topP: grid.topP,
    topK: 0,
    presencePenalty: 0,
    frequencyPenalty: 0,
    maxTokens: grid.maxTokens,
    stop: [],
    ignoreEos: false,
  };
  return {
    ...input,
    sampling,
    criteria: { weights: cell.weighting, params: grid.criteriaParams, aggregator: grid.aggregator },
  };
}

function runOutcome(receipt: Receipt): RunOutcome {
  const raw: Record<string, number | null> = {};
  for (const [name, part] of Object.entries(receipt.criteria ?? {})) raw[name] = part.raw;
  return { aggregate: receipt.aggregate ?? null, raw, generatedTokens: receipt.compute.generatedTokens };
}

/** Mean over seeds, leaving out the seeds without a value (null when none has one). */
function meanOf(values: readonly (number | null)[]): number | null {
  const present = values.filter((value): value is number => value !== null);
  return present.length === 0 ? null : present.reduce((a, b) => a + b, 0) / present.length;
}

function cellSide(runs: readonly RunOutcome[]): CellSide {
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.raw)))].sort();
  return {
    meanAggregate: meanOf(runs.map((run) => run.aggregate)),
    criteria: Object.fromEntries(
      names.map((name) => [name, meanOf(runs.map((run) => run.raw[name] ?? null))]),
    ),
  };
}

function modelRef(engine: GenerationEngine, name: string): ModelRef {
  const info = engine.models().find((model) => model.name === name);
  if (info === undefined) {
    throw new RangeError(
      `model "${name}" is not loaded (loaded: ${engine.models().map((m) => m.name).join(", ")})`,
    );
  }
  return { name, version: info.version };
}

/** Runs `work` on every item with at most `concurrency` in flight; the first failure stops new work. */
async function runPool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  if (failure !== undefined) throw failure.error;
}
