/**
 * The evaluation report: plain JSON (no NaN, no typed arrays), stored by the model registry as a
 * version's `evaluation` field. Numbers that do not exist (no applicable criterion, no comparable
 * cell) are null.
 *
 * @module
 */
import type { AlignerCell, EvaluationGrid, MetricName } from "./grid.ts";
import type { KlEstimate } from "./kl.ts";

/** One model's result in one cell: means over the cell's seeds of the chosen answer's scores. */
export interface CellSide {
  /** Mean aggregate (calibrated, weighted) score; seeds without one are left out. */
  meanAggregate: number | null;
  /** Per positively weighted criterion: mean raw score. */
  criteria: Record<string, number | null>;
}

/** One cell of the grid with both models' results (same seeds for both). */
export interface CellReport {
  weighting: Record<string, number>;
  aligner: AlignerCell;
  promptId: string;
  seeds: number[];
  candidate: CellSide;
  serving: CellSide;
}

/** A metric for both models. */
export interface MetricValue {
  candidate: number | null;
  serving: number | null;
  /** candidate − serving. */
  improvement: number | null;
  /** Cells where both models have a mean aggregate (the ones the metric is computed over). */
  cells: number;
}

/** A model as the engine served it. */
export interface ModelRef {
  name: string;
  version: string;
}

/** What `evaluateCandidate` (evaluate.ts) returns. */
export interface EvaluationReport {
  format: "iama.evaluation.v1";
  models: { candidate: ModelRef; serving: ModelRef; reference: ModelRef };
  grid: EvaluationGrid;
  prompts: { id: string; text: string }[];
  cells: CellReport[];
  metrics: Record<MetricName, MetricValue>;
  /** KL(candidate ‖ reference) in nats. */
  kl: KlEstimate;
  compute: {
    /** Aligner runs per model (cells × seeds). */
    runs: number;
    /** Tokens the runs consumed (candidates shared by several weightings count once per run). */
    candidateGeneratedTokens: number;
    servingGeneratedTokens: number;
    /** Candidate requests of the aligner runs that reached the engine, and those replayed. */
    generationRequests: { ran: number; replayed: number };
    elapsedMilliseconds: number;
  };
}
