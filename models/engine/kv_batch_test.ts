/**
 * The padded batch: assembleCache places each member's columns right-aligned with zero padding,
 * and a left-padded batch decodes every row exactly as that sequence decodes alone.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import type { DecoderLayout, DecoderSession, KvCache } from "../decoder_session.ts";
import { Rng } from "../random.ts";
import { assembleCache, decodeStepInput } from "./kv_batch.ts";
import { loadSession, writeTestModel } from "./_test_model.ts";

Deno.test("assembleCache right-aligns each member and zero-pads on the left", () => {
  const layout: DecoderLayout = {
    layerCount: 2,
    kvHeads: 2,
    headDim: 3,
    vocabSize: 5,
    takesPositionIds: true,
    providesNewKeyValues: false,
  };
  const { kvHeads: H, headDim: hd } = layout;
  const source = (B: number, L: number, base: number): KvCache => {
    const make = (offset: number) =>
      new ort.Tensor("float32", Float32Array.from({ length: B * H * L * hd }, (_, i) => base + offset + i), [
        B,
        H,
        L,
        hd,
      ]);
    return { batchSize: B, length: L, keys: [make(0), make(1000)], values: [make(2000), make(3000)] };
  };
  const batch = source(2, 6, 0); // rows with 6 and 3 real columns
  const prefill = source(1, 4, 10_000);
  const members = [
    { source: batch, row: 1, length: 3 },
    { source: prefill, row: 0, length: 4 },
    { source: prefill, row: 0, length: 4 },
  ];
  const cache = assembleCache(layout, members);
  assert.equal(cache.length, 4); // the longest member: two leading columns of row 1 are dropped
  assert.deepEqual(cache.keys[1].dims, [3, H, 4, hd]);
  for (const [which, tensors] of [["keys", cache.keys], ["values", cache.values]] as const) {
    for (let layer = 0; layer < 2; layer++) {
      const data = tensors[layer].data as Float32Array;
      members.forEach((m, r) => {
        const from = m.source[which][layer].data as Float32Array;
        for (let h = 0; h < H; h++) {
          for (let c = 0; c < 4; c++) {
            for (let d = 0; d < hd; d++) {
              const sourceColumn = c - (4 - m.length) + (m.source.length - m.length);
              const expected = c < 4 - m.length
                ? 0
                : from[((m.row * H + h) * m.source.length + sourceColumn) * hd + d];
              assert.equal(data[((r * H + h) * 4 + c) * hd + d], expected);
            }
          }
        }
      });
    }
  }
});

/** Prefill of `ids` alone: its cache and the logits after it. */
async function prefill(session: DecoderSession, ids: number[]) {
  const V = session.layout.vocabSize;
  const { logits, present } = await session.forward({
    batchSize: 1,
    seqLength: ids.length,
    inputIds: BigInt64Array.from(ids, BigInt),
    attentionMask: new BigInt64Array(ids.length).fill(1n),
    positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)),
  });
  return { cache: present, last: logits.slice((ids.length - 1) * V) };
}

/** One decode step of a single sequence on its own cache. */
async function decodeAlone(session: DecoderSession, cache: KvCache, token: number) {
  const { logits, present } = await session.forward({
    batchSize: 1,
    seqLength: 1,
    inputIds: BigInt64Array.of(BigInt(token)),
    attentionMask: new BigInt64Array(cache.length + 1).fill(1n),
    positionIds: BigInt64Array.of(BigInt(cache.length)),
    past: cache,
  });
  return { cache: present, logits };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

Deno.test("a left-padded batch decodes each row as the sequence alone, through joins and leaves", async () => {
  const model = await writeTestModel();
  const session = await loadSession(model);
  const V = session.layout.vocabSize;
  const rng = new Rng(3);
  const prompts = [5, 9, 2].map((n) => Array.from({ length: n }, () => rng.nextInt(V)));
  const alone = await Promise.all(prompts.map((p) => prefill(session, p)));
  const next = (r: number) => (r * 37 + 11) % V; // any tokens will do

  // Rows 0 and 1 decode together for two steps (present fed back as past).
  let cache = assembleCache(
    session.layout,
    [0, 1].map((r) => ({ source: alone[r].cache, row: 0, length: prompts[r].length })),
  );
  let lengths = [prompts[0].length, prompts[1].length];
  const single = [alone[0].cache, alone[1].cache, alone[2].cache];
  for (let step = 0; step < 2; step++) {
    const tokens = [next(step), next(step + 5)];
    const { logits, present } = await session.forward({
      ...decodeStepInput(tokens, lengths, cache.length),
      past: cache,
    });
    for (let r = 0; r < 2; r++) {
      const reference = await decodeAlone(session, single[r], tokens[r]);
      single[r] = reference.cache;
      assert.ok(
        maxDifference(logits.subarray(r * V, (r + 1) * V), reference.logits) < 1e-4,
        `step ${step} row ${r}`,
      );
    }
    cache = present;
    lengths = lengths.map((l) => l + 1);
  }

  // Row 1 (the longest) leaves and prompt 2 joins: the rebuilt cache trims to the longest remaining row.
  cache = assembleCache(session.layout, [
    { source: cache, row: 0, length: lengths[0] },
    { source: alone[2].cache, row: 0, length: prompts[2].length },
  ]);
  assert.equal(cache.length, lengths[0]);
  lengths = [lengths[0], prompts[2].length];
  const tokens = [next(7), next(8)];
  const { logits } = await session.forward({
    ...decodeStepInput(tokens, lengths, cache.length),
    past: cache,
  });
  for (const [r, original] of [[0, 0], [1, 2]]) {
    const reference = await decodeAlone(session, single[original], tokens[r]);
    assert.ok(maxDifference(logits.subarray(r * V, (r + 1) * V), reference.logits) < 1e-4, `row ${r}`);
  }
  await session.release();
});
