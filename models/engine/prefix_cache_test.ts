/**
 * The prefix cache's bookkeeping against brute force: the longest shared prefix over every entry,
 * least-recently-used eviction by bytes, one entry per chain of extensions, and prefix copies element
 * by element.
 */
import assert from "node:assert/strict";
import * as ort from "onnxruntime-node";
import type { KvCache } from "../decoder_session.ts";
import { Rng } from "../random.ts";
import { cachePrefix, PREFIX_CACHE_MIN_TOKENS, PrefixCache } from "./prefix_cache.ts";

const [LAYERS, H, HD] = [2, 3, 4];
/** A batch-1 cache whose element (layer, kind, h, column, d) holds a value derived from `tag`. */
function cacheOf(length: number, tag: number): KvCache {
  const tensor = (layer: number, kind: number) =>
    new ort.Tensor(
      "float32",
      Float32Array.from({ length: H * length * HD }, (_, i) => tag * 1e4 + layer * 1e3 + kind * 500 + i),
      [1, H, length, HD],
    );
  return {
    batchSize: 1,
    length,
    keys: Array.from({ length: LAYERS }, (_, l) => tensor(l, 0)),
    values: Array.from({ length: LAYERS }, (_, l) => tensor(l, 1)),
  };
}
const BYTES_PER_TOKEN = LAYERS * 2 * H * HD * 4;

Deno.test("cachePrefix copies the first columns of every head, element by element", () => {
  const cache = cacheOf(7, 3);
  const prefix = cachePrefix(cache, 5);
  assert.equal(prefix.length, 5);
  for (const kind of ["keys", "values"] as const) {
    for (let layer = 0; layer < LAYERS; layer++) {
      const source = cache[kind][layer].data as Float32Array;
      const copied = prefix[kind][layer].data as Float32Array;
      assert.deepEqual(prefix[kind][layer].dims, [1, H, 5, HD]);
      for (let h = 0; h < H; h++) {
        for (let column = 0; column < 5; column++) {
          for (let d = 0; d < HD; d++) {
            assert.equal(copied[(h * 5 + column) * HD + d], source[(h * 7 + column) * HD + d]);
          }
        }
      }
    }
  }
  assert.throws(() => cachePrefix(cache, 8), RangeError);
});

Deno.test("lookup returns the longest shared prefix over all entries, as brute force finds it", () => {
  const rng = new Rng(4);
  const cache = new PrefixCache(1e9);
  const prompts: number[][] = [];
  // Prompts over a 3-token alphabet share long prefixes often.
  for (let i = 0; i < 40; i++) {
    const prompt = Array.from({ length: 4 + rng.nextInt(20) }, () => rng.nextInt(3));
    prompts.push(prompt);
    cache.insert(prompt, cacheOf(prompt.length, i));
  }
  const kept = prompts.filter((p) => p.length >= PREFIX_CACHE_MIN_TOKENS);
  for (let trial = 0; trial < 200; trial++) {
    const query = Array.from({ length: 1 + rng.nextInt(26) }, () => rng.nextInt(3));
    let longest = 0;
    for (const prompt of kept) {
      let shared = 0;
      while (shared < Math.min(prompt.length, query.length - 1) && prompt[shared] === query[shared]) shared++;
      longest = Math.max(longest, shared);
    }
    const hit = cache.lookup(query);
    if (longest < PREFIX_CACHE_MIN_TOKENS) assert.equal(hit, undefined, `trial ${trial}`);
    else {
      assert.equal(hit?.length, longest, `trial ${trial}`);
      assert.equal(hit!.cache.length, longest);
      assert.deepEqual(hit!.cache.keys[0].dims, [1, H, longest, HD]);
    }
  }
});

Deno.test("entries beyond the byte budget go least recently used first; a lookup counts as a use", () => {
  const ids = (first: number) => Array.from({ length: 10 }, (_, i) => first * 100 + i);
  const cache = new PrefixCache(3 * 10 * BYTES_PER_TOKEN); // room for three 10-token prompts
  for (const first of [1, 2, 3]) cache.insert(ids(first), cacheOf(10, first));
  assert.equal(cache.stats().entries, 3);
  assert.equal(cache.stats().bytes, 3 * 10 * BYTES_PER_TOKEN);
  // Use prompt 1, then add a fourth: prompt 2 is now the least recently used and goes.
  assert.equal(cache.lookup([...ids(1), 7])?.length, 10);
  cache.insert(ids(4), cacheOf(10, 4));
  assert.equal(cache.lookup([...ids(2), 7]), undefined);
  for (const first of [1, 3, 4]) assert.equal(cache.lookup([...ids(first), 7])?.length, 10);
  // The same prompt again replaces its entry; a cache larger than the budget is not kept.
  cache.insert(ids(4), cacheOf(10, 9));
  assert.equal(cache.stats().entries, 3);
  assert.equal((cache.lookup([...ids(4), 7])!.cache.keys[0].data as Float32Array)[0], 9e4);
  cache.insert(Array.from({ length: 31 }, (_, i) => i), cacheOf(31, 5));
  assert.equal(cache.stats().entries, 3);
  // A whole-prompt match reuses P − 1 tokens, and short prompts are neither kept nor matched.
  assert.equal(cache.lookup(ids(3))?.length, 9);
  cache.insert([1, 2, 3], cacheOf(3, 6));
  assert.equal(cache.stats().entries, 3);
  assert.deepEqual(cache.stats().hits, 6);
});

Deno.test("an entry that a newer one extends is dropped, and a prefix of an entry is not kept twice", () => {
  const prompt = Array.from({ length: 10 }, (_, i) => i);
  const answered = [...prompt, 50, 51, 52]; // the prompt and a finished answer's tokens
  const cache = new PrefixCache(1e9);
  cache.insert(prompt, cacheOf(10, 1));
  cache.insert(answered, cacheOf(13, 2));
  assert.deepEqual([cache.stats().entries, cache.stats().bytes], [1, 13 * BYTES_PER_TOKEN]);
  // The prompt again (another batch of it): the answered entry already holds it.
  cache.insert(prompt, cacheOf(10, 3));
  assert.deepEqual([cache.stats().entries, cache.stats().bytes], [1, 13 * BYTES_PER_TOKEN]);
  // Lookups see what they saw with both entries: the prompt's P − 1 tokens, the answer's 13 columns.
  const hit = cache.lookup([...prompt, 99])!;
  assert.equal(hit.length, 10);
  assert.equal((hit.cache.keys[0].data as Float32Array)[0], 2e4);
  assert.equal(cache.lookup([...answered, 60])?.length, 13);
  // A divergent answer to the same prompt is an entry of its own.
  cache.insert([...prompt, 70, 71], cacheOf(12, 4));
  assert.equal(cache.stats().entries, 2);
});
