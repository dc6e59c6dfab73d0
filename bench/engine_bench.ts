/**
 * Engine throughput, side by side in one run (`deno run -A models/engine/throughput_bench.ts
 * [--model folder] [--threads 2]`): generated tokens per second for
 *   1 greedy request vs 16 concurrent ones (64 tokens each), all submitted at once;
 *   one request with n = 8 vs 8 concurrent requests with n = 1 (same 128-token prompt, sampled);
 *   that n = 8 request in JSON mode (`responseFormat: "json_object"`, a grammar mask over the vocabulary
 *   every step) vs as text, and with a JSON schema (`responseFormat: "json_schema"`) vs as text.
 * Default model: random weights with the default model's sizes (V 4096, context 256, D 256,
 * 4 layers, 8 heads, MLP 1024).
 *
 * Checks before it times: the 16 concurrent greedy sequences equal each one run alone.
 */
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { Rng } from "../models/random.ts";
import { createEngine } from "../models/engine/mod.ts";
import { collect, samplingParams, writeTestModel } from "../models/engine/_test_model.ts";
import type { GenerationEngine, GenerationRequest } from "../models/engine/types.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { model: { type: "string" }, threads: { type: "string", default: "2" } },
});
const folder = values.model ?? (await writeTestModel({
  vocabSize: 4096,
  contextLength: 256,
  modelDim: 256,
  layerCount: 4,
  headCount: 8,
  mlpDim: 1024,
})).dir;
const threads = Number(values.threads);
// Prefix caching off: the n = 8 vs 8 × n = 1 comparison is about sharing one prefill within a request
// (bench:prefix measures the cache across requests).
const engine = await createEngine({
  models: [{ name: "m", path: folder }],
  threads,
  maxBatchSize: 16,
  prefixCacheMegabytes: 0,
});
const vocabulary = Math.min(300, engine.models()[0].vocabSize);
const rng = new Rng(1);
const prompts = Array.from({ length: 16 }, () => Array.from({ length: 32 }, () => rng.nextInt(vocabulary)));
/** A schema of the usual shapes: keys, an enum, a string, an integer, a list of strings, a nested object. */
const BENCH_SCHEMA = {
  type: "object",
  properties: {
    title: { type: "string" },
    rating: { enum: ["good", "fair", "poor"] },
    year: { type: "integer" },
    tags: { type: "array", items: { type: "string" }, maxItems: 4 },
    author: { type: "object", properties: { name: { type: "string" }, alive: { type: "boolean" } } },
  },
  required: ["title", "rating", "year", "tags", "author"],
  additionalProperties: false,
};
const greedy = (promptIds: number[]): GenerationRequest => ({
  model: "m",
  promptIds,
  n: 1,
  sampling: samplingParams({ maxTokens: 64, ignoreEos: true }),
});

/** Runs the requests concurrently; returns generated tokens/s, the runs and the prefill tokens. */
async function timed(engine: GenerationEngine, requests: GenerationRequest[]) {
  const started = performance.now();
  const runs = await Promise.all(requests.map((request) => collect(engine.generate(request))));
  const seconds = (performance.now() - started) / 1000;
  const tokens = runs.reduce((sum, run) => sum + run.done!.compute.generatedTokens, 0);
  const prefill = runs.reduce((sum, run) => sum + run.done!.compute.prefillTokens, 0);
  return { tokensPerSecond: tokens / seconds, seconds, runs, prefill };
}

// Check: batched greedy equals alone.
const alone: number[][] = [];
for (const prompt of prompts) alone.push((await timed(engine, [greedy(prompt)])).runs[0].candidates[0].ids);
const batched = await timed(engine, prompts.map(greedy));
batched.runs.forEach((run, i) => assert.deepEqual(run.candidates[0].ids, alone[i], `prompt ${i}`));

/** Best of three runs (the machine may be shared). */
async function best(requests: GenerationRequest[]) {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await timed(engine, requests));
  return runs.reduce((a, b) => (b.tokensPerSecond > a.tokensPerSecond ? b : a));
}

const one = await best([greedy(prompts[0])]);
const sixteen = await best(prompts.map(greedy));
const sampled = samplingParams({ temperature: 1, seed: 3, maxTokens: 64, ignoreEos: true });
const longPrompt = Array.from({ length: 128 }, () => rng.nextInt(vocabulary));
const nEight = await best([{ model: "m", promptIds: longPrompt, n: 8, sampling: sampled }]);
const eightOnes = await best(
  Array.from(
    { length: 8 },
    (_, i) => ({ model: "m", promptIds: longPrompt, n: 1, sampling: { ...sampled, seed: i } }),
  ),
);
const jsonMode = await best([{
  model: "m",
  promptIds: longPrompt,
  n: 8,
  sampling: { ...sampled, responseFormat: "json_object" },
}]);
const schemaRequest = (jsonSchema: unknown): GenerationRequest => ({
  model: "m",
  promptIds: longPrompt,
  n: 8,
  sampling: { ...sampled, responseFormat: "json_schema", jsonSchema },
});
// A schema never seen computes its masks as it goes (a new annotation makes it new); then they are cached.
const schemaCold = await timed(engine, [schemaRequest({ ...BENCH_SCHEMA, description: "first use" })]);
const schemaMode = await best([schemaRequest(BENCH_SCHEMA)]);
await engine.close();

const rate = (run: { tokensPerSecond: number; seconds: number }) =>
  `${run.tokensPerSecond.toFixed(0)} tok/s (${(run.seconds * 1000).toFixed(0)} ms)`;
const ratio = (a: { tokensPerSecond: number }, b: { tokensPerSecond: number }) =>
  (a.tokensPerSecond / b.tokensPerSecond).toFixed(2);
console.log(
  `threads ${threads} | greedy ×64: 1 request ${rate(one)}, 16 concurrent ${rate(sixteen)}: ×${
    ratio(sixteen, one)
  }` +
    ` | 128-token prompt ×64 sampled: n=8 ${rate(nEight)} (${nEight.prefill} prefill tokens),` +
    ` 8×n=1 ${rate(eightOnes)} (${eightOnes.prefill} prefill tokens): ×${ratio(nEight, eightOnes)}` +
    ` | n=8 in JSON mode ${rate(jsonMode)}: ×${ratio(jsonMode, nEight)} of text` +
    ` | n=8 with a JSON schema ${rate(schemaMode)}: ×${ratio(schemaMode, nEight)} of text` +
    ` (first use of a schema ${rate(schemaCold)}: ×${ratio(schemaCold, nEight)})`,
);
