import assert from "node:assert/strict";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";

Deno.test("checkpoint round trip keeps weights, both moments, step and notes", async () => {
  const path = `${await Deno.makeTempDir()}/checkpoint.safetensors`;
  assert.equal(await loadCheckpoint(path), undefined);
  const parameters = new Map([["a.weight", Float32Array.of(1, 2)], ["b.bias", Float32Array.of(3)]]);
  const optimizer = {
    step: 7,
    firstMoment: new Map([["a.weight", Float32Array.of(0.1, 0.2)], ["b.bias", Float32Array.of(0.3)]]),
    secondMoment: new Map([["a.weight", Float32Array.of(1e-3, 2e-3)], ["b.bias", Float32Array.of(3e-3)]]),
  };
  await saveCheckpoint(path, { step: 7, parameters, optimizer, notes: { history: [{ step: 5 }] } });
  const loaded = (await loadCheckpoint(path))!;
  assert.equal(loaded.step, 7);
  assert.deepEqual(loaded.parameters, parameters);
  assert.deepEqual(loaded.optimizer, optimizer);
  assert.deepEqual(loaded.notes, { history: [{ step: 5 }] });
});
