import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import { Rng } from "../../models/random.ts";
import { initScorerParameters, scoreSequence } from "./pooled_scorer.ts";
import { buildScorerGraph } from "./scorer_graph.ts";

Deno.test("exported ONNX graph scores a right-padded batch like the TypeScript forward", async () => {
  const config = { vocabSize: 50, dim: 8, hidden: 6 };
  const rng = new Rng(11);
  const parameters = initScorerParameters(config, rng.fork(0));
  for (const values of parameters.values()) values.forEach((_, i) => values[i] = rng.normal(0, 0.5));
  const rows = [[3, 4, 5, 6, 7, 8, 9], [1], [49, 0, 2], [10, 10, 10, 10]];
  const length = Math.max(...rows.map((row) => row.length));
  const ids = rows.flatMap((row) => Array.from({ length }, (_, t) => BigInt(row[t] ?? 0)));
  const mask = rows.flatMap((row) => Array.from({ length }, (_, t) => BigInt(t < row.length ? 1 : 0)));
  const session = await ort.InferenceSession.create(buildScorerGraph(config, parameters), {
    intraOpNumThreads: 1,
  });
  try {
    const output = await session.run({
      input_ids: new ort.Tensor("int64", BigInt64Array.from(ids), [rows.length, length]),
      attention_mask: new ort.Tensor("int64", BigInt64Array.from(mask), [rows.length, length]),
    });
    assert.deepEqual(output.logits.dims, [rows.length, 1]);
    const logits = output.logits.data as Float32Array;
    rows.forEach((row, i) => {
      const expected = scoreSequence(parameters, config, row);
      assert.ok(Math.abs(logits[i] - expected) < 1e-5, `row ${i}: ${logits[i]} vs ${expected}`);
    });
  } finally {
    await session.release();
  }
});
