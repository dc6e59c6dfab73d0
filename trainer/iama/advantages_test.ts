import assert from "node:assert/strict";
import { groupRelativeAdvantages } from "./advantages.ts";

Deno.test("advantages with std scaling have zero mean and unit population std (up to ε)", () => {
  const rewards = [0.3, 1.7, -0.4, 2.2, 0.9];
  const result = groupRelativeAdvantages(rewards, { epsilon: 0 });
  const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
  const std = Math.sqrt(rewards.reduce((s, r) => s + (r - mean) ** 2, 0) / rewards.length);
  assert.equal(result.normalization, "mean_and_std");
  assert.ok(Math.abs(result.mean - mean) < 1e-15 && Math.abs(result.std - std) < 1e-15);
  result.advantages.forEach((a, j) => assert.ok(Math.abs(a - (rewards[j] - mean) / std) < 1e-12));
  const withEpsilon = groupRelativeAdvantages(rewards);
  assert.ok(Math.abs(withEpsilon.advantages[3] - (rewards[3] - mean) / (std + 1e-4)) < 1e-12);
});

Deno.test("advantages without std scaling are centred rewards, and say so", () => {
  const result = groupRelativeAdvantages(Float64Array.of(2, 4, 9), { scaleByStd: false });
  assert.equal(result.normalization, "mean_only");
  assert.deepEqual([...result.advantages], [-3, -1, 4]);
});

Deno.test("a group with equal rewards (or one sample) has zero advantages", () => {
  assert.deepEqual([...groupRelativeAdvantages([0.7, 0.7, 0.7], { epsilon: 0 }).advantages], [0, 0, 0]);
  assert.deepEqual([...groupRelativeAdvantages([5]).advantages], [0]);
});

Deno.test("std-scaled advantages are invariant to shifting and positive scaling of the rewards", () => {
  const rewards = [0.1, 0.5, 0.2, 0.9];
  const base = groupRelativeAdvantages(rewards, { epsilon: 0 }).advantages;
  const moved = groupRelativeAdvantages(rewards.map((r) => 3 * r + 10), { epsilon: 0 }).advantages;
  base.forEach((a, j) => assert.ok(Math.abs(a - moved[j]) < 1e-12));
});

Deno.test("advantages reject empty groups and a bad ε", () => {
  assert.throws(() => groupRelativeAdvantages([]), RangeError);
  assert.throws(() => groupRelativeAdvantages([1, 2], { epsilon: -1 }), RangeError);
});
