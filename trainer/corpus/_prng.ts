/**
 * Seeded sampling helpers for the corpus generator over the project's one PRNG
 * (models/random.ts), plus a string hash.
 *
 * Everything the generator samples goes through one `Prng` passed explicitly,
 * so the same seed always reproduces byte-identical dialogues.
 */
import { Rng } from "../../models/random.ts";

/** The text-sampling operations the generator needs, drawn from one `Rng`. */
export class Prng {
  readonly #rng: Rng;

  constructor(seed: number) {
    this.#rng = new Rng(seed >>> 0);
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.#rng.nextFloat();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return this.#rng.nextInt(n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** k distinct indices from [0, n), returned in increasing order. */
  sampleIndices(n: number, k: number): number[] {
    const pool = Array.from({ length: n }, (_, i) => i);
    const count = Math.min(k, n);
    for (let i = 0; i < count; i++) {
      const j = i + this.int(n - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, count).sort((a, b) => a - b);
  }
}

/** FNV-1a 32-bit hash of a string, optionally chained from a previous hash. */
export function hashString(text: string, basis = 0x811c9dc5): number {
  let hash = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
