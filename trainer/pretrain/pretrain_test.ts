import assert from "node:assert/strict";
import { GptConfigSchema } from "../../models/gpt/config.ts";
import { initParameters, type Parameters } from "../../models/gpt/parameters.ts";
import { Rng } from "../../models/random.ts";
import { PackedBatches } from "./packed_batches.ts";
import { pretrain, type PretrainOptions } from "./pretrain.ts";

const config = GptConfigSchema.parse({
  vocabSize: 20,
  contextLength: 16,
  modelDim: 16,
  layerCount: 1,
  headCount: 2,
  mlpDim: 32,
});
// A learnable language: each document counts upward modulo 20 from a random start.
const documents = Array.from(
  { length: 40 },
  (_, d) => Array.from({ length: 12 }, (_, i) => (d * 7 + i) % 20),
);

function options(overrides: Partial<PretrainOptions> = {}): PretrainOptions {
  const batches = new PackedBatches(documents, 4, 16, new Rng(1));
  const heldOut = new PackedBatches(documents.slice(0, 8), 4, 16, new Rng(2)).next();
  return {
    config,
    parameters: initParameters(config, new Rng(3)),
    nextBatch: () => batches.next(),
    heldOutBatches: [heldOut],
    steps: 40,
    peakLearningRate: 1e-2,
    warmupSteps: 4,
    heldOutEvery: 10,
    checkpointEvery: 1000,
    threads: 1,
    log: () => {},
    ...overrides,
  };
}

Deno.test("pretraining learns a simple language and every weight tensor moves", async () => {
  const initial = initParameters(config, new Rng(3));
  const result = await pretrain(options());
  const first = result.history[0].heldOutLoss!;
  const last = result.history.at(-1)!.heldOutLoss!;
  assert.ok(last < 0.5 * first, `held-out loss ${first} → ${last}`);
  for (const [name, values] of result.parameters) {
    const before = initial.get(name)!;
    assert.ok(values.some((v, i) => v !== before[i]), `${name} did not change`);
  }
});

Deno.test("a run stopped and resumed from its checkpoint ends with the same weights as one run", async () => {
  const uninterrupted = await pretrain(options({ steps: 12 }));
  const path = `${await Deno.makeTempDir()}/checkpoint.safetensors`;
  const controller = new AbortController();
  const stopped = await pretrain(options({
    steps: 12,
    heldOutEvery: 5,
    checkpointPath: path,
    signal: controller.signal,
    log: (entry) => entry.step === 5 && controller.abort(),
  }));
  assert.equal(stopped.completedSteps, 5);
  const resumed = await pretrain(options({ steps: 12, checkpointPath: path }));
  assert.equal(resumed.completedSteps, 12);
  assertSameWeights(resumed.parameters, uninterrupted.parameters);
});

function assertSameWeights(a: Parameters, b: Parameters) {
  for (const [name, values] of a) assert.deepEqual(values, b.get(name), name);
}
