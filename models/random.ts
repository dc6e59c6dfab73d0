/**
 * The project's one seeded pseudo-random generator, passed explicitly wherever sampling happens so a
 * request `seed` reproduces its candidates and its choice.
 *
 * Algorithm: PCG32 (`pcg32_random_r` from O'Neill's pcg-c-basic, https://www.pcg-random.org): a 64-bit
 * LCG (multiplier 6364136223846793005, odd increment selecting one of 2^63 streams) whose state is
 * permuted by the XSH-RR output function. Period 2^64 per stream. Seeding follows `pcg32_srandom_r`, so
 * `new Rng(42, 54)` reproduces the published pcg32-demo output. The 64-bit state is kept as two 32-bit
 * halves: the hot path uses no BigInt.
 *
 * Not for cryptography.
 *
 * @module
 */

/** Serialisable generator state (plain JSON). */
export type RngState = { algorithm: "pcg32"; state: string; increment: string };

const MASK64 = (1n << 64n) - 1n;
const MULTIPLIER = 6364136223846793005n; // 0x5851f42d_4c957f2d
const MULTIPLIER_HIGH = 0x5851f42d;
const MULTIPLIER_LOW = 0x4c957f2d;
const MULTIPLIER_LOW_0 = MULTIPLIER_LOW & 0xffff; // the low word split in 16-bit limbs
const MULTIPLIER_LOW_1 = MULTIPLIER_LOW >>> 16;
const TWO_POW_32 = 0x1_0000_0000;
const TWO_POW_53 = 2 ** 53;
const HEX64 = /^0x[0-9a-f]{16}$/;

/**
 * Seeded PCG32 generator.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Rng } from "./random.ts";
 * const rng = new Rng(1234);
 * const dice = rng.nextInt(6) + 1; // 1..6, unbiased
 * const saved = rng.state();
 * const next = rng.nextFloat();
 * assert.ok(Rng.fromState(saved).nextFloat() === next && dice >= 1 && dice <= 6);
 * ```
 */
export class Rng {
  #stateHigh = 0;
  #stateLow = 0;
  #incrementHigh = 0;
  #incrementLow = 1;

  /**
   * @param seed Any integer (number: a safe integer; bigint: taken modulo 2^64).
   * @param stream Selects one of 2^63 independent sequences (only the low 63 bits count). Default 0.
   */
  constructor(seed: number | bigint, stream: number | bigint = 0) {
    const increment = ((toUint64(stream, "stream") << 1n) | 1n) & MASK64;
    let state = 0n;
    state = (state * MULTIPLIER + increment) & MASK64; // pcg32_srandom_r: step, add seed, step
    state = (state + toUint64(seed, "seed")) & MASK64;
    state = (state * MULTIPLIER + increment) & MASK64;
    this.#setState(state, increment);
  }

  /**
   * Next uniformly distributed integer in [0, 2^32).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * assert.ok(new Rng(42, 54).nextUint32() === 0xa15c02b7); // pcg32-demo, first output
   * ```
   */
  nextUint32(): number {
    const oldHigh = this.#stateHigh;
    const oldLow = this.#stateLow;
    // state = state * MULTIPLIER + increment (mod 2^64), from 16- and 32-bit partial products.
    const low0 = oldLow & 0xffff;
    const low1 = oldLow >>> 16;
    const product00 = low0 * MULTIPLIER_LOW_0;
    const product10 = low1 * MULTIPLIER_LOW_0;
    const product01 = low0 * MULTIPLIER_LOW_1;
    const middle = (product00 >>> 16) + (product10 & 0xffff) + (product01 & 0xffff);
    const productLow = (((middle & 0xffff) << 16) | (product00 & 0xffff)) >>> 0;
    const productHigh = low1 * MULTIPLIER_LOW_1 + (product10 >>> 16) + (product01 >>> 16) + (middle >>> 16) +
      Math.imul(oldHigh, MULTIPLIER_LOW) + Math.imul(oldLow, MULTIPLIER_HIGH);
    const sumLow = productLow + this.#incrementLow;
    this.#stateLow = sumLow >>> 0;
    this.#stateHigh = (productHigh + this.#incrementHigh + (sumLow >= TWO_POW_32 ? 1 : 0)) >>> 0;
    // XSH-RR on the old state: rotr32(uint32((old ^ (old >> 18)) >> 27), old >> 59).
    const xorHigh = oldHigh ^ (oldHigh >>> 18);
    const xorLow = oldLow ^ ((oldLow >>> 18) | (oldHigh << 14));
    const xorShifted = (xorLow >>> 27) | (xorHigh << 5);
    const rotation = oldHigh >>> 27;
    return ((xorShifted >>> rotation) | (xorShifted << ((32 - rotation) & 31))) >>> 0;
  }

