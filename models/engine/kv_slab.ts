/**
 * The running decode batch's KV cache in engine-owned buffers, for graphs that output the new
 * tokens' K/V (`providesNewKeyValues`): the decode step then fetches logits and new_key_values
 * only, never the whole present.* cache (onnxruntime copies every fetched output into JS memory).
 *
 * Per layer one key and one value Float32Array [rows, H, capacity, hd], rows compacted at the
 * front, each row's tokens left-aligned:
 *
 *   row r, column c:  c < length_r → the sequence's tokens 0 … length_r − 1
 *                     c ≥ length_r → free (attention_mask 0)
 *
 * `past` is fed as zero-copy tensors [B, H, capacity, hd] over the first B rows, the mask is
 * [B, capacity + 1] (1 on each row's filled columns and on the new token), and after the step
 * each row's new K/V goes into its column length_r. The capacity follows the longest row.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import type { DecoderLayout, ForwardInput, KvCache } from "../decoder_session.ts";

/** Column capacity granularity. */
const COLUMN_STEP = 32;

/** Engine-owned batch KV cache with spare columns (see the module comment). */
export class KvSlab {
  #rows = 0;
  #rowCapacity = 0;
  #capacity = COLUMN_STEP;
  #keys: Float32Array[] = [];
  #values: Float32Array[] = [];

  constructor(readonly layout: DecoderLayout) {}

  /** Rows in use. */
  get rows(): number {
    return this.#rows;
  }

  /** Columns per row. */
  get capacity(): number {
    return this.#capacity;
  }

