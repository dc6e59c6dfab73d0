import assert from "node:assert/strict";
import { Rng } from "./random.ts";

// Published reference output of pcg32-demo (pcg-c-basic, https://www.pcg-random.org/using-pcg-c-basic.html),
// seeded with pcg32_srandom_r(&rng, 42u, 54u); identical to rounds 1 and 2 of pcg-c's
// test-high/expected/check-pcg32.out. Each round: six pcg32_random_r outputs, 65 coin flips
// (boundedrand 2, 1 = H), 33 dice rolls (boundedrand 6, + 1) and a 52-card Fisher–Yates deal.
const PCG32_DEMO_ROUNDS = [
  {
    numbers: [0xa15c02b7, 0x7b47f409, 0xba1d3330, 0x83d2f293, 0xbfa4784b, 0xcbed606e],
    coins: "HHTTTHTHHHTHTTTHHHHHTTTHHHTHTHTHTTHTTTHHHHHHTTTTHHTTTTTHTTTTTTTHT",
    rolls: "3 4 1 1 2 2 3 2 4 3 2 4 3 3 5 2 3 1 3 1 5 1 4 1 5 6 4 6 6 2 6 3 3",
    cards:
      "Qd Ks 6d 3s 3d 4c 3h Td Kc 5c Jh Kd Jd As 4s 4h Ad Th Ac Jc 7s Qs 2s 7h Kh 2d 6c Ah 4d Qh 9h 6s 5s " +
      "2c 9c Ts 8d 9s 3c 8c Js 5d 2h 6h 7d 8s 9d 5h 8h Qc 7c Tc",
  },
  {
    numbers: [0x74ab93ad, 0x1c1da000, 0x494ff896, 0x34462f2f, 0xd308a3e5, 0x0fa83bab],
    coins: "HHHHHHHHHHTHHHTHTHTHTHTTTTHHTTTHHTHHTHTTHHTTTHHHHHHTHTTHTHTTTTTTT",
    rolls: "5 1 1 3 3 2 4 5 3 2 2 6 4 3 2 4 2 4 3 2 3 6 3 2 3 4 2 4 1 1 5 4 4",
    cards:
      "7d 2s 7h Td 8s 3c 3d Js 2d Tc 4h Qs 5c 9c Th 2c Jc Qd 9d Qc 7s 3s 5s 6h 4d Jh 4c Ac 4s 5h 5d Kc 8h " +
      "8d Jd 9s Ad 6s 6c Kd 2h 3h Kh Ts Qh 9h 6d As 7c Ks Ah 8c",
  },
];

/** Straight BigInt transcription of pcg32_srandom_r / pcg32_random_r, as an independent reference. */
function referencePcg32(seed: bigint, stream: bigint): () => number {
  const mask = (1n << 64n) - 1n;
  const increment = ((stream << 1n) | 1n) & mask;
  let state = 0n;
  const next = (): number => {
    const old = state;
    state = (old * 6364136223846793005n + increment) & mask;
    const xorShifted = Number((((old >> 18n) ^ old) >> 27n) & 0xffffffffn);
    const rotation = Number(old >> 59n);
    return ((xorShifted >>> rotation) | (xorShifted << ((32 - rotation) & 31))) >>> 0;
  };
  next();
  state = (state + seed) & mask;
  next();
  return next;
}

function chiSquare(counts: number[], expected: number[]): number {
  return counts.reduce((sum, count, i) => sum + (count - expected[i]) ** 2 / expected[i], 0);
}

Deno.test("reproduces the published pcg32-demo output for seed 42, stream 54", () => {
  const rng = new Rng(42, 54);
  for (const round of PCG32_DEMO_ROUNDS) {
    assert.deepEqual(Array.from({ length: 6 }, () => rng.nextUint32()), round.numbers);
    const coins = Array.from({ length: 65 }, () => (rng.nextInt(2) === 1 ? "H" : "T")).join("");
    assert.equal(coins, round.coins);
    const rolls = Array.from({ length: 33 }, () => rng.nextInt(6) + 1).join(" ");
    assert.equal(rolls, round.rolls);
    const cards = Array.from({ length: 52 }, (_, i) => i);
    rng.shuffle(cards);
    assert.equal(cards.map((card) => "A23456789TJQK"[card >> 2] + "hcds"[card & 3]).join(" "), round.cards);
  }
});

