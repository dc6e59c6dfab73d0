/**
 * One batched decode step at B = 16 with 200 tokens of context (`deno run -A bench/decode_step_bench.ts`):
 * present.* fetched and fed back (the Optimum path) vs the engine-owned cache (kv_slab.ts) fetching
 * only logits and new_key_values.*, and forwardNew over the present-shaped cache for reference.
 */
import { DecoderSession } from "../models/decoder_session.ts";
import { KvSlab } from "../models/engine/kv_slab.ts";
import { decodeStepInput } from "../models/engine/kv_batch.ts";
import { writeTestModel } from "../models/engine/_test_model.ts";
import { join } from "node:path";
const model = await writeTestModel({
  vocabSize: 4096,
  contextLength: 256,
  modelDim: 256,
  layerCount: 4,
  headCount: 8,
  mlpDim: 1024,
});
const session = await DecoderSession.load(join(model.dir, "onnx", "model.onnx"), { threads: 2 });
const B = 16, L = 200;
const pre = await session.forward({
  batchSize: B,
  seqLength: L,
  inputIds: new BigInt64Array(B * L).fill(5n),
  attentionMask: new BigInt64Array(B * L).fill(1n),
  positionIds: BigInt64Array.from({ length: B * L }, (_, i) => BigInt(i % L)),
});
const tokens = Array(B).fill(7);
const time = async (label: string, f: () => Promise<void>) => {
  for (let i = 0; i < 5; i++) await f();
  const n = 40;
  const t = performance.now();
  for (let i = 0; i < n; i++) await f();
  console.log(label, ((performance.now() - t) / n).toFixed(2), "ms/step");
};
// old path: present fed back (fixed L to keep the same size: reuse pre.present each time)
await time("present path (B=16, L=200)", async () => {
  const input = decodeStepInput(tokens, Array(B).fill(L), L);
  await session.forward({ ...input, past: pre.present });
});
const slab = new KvSlab(session.layout);
for (let r = 0; r < B; r++) slab.append(pre.present, r, L);
console.log("slab capacity", slab.capacity);
await time("slab path   (B=16, L=200)", async () => {
  const lengths = Array(B).fill(L);
  const r = await session.forwardNew(slab.stepInput(tokens, lengths));
  slab.write(r.newKeys, r.newValues, lengths);
});

const s2 = await DecoderSession.load(join(model.dir, "onnx", "model.onnx"), { threads: 2 });
await time("forwardNew over present L=200 (no slab)", async () => {
  const input = decodeStepInput(tokens, Array(B).fill(L), L);
  await s2.forwardNew({ ...input, past: pre.present });
});
await session.release();
await s2.release();
