import assert from "node:assert/strict";
import type { Criterion } from "./criterion.ts";
import { CriterionParamsError, UnknownCriterionError } from "./errors.ts";
import { createBuiltinCriteria, CriterionRegistry } from "./registry.ts";
import { scoreCandidates } from "./score_candidates.ts";

function spy(
  name: string,
  calls: string[],
  scores?: (candidates: readonly string[]) => Float64Array,
): Criterion {
  return {
    name,
    description: `spy ${name}`,
    kind: "verifiable",
    supportsPartial: true,
    score(_prompt, candidates) {
      calls.push(name);
      return Promise.resolve(scores ? scores(candidates) : new Float64Array(candidates.length));
    },
  };
}

Deno.test("scoreCandidates = each weighted criterion called directly; zero weights are not scored", async () => {
  const calls: string[] = [];
  const registry = new CriterionRegistry([...createBuiltinCriteria(), spy("unused", calls)]);
  const prompt = "How do I boil eggs?";
  const candidates = ["Simmer them for nine minutes.", "Honestly, it's easy to get wrong!", ""];
  const params = { length: { target: 5, scale: 2 }, format: { pattern: "minutes" } };
  const raw = await scoreCandidates(
    registry,
    { length: 1, sentiment: 0.5, format: 2, unused: 0 },
    prompt,
    candidates,
    {
      params,
    },
  );
  assert.deepEqual(Object.keys(raw), ["length", "sentiment", "format"]);
  for (const name of ["length", "sentiment", "format"] as const) {
    const direct = await registry.get(name).score(prompt, candidates, { params: (params as never)[name] });
    assert.deepEqual(raw[name], direct, name);
  }
  assert.deepEqual(calls, []);
  const partial = await scoreCandidates(registry, { format: 1 }, prompt, candidates, {
    params,
    partial: true,
  });
  assert.ok(partial.format.every(Number.isNaN));
});

Deno.test("scoreCandidates rejects bad names, weights and params before any criterion runs", async () => {
  const calls: string[] = [];
  const registry = new CriterionRegistry([spy("a", calls), createBuiltinCriteria()[0]]);
  await assert.rejects(scoreCandidates(registry, { a: 1, b: 1 }, "", ["x"]), UnknownCriterionError);
  await assert.rejects(
    scoreCandidates(registry, { a: 1 }, "", ["x"], { params: { nope: {} } }),
    /valid: a, length/,
  );
  await assert.rejects(
    scoreCandidates(registry, { a: 1, length: 1 }, "", ["x"], { params: { length: { scale: -1 } } }),
    CriterionParamsError,
  );
  await assert.rejects(
    scoreCandidates(registry, { a: 1 }, "", ["x"], { params: { a: { k: 1 } } }),
    /takes no parameters/,
  );
  assert.deepEqual(calls, []);
});

Deno.test("scoreCandidates: a criterion returning the wrong number of scores is an error", async () => {
  const registry = new CriterionRegistry([spy("short", [], () => new Float64Array(1))]);
  await assert.rejects(
    scoreCandidates(registry, { short: 1 }, "", ["x", "y"]),
    /returned 1 scores for 2 candidates/,
  );
});
