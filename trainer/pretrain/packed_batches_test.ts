import assert from "node:assert/strict";
import { Rng } from "../../models/random.ts";
import { PackedBatches } from "./packed_batches.ts";

const documents = Array.from({ length: 7 }, (_, d) => Array.from({ length: 3 + d }, (_, i) => 100 * d + i));

Deno.test("targets are the inputs shifted by one, and rows continue the stream without gaps", () => {
  const batches = new PackedBatches(documents, 2, 5, new Rng(1));
  const stream: number[] = [];
  for (let i = 0; i < 4; i++) {
    const batch = batches.next();
    for (let b = 0; b < 2; b++) {
      const input = Array.from(batch.inputIds.subarray(b * 5, b * 5 + 5), Number);
      const target = Array.from(batch.targetIds.subarray(b * 5, b * 5 + 5), Number);
      assert.deepEqual(input.slice(1), target.slice(0, 4));
      if (stream.length > 0) assert.equal(input[0], stream.at(-1));
      stream.push(...target);
    }
    assert.ok(Math.abs(batch.tokenWeights.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  }
  // Each document appears whole and in order inside the stream.
  const text = stream.join(",");
  const whole = documents.filter((d) => text.includes(d.join(",")));
  assert.ok(whole.length >= 4);
});

Deno.test("an epoch serves every document once; the order depends only on the seed", () => {
  const order = (seed: number) => {
    const batches = new PackedBatches(documents, 1, 4, new Rng(seed));
    const firsts: number[] = [];
    while (batches.epoch === 0) {
      const batch = batches.next();
      for (const id of batch.inputIds) if (Number(id) % 100 === 0) firsts.push(Number(id) / 100);
    }
    return firsts;
  };
  assert.deepEqual(order(5), order(5));
  assert.notDeepEqual(order(5), order(6));
  assert.deepEqual([...new Set(order(5))].sort(), [0, 1, 2, 3, 4, 5, 6]);
});
