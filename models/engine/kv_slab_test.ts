/**
 * The engine-owned batch cache against a brute-force model of it: per row, the list of columns
 * it holds; after appends, writes and retains every row's filled columns hold exactly those
 * values, left-aligned, the step mask attends to them and to the new token, and a row copied out
 * alone holds them too.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import type { DecoderLayout, KvCache } from "../decoder_session.ts";
import { KvSlab } from "./kv_slab.ts";

const layout: DecoderLayout = {
  layerCount: 2,
  kvHeads: 3,
  headDim: 4,
  vocabSize: 10,
  takesPositionIds: true,
  providesNewKeyValues: true,
};
const { layerCount: layers, kvHeads: H, headDim: hd } = layout;

/** A value that names its place: which tensor, layer, row, head, column and element. */
const mark = (kind: number, layer: number, row: number, h: number, column: number, k: number) =>
  kind * 1e6 + layer * 1e5 + row * 1e4 + h * 1e3 + column * 10 + k;

/** A prefill cache [B, H, L, hd] per layer with marked values. */
function prefillCache(B: number, L: number, tag: number): KvCache {
  const tensor = (kind: number, layer: number) =>
    new ort.Tensor(
      "float32",
      Float32Array.from({ length: B * H * L * hd }, (_, i) => {
        const k = i % hd;
        const column = Math.floor(i / hd) % L;
        const h = Math.floor(i / (hd * L)) % H;
        const row = Math.floor(i / (hd * L * H));
        return mark(kind, layer, tag + row, h, column, k);
      }),
      [B, H, L, hd],
    );
  return {
    batchSize: B,
    length: L,
    keys: Array.from({ length: layers }, (_, layer) => tensor(1, layer)),
    values: Array.from({ length: layers }, (_, layer) => tensor(2, layer)),
  };
}

Deno.test("KvSlab keeps each row's columns through appends, writes, growth and retains", () => {
  const slab = new KvSlab(layout);
  // model[row] = for each held column, the (row tag, column) its values were marked with
  type Column = { tag: number; column: number };
  let model: Column[][] = [];
  const first = prefillCache(2, 5, 0); // rows 0, 1: 5 columns each
  slab.append(first, 0, 5);
  slab.append(first, 1, 3); // the last 3 columns of source row 1
  model.push([0, 1, 2, 3, 4].map((column) => ({ tag: 0, column })));
  model.push([2, 3, 4].map((column) => ({ tag: 1, column })));
  const second = prefillCache(1, 4, 50);
  slab.append(second, 0, 4);
  slab.append(second, 0, 4); // one prefill row twice (n = 2)
  model.push([0, 1, 2, 3].map((column) => ({ tag: 50, column })));
  model.push([0, 1, 2, 3].map((column) => ({ tag: 50, column })));

  const check = () => {
    const lengths = model.map((columns) => columns.length);
    const input = slab.stepInput(lengths.map(() => 1), lengths);
    const C = input.past.length;
    assert.equal(input.batchSize, model.length);
    model.forEach((columns, r) => {
      const mask = [...input.attentionMask.subarray(r * (C + 1), (r + 1) * (C + 1))].map(Number);
      assert.deepEqual(mask, [...Array(C).keys()].map((c) => (c < columns.length ? 1 : 0)).concat([1]));
      for (let layer = 0; layer < layers; layer++) {
        for (const [kind, tensors] of [[1, input.past.keys], [2, input.past.values]] as const) {
          const data = tensors[layer].data as Float32Array;
          assert.deepEqual(tensors[layer].dims, [model.length, H, C, hd]);
          for (let h = 0; h < H; h++) {
            columns.forEach(({ tag, column }, c) => {
              for (let k = 0; k < hd; k++) {
                const expected = mark(kind, layer, tag, h, column, k);
                assert.equal(
                  data[((r * H + h) * C + c) * hd + k],
                  expected,
                  `row ${r} layer ${layer} col ${c}`,
                );
              }
            });
          }
        }
      }
      // The row copied out alone (what the prefix cache keeps of a finished sequence).
      const own = slab.rowCache(r, columns.length);
      assert.equal(own.length, columns.length);
      for (let layer = 0; layer < layers; layer++) {
        for (const [kind, tensors] of [[1, own.keys], [2, own.values]] as const) {
          assert.deepEqual(tensors[layer].dims, [1, H, columns.length, hd]);
          const expected = Array.from({ length: H * columns.length * hd }, (_, i) => {
            const { tag, column } = columns[Math.floor(i / hd) % columns.length];
            return mark(kind, layer, tag, Math.floor(i / (hd * columns.length)), column, i % hd);
          });
          assert.deepEqual([...(tensors[layer].data as Float32Array)], expected, `row ${r} alone`);
        }
      }
    });
  };
  check();

  // Decode steps: each row's new K/V [B, H, 1, hd] goes into its next column; 40 steps cross capacity 32.
  for (let step = 0; step < 40; step++) {
    if (step === 12) {
      slab.retain([0, 2, 3]); // row 1 leaves
      model = [model[0], model[2], model[3]];
    }
    const B = model.length;
    const lengths = model.map((columns) => columns.length);
    slab.stepInput(lengths.map(() => 1), lengths); // reserves room as the engine does
    const added = (kind: number, layer: number) =>
      Float32Array.from({ length: B * H * hd }, (_, i) => {
        const k = i % hd;
        const h = Math.floor(i / hd) % H;
        const r = Math.floor(i / (hd * H));
        return mark(kind, layer, 100 + r, h, step, k);
      });
    slab.write(
      Array.from({ length: layers }, (_, layer) => added(1, layer)),
      Array.from({ length: layers }, (_, layer) => added(2, layer)),
      lengths,
    );
    model.forEach((columns, r) => columns.push({ tag: 100 + r, column: step }));
    check();
  }
  assert.equal(slab.rows, 3);
  assert.ok(slab.capacity >= 44 + 1);
});
