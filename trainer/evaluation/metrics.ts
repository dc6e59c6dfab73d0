/**
 * The comparison metrics, computed from the per-cell means of a report. Both are paired: only cells where
 * both models have a mean aggregate count.
 *
 * - `mean_aggregate`: each model's mean over cells of its cell mean aggregate; improvement = candidate −
 *   serving.
 * - `win_rate`: the candidate's value is (cells it wins + ½ · ties) / cells, serving's (cells serving wins
 *   + ½ · ties) / cells; improvement = candidate − serving = (wins − losses) / cells, 0 for identical
 *   models.
 *
 * @module
 */
import type { MetricName } from "./grid.ts";
import type { CellReport, MetricValue } from "./report.ts";

type Pair = [candidate: number, serving: number];

function comparablePairs(cells: readonly Pick<CellReport, "candidate" | "serving">[]): Pair[] {
  const pairs: Pair[] = [];
  for (const cell of cells) {
    const candidate = cell.candidate.meanAggregate;
    const serving = cell.serving.meanAggregate;
    if (candidate !== null && serving !== null) pairs.push([candidate, serving]);
  }
  return pairs;
}

const nothing = (): MetricValue => ({ candidate: null, serving: null, improvement: null, cells: 0 });

/**
 * Mean aggregate of both models over the comparable cells.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { meanAggregateMetric } from "./metrics.ts";
 * const side = (meanAggregate: number | null) => ({ meanAggregate, criteria: {} });
 * const cells = [{ candidate: side(1), serving: side(0) }, { candidate: side(0), serving: side(null) }];
 * assert.deepEqual(meanAggregateMetric(cells), { candidate: 1, serving: 0, improvement: 1, cells: 1 });
 * ```
 */
export function meanAggregateMetric(
  cells: readonly Pick<CellReport, "candidate" | "serving">[],
): MetricValue {
  const pairs = comparablePairs(cells);
  if (pairs.length === 0) return nothing();
  const candidate = pairs.reduce((sum, [c]) => sum + c, 0) / pairs.length;
  const serving = pairs.reduce((sum, [, s]) => sum + s, 0) / pairs.length;
  return { candidate, serving, improvement: candidate - serving, cells: pairs.length };
}

/**
 * Win rates of both models over the comparable cells (ties count half to each).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { winRateMetric } from "./metrics.ts";
 * const side = (meanAggregate: number) => ({ meanAggregate, criteria: {} });
 * const cells = [[2, 1], [1, 1], [0, 1], [3, 1]].map(([c, s]) => ({ candidate: side(c), serving: side(s) }));
 * assert.deepEqual(winRateMetric(cells), { candidate: 0.625, serving: 0.375, improvement: 0.25, cells: 4 });
 * ```
 */
export function winRateMetric(cells: readonly Pick<CellReport, "candidate" | "serving">[]): MetricValue {
  const pairs = comparablePairs(cells);
  if (pairs.length === 0) return nothing();
  let wins = 0;
  let losses = 0;
  for (const [candidate, serving] of pairs) {
    if (candidate > serving) wins++;
    else if (candidate < serving) losses++;
  }
  const ties = pairs.length - wins - losses;
  return {
    candidate: (wins + ties / 2) / pairs.length,
    serving: (losses + ties / 2) / pairs.length,
    improvement: (wins - losses) / pairs.length,
    cells: pairs.length,
  };
}

/** Every metric of the grid's cells. */
export function allMetrics(
  cells: readonly Pick<CellReport, "candidate" | "serving">[],
): Record<MetricName, MetricValue> {
  return { mean_aggregate: meanAggregateMetric(cells), win_rate: winRateMetric(cells) };
}
