/**
 * Automatic prefix caching: the KV caches of recently prefilled prompts and of finished sequences
 * (prompt and generated tokens), so that a prompt sharing a prefix with one of them prefills only the
 * rest (vLLM's automatic prefix caching, per model version).
 *
 * What hits: blockwise decoding's block b + 1, whose prompt is block b's prompt plus the chosen
 * candidate's tokens; another batch of the same prompt (rejection sampling); a chat's next turn, which
 * starts with the previous turn's prompt and answer; requests that share a system prompt. A hit reuses
 * at most P − 1 tokens, so every request still runs one prefill pass that yields its first tokens, and is taken only from {@link PREFIX_CACHE_MIN_TOKENS} shared tokens on (a
 * shorter one saves less than the copy costs). Entries are batch-1 caches [1, H, L, hd] per layer,
 * never written after insertion (forward passes extend a cache into new tensors); a hit on part of
 * an entry copies that part. Least recently used entries go first once the bytes exceed the budget.
 *
 * Reusing a prefix computes the same function as prefilling it again, up to float rounding (the
 * prefix's rows come from a pass of another shape, as with chunked prefill): log-probs agree to float
 * rounding (within 1e-6 in engine_prefix_cache_test.ts), so a seeded sample can differ where two tokens
 * nearly tie. Cost models predict prefills with the same rule (prefix_reuse.ts).
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import type { KvCache } from "../decoder_session.ts";
import { PREFIX_CACHE_MIN_TOKENS } from "./prefix_reuse.ts";

export { PREFIX_CACHE_MIN_TOKENS };

interface Entry {
  ids: readonly number[];
  cache: KvCache;
  bytes: number;
}

/** A cached prefix to start a prefill from: the first `length` prompt tokens' KV cache [1, H, length, hd]. */
export interface CachedPrefix {
  length: number;
  cache: KvCache;
}

/** Bytes of a cache's tensors. */
function cacheBytes(cache: KvCache): number {
  return [...cache.keys, ...cache.values].reduce((sum, t) => sum + (t.data as Float32Array).byteLength, 0);
}

/**
 * The first `length` columns of a batch-1 cache, copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import * as ort from "onnxruntime-node";
 * import { cachePrefix } from "./prefix_cache.ts";
 * // H = 2 heads, L = 3 columns, hd = 1: head 0 holds 0 1 2, head 1 holds 10 11 12.
 * const tensor = new ort.Tensor("float32", Float32Array.from([0, 1, 2, 10, 11, 12]), [1, 2, 3, 1]);
 * const prefix = cachePrefix({ batchSize: 1, length: 3, keys: [tensor], values: [tensor] }, 2);
 * assert.deepEqual([...(prefix.keys[0].data as Float32Array)], [0, 1, 10, 11]);
 * assert.deepEqual(prefix.keys[0].dims, [1, 2, 2, 1]);
 * ```
 */
export function cachePrefix(cache: KvCache, length: number): KvCache {
  if (cache.batchSize !== 1 || length > cache.length) throw new RangeError("not a prefix of a batch-1 cache");
  const cut = (tensor: ort.Tensor) => {
    const [, H, L, hd] = tensor.dims;
    const source = tensor.data as Float32Array;
    const data = new Float32Array(H * length * hd);
    for (let h = 0; h < H; h++) data.set(source.subarray(h * L * hd, (h * L + length) * hd), h * length * hd);
    return new ort.Tensor("float32", data, [1, H, length, hd]);
  };
  return { batchSize: 1, length, keys: cache.keys.map(cut), values: cache.values.map(cut) };
}

/** Prompt KV caches of one model version, least recently used first out (see the module documentation). */
export class PrefixCache {
  /** Least recently used first. */
  #entries: Entry[] = [];
  #bytes = 0;
  #hits = 0;
  #reusedTokens = 0;

  constructor(readonly maxBytes: number) {}

  /** Entries held, their bytes, and the hits and prompt tokens reused so far. */
  stats(): { entries: number; bytes: number; hits: number; reusedTokens: number } {
    return {
      entries: this.#entries.length,
      bytes: this.#bytes,
      hits: this.#hits,
      reusedTokens: this.#reusedTokens,
    };
  }

  /**
   * The longest cached prefix of `ids` of at most `ids.length − 1` tokens, if it has at least
   * {@link PREFIX_CACHE_MIN_TOKENS}; the entry it came from becomes the most recently used.
   */
  lookup(ids: readonly number[]): CachedPrefix | undefined {
    const limit = ids.length - 1;
    let best: { entry: Entry; length: number } | undefined;
    for (const entry of this.#entries) {
      const most = Math.min(limit, entry.ids.length);
      let length = 0;
      while (length < most && entry.ids[length] === ids[length]) length++;
      if (length >= PREFIX_CACHE_MIN_TOKENS && (best === undefined || length >= best.length)) {
        best = { entry, length };
      }
    }
    if (best === undefined) return undefined;
    this.#touch(best.entry);
    this.#hits++;
    this.#reusedTokens += best.length;
    const { cache } = best.entry;
    return {
      length: best.length,
      cache: best.length === cache.length ? cache : cachePrefix(cache, best.length),
    };
  }

  /**
   * Keeps `cache` (batch 1, exactly `ids.length` columns, not written afterwards) as the KV of `ids`,
   * evicting the least recently used entries beyond the budget. Entries that `ids` extends (or repeats)
   * go; if an entry already extends `ids`, that one is kept instead, as the most recently used. Prompts
   * shorter than {@link PREFIX_CACHE_MIN_TOKENS} and caches larger than the whole budget are not kept.
   * `cache` may be a function that makes it (a copy), called only if it is kept.
   */
  insert(ids: readonly number[], cache: KvCache | (() => KvCache)): void {
    if (ids.length < PREFIX_CACHE_MIN_TOKENS) return;
    // One entry per chain of extensions: a longer one serves every lookup a prefix of it would.
    const longer = this.#entries.find((entry) => entry.ids.length > ids.length && startsWith(entry.ids, ids));
    if (longer) {
      this.#touch(longer);
      return;
    }
    if (typeof cache === "function") cache = cache();
    if (cache.batchSize !== 1 || cache.length !== ids.length) {
      throw new RangeError("not the batch-1 cache of ids");
    }
    const bytes = cacheBytes(cache);
    if (bytes > this.maxBytes) return;
    for (const entry of this.#entries.filter((entry) => startsWith(ids, entry.ids))) this.#remove(entry);
    this.#entries.push({ ids: [...ids], cache, bytes });
    this.#bytes += bytes;
    while (this.#bytes > this.maxBytes) this.#remove(this.#entries[0]);
  }

  #touch(entry: Entry): void {
    this.#entries = this.#entries.filter((e) => e !== entry);
    this.#entries.push(entry);
  }

  #remove(entry: Entry): void {
    this.#entries = this.#entries.filter((e) => e !== entry);
    this.#bytes -= entry.bytes;
  }
}

/** Whether `ids` begins with `prefix` (or equals it). */
function startsWith(ids: readonly number[], prefix: readonly number[]): boolean {
  return prefix.length <= ids.length && prefix.every((id, i) => id === ids[i]);
}
