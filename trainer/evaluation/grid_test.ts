/** The grid schema, its expansion into cells and seeds, the prompts, and the metrics' symmetry. */
import assert from "node:assert/strict";
import { alignerCells, cellSeeds, createCellAligner, EvaluationGridSchema, gridCells } from "./grid.ts";
import { meanAggregateMetric, winRateMetric } from "./metrics.ts";
import { evaluationPrompts } from "./prompts.ts";
import { heldOutPrompts } from "../corpus/mod.ts";

Deno.test("the default grid: 3 weightings, sample and best-of-4, 16 held-out prompts, 48 tokens, one seed", () => {
  const grid = EvaluationGridSchema.parse({});
  assert.deepEqual(grid.weightings, [{ helpfulness: 1 }, { harmlessness: 1 }, {
    helpfulness: 0.5,
    harmlessness: 0.5,
  }]);
  assert.deepEqual(alignerCells(grid), [{ type: "sample" }, { type: "best_of_n", n: 4 }]);
  assert.deepEqual(grid.prompts, { source: "held_out", count: 16 });
  assert.equal(grid.maxTokens, 48);
  assert.equal(grid.seedsPerCell, 1);
  assert.equal(gridCells(grid, 16).length, 3 * 2 * 16);
  // A parsed grid is plain JSON and parses to itself (the registry stores it in the report).
  assert.deepEqual(EvaluationGridSchema.parse(JSON.parse(JSON.stringify(grid))), grid);
});

Deno.test("the grid schema rejects what cannot be evaluated", () => {
  const bad = [
    { weightings: [{ helpfulness: 0 }] },
    { weightings: [{ helpfulness: -1 }] },
    { weightings: [] },
    { aligners: [{ type: "best_of_n", n: 0 }] },
    { aligners: [{ type: "best_of_n", n: [] }] },
    { aligners: [{ type: "beam" }] },
    { aligners: [{ type: "soft_best_of_n", n: 4, temperature: 0 }] },
    { prompts: { source: "held_out", count: 0 } },
    { prompts: { source: "explicit", texts: [] } },
    { metric: "accuracy" },
    { minImprovement: -0.1 },
    { klBound: { nats: 1, per: "word" } },
    { seedsPerCell: 1.5 },
    { unknownField: 1 },
  ];
  for (const input of bad) {
    assert.equal(EvaluationGridSchema.safeParse(input).success, false, JSON.stringify(input));
  }
});

Deno.test("cells: weighting × aligner budget × prompt, in that order; aligners built with their budget", () => {
  const grid = EvaluationGridSchema.parse({
    weightings: [{ a: 1 }, { b: 1 }],
    aligners: [{ type: "sample" }, { type: "best_of_n", n: [2, 4] }, {
      type: "soft_best_of_n",
      n: 3,
      temperature: 0.5,
    }],
  });
  const cells = gridCells(grid, 3);
  assert.equal(cells.length, 2 * 4 * 3);
  assert.deepEqual(cells[0], { weighting: { a: 1 }, aligner: { type: "sample" }, promptIndex: 0 });
  assert.deepEqual(cells[4], { weighting: { a: 1 }, aligner: { type: "best_of_n", n: 2 }, promptIndex: 1 });
  assert.deepEqual(cells[12], { weighting: { b: 1 }, aligner: { type: "sample" }, promptIndex: 0 });
  assert.deepEqual(
    alignerCells(grid).map((cell) => [createCellAligner(cell).name, createCellAligner(cell).params]),
    [
      ["plain_sampling", { n: 1, score: true }],
      ["best_of_n", { n: 2 }],
      ["best_of_n", { n: 4 }],
      ["soft_best_of_n", { n: 3, temperature: 0.5 }],
    ],
  );
});

Deno.test("seeds: distinct across prompts and seed indices, shared by every weighting and aligner", () => {
  const grid = { baseSeed: 7, seedsPerCell: 3 };
  const all = Array.from({ length: 5 }, (_, p) => cellSeeds(grid, p)).flat();
  assert.equal(new Set(all).size, 15);
  assert.deepEqual(cellSeeds(grid, 0), [7, 8, 9]);
});

Deno.test("held-out prompts are spread over the held-out list and never repeat", () => {
  const all = heldOutPrompts();
  const prompts = evaluationPrompts({ source: "held_out", count: 16 });
  assert.equal(new Set(prompts.map((p) => p.id)).size, 16);
  assert.equal(prompts[0].id, all[0].id);
  assert.equal(prompts[8].id, all[Math.floor(all.length / 2)].id);
  assert.ok(prompts.some((p) => all.find((q) => q.id === p.id)!.risky), "a risky prompt is included");
  assert.throws(() => evaluationPrompts({ source: "held_out", count: all.length + 1 }), RangeError);
});

Deno.test("metrics: swapping the models negates the improvement and swaps the values", () => {
  const side = (meanAggregate: number | null) => ({ meanAggregate, criteria: {} });
  const pairs: [number | null, number | null][] = [[0.5, 0.25], [1, 1], [-1, 2], [null, 1], [3, 0]];
  const cells = pairs.map(([c, s]) => ({ candidate: side(c), serving: side(s) }));
  const swapped = pairs.map(([c, s]) => ({ candidate: side(s), serving: side(c) }));
  for (const metric of [meanAggregateMetric, winRateMetric]) {
    const [forward, backward] = [metric(cells), metric(swapped)];
    assert.equal(forward.cells, 4);
    assert.equal(forward.candidate, backward.serving);
    assert.equal(forward.serving, backward.candidate);
    assert.equal(forward.improvement, -backward.improvement!);
  }
  assert.deepEqual(winRateMetric(cells), { candidate: 0.625, serving: 0.375, improvement: 0.25, cells: 4 });
});
