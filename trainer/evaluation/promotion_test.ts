/**
 * decidePromotion over its whole decision table: metric (the gate's one is read, not the other),
 * improvement (missing, negative, zero, below, at and above the minimum, with minimum 0 and > 0), and KL
 * (below, at and above the bound, missing; per sequence and per token, the other unit set to fail).
 */
import assert from "node:assert/strict";
import { METRICS } from "./grid.ts";
import { decidePromotion, type PromotionGate } from "./promotion.ts";
import type { EvaluationReport, MetricValue } from "./report.ts";

type ImprovementCase = { label: string; improvement: number | null; passes: (min: number) => boolean };
const IMPROVEMENTS: ImprovementCase[] = [
  { label: "missing", improvement: null, passes: () => false },
  { label: "negative", improvement: -0.5, passes: () => false },
  { label: "zero", improvement: 0, passes: () => false },
  { label: "small", improvement: 0.125, passes: (min) => min <= 0.125 },
  { label: "at 0.25", improvement: 0.25, passes: (min) => min <= 0.25 },
  { label: "large", improvement: 0.5, passes: () => true },
];
const KLS: { label: string; kl: number; passes: boolean }[] = [
  { label: "below", kl: 1, passes: true },
  { label: "at", kl: 2, passes: true },
  { label: "above", kl: 4, passes: false },
  { label: "not finite", kl: NaN, passes: false },
];

function metricValue(improvement: number | null): MetricValue {
  if (improvement === null) return { candidate: null, serving: null, improvement: null, cells: 0 };
  return { candidate: 1 + improvement, serving: 1, improvement, cells: 12 };
}

Deno.test("decidePromotion: promote exactly when the metric and KL checks both pass", () => {
  let cases = 0;
  for (const metric of METRICS) {
    for (const minImprovement of [0, 0.25]) {
      for (const per of ["sequence", "token"] as const) {
        for (const improvementCase of IMPROVEMENTS) {
          for (const klCase of KLS) {
            const other = metric === "mean_aggregate" ? "win_rate" : "mean_aggregate";
            // The metric the gate does not use and the KL unit it does not use would flip the outcome.
            const otherImprovement = improvementCase.passes(minImprovement) ? -1 : 1;
            const report: Pick<EvaluationReport, "metrics" | "kl"> = {
              metrics: {
                [metric]: metricValue(improvementCase.improvement),
                [other]: metricValue(otherImprovement),
              } as EvaluationReport["metrics"],
              kl: {
                perSequence: per === "sequence" ? klCase.kl : (klCase.passes ? 100 : 0),
                perToken: per === "token" ? klCase.kl : (klCase.passes ? 100 : 0),
                standardError: 0.1,
                samples: 8,
                tokens: 100,
              },
            };
            const gate: PromotionGate = { metric, minImprovement, klBound: { nats: 2, per } };
            const decision = decidePromotion(report, gate);
            const metricPasses = improvementCase.passes(minImprovement);
            const label = `${metric}, min ${minImprovement}, ${per}, improvement ${improvementCase.label}, ` +
              `KL ${klCase.label}`;
            assert.equal(decision.promote, metricPasses && klCase.passes, label);
            const failures = (metricPasses ? 0 : 1) + (klCase.passes ? 0 : 1);
            assert.equal(decision.reasons.length, decision.promote ? 2 : failures, label);
            const text = decision.reasons.join("\n");
            if (!metricPasses) {
              assert.match(text, new RegExp(metric), label);
              if (improvementCase.improvement !== null) {
                assert.ok(text.includes(`improvement ${improvementCase.improvement}`), `${label}: ${text}`);
              }
            }
            if (!klCase.passes) assert.match(text, new RegExp(`KL.*per ${per}`), label);
            if (klCase.label === "above") assert.match(text, /KL 4 nats per .* exceeds the bound 2/, label);
            if (improvementCase.label === "small" && minImprovement === 0.25) {
              assert.match(text, /below the minimum improvement 0\.25/, label);
            }
            cases++;
          }
        }
      }
    }
  }
  assert.equal(cases, 2 * 2 * 2 * IMPROVEMENTS.length * KLS.length);
});

Deno.test("decidePromotion: reasons of a promotion state both passed checks with their numbers", () => {
  const report = {
    metrics: { mean_aggregate: metricValue(0.5), win_rate: metricValue(0.5) },
    kl: { perSequence: 1.5, perToken: 0.05, standardError: 0.2, samples: 32, tokens: 960 },
  };
  const decision = decidePromotion(report, {
    metric: "mean_aggregate",
    minImprovement: 0.1,
    klBound: { nats: 2, per: "sequence" },
  });
  assert.deepEqual(decision, {
    promote: true,
    reasons: [
      "mean_aggregate: candidate 1.5 vs serving 1, improvement 0.5 ≥ minimum 0.1",
      "KL 1.5 nats per sequence within the bound 2",
    ],
  });
});
