/**
 * The running decode batch's KV cache in the Optimum layout: per layer one key and one value
 * tensor [B, H, L, hd]. Rows hold sequences of different lengths, left-padded to L columns:
 *
 *   row r, column c:  c < L − length_r → padding (attention_mask 0, zeros in the cache)
 *                     c ≥ L − length_r → the sequence's tokens 0 … length_r − 1
 *
 * Between membership changes the model's `present` is fed straight back as `past`. When rows
 * join or leave, `assembleCache` copies the surviving and joining rows into fresh tensors with
 * L = the longest member, which also drops leading columns that became padding in every row.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import type { DecoderLayout, ForwardInput, KvCache } from "../decoder_session.ts";

/** One row of a new batch: row `row` of `source`, whose last `length` columns hold the sequence. */
export interface BatchMember {
  source: KvCache;
  row: number;
  length: number;
}

/**
 * A KV cache [B, H, L, hd] per layer holding `members` in order, left-padded with zeros to
 * L = max(length). A source row may appear several times (the n candidates of one prefill).
 *
 * @example
 * ```ts ignore
 * // two running rows (lengths 9 and 4 in a 9-column batch) and a new 12-token prefill, twice:
 * const cache = assembleCache(layout, [
 *   { source: batch, row: 0, length: 9 }, { source: batch, row: 1, length: 4 },
 *   { source: prefill, row: 0, length: 12 }, { source: prefill, row: 0, length: 12 },
 * ]); // cache.length === 12, cache.batchSize === 4
 * ```
 */
export function assembleCache(layout: DecoderLayout, members: readonly BatchMember[]): KvCache {
  const { layerCount, kvHeads: H, headDim: hd } = layout;
  const B = members.length;
  const L = Math.max(0, ...members.map((m) => m.length));
  const cache: KvCache = { batchSize: B, length: L, keys: [], values: [] };
  for (const [from, to] of [["keys", cache.keys], ["values", cache.values]] as const) {
    for (let layer = 0; layer < layerCount; layer++) {
      const data = new Float32Array(B * H * L * hd);
      members.forEach((member, r) => {
        const source = member.source[from][layer].data as Float32Array;
        const sourceColumns = member.source.length;
        for (let h = 0; h < H; h++) {
          const sourceEnd = ((member.row * H + h) * sourceColumns + sourceColumns) * hd;
          const targetEnd = ((r * H + h) * L + L) * hd;
          data.set(
            source.subarray(sourceEnd - member.length * hd, sourceEnd),
            targetEnd - member.length * hd,
          );
        }
      });
      to.push(new ort.Tensor("float32", data, [B, H, L, hd]));
    }
  }
  return cache;
}

/**
 * Inputs of one decode step: each row's last token at its own position, attending to its
 * own columns of the `columns`-wide cache plus the new one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * const input = decodeStepInput([7, 8], [3, 1], 3);
 * assert.deepEqual([...input.attentionMask], [1n, 1n, 1n, 1n, 0n, 0n, 1n, 1n]);
 * assert.deepEqual([...input.positionIds], [3n, 1n]);
 * ```
 */
export function decodeStepInput(
  lastTokens: readonly number[],
  lengths: readonly number[],
  columns: number,
): Omit<ForwardInput, "past"> {
  const B = lastTokens.length;
  const width = columns + 1;
  const attentionMask = new BigInt64Array(B * width);
  for (let r = 0; r < B; r++) attentionMask.fill(1n, r * width + columns - lengths[r], (r + 1) * width);
  return {
    batchSize: B,
    seqLength: 1,
    inputIds: BigInt64Array.from(lastTokens, BigInt),
    attentionMask,
    positionIds: BigInt64Array.from(lengths, BigInt),
  };
}
