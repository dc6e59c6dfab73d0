/**
 * The prefill of one request's prompt, either at batch 1 in chunks so that a long prompt does not
 * hold up the sequences already decoding (each chunk extends the request's own KV cache
 * [1, H, done, hd]), or whole, together with other prompts in one left-padded run
 * (`runPrefillBatch`: cache [B, H, S, hd], row r = this prompt behind S − P_r padding columns,
 * the layout kv_batch.ts copies rows from). Also gathers the prompt tokens' log-probs (for echo).
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
  /** This prompt's row in `#cache` (> 0 after a batched run). */
  #row = 0;
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

  /** Not begun yet (a batched run takes only whole prompts). */
  get fresh(): boolean {
    return this.#done === 0;
  }

  /** Once complete: the KV cache holding the prompt in the last P columns of row `row`. */
  get cache(): { cache: KvCache; row: number } {
    if (!this.complete || !this.#cache) throw new Error("prefill not complete");
    return { cache: this.#cache, row: this.#row };
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

  /**
   * Starts a fresh prefill after a cached prefix of the prompt (prefix_cache.ts): its first
   * `prefix.length` tokens are in, the rest runs in chunks. Not with prompt log-probs (the prefix's
   * logits are not cached).
   */
  startAfter(prefix: { length: number; cache: KvCache }): void {
    if (!this.fresh || this.#promptLogprobs || prefix.cache.batchSize !== 1) {
      throw new Error("a cached prefix starts only a fresh prefill without prompt log-probs");
    }
    if (!(prefix.length < this.promptIds.length) || prefix.cache.length !== prefix.length) {
      throw new RangeError("a cached prefix must be a proper prefix of the prompt");
    }
    this.#cache = prefix.cache;
    this.#done = prefix.length;
  }

  /** Runs the next chunk of at most `maxTokens` prompt tokens; returns how many it ran. */
  async runChunk(maxTokens: number): Promise<number> {
    const start = this.#done;
    const count = Math.min(Math.max(1, Math.floor(maxTokens)), this.remaining);
    const ids = this.promptIds.slice(start, start + count);
    const { logits, present } = await this.session.forward({
      batchSize: 1,
      seqLength: count,
      inputIds: BigInt64Array.from(ids, BigInt),
      attentionMask: new BigInt64Array(start + count).fill(1n),
      positionIds: BigInt64Array.from(ids, (_, i) => BigInt(start + i)),
      past: this.#cache,
    });
    this.#took(logits, count, present, 0);
    return count;
  }

  /** Records a run of the next `count` tokens: their logits [count, V] and the cache (row `row`). */
  #took(logits: Float32Array, count: number, cache: KvCache, row: number): void {
    const V = this.session.layout.vocabSize;
    const start = this.#done;
    if (this.#promptLogprobs) {
      const alternatives = this.promptLogprobs ?? 0;
      for (let i = 0; i < count; i++) {
        const position = start + i + 1; // logits row i predicts prompt token `position`
        if (position >= this.promptIds.length) break;
        const logitsRow = logits.subarray(i * V, (i + 1) * V);
        this.#promptLogprobs.push(
          tokenLogprob(logitsRow, this.promptIds[position], alternatives, this.tokenText),
        );
      }
    }
    this.#cache = cache;
    this.#row = row;
    this.#lastLogits = logits.slice((count - 1) * V, count * V);
    this.#done += count;
  }

  /**
   * Runs several fresh prompts whole in one forward pass [B, S = longest], left-padded: row r has
   * S − P_r padding columns (attention_mask 0, position 0, id 0), then its tokens at positions
   * 0 … P_r − 1. Each prefill completes with its own row of the shared cache.
   */
  static async runBatch(prefills: readonly Prefill[]): Promise<void> {
    if (prefills.length === 1) {
      await prefills[0].runChunk(prefills[0].remaining);
      return;
    }
    const session = prefills[0].session;
    if (prefills.some((p) => !p.fresh || p.session !== session || p.remaining === 0)) {
      throw new Error("a batched prefill takes fresh, non-empty prompts of one session");
    }
    const B = prefills.length;
    const S = Math.max(...prefills.map((p) => p.promptIds.length));
    const inputIds = new BigInt64Array(B * S);
    const attentionMask = new BigInt64Array(B * S);
    const positionIds = new BigInt64Array(B * S);
    prefills.forEach((prefill, r) => {
      const padding = S - prefill.promptIds.length;
      prefill.promptIds.forEach((id, i) => {
        inputIds[r * S + padding + i] = BigInt(id);
        positionIds[r * S + padding + i] = BigInt(i);
      });
      attentionMask.fill(1n, r * S + padding, (r + 1) * S);
    });
    const { logits, present } = await session.forward({
      batchSize: B,
      seqLength: S,
      inputIds,
      attentionMask,
      positionIds,
    });
    const V = session.layout.vocabSize;
    prefills.forEach((prefill, r) => {
      const count = prefill.promptIds.length;
      prefill.#took(logits.subarray((r * S + S - count) * V, (r + 1) * S * V), count, present, r);
    });
  }
}
