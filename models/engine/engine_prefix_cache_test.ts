/**
 * Prefix caching end to end (real worker, real ONNX sessions): a prompt that extends, repeats or
 * shares a prefix with an earlier one prefills only the rest, and generates what an engine without
 * the cache generates (greedy tokens equal, log-probs within float rounding); prompt log-probs
 * bypass the cache; a model's cache is its own.
 */
import assert from "node:assert/strict";
import { collect, samplingParams, withTestEngine, writeTestModel } from "./_test_model.ts";
import { PREFIX_CACHE_MIN_TOKENS } from "./prefix_cache.ts";
import type { GenerationEngine, GenerationRequest } from "./types.ts";

const model = await writeTestModel();
const ids = (text: string) => model.tokenizer.encode(text);
const base = ids("A small model writes short answers, one token at a time, and the engine");
const extension = ids(" holds back what could start a stop string.");
const divergent = [...base.slice(0, 12), ...ids(" continuous batching lets sequences join")];

const request = (promptIds: number[], extra: Partial<GenerationRequest> = {}): GenerationRequest => ({
  model: "m",
  promptIds,
  n: 2,
  sampling: samplingParams({ temperature: 0, maxTokens: 10, ignoreEos: true, logprobs: 0 }),
  ...extra,
});

/** The requests of the scenario, in order, on one engine: tokens, log-probs and prompt tokens prefilled. */
async function scenario(engine: GenerationEngine) {
  const runs = [];
  for (
    const r of [
      request(base),
      request([...base, ...extension]), // extends the first prompt
      request(base), // repeats it
      request(divergent), // shares its first 12 tokens
      request(base, { promptLogprobs: 0 }), // wants the prompt's log-probs
    ]
  ) {
    const run = await collect(engine.generate(r));
    runs.push({
      run,
      prefilled: run.done!.compute.prefillTokens,
      passes: run.done!.compute.forwardPasses,
      reusedSoFar: engine.stats().promptTokensReused,
    });
  }
  return runs;
}

Deno.test("prompts sharing a prefix with an earlier one prefill only the rest and generate the same", async () => {
  assert.ok(base.length > 12 && 12 >= PREFIX_CACHE_MIN_TOKENS, "the fixture prompts are long enough");
  const uncached = await withTestEngine(model, scenario, { prefixCacheMegabytes: 0 });
  const cached = await withTestEngine(model, scenario);
  assert.deepEqual(uncached.map((r) => r.prefilled), [
    base.length,
    base.length + extension.length,
    base.length,
    divergent.length,
    base.length,
  ]);
  assert.deepEqual(cached.map((r) => r.prefilled), [
    base.length,
    extension.length, // the first prompt's cache, whole
    1, // at most P − 1 tokens are reused: one pass still yields the first tokens
    divergent.length - 12, // the first 12 columns of an entry, copied
    base.length, // prompt log-probs need the prefix's logits, which are not cached
  ]);
  // Each request's started event says how many of its prompt tokens came from the cache (usage's
  // cached_tokens).
  for (const [runs, cache] of [[cached, true], [uncached, false]] as const) {
    for (const { run, prefilled } of runs) {
      assert.equal(run.started!.cachedPromptTokens, cache ? run.started!.promptTokens - prefilled : 0);
    }
  }
  // The engine counts the prompt tokens it reused (the /metrics counter).
  const total = (runs: typeof cached) => runs.reduce((sum, r) => sum + r.prefilled, 0);
  assert.equal(cached.at(-1)!.reusedSoFar, total(uncached) - total(cached));
  assert.equal(uncached.at(-1)!.reusedSoFar, 0);
  // Every request is still one prefill pass and one decode pass per further token.
  assert.deepEqual(cached.map((r) => r.passes), uncached.map((r) => r.passes));
  cached.forEach(({ run }, i) => {
    const reference = uncached[i].run;
    for (const [c, candidate] of run.candidates.entries()) {
      assert.deepEqual(candidate.ids, reference.candidates[c].ids, `request ${i} candidate ${c}`);
      candidate.logprobs.forEach((logprob, t) => {
        const expected = reference.candidates[c].logprobs[t];
        assert.ok(Math.abs(logprob - expected) < 1e-4, `request ${i} token ${t}: ${logprob} vs ${expected}`);
      });
    }
  });
});

