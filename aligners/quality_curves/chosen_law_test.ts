import assert from "node:assert/strict";
import { argmaxIndex } from "../choice.ts";
import { chosenProbabilities } from "./chosen_law.ts";

/** Every ordered k-tuple of distinct indices below `count` (k ≤ count) or of any indices (`repeat`). */
function* orderedTuples(count: number, k: number, repeat: boolean): Generator<number[]> {
  const visit = function* (prefix: number[]): Generator<number[]> {
    if (prefix.length === k) {
      yield prefix;
      return;
    }
    for (let i = 0; i < count; i++) {
      if (repeat || !prefix.includes(i)) yield* visit([...prefix, i]);
    }
  };
  yield* visit([]);
}

/** P(response i is chosen): the real choice rule (argmaxIndex) on every equally likely ordered draw. */
function bruteForce(aggregates: readonly (number | null)[], k: number): number[] {
  const counts = new Array<number>(aggregates.length).fill(0);
  let total = 0;
  for (const tuple of orderedTuples(aggregates.length, k, k > aggregates.length)) {
    const chosen = tuple[argmaxIndex(tuple.map((i) => aggregates[i] ?? NaN))];
    counts[chosen]++;
    total++;
  }
  return counts.map((c) => c / total);
}

const pools: (number | null)[][] = [
  [0.4, -1, 2.2, 0.9, 1.5, -0.3], // distinct
  [0.4, 1.5, null, 0.4, 1.5, -2, NaN], // ties and missing aggregates
  [1, 1, 1, 1], // all tied: uniform
  [null, 3, null], // mostly missing
];

Deno.test("chosenProbabilities equals brute-force enumeration of every ordered draw of k candidates", () => {
  for (const pool of pools) {
    // k > K (draws with replacement) only on the small pools: K^k tuples.
    for (let k = 1; k <= (pool.length <= 4 ? pool.length + 2 : pool.length); k++) {
      const exact = chosenProbabilities(pool, k);
      const brute = bruteForce(pool, k);
      const label = `${JSON.stringify(pool)} k=${k}`;
      assert.ok(Math.abs(exact.reduce((a, b) => a + b, 0) - 1) < 1e-12, `${label}: sums to 1`);
      exact.forEach((p, i) =>
        assert.ok(Math.abs(p - brute[i]) < 1e-12, `${label} [${i}]: ${p} vs ${brute[i]}`)
      );
    }
  }
});

Deno.test("chosenProbabilities: k = 1 is uniform, k = K always takes the best response", () => {
  assert.deepEqual(chosenProbabilities([3, -1, 2, 0], 1), [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(chosenProbabilities([3, -1, 2, 0], 4), [1, 0, 0, 0]);
  assert.throws(() => chosenProbabilities([], 2), /at least one/);
  assert.throws(() => chosenProbabilities([1], 0), /k must be/);
});
