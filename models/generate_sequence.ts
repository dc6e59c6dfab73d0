/**
 * Generates one continuation with a KV cache: prefill the prompt, then one token per step.
 * (The batching engine of the gateway builds on the same DecoderSession.)
 */
import type { DecoderSession } from "./decoder_session.ts";
import type { Rng } from "./random.ts";
import { sampleToken, type SamplingOptions } from "./sampling.ts";

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Generation stops after any of these ids (which are included in the output). */
  stopTokenIds: readonly number[];
  /** Longest total length the model accepts (prompt + generated). */
  contextLength: number;
}

export async function generateSequence(
  session: DecoderSession,
  promptIds: readonly number[],
  options: GenerateOptions,
  rng: Rng,
): Promise<number[]> {
  const generated: number[] = [];
  const V = session.layout.vocabSize;
  let step = await session.forward({
    batchSize: 1,
    seqLength: promptIds.length,
    inputIds: BigInt64Array.from(promptIds, BigInt),
    attentionMask: new BigInt64Array(promptIds.length).fill(1n),
    positionIds: BigInt64Array.from(promptIds, (_, i) => BigInt(i)),
  });
  let lastRow = step.logits.subarray((promptIds.length - 1) * V, promptIds.length * V);
  while (generated.length < options.maxNewTokens) {
    const position = promptIds.length + generated.length;
    if (position >= options.contextLength) break;
    const token = sampleToken(lastRow, options, rng);
    generated.push(token);
    if (options.stopTokenIds.includes(token)) break;
    step = await session.forward({
      batchSize: 1,
      seqLength: 1,
      inputIds: BigInt64Array.of(BigInt(token)),
      attentionMask: new BigInt64Array(position + 1).fill(1n),
      positionIds: BigInt64Array.of(BigInt(position)),
      past: step.present,
    });
    lastRow = step.logits;
  }
  return generated;
}
