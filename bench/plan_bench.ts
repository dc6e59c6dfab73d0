/**
 * `deno task bench:plan`: what the `auto` planner costs a request, on the default model's quality curves.
 * "cold" plans on a curves object the planner has not seen (its length laws are computed from every measured
 * length: what each request paid before they were memoised per curves object, and what the first request
 * after a load or a hot swap still pays); "warm" plans again on the same object. Side by side in one run,
 * for a few weightings and max_tokens.
 *
 *     deno run --allow-all bench/plan_bench.ts
 */
import { planWithCurves } from "../aligners/mod.ts";
import { loadQualityCurves } from "../aligners/quality_curves/mod.ts";

const CURVES = "models/default/quality_curves.json";
const REQUESTS: { weights: Record<string, number>; maxTokens: number }[] = [
  { weights: { helpfulness: 1 }, maxTokens: 64 },
  { weights: { harmlessness: 1 }, maxTokens: 128 },
  { weights: { helpfulness: 0.7, harmlessness: 0.3 }, maxTokens: 160 },
];
const ROUNDS = 40;
const budget = { maxCandidates: 8, maxGeneratedTokens: Infinity };

const loaded = await loadQualityCurves(CURVES);
const plan = (curves: typeof loaded, request: (typeof REQUESTS)[number]) =>
  planWithCurves(
    curves,
    request.weights,
    { type: "sum" },
    { promptTokens: 24, maxTokens: request.maxTokens, criteriaCount: Object.keys(request.weights).length },
    budget,
  );

console.log(`planner time per request, ${ROUNDS} rounds each (median ms)`);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const request of REQUESTS) {
  const [cold, warm]: number[][] = [[], []];
  let chosen = "";
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = structuredClone(loaded); // copied outside the timed part
    let started = performance.now();
    const decision = plan(fresh, request);
    cold.push(performance.now() - started);
    started = performance.now();
    plan(fresh, request);
    warm.push(performance.now() - started);
    chosen = `${decision.aligner.name}(${JSON.stringify(decision.aligner.params)})`;
  }
  const [c, w] = [median(cold), median(warm)];
  console.log(
    `${JSON.stringify(request.weights).padEnd(42)} max_tokens ${String(request.maxTokens).padStart(3)}  ` +
      `cold ${c.toFixed(3)}  warm ${w.toFixed(3)}  cold/warm ×${(c / w).toFixed(1)}  → ${chosen}`,
  );
}