Deno.test("a swapped-in model version does not reuse the previous version's prompt caches", async () => {
  const other = await writeTestModel({ seed: 2 });
  await withTestEngine(model, async (engine) => {
    assert.equal((await collect(engine.generate(request(base)))).done!.compute.prefillTokens, base.length);
    await engine.swapModel({ name: "m", path: other.dir });
    const after = await collect(engine.generate(request([...base, ...extension])));
    assert.equal(after.done!.compute.prefillTokens, base.length + extension.length);
  });
});

Deno.test("a cached prefix also serves a prompt admitted while others decode, prefilled in chunks", async () => {
  const extended = request([...base, ...extension]);
  const reference = await withTestEngine(model, (engine) => collect(engine.generate(extended)), {
    prefixCacheMegabytes: 0,
  });
  await withTestEngine(model, async (engine) => {
    await collect(engine.generate(request(base)));
    // A long sampled request decodes; the extended prompt arrives at its second token.
    const other = request(ids("Continuous batching lets sequences join and leave"), {
      n: 3,
      sampling: samplingParams({ temperature: 1, maxTokens: 40, ignoreEos: true }),
    });
    let late: Promise<Awaited<ReturnType<typeof collect>>> | undefined;
    let tokens = 0;
    for await (const event of engine.generate(other)) {
      if (event.type === "token" && event.candidate === 0 && ++tokens === 2) {
        late = collect(engine.generate(extended));
      }
    }
    const run = await late!;
    // Only the extension is prefilled after the cached prompt, in chunks of 4 while the other request decodes.
    assert.ok(extension.length > 4, "the extension takes several chunks");
    assert.equal(run.done!.compute.prefillTokens, extension.length);
    assert.equal(run.done!.compute.forwardPasses, Math.ceil(extension.length / 4) + 10 - 1);
    for (const [c, candidate] of run.candidates.entries()) {
      assert.deepEqual(candidate.ids, reference.candidates[c].ids, `candidate ${c}`);
    }
  }, { prefillChunkTokens: 4 });
});

/** A finished answer's continuation on one engine: the first answer, then its continuation's run. */
async function continuation(engine: GenerationEngine, n: number) {
  const sampling = samplingParams({ temperature: 1, seed: 5, maxTokens: 10, ignoreEos: true, logprobs: 0 });
  const first = await collect(engine.generate(request(base, { n, sampling })));
  // The client sends the last candidate's answer back, followed by more text (a next chat turn).
  const answer = first.candidates[n - 1].ids;
  const next = await collect(engine.generate(request([...base, ...answer, ...extension], { n: 1 })));
  const repeat = await collect(engine.generate(request([...base, ...answer], { n: 1 })));
  return { answer, next, repeat };
}

for (const newKeyValues of [true, false]) {
  Deno.test(
    `a finished answer's cache serves its continuation (${
      newKeyValues ? "engine-owned" : "present.*"
    } batch cache)`,
    async () => {
      const folder = newKeyValues ? model : await writeTestModel({ newKeyValues: false });
      for (const n of [1, 3]) {
        const uncached = await withTestEngine(folder, (engine) => continuation(engine, n), {
          prefixCacheMegabytes: 0,
        });
        const cached = await withTestEngine(folder, (engine) => continuation(engine, n));
        assert.deepEqual(cached.answer, uncached.answer);
        assert.equal(cached.answer.length, 10);
        // The answer's K/V is there but for its last token, which was sampled and never fed.
        assert.equal(cached.next.done!.compute.prefillTokens, 1 + extension.length);
        assert.equal(cached.repeat.done!.compute.prefillTokens, 1);
        for (const [name, run] of [["next", cached.next], ["repeat", cached.repeat]] as const) {
          const reference = uncached[name];
          assert.equal(reference.done!.compute.prefillTokens, run.started!.promptTokens);
          for (const [c, candidate] of run.candidates.entries()) {
            assert.deepEqual(candidate.ids, reference.candidates[c].ids, `n = ${n}, ${name}, candidate ${c}`);
            candidate.logprobs.forEach((logprob, t) => {
              const expected = reference.candidates[c].logprobs[t];
              assert.ok(Math.abs(logprob - expected) < 1e-4, `${name} token ${t}: ${logprob} vs ${expected}`);
            });
          }
        }
      }
    },
  );
}
