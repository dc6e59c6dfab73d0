/**
 * The prefill of one request's prompt at batch 1, run in chunks so that a long prompt does not
 * hold up the sequences already decoding: each chunk extends the request's own KV cache
 * [1, H, done, hd]. Also gathers the prompt tokens' log-probs (for echo) from each chunk's logits.
 *
 * @module
 */
import type { DecoderSession, KvCache } from "../decoder_session.ts";
import { tokenLogprob } from "./log_probs.ts";
import type { PromptLogprob } from "./types.ts";

/** Prefill progress of one prompt. */
export class Prefill {
  #done = 0;
  #cache: KvCache | undefined;
  #lastLogits: Float32Array | undefined;
  readonly #promptLogprobs: PromptLogprob[] | undefined;

  /**
   * @param promptLogprobs gather prompt log-probs with this many alternatives (undefined: none)
   */
  constructor(
    readonly session: DecoderSession,
    readonly promptIds: readonly number[],
    readonly promptLogprobs: number | undefined,
    readonly tokenText: (id: number) => string,
  ) {
    if (promptLogprobs !== undefined && promptIds.length > 0) {
      this.#promptLogprobs = [{ tokenId: promptIds[0], text: tokenText(promptIds[0]), logprob: null }];
    }
  }

  get complete(): boolean {
    return this.#done === this.promptIds.length;
  }

  get remaining(): number {
    return this.promptIds.length - this.#done;
  }

  /** The prompt's KV cache [1, H, P, hd] once complete. */
  get cache(): KvCache {
    if (!this.complete || !this.#cache) throw new Error("prefill not complete");
    return this.#cache;
  }

  /** Raw logits [V] after the whole prompt: the distribution of the first generated token. */
  get lastLogits(): Float32Array {
    if (!this.complete || !this.#lastLogits) throw new Error("prefill not complete");
    return this.#lastLogits;
  }

  /** One entry per prompt token, once complete (undefined unless asked for). */
  get logprobs(): PromptLogprob[] | undefined {
    return this.#promptLogprobs;
  }

  /** Drops the prompt's cache and logits once its rows have them (the rows keep the cache alive until they join). */
  release(): void {
    this.#cache = undefined;
    this.#lastLogits = undefined;
  }

  /** Runs the next chunk of at most `maxTokens` prompt tokens; returns how many it ran. */
  async runChunk(maxTokens: number): Promise<number> {
    const start = this.#done;
    const count = Math.min(Math.max(1, Math.floor(maxTokens)), this.remaining);
    const ids = this.promptIds.slice(start, start + count);
    const V = this.session.layout.vocabSize;
    const { logits, present } = await this.session.forward({
      batchSize: 1,
      seqLength: count,
      inputIds: BigInt64Array.from(ids, BigInt),
      attentionMask: new BigInt64Array(start + count).fill(1n),
      positionIds: BigInt64Array.from(ids, (_, i) => BigInt(start + i)),
      past: this.#cache,
    });
    if (this.#promptLogprobs) {
      const alternatives = this.promptLogprobs ?? 0;
      for (let i = 0; i < count; i++) {
        const position = start + i + 1; // row i predicts prompt token `position`
        if (position >= this.promptIds.length) break;
        const row = logits.subarray(i * V, (i + 1) * V);
        this.#promptLogprobs.push(tokenLogprob(row, this.promptIds[position], alternatives, this.tokenText));
      }
    }
    this.#cache = present;
    this.#lastLogits = logits.slice((count - 1) * V, count * V);
    this.#done += count;
    return count;
  }
}