  /** Keeps rows `kept` (ascending indices) in order at the front; the rest leave. */
  retain(kept: readonly number[]): void {
    const block = this.#rowBlock();
    kept.forEach((from, to) => {
      if (from === to) return;
      for (const data of [...this.#keys, ...this.#values]) {
        data.copyWithin(to * block, from * block, (from + 1) * block);
      }
    });
    this.#rows = kept.length;
  }

  /** Appends a row holding the last `length` columns of row `row` of `source` (a prefill's cache). */
  append(source: KvCache, row: number, length: number): void {
    const { kvHeads: H, headDim: hd, layerCount } = this.layout;
    this.#reserve(this.#rows + 1, length + 1);
    const r = this.#rows++;
    const C = this.#capacity;
    const sourceColumns = source.length;
    for (let layer = 0; layer < layerCount; layer++) {
      const pairs: [ort.Tensor, Float32Array][] = [
        [source.keys[layer], this.#keys[layer]],
        [source.values[layer], this.#values[layer]],
      ];
      for (const [from, to] of pairs) {
        const data = from.data as Float32Array;
        for (let h = 0; h < H; h++) {
          const sourceEnd = ((row * H + h) * sourceColumns + sourceColumns) * hd;
          to.set(data.subarray(sourceEnd - length * hd, sourceEnd), (r * H + h) * C * hd);
        }
      }
    }
  }

  /** A copy of row `row`'s first `length` columns as a batch-1 cache [1, H, length, hd] per layer. */
  rowCache(row: number, length: number): KvCache {
    if (row >= this.#rows || length > this.#capacity) throw new RangeError("no such row or columns");
    const { kvHeads: H, headDim: hd } = this.layout;
    const C = this.#capacity;
    const copy = (data: Float32Array) => {
      const out = new Float32Array(H * length * hd);
      for (let h = 0; h < H; h++) {
        const from = (row * H + h) * C * hd;
        out.set(data.subarray(from, from + length * hd), h * length * hd);
      }
      return new ort.Tensor("float32", out, [1, H, length, hd]);
    };
    return { batchSize: 1, length, keys: this.#keys.map(copy), values: this.#values.map(copy) };
  }

  /** Inputs of one decode step over every row (lengths: each row's tokens in the cache). */
  stepInput(lastTokens: readonly number[], lengths: readonly number[]): ForwardInput & { past: KvCache } {
    const B = this.#rows;
    if (lastTokens.length !== B || lengths.length !== B) throw new Error("one token and length per row");
    this.#reserve(B, Math.max(0, ...lengths) + 1, true);
    const { kvHeads: H, headDim: hd } = this.layout;
    const C = this.#capacity;
    const width = C + 1;
    const attentionMask = new BigInt64Array(B * width);
    for (let r = 0; r < B; r++) {
      attentionMask.fill(1n, r * width, r * width + lengths[r]);
      attentionMask[r * width + C] = 1n;
    }
    const size = B * H * C * hd;
    const view = (data: Float32Array) => new ort.Tensor("float32", data.subarray(0, size), [B, H, C, hd]);
    return {
      batchSize: B,
      seqLength: 1,
      inputIds: BigInt64Array.from(lastTokens, BigInt),
      attentionMask,
      positionIds: BigInt64Array.from(lengths, BigInt),
      past: { batchSize: B, length: C, keys: this.#keys.map(view), values: this.#values.map(view) },
    };
  }

  /** Writes each row's new K/V [B, H, 1, hd] per layer into its column lengths[r]. */
  write(
    newKeys: readonly Float32Array[],
    newValues: readonly Float32Array[],
    lengths: readonly number[],
  ): void {
    const { kvHeads: H, headDim: hd, layerCount } = this.layout;
    const C = this.#capacity;
    for (let layer = 0; layer < layerCount; layer++) {
      copyColumns(newKeys[layer], this.#keys[layer], lengths, H, C, hd);
      copyColumns(newValues[layer], this.#values[layer], lengths, H, C, hd);
    }
  }

  #rowBlock(): number {
    return this.layout.kvHeads * this.#capacity * this.layout.headDim;
  }

  /**
   * Room for `rows` rows of `columns` columns. The column capacity tracks the longest row: it
   * grows to 1.25 × `columns` (rounded up to 32) when full and shrinks the same way when the
   * longest row needs at most half (wide columns cost attention work each step); rows double.
   */
  #reserve(rows: number, columns: number, shrink = false): void {
    const fits = columns <= this.#capacity && !(shrink && columns <= this.#capacity / 2);
    if (rows <= this.#rowCapacity && fits && this.#keys.length > 0) return;
    const capacity = fits
      ? this.#capacity
      : Math.max(COLUMN_STEP, Math.ceil(columns * 1.25 / COLUMN_STEP) * COLUMN_STEP);
    const rowCapacity = rows <= this.#rowCapacity ? this.#rowCapacity : Math.max(rows, this.#rowCapacity * 2);
    const { kvHeads: H, headDim: hd, layerCount } = this.layout;
    const kept = Math.min(capacity, this.#capacity) * hd;
    const resize = (old: Float32Array | undefined) => {
      const data = new Float32Array(rowCapacity * H * capacity * hd);
      if (!old) return data;
      if (capacity === this.#capacity) {
        data.set(old.subarray(0, this.#rows * H * capacity * hd));
      } else {
        for (let bh = 0; bh < this.#rows * H; bh++) {
          const from = bh * this.#capacity * hd;
          data.set(old.subarray(from, from + kept), bh * capacity * hd);
        }
      }
      return data;
    };
    this.#keys = Array.from({ length: layerCount }, (_, i) => resize(this.#keys[i]));
    this.#values = Array.from({ length: layerCount }, (_, i) => resize(this.#values[i]));
    this.#capacity = capacity;
    this.#rowCapacity = rowCapacity;
  }
}

/** Row r's new column of every head ([B, H, 1, hd] in `from`) into column lengths[r] of `to`. */
function copyColumns(
  from: Float32Array,
  to: Float32Array,
  lengths: readonly number[],
  H: number,
  C: number,
  hd: number,
): void {
  // A plain loop: subarray + set per (row, head) costs more than copying hd floats.
  for (let r = 0; r < lengths.length; r++) {
    for (let h = 0; h < H; h++) {
      const bh = r * H + h;
      const source = bh * hd;
      const target = (bh * C + lengths[r]) * hd;
      for (let k = 0; k < hd; k++) to[target + k] = from[source + k];
    }
  }
}
