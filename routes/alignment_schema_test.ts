import assert from "node:assert/strict";
import {
  createBuiltinCriteria,
  CriterionRegistry,
  InvalidWeightsError,
  UnknownCriterionError,
} from "../aligners/criteria/mod.ts";
import {
  type AlignmentSpec,
  AlignmentSpecSchema,
  bestOfSpec,
  BUILTIN_DEFAULT_CRITERIA,
  checkAlignedRequest,
  planAlignment,
  readAlignmentSpec,
} from "./alignment_schema.ts";
import { describeError } from "./errors.ts";

const registry = new CriterionRegistry(createBuiltinCriteria());
const shape = { promptTokens: 4, maxTokens: 10 };
const spec = (extra: Partial<AlignmentSpec> = {}): AlignmentSpec => ({ criteria: { length: 1 }, ...extra });

Deno.test("readAlignmentSpec: body wins, header is JSON validated under x-alignment", () => {
  const body = spec({ n: 2 });
  assert.equal(readAlignmentSpec(body, '{"criteria":{"sentiment":1}}'), body);
  assert.deepEqual(readAlignmentSpec(null, '{"criteria":{"sentiment":1}}'), { criteria: { sentiment: 1 } });
  assert.throws(() => readAlignmentSpec(undefined, "nope"), { param: "x-alignment", code: "invalid_json" });
  assert.throws(() => readAlignmentSpec(undefined, '{"criteria":{},"n":0}'), { param: "x-alignment.n" });
  assert.throws(() => readAlignmentSpec(undefined, '{"criteria":{},"extra":1}'), {
    param: "x-alignment.extra",
  });
});

Deno.test("AlignmentSpecSchema: gamma only with smooth_min, rejection needs r_max", () => {
  assert.equal(AlignmentSpecSchema.safeParse(spec({ gamma: 2 })).success, false);
  assert.equal(AlignmentSpecSchema.safeParse(spec({ aggregator: "smooth_min", gamma: 2 })).success, true);
  assert.equal(AlignmentSpecSchema.safeParse(spec({ aligner: "rejection" })).success, false);
  assert.equal(AlignmentSpecSchema.safeParse(spec({ aligner: "rejection", r_max: 0 })).success, true);
});

Deno.test("planAlignment: each aligner with its parameters", () => {
  const bon = planAlignment(spec({ aligner: "best_of_n", n: 5 }), shape, registry);
  assert.deepEqual([bon.aligner.name, bon.aligner.params, bon.chosenBy], ["best_of_n", { n: 5 }, "request"]);
  assert.equal(bon.cost.generatedTokens, 50);
  const soft = planAlignment(spec({ aligner: "soft_best_of_n", temperature_tau: 0.2 }), shape, registry);
  assert.deepEqual(soft.aligner.params, { n: 4, temperature: 0.2 });
  const sample = planAlignment(spec({ aligner: "sample" }), shape, registry);
  assert.equal(sample.aligner.name, "plain_sampling");
  const rejection = planAlignment(
    spec({ aligner: "rejection", r_max: 0, n: 3, max_draws: 7 }),
    shape,
    registry,
  );
  assert.deepEqual(rejection.aligner.params, { temperature: 1, rMax: 0, batchSize: 3, maxDraws: 7 });
  const smooth = planAlignment(spec({ aggregator: "smooth_min" }), shape, registry);
  assert.deepEqual(smooth.criteria.aggregator, { type: "smooth_min", gamma: 1 });
});

Deno.test("planAlignment: blockwise and pruned best-of-N with their parameters and budgets", () => {
  const blockwise = planAlignment(spec({ aligner: "blockwise", k: 3, block_tokens: 4 }), shape, registry);
  assert.deepEqual([blockwise.aligner.name, blockwise.aligner.params], ["blockwise", {
    k: 3,
    blockTokens: 4,
  }]);
  assert.equal(blockwise.cost.generatedTokens, 30);
  const defaults = planAlignment(spec({ aligner: "blockwise" }), shape, registry);
  assert.deepEqual(defaults.aligner.params, { k: 4, blockTokens: 16 });
  const pruned = planAlignment(spec({ aligner: "pruned_best_of_n", n: 6, block_tokens: 2 }), shape, registry);
  assert.deepEqual(pruned.aligner.params, { n: 6, blockTokens: 2, keepFraction: 0.5 });
  assert.throws(
    () => planAlignment(spec({ aligner: "blockwise", k: 5, budget: { max_candidates: 4 } }), shape, registry),
    { param: "alignment.k" },
  );
});

Deno.test("planAlignment: auto takes the largest best-of-N that fits the budget", () => {
  const plan = (budget: AlignmentSpec["budget"]) => planAlignment(spec({ budget }), shape, registry);
  assert.deepEqual(plan(undefined).aligner.params, { n: 8 });
  assert.deepEqual(plan({ max_generated_tokens: 39 }).aligner.params, { n: 3 });
  assert.deepEqual(plan({ max_generated_tokens: 10 }).aligner.params, { n: 1 });
  assert.deepEqual(plan({ max_candidates: 2, max_generated_tokens: 1000 }).aligner.params, { n: 2 });
  assert.equal(plan({ max_candidates: 2 }).chosenBy, "planner");
  assert.throws(() => plan({ max_generated_tokens: 9 }), {
    param: "alignment.budget.max_generated_tokens",
    message: /below the minimum: one candidate of max_tokens \(10\)/,
  });
});

Deno.test("planAlignment: explicit aligners over budget are 400s naming the field", () => {
  assert.throws(
    () => planAlignment(spec({ aligner: "best_of_n", n: 4, budget: { max_candidates: 3 } }), shape, registry),
    { param: "alignment.n", code: "over_budget" },
  );
  assert.throws(
    () =>
      planAlignment(
        spec({ aligner: "rejection", r_max: 0, max_draws: 9, budget: { max_generated_tokens: 80 } }),
        shape,
        registry,
      ),
    { param: "alignment.max_draws" },
  );
});

Deno.test("planAlignment: criteria errors are typed and map to alignment.* fields", () => {
  assert.throws(() => planAlignment({ criteria: { foo: 1 } }, shape, registry), UnknownCriterionError);
  assert.throws(() => planAlignment({ criteria: { length: -1 } }, shape, registry), InvalidWeightsError);
  const unknown = describeError(new UnknownCriterionError("foo", registry.names()));
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.error.param, "alignment.criteria.foo");
  assert.match(unknown.body.error.message, /valid: length, format, sentiment, civility/);
  const negative = describeError(new InvalidWeightsError("negative", "weights.length"));
  assert.equal(negative.body.error.param, "alignment.criteria.length");
  let paramsError: unknown;
  try {
    planAlignment(spec({ params: { length: { target: -1 } } }), shape, registry);
  } catch (error) {
    paramsError = error;
  }
  assert.equal(describeError(paramsError).body.error.param, "alignment.params.length.target");
});

Deno.test("bestOfSpec and checkAlignedRequest", () => {
  assert.deepEqual(bestOfSpec(3, undefined), {
    criteria: BUILTIN_DEFAULT_CRITERIA,
    aligner: "best_of_n",
    n: 3,
    budget: undefined,
  });
  assert.deepEqual(bestOfSpec(2, spec({ aligner: "sample" })).aligner, "best_of_n");
  assert.doesNotThrow(() => checkAlignedRequest({ prompts: 1 }));
  assert.throws(() => checkAlignedRequest({ prompts: 2 }), { param: "prompt" });
  assert.throws(() => checkAlignedRequest({ prompts: 1, echoLogprobs: true }), { param: "echo" });
});
