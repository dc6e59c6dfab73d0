/**
 * The decoder session runs graphs that output new_key_values without their present.* outputs:
 * checked against onnxruntime running the untouched file (present and logits bit for bit, over
 * a prefill and a chunk on top of its cache), and the graph edit against the file's own nodes.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { DecoderSession } from "./decoder_session.ts";
import { writeTestModel } from "./engine/_test_model.ts";
import { dropOutputs, graphOutputNames, usesExternalData } from "./onnx/drop_outputs.ts";
import { readFields } from "./onnx/protobuf_reader.ts";

const model = await writeTestModel({ layerCount: 2, headCount: 4, modelDim: 32 });
const path = join(model.dir, "onnx", "model.onnx");
const bytes = await Deno.readFile(path);

/** op types of the graph's nodes, by output name. */
function nodesByOutput(file: Uint8Array): Map<string, string> {
  const byOutput = new Map<string, string>();
  const text = new TextDecoder();
  for (const modelField of readFields(file)) {
    if (modelField.field !== 7) continue;
    for (const graphField of readFields(modelField.bytes)) {
      if (graphField.field !== 1) continue;
      let op = "";
      const outputs: string[] = [];
      for (const f of readFields(graphField.bytes)) {
        if (f.field === 4) op = text.decode(f.bytes);
        if (f.field === 2) outputs.push(text.decode(f.bytes));
      }
      for (const output of outputs) byOutput.set(output, op);
    }
  }
  return byOutput;
}

Deno.test("dropOutputs removes the present outputs and their Identity nodes, nothing else", () => {
  const outputs = graphOutputNames(bytes);
  assert.ok(outputs.includes("present.0.key") && outputs.includes("new_key_values.1.value"));
  assert.equal(usesExternalData(bytes), false);
  const isPresent = (name: string) => name.startsWith("present.");
  const pruned = dropOutputs(bytes, isPresent);
  assert.deepEqual(graphOutputNames(pruned), outputs.filter((name) => !isPresent(name)));
  const [before, after] = [nodesByOutput(bytes), nodesByOutput(pruned)];
  const removed = [...before.keys()].filter((output) => !after.has(output));
  assert.deepEqual(removed.sort(), outputs.filter(isPresent).sort());
  assert.ok(removed.every((output) => before.get(output) === "Identity"));
  // A node whose output another node reads stays even when that output is dropped as a graph output.
  const logitsProducer = before.get("logits");
  const kept = dropOutputs(bytes, (name) => name === "logits" || isPresent(name));
  assert.equal(nodesByOutput(kept).get("logits"), logitsProducer === "Identity" ? undefined : logitsProducer);
});

Deno.test("without present outputs, forward returns the present and logits the full graph computes", async () => {
  const session = await DecoderSession.load(path, { threads: 1 });
  assert.equal(session.presentDropped, true);
  assert.ok(!session.session.outputNames.some((name) => name.startsWith("present.")));
  const full = await ort.InferenceSession.create(path, { intraOpNumThreads: 1 });
  const { layerCount: layers, kvHeads: H, headDim: hd } = session.layout;
  const B = 2;
  const ids = [[5, 9, 12, 40, 7], [3, 3, 18, 22, 61]];
  const run = async (start: number, count: number, past?: Awaited<ReturnType<typeof session.forward>>) => {
    const input = {
      batchSize: B,
      seqLength: count,
      inputIds: BigInt64Array.from(ids.flatMap((row) => row.slice(start, start + count)), BigInt),
      attentionMask: new BigInt64Array(B * (start + count)).fill(1n),
      positionIds: BigInt64Array.from({ length: B * count }, (_, i) => BigInt(start + (i % count))),
    };
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor("int64", input.inputIds, [B, count]),
      attention_mask: new ort.Tensor("int64", input.attentionMask, [B, start + count]),
      position_ids: new ort.Tensor("int64", input.positionIds, [B, count]),
    };
    const pastCache = past?.present ?? session.emptyCache(B);
    for (let i = 0; i < layers; i++) {
      feeds[`past_key_values.${i}.key`] = pastCache.keys[i];
      feeds[`past_key_values.${i}.value`] = pastCache.values[i];
    }
    const expected = await full.run(feeds);
    const actual = await session.forward({ ...input, past: past?.present });
    assert.deepEqual(actual.logits, expected.logits.data);
    assert.equal(actual.present.length, start + count);
    for (let i = 0; i < layers; i++) {
      for (const kind of ["key", "value"] as const) {
        const tensor = (kind === "key" ? actual.present.keys : actual.present.values)[i];
        assert.deepEqual(tensor.dims, [B, H, start + count, hd]);
        assert.deepEqual(tensor.data, expected[`present.${i}.${kind}`].data, `present.${i}.${kind}`);
      }
    }
    return actual;
  };
  const prefill = await run(0, 3);
  await run(3, 2, prefill);
  await full.release();
  await session.release();
});
