/**
 * `responseFormat: "json_object"` end to end (real worker, real ONNX sessions, a random-weight model):
 * every candidate's text is a prefix of a JSON object in valid UTF-8 (the grammar is checked against JSON.parse in
 * json_grammar_test.ts), one that ended on end-of-sequence parses, the constraint holds across blockwise
 * continuations (resumed tokens), and a model pushed towards "}" and end-of-sequence answers exactly "{}".
 * `responseFormat: "json_schema"` likewise: texts are prefixes of the schema's documents (the automaton is
 * checked against a reference validator in schema_grammar_test.ts), and ended ones parse and match it.
 */
import assert from "node:assert/strict";
import { collect, samplingParams, withTestEngine, writeTestModel } from "./_test_model.ts";
import { advanceJsonText, isJsonComplete, JSON_OBJECT_START } from "./json_grammar.ts";
import { compiledSchema } from "./json_constraint.ts";
import { advanceSchemaBytes, schemaStart } from "./schema_grammar.ts";
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

const SCHEMA = {
  type: "object",
  properties: {
    answer: { enum: ["yes", "no"] },
    count: { type: "integer" },
    tags: { type: "array", items: { type: "boolean" }, maxItems: 2 },
  },
  required: ["answer", "count", "tags"],
  additionalProperties: false,
};

/** The schema's checks on a parsed answer, written out (keys in the schema's order). */
function matchesSchema(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return JSON.stringify(Object.keys(record)) === JSON.stringify(["answer", "count", "tags"]) &&
    ["yes", "no"].includes(record.answer as string) && Number.isInteger(record.count) &&
    Array.isArray(record.tags) && record.tags.length <= 2 && record.tags.every((t) => typeof t === "boolean");
}

Deno.test("json_schema: every text continues a document of the schema; pushed to end, it ends whole and valid", async () => {
  const schema = compiledSchema(SCHEMA);
  const encoder = new TextEncoder();
  await withTestEngine(model, async (engine) => {
    const sampled = await collect(
      engine.generate(request({ responseFormat: "json_schema", jsonSchema: SCHEMA })),
    );
    for (const candidate of sampled.candidates) {
      const state = advanceSchemaBytes(schema, schemaStart(schema), encoder.encode(candidate.text));
      assert.ok(state !== null, `not a prefix of the schema's documents: ${JSON.stringify(candidate.text)}`);
      if (candidate.reason === "stop") assert.ok(matchesSchema(JSON.parse(candidate.text)), candidate.text);
    }
    // End-of-sequence pushed up: it comes as soon as the document is whole, and never before. (The count
    // is fixed here: a random model writes digits for ever.)
    const fixedCount = { ...SCHEMA, properties: { ...SCHEMA.properties, count: { const: 3 } } };
    const ended = await collect(engine.generate(request(
      { responseFormat: "json_schema", jsonSchema: fixedCount, logitBias: [[EOS, 60]], maxTokens: 50 },
      3,
    )));
    for (const candidate of ended.candidates) {
      assert.equal(candidate.reason, "stop", candidate.text);
      assert.ok(matchesSchema(JSON.parse(candidate.text)), candidate.text);
      assert.equal(candidate.ids.at(-1), EOS);
    }
  });
});

Deno.test("json_schema: a schema the decoder cannot enforce is refused, naming the keyword", async () => {
  await withTestEngine(model, async (engine) => {
    await assert.rejects(
      collect(
        engine.generate(
          request({ responseFormat: "json_schema", jsonSchema: { type: "string", pattern: "a+" } }),
        ),
      ),
      (error: Error & { param?: string }) =>
        /"pattern"/.test(error.message) && error.param === "sampling.jsonSchema",
    );
  });
});
