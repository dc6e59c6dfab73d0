/**
 * Rollouts as training-graph batches. Each row is prompt + completion tokens (the end-of-sequence token
 * included when the completion ended on one), shifted by one into inputs and targets; token weights are
 * 1/(completion tokens of the whole rollout batch) on targets that are completion tokens and 0 elsewhere,
 * so the loss is a per-token mean over the batch whatever the micro-batching. Rows of a micro-batch are
 * padded to its longest sequence.
 *
 * Shapes: a micro-batch of B rows, T = longest row − 1: input_ids, target_ids, token_weights, advantages
 * all [B, T] row-major.
 *
 * @module
 */
import type { TokenBatch } from "../../models/gpt/training_session.ts";

/** One training row: its full token sequence, where the completion starts, and its advantage A_j. */
export interface PolicyRow {
  tokens: readonly number[];
  promptLength: number;
  advantage: number;
}

/** A micro-batch with each token's advantage ([B, T], constant along a row). */
export interface PolicyMicroBatch extends TokenBatch {
  advantages: Float32Array;
}

/** Completion tokens of all rows (the loss normaliser). */
export function countCompletionTokens(rows: readonly PolicyRow[]): number {
  return rows.reduce((sum, row) => sum + Math.max(0, row.tokens.length - row.promptLength), 0);
}

/**
 * Splits `rows` into micro-batches of at most `rowsPerBatch` rows, weights normalised over all rows.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { packPolicyRows } from "./sequences.ts";
 * const [batch] = packPolicyRows([{ tokens: [5, 6, 7, 0], promptLength: 2, advantage: 1.5 }], 8, 9);
 * assert.deepEqual([...batch.inputIds], [5n, 6n, 7n]);
 * assert.deepEqual([...batch.targetIds], [6n, 7n, 0n]);
 * assert.deepEqual([...batch.tokenWeights], [0, 0.5, 0.5]); // targets 7 and 0 are the completion
 * ```
 */
export function packPolicyRows(
  rows: readonly PolicyRow[],
  rowsPerBatch: number,
  padTokenId: number,
): PolicyMicroBatch[] {
  const total = countCompletionTokens(rows);
  const weight = total === 0 ? 0 : 1 / total;
  const batches: PolicyMicroBatch[] = [];
  for (let start = 0; start < rows.length; start += rowsPerBatch) {
    const slice = rows.slice(start, start + rowsPerBatch);
    const seqLength = Math.max(1, ...slice.map((row) => row.tokens.length - 1));
    const size = slice.length * seqLength;
    const inputIds = new BigInt64Array(size).fill(BigInt(padTokenId));
    const targetIds = new BigInt64Array(size).fill(BigInt(padTokenId));
    const tokenWeights = new Float32Array(size);
    const advantages = new Float32Array(size);
    slice.forEach((row, b) => {
      const offset = b * seqLength;
      for (let t = 0; t + 1 < row.tokens.length; t++) {
        inputIds[offset + t] = BigInt(row.tokens[t]);
        targetIds[offset + t] = BigInt(row.tokens[t + 1]);
        if (t + 1 >= row.promptLength) tokenWeights[offset + t] = weight;
      }
      advantages.fill(row.advantage, offset, offset + seqLength);
    });
    batches.push({ batchSize: slice.length, seqLength, inputIds, targetIds, tokenWeights, advantages });
  }
  return batches;
}
