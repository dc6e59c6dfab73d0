/**
 * The promotion gate: a candidate version replaces the serving one only when it beats it on the gate's
 * metric by at least `minImprovement` (and by more than 0, so a model never replaces an identical one)
 * AND its KL from the reference is within `klBound`. Every failed check gives a reason with the numbers.
 *
 * @module
 */
import type { EvaluationGrid } from "./grid.ts";
import type { EvaluationReport } from "./report.ts";

/** The gate's thresholds (the grid's fields of the same names). */
export type PromotionGate = Pick<EvaluationGrid, "metric" | "minImprovement" | "klBound">;

/** The decision, with a reason per failed check (or, when promoted, per passed check). */
export interface PromotionDecision {
  promote: boolean;
  reasons: string[];
}

const show = (value: number) => Number(value.toPrecision(6)).toString();

/**
 * Decides whether the evaluated candidate may replace the serving version.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decidePromotion } from "./promotion.ts";
 * const report = {
 *   metrics: {
 *     mean_aggregate: { candidate: 0.5, serving: 0.25, improvement: 0.25, cells: 8 },
 *     win_rate: { candidate: 0.75, serving: 0.25, improvement: 0.5, cells: 8 },
 *   },
 *   kl: { perSequence: 3, standardError: 0.1, perToken: 0.1, samples: 8, tokens: 240 },
 * };
 * const gate = { metric: "mean_aggregate" as const, minImprovement: 0.1, klBound: { nats: 2, per: "sequence" as const } };
 * const decision = decidePromotion(report, gate);
 * assert.equal(decision.promote, false);
 * assert.deepEqual(decision.reasons, ["KL 3 nats per sequence exceeds the bound 2"]);
 * ```
 */
export function decidePromotion(
  report: Pick<EvaluationReport, "metrics" | "kl">,
  gate: PromotionGate,
): PromotionDecision {
  const passed: string[] = [];
  const failed: string[] = [];
  const metric = report.metrics[gate.metric];
  const improvement = metric?.improvement ?? null;
  if (improvement === null || !Number.isFinite(improvement)) {
    failed.push(`${gate.metric}: no comparable cells, so no improvement to judge`);
  } else {
    const numbers = `candidate ${show(metric.candidate!)} vs serving ${show(metric.serving!)}, improvement ` +
      show(improvement);
    if (improvement <= 0) failed.push(`${gate.metric}: the candidate does not beat serving (${numbers})`);
    else if (improvement < gate.minImprovement) {
      failed.push(`${gate.metric}: ${numbers} is below the minimum improvement ${show(gate.minImprovement)}`);
    } else passed.push(`${gate.metric}: ${numbers} ≥ minimum ${show(gate.minImprovement)}`);
  }
  const kl = gate.klBound.per === "sequence" ? report.kl?.perSequence : report.kl?.perToken;
  const unit = `nats per ${gate.klBound.per}`;
  if (kl === undefined || !Number.isFinite(kl)) {
    failed.push(`KL per ${gate.klBound.per} is missing or not finite`);
  } else if (kl > gate.klBound.nats) {
    failed.push(`KL ${show(kl)} ${unit} exceeds the bound ${show(gate.klBound.nats)}`);
  } else passed.push(`KL ${show(kl)} ${unit} within the bound ${show(gate.klBound.nats)}`);
  return failed.length === 0 ? { promote: true, reasons: passed } : { promote: false, reasons: failed };
}
