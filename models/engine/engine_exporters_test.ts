/**
 * Folders written by other exporters: a graph that derives positions from attention_mask (no
 * position_ids input) and one with only the Optimum outputs (present.* fed back as past, no
 * new_key_values) batch left-padded rows correctly, and a graph whose logits are wider
 * than the tokenizer's vocabulary never yields an id the tokenizer lacks.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { DecoderLayout } from "../decoder_session.ts";
import { generateSequence } from "../generate_sequence.ts";
import { buildInferenceGraph } from "../gpt/inference_graph.ts";
import { randomWeights } from "../gpt/_test_support.ts";
import { encodeOnnxModel, type OnnxModel } from "../onnx/onnx_model.ts";
import { Rng } from "../random.ts";
import { createEngine } from "./mod.ts";
import {
  collect,
  loadSession,
  samplingParams,
  type TestModel,
  withoutNewKeyValues,
  writeTestModel,
} from "./_test_model.ts";

/**
 * The same decoder with position_ids computed inside the graph, as some exports do:
 * positions = (cumsum(attention_mask) − 1)[:, −S:], padding clamped to 0.
 */
function positionsFromMask(model: OnnxModel): OnnxModel {
  const int64 = (name: string, values: number[]) => ({
    name,
    elementType: "int64" as const,
    dims: [values.length],
    data: BigInt64Array.from(values, BigInt),
  });
  const node = (opType: string, inputs: string[], output: string) => ({
    opType,
    inputs,
    outputs: [output],
    name: `mask_positions_${output}`,
  });
  const graph = model.graph;
  return {
    ...model,
    graph: {
      ...graph,
      inputs: graph.inputs.filter((input) => input.name !== "position_ids"),
      initializers: [
        ...graph.initializers,
        int64("mp_axis", [1]),
        int64("mp_one", [1]),
        int64("mp_zero", [0]),
        int64("mp_end", [Number.MAX_SAFE_INTEGER]),
      ],
      nodes: [
        node("CumSum", ["attention_mask", "mp_axis"], "mp_cumsum"),
        node("Sub", ["mp_cumsum", "mp_one"], "mp_shifted"),
        node("Max", ["mp_shifted", "mp_zero"], "mp_all"),
        node("Shape", ["input_ids"], "mp_shape"),
        { ...node("Gather", ["mp_shape", "mp_one"], "mp_length"), attributes: { axis: 0 } },
        node("Neg", ["mp_length"], "mp_start"),
        node("Slice", ["mp_all", "mp_start", "mp_end", "mp_axis"], "position_ids"),
        ...graph.nodes,
      ],
    },
  };
}

async function withEngine(
  folder: TestModel,
  run: (engine: Awaited<ReturnType<typeof createEngine>>) => Promise<void>,
) {
  const engine = await createEngine({
    models: [{ name: "m", path: folder.dir }],
    threads: 1,
    maxBatchSize: 8,
  });
  try {
    await run(engine);
  } finally {
    await engine.close();
  }
}

/** Rows joining a running batch of a rewritten graph decode as each prompt alone (original graph). */
async function batchesAsAlone(rewrite: (model: OnnxModel) => OnnxModel, layout: Partial<DecoderLayout>) {
  const model = await writeTestModel({ seed: 4 });
  const prompts = ["The", "A small model writes short", "Héllo wörld, naïve café: bytes"]
    .map((text) => model.tokenizer.encode(text));
  const maxTokens = 20;
  const reference: number[][] = [];
  const session = await loadSession(model); // the original graph, with position_ids
  for (const prompt of prompts) {
    const options = { temperature: 0, topP: 1, topK: 0, maxNewTokens: maxTokens, stopTokenIds: [] };
    reference.push(await generateSequence(session, prompt, { ...options, contextLength: 96 }, new Rng(0)));
  }
  await session.release();

  const parameters = randomWeights(model.config, 4, (n) => new Float32Array(n));
  const graph = rewrite(buildInferenceGraph(model.config, parameters));
  await Deno.writeFile(join(model.dir, "onnx", "model.onnx"), encodeOnnxModel(graph));
  const check = await loadSession(model);
  assert.deepEqual({ ...check.layout, ...layout }, check.layout);
  await check.release();

  await withEngine(model, async (engine) => {
    const sampling = samplingParams({ maxTokens, ignoreEos: true });
    // The longest prompt starts first; the shorter ones join it, left-padded.
    const first = engine.generate({ model: "m", promptIds: prompts[2], n: 1, sampling })
      [Symbol.asyncIterator]();
    await first.next();
    await first.next();
    const others = prompts.slice(0, 2).map((promptIds) =>
      collect(engine.generate({ model: "m", promptIds, n: 2, sampling }))
    );
    const rest = collect({ [Symbol.asyncIterator]: () => first });
    const [short, middle, long] = [...await Promise.all(others), await rest];
    assert.deepEqual(short.candidates.map((c) => c.ids), [reference[0], reference[0]]);
    assert.deepEqual(middle.candidates.map((c) => c.ids), [reference[1], reference[1]]);
    assert.deepEqual(long.candidates[0].ids, reference[2].slice(1)); // its first token was read above
  });
}

Deno.test("a graph without position_ids input batches left-padded rows as each alone", async () => {
  await batchesAsAlone(positionsFromMask, { takesPositionIds: false, providesNewKeyValues: true });
});

Deno.test("a graph with present.* only (no new_key_values) batches rows as each alone", async () => {
  await batchesAsAlone(withoutNewKeyValues, { takesPositionIds: true, providesNewKeyValues: false });
});

Deno.test("logits wider than the tokenizer: ids beyond its vocabulary are never chosen", async () => {
  const model = await writeTestModel({ vocabSize: 512 });
  assert.ok(model.tokenizer.vocabSize < 512);
  await withEngine(model, async (engine) => {
    assert.equal(engine.models()[0].vocabSize, 512);
    const run = await collect(engine.generate({
      model: "m",
      promptIds: model.tokenizer.encode("The quick"),
      n: 4,
      sampling: samplingParams({ temperature: 5, maxTokens: 40, seed: 9, ignoreEos: true }),
    }));
    const ids = run.candidates.flatMap((c) => c.ids);
    assert.equal(ids.length, 160);
    assert.ok(ids.every((id) => id < model.tokenizer.vocabSize));
  });
});
