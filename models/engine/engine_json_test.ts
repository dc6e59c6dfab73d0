/**
 * `responseFormat: "json_object"` end to end (real worker, real ONNX sessions, a random-weight model):
 * every candidate's text is a prefix of a JSON object in valid UTF-8 (the grammar is checked against JSON.parse in
 * json_grammar_test.ts), one that ended on end-of-sequence parses, the constraint holds across blockwise
 * continuations (resumed tokens), and a model pushed towards "}" and end-of-sequence answers exactly "{}".
 */
import assert from "node:assert/strict";
import { collect, samplingParams, withTestEngine, writeTestModel } from "./_test_model.ts";
import { advanceJsonText, isJsonComplete, JSON_OBJECT_START } from "./json_grammar.ts";
import type { GenerationRequest } from "./types.ts";

const model = await writeTestModel({ seed: 3 });
const promptIds = model.tokenizer.encode("The quick brown fox");
const EOS = 0;

const request = (sampling: Partial<GenerationRequest["sampling"]>, n = 6): GenerationRequest => ({
  model: "m",
  promptIds,
  n,
  sampling: samplingParams({
    temperature: 1,
    seed: 4,
    maxTokens: 40,
    responseFormat: "json_object",
    ...sampling,
  }),
});

Deno.test("json_object: every text continues a JSON object; one that ended parses", async () => {
  await withTestEngine(model, async (engine) => {
    const free = await collect(engine.generate(request({ responseFormat: "text" })));
    const constrained = await collect(engine.generate(request({})));
    assert.ok(
      free.candidates.some((c) => advanceJsonText(JSON_OBJECT_START, c.text) === null),
      "unconstrained",
    );
    for (const candidate of constrained.candidates) {
      const state = advanceJsonText(JSON_OBJECT_START, candidate.text);
      assert.ok(state !== null, `not a JSON prefix: ${JSON.stringify(candidate.text)}`);
      assert.ok(candidate.text.startsWith("{"));
      // Valid UTF-8 throughout: no replacement character, but for a character max_tokens cut in two.
      assert.ok(!candidate.text.slice(0, -1).includes("\uFFFD"), JSON.stringify(candidate.text));
      if (candidate.reason === "stop") {
        assert.ok(isJsonComplete(state));
        assert.deepEqual(typeof JSON.parse(candidate.text), "object");
      } else assert.equal(candidate.reason, "length");
    }
    // Pushed towards "}" and end-of-sequence: the shortest object, then the end.
    const close = model.tokenizer.encode("}");
    assert.equal(close.length, 1);
    const shortest = await collect(engine.generate(request({ logitBias: [[close[0], 30], [EOS, 60]] }, 2)));
    for (const candidate of shortest.candidates) {
      assert.deepEqual([candidate.text, candidate.reason], ["{}", "stop"]);
      assert.equal(candidate.ids.at(-1), EOS);
    }
  });
});

Deno.test("json_object: a continuation (resumed tokens) keeps the constraint where the first part left it", async () => {
  await withTestEngine(model, async (engine) => {
    // Greedy: the whole answer in one request, then cut in two with the second resuming the first.
    const whole = await collect(engine.generate(request({ temperature: 0, maxTokens: 24 }, 1)));
    const first = await collect(engine.generate(request({ temperature: 0, maxTokens: 10 }, 1)));
    const head = first.candidates[0].ids;
    assert.deepEqual(head, whole.candidates[0].ids.slice(0, 10));
    const rest = await collect(engine.generate({
      ...request({ temperature: 0, maxTokens: 14 }, 1),
      promptIds: [...promptIds, ...head],
      resumeTokens: head.length,
    }));
    assert.deepEqual([...head, ...rest.candidates[0].ids], whole.candidates[0].ids);
    assert.ok(
      advanceJsonText(JSON_OBJECT_START, first.candidates[0].text + rest.candidates[0].text) !== null,
    );
  });
});