Deno.test("the 32-bit-halves arithmetic matches a BigInt transcription for many seeds and streams", () => {
  const seeds: [bigint, bigint][] = [[0n, 0n], [1n, 1n], [2n ** 64n - 1n, 2n ** 63n - 1n], [
    0xdeadbeefcafef00dn,
    7n,
  ]];
  const picker = new Rng(99);
  for (let i = 0; i < 20; i++) {
    const draw64 = () => (BigInt(picker.nextUint32()) << 32n) | BigInt(picker.nextUint32());
    seeds.push([draw64(), draw64()]);
  }
  for (const [seed, stream] of seeds) {
    const rng = new Rng(seed, stream);
    const reference = referencePcg32(seed, stream & ((1n << 63n) - 1n));
    for (let i = 0; i < 2000; i++) {
      assert.equal(rng.nextUint32(), reference(), `seed ${seed} stream ${stream} #${i}`);
    }
  }
});

Deno.test("seeds: number and bigint agree, negative seeds wrap to 64 bits, non-integers are refused", () => {
  assert.equal(new Rng(123).nextUint32(), new Rng(123n).nextUint32());
  assert.equal(new Rng(-1).nextUint32(), new Rng(2n ** 64n - 1n).nextUint32());
  assert.notEqual(new Rng(1).nextUint32(), new Rng(2).nextUint32());
  assert.notEqual(new Rng(1, 0).nextUint32(), new Rng(1, 1).nextUint32());
  assert.throws(() => new Rng(1.5), RangeError);
  assert.throws(() => new Rng(Number.NaN), RangeError);
  assert.throws(() => new Rng(2 ** 60), RangeError);
});

Deno.test("state() round-trips through JSON and continues the same sequence", () => {
  const rng = new Rng(2025, 3);
  for (let i = 0; i < 17; i++) rng.nextFloat();
  const saved = JSON.parse(JSON.stringify(rng.state()));
  assert.match(saved.state, /^0x[0-9a-f]{16}$/);
  const expected = Array.from({ length: 100 }, () => rng.nextUint32());
  const resumed = Rng.fromState(saved);
  assert.deepEqual(Array.from({ length: 100 }, () => resumed.nextUint32()), expected);
  assert.deepEqual(resumed.state(), rng.state());
  assert.throws(() => Rng.fromState({ ...saved, increment: "0x0000000000000002" }), TypeError);
  assert.throws(() => Rng.fromState({ ...saved, state: "12" }), TypeError);
  assert.throws(() => Rng.fromState({ ...saved, algorithm: "xoshiro" } as never), TypeError);
});

Deno.test("nextInt is uniform (chi-square) and unbiased where plain modulo would be biased", () => {
  const rng = new Rng(7);
  const draws = 100_000;
  const counts = new Array(10).fill(0);
  for (let i = 0; i < draws; i++) counts[rng.nextInt(10)]++;
  // 9 degrees of freedom: P(chi2 > 27.88) = 0.001.
  assert.ok(chiSquare(counts, new Array(10).fill(draws / 10)) < 27.88, `counts ${counts}`);

  // n = 3 * 2^30: 2^32 mod n = 2^30, so `r % n` would land below 2^30 half the time instead of a third.
  const n = 3 * 2 ** 30;
  let below = 0;
  for (let i = 0; i < 30_000; i++) below += rng.nextInt(n) < 2 ** 30 ? 1 : 0;
  assert.ok(Math.abs(below / 30_000 - 1 / 3) < 0.012, `fraction below 2^30: ${below / 30_000}`);

  // Bounds above 2^32 use 53-bit draws: in range, integer, and the top third is reached a third of the time.
  const big = 3 * 2 ** 50;
  let top = 0;
  for (let i = 0; i < 30_000; i++) {
    const value = rng.nextInt(big);
    assert.ok(Number.isInteger(value) && value >= 0 && value < big);
    top += value >= 2 * 2 ** 50 ? 1 : 0;
  }
  assert.ok(Math.abs(top / 30_000 - 1 / 3) < 0.012, `fraction in top third: ${top / 30_000}`);
  assert.equal(rng.nextInt(1), 0);
  for (const bad of [0, -3, 2.5, Number.NaN, 2 ** 53 + 2]) assert.throws(() => rng.nextInt(bad), RangeError);
});