  /**
   * Uniform double in [0, 1) with 53 random bits (two 32-bit outputs).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const u = new Rng(7).nextFloat();
   * assert.ok(u >= 0 && u < 1);
   * ```
   */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / TWO_POW_53;
  }

  /**
   * Unbiased uniform integer in [0, n) for an integer 1 <= n <= 2^53. For n <= 2^32 this is exactly
   * `pcg32_boundedrand_r` (rejection below `2^32 mod n`); above, rejection sampling on 53-bit draws.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const index = new Rng(3).nextInt(10);
   * assert.ok(Number.isInteger(index) && index >= 0 && index < 10);
   * ```
   */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > TWO_POW_53) {
      throw new RangeError(`nextInt needs an integer bound in [1, 2^53], got ${n}`);
    }
    if (n <= TWO_POW_32) {
      const threshold = (TWO_POW_32 - n) % n;
      for (;;) {
        const r = this.nextUint32();
        if (r >= threshold) return r % n;
      }
    }
    const limit = TWO_POW_53 - (TWO_POW_53 % n);
    for (;;) {
      const r = this.nextFloat() * TWO_POW_53;
      if (r < limit) return r % n;
    }
  }

  /**
   * Normal (Gaussian) sample by the Box–Muller transform; four 32-bit outputs per call, no hidden cache
   * (so {@linkcode Rng.state} captures everything).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const noise = new Rng(5).normal(0, 0.02);
   * assert.ok(Number.isFinite(noise));
   * ```
   */
  normal(mean = 0, standardDeviation = 1): number {
    const radius = Math.sqrt(-2 * Math.log(1 - this.nextFloat())); // 1 - u in (0, 1]: log is finite
    return mean + standardDeviation * radius * Math.cos(2 * Math.PI * this.nextFloat());
  }

  /**
   * Shuffles `items` in place (Fisher–Yates from the end, as in pcg32-demo's card deal).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const order = [0, 1, 2, 3];
   * new Rng(9).shuffle(order);
   * assert.ok([...order].sort().join() === "0,1,2,3");
   * ```
   */
  shuffle<T>(items: T[]): void {
    for (let i = items.length; i > 1; i--) {
      const chosen = this.nextInt(i);
      const item = items[chosen];
      items[chosen] = items[i - 1];
      items[i - 1] = item;
    }
  }

  /**
   * Index drawn with probability proportional to `weights[i]` (non-negative, finite, positive sum).
   * A zero weight is never chosen.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const index = new Rng(11).choiceIndex([0, 3, 1]); // 1 with probability 3/4, 2 with 1/4
   * assert.ok(index === 1 || index === 2);
   * ```
   */
  choiceIndex(weights: ArrayLike<number>): number {
    let total = 0;
    let lastPositive = -1;
    for (let i = 0; i < weights.length; i++) {
      const weight = weights[i];
      if (!(weight >= 0 && weight < Infinity)) {
        throw new RangeError(
          `choiceIndex weights must be finite and non-negative, weights[${i}] = ${weight}`,
        );
      }
      total += weight;
      if (weight > 0) lastPositive = i;
    }
    if (!(total > 0 && total < Infinity)) {
      throw new RangeError(`choiceIndex weights must have a positive finite sum, got ${total}`);
    }
    const target = this.nextFloat() * total;
    let cumulative = 0;
    for (let i = 0; i < lastPositive; i++) {
      cumulative += weights[i];
      if (target < cumulative) return i;
    }
    return lastPositive; // also absorbs rounding when target lands at the very top of the range
  }

  /**
   * A child generator for sub-task `streamId` (e.g. candidate i of a batch). Deterministic: the same
   * parent state and id always give the same child, and the parent is not advanced, so children can be
   * created in any order. Different ids (or different parent states) give statistically independent
   * generators: the id and the parent state are mixed (SplitMix64 finaliser) into both the child's seed
   * and its PCG stream. To get fresh children for a second round, draw from the parent in between or use
   * new ids.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const rng = new Rng(2024);
   * const candidates = [0, 1, 2].map((i) => rng.fork(i).nextFloat());
   * assert.ok(rng.fork(1).nextFloat() === candidates[1]);
   * ```
   */
  fork(streamId: number | bigint): Rng {
    const id = toUint64(streamId, "streamId");
    const increment = (BigInt(this.#incrementHigh) << 32n) | BigInt(this.#incrementLow);
    const state = (BigInt(this.#stateHigh) << 32n) | BigInt(this.#stateLow);
    const key = splitMix64((id + splitMix64(increment)) & MASK64);
    return new Rng(splitMix64(state ^ key), splitMix64(key ^ 0x9e3779b97f4a7c15n));
  }

  /**
   * The full generator state as plain JSON-serialisable data; {@linkcode Rng.fromState} resumes it.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const text = JSON.stringify(new Rng(1).state());
   * assert.ok(Rng.fromState(JSON.parse(text)) instanceof Rng);
   * ```
   */
  state(): RngState {
    return {
      algorithm: "pcg32",
      state: toHex64(this.#stateHigh, this.#stateLow),
      increment: toHex64(this.#incrementHigh, this.#incrementLow),
    };
  }

  /**
   * Restores a generator saved by {@linkcode Rng.state}; it continues the same sequence.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Rng } from "./random.ts";
   * const rng = new Rng(8);
   * const copy = Rng.fromState(rng.state());
   * assert.ok(copy.nextUint32() === rng.nextUint32());
   * ```
   */
  static fromState(saved: RngState): Rng {
    const valid = saved?.algorithm === "pcg32" && HEX64.test(saved.state) && HEX64.test(saved.increment) &&
      BigInt(saved.increment) % 2n === 1n;
    if (!valid) {
      throw new TypeError(
        `not a saved pcg32 state (expected 0x + 16 hex digits, odd increment): ${JSON.stringify(saved)}`,
      );
    }
    const rng = new Rng(0);
    rng.#setState(BigInt(saved.state), BigInt(saved.increment));
    return rng;
  }

  #setState(state: bigint, increment: bigint): void {
    this.#stateHigh = Number(state >> 32n);
    this.#stateLow = Number(state & 0xffffffffn);
    this.#incrementHigh = Number(increment >> 32n);
    this.#incrementLow = Number(increment & 0xffffffffn);
  }
}

function toUint64(value: number | bigint, what: string): bigint {
  if (typeof value === "number" && !Number.isSafeInteger(value)) {
    throw new RangeError(`${what} must be a safe integer or a bigint, got ${value}`);
  }
  return BigInt.asUintN(64, BigInt(value));
}

/** SplitMix64's output finaliser (Steele, Lea, Flood 2014; constants from Stafford's "Mix13"). */
function splitMix64(value: bigint): bigint {
  let z = (value + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

function toHex64(high: number, low: number): string {
  return `0x${high.toString(16).padStart(8, "0")}${low.toString(16).padStart(8, "0")}`;
}