Deno.test("nextFloat is in [0, 1) with the moments of a uniform distribution", () => {
  const rng = new Rng(11);
  const n = 200_000;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < n; i++) {
    const u = rng.nextFloat();
    assert.ok(u >= 0 && u < 1);
    sum += u;
    sumSquares += u * u;
  }
  const mean = sum / n;
  const variance = sumSquares / n - mean * mean;
  assert.ok(Math.abs(mean - 0.5) < 4 * Math.sqrt(1 / 12 / n), `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
});

Deno.test("normal() has mean 0, variance 1, no skew and kurtosis 3 within sampling error", () => {
  const rng = new Rng(13);
  const n = 200_000;
  const samples = Float64Array.from({ length: n }, () => rng.normal());
  const moment = (k: number) => samples.reduce((sum, x) => sum + x ** k, 0) / n;
  // Standard errors: mean 1/sqrt(n), variance sqrt(2/n), skewness sqrt(6/n), kurtosis sqrt(24/n); allow 4.
  assert.ok(Math.abs(moment(1)) < 4 / Math.sqrt(n), `mean ${moment(1)}`);
  assert.ok(Math.abs(moment(2) - 1) < 4 * Math.sqrt(2 / n), `variance ${moment(2)}`);
  assert.ok(Math.abs(moment(3)) < 4 * Math.sqrt(6 / n), `skewness ${moment(3)}`);
  assert.ok(Math.abs(moment(4) - 3) < 4 * Math.sqrt(24 / n), `kurtosis ${moment(4)}`);
  const shifted = Float64Array.from({ length: 50_000 }, () => rng.normal(10, 0.5));
  const shiftedMean = shifted.reduce((a, b) => a + b, 0) / shifted.length;
  assert.ok(Math.abs(shiftedMean - 10) < 4 * 0.5 / Math.sqrt(shifted.length), `shifted mean ${shiftedMean}`);
});

Deno.test("shuffle gives every permutation of three items equally often", () => {
  const rng = new Rng(17);
  const counts = new Map<string, number>();
  const draws = 60_000;
  for (let i = 0; i < draws; i++) {
    const items = ["a", "b", "c"];
    rng.shuffle(items);
    counts.set(items.join(""), (counts.get(items.join("")) ?? 0) + 1);
  }
  assert.equal(counts.size, 6);
  // 5 degrees of freedom: P(chi2 > 20.52) = 0.001.
  assert.ok(chiSquare([...counts.values()], new Array(6).fill(draws / 6)) < 20.52, `${[...counts]}`);
  const empty: number[] = [];
  rng.shuffle(empty);
  assert.deepEqual(empty, []);
});

Deno.test("choiceIndex follows the weights, never picks a zero weight and refuses bad weights", () => {
  const rng = new Rng(19);
  const weights = new Float32Array([0, 1, 0, 2, 5, 0]);
  const counts = new Array(weights.length).fill(0);
  const draws = 80_000;
  for (let i = 0; i < draws; i++) counts[rng.choiceIndex(weights)]++;
  assert.deepEqual([counts[0], counts[2], counts[5]], [0, 0, 0]);
  // 2 degrees of freedom over the positive weights: P(chi2 > 13.82) = 0.001.
  const expected = [1, 2, 5].map((w) => (draws * w) / 8);
  assert.ok(chiSquare([counts[1], counts[3], counts[4]], expected) < 13.82, `counts ${counts}`);
  assert.equal(rng.choiceIndex([0, 0, 3]), 2);
  for (
    const bad of [[], [0, 0], [1, -1], [1, Number.NaN], [Infinity], [Number.MAX_VALUE, Number.MAX_VALUE]]
  ) {
    assert.throws(() => rng.choiceIndex(bad), RangeError, `${bad}`);
  }
});

Deno.test("fork gives deterministic, independent child streams without advancing the parent", () => {
  const parent = new Rng(31);
  const before = parent.state();
  const first = Array.from({ length: 1000 }, () => parent.fork(0).nextUint32());
  assert.deepEqual(parent.state(), before, "fork does not consume from the parent");
  const child0 = parent.fork(0);
  const child1 = parent.fork(1);
  const child0Again = parent.fork(0n);
  const a = Array.from({ length: 10_000 }, () => child0.nextFloat());
  const b = Array.from({ length: 10_000 }, () => child1.nextFloat());
  assert.deepEqual(Array.from({ length: 10_000 }, () => child0Again.nextFloat()), a);
  assert.equal(new Set(first).size, 1, "same parent state and id give the same first output");
  const ownOutputs = Array.from({ length: 10_000 }, () => Rng.fromState(before).nextFloat());
  assert.notEqual(a[0], ownOutputs[0]);
  // Pearson correlation between sibling streams ~ N(0, 1/n): |r| < 4 / sqrt(n).
  const meanA = a.reduce((s, x) => s + x, 0) / a.length;
  const meanB = b.reduce((s, x) => s + x, 0) / b.length;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < a.length; i++) {
    covariance += (a[i] - meanA) * (b[i] - meanB);
    varianceA += (a[i] - meanA) ** 2;
    varianceB += (b[i] - meanB) ** 2;
  }
  const correlation = covariance / Math.sqrt(varianceA * varianceB);
  assert.ok(Math.abs(correlation) < 4 / Math.sqrt(a.length), `correlation ${correlation}`);
  // Many siblings start differently, and a different parent state gives different children.
  const firstOutputs = new Set(Array.from({ length: 1000 }, (_, i) => parent.fork(i).nextUint32()));
  assert.ok(firstOutputs.size >= 999);
  parent.nextUint32();
  assert.notEqual(parent.fork(0).nextUint32(), first[0]);
  assert.throws(() => parent.fork(-0.5), RangeError);
});
