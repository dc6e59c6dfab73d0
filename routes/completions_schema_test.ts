import assert from "node:assert/strict";
import {
  CompletionRequestSchema,
  completionSampling,
  promptInputs,
  toGenerationRequest,
} from "./completions_schema.ts";

const parse = (body: Record<string, unknown>) =>
  CompletionRequestSchema.safeParse({ model: "m", prompt: "hi", ...body });

Deno.test("completions schema: the four prompt forms, each entry its own prompt", () => {
  const inputs = (prompt: unknown) =>
    promptInputs(CompletionRequestSchema.parse({ model: "m", prompt }).prompt);
  assert.deepEqual(inputs("hi"), [{ text: "hi" }]);
  assert.deepEqual(inputs(["a", "b"]), [{ text: "a" }, { text: "b" }]);
  assert.deepEqual(inputs([1, 2, 3]), [{ ids: [1, 2, 3] }]);
  assert.deepEqual(inputs([[1], [2, 3]]), [{ ids: [1] }, { ids: [2, 3] }]);
  for (const bad of [[], [[]], [1, "a"], [-1], [1.5], { text: "x" }, null]) {
    assert.ok(!parse({ prompt: bad }).success);
  }
});

Deno.test("completions schema: nulls from SDKs mean 'not given'", () => {
  const result = parse({
    n: null,
    stop: null,
    seed: null,
    logprobs: null,
    suffix: null,
    logit_bias: null,
    user: null,
  });
  assert.ok(result.success);
  const sampling = completionSampling(result.data, 3, 64, {});
  assert.equal(sampling.seed, undefined);
  assert.equal(sampling.logprobs, undefined);
  assert.deepEqual(sampling.stop, []);
});

Deno.test("completions schema: OpenAI's limits and the features this server refuses", () => {
  const param = (body: Record<string, unknown>) => {
    const result = parse(body);
    return result.success ? undefined : result.error.issues[0].path.join(".");
  };
  assert.equal(param({ temperature: 2.1 }), "temperature");
  assert.equal(param({ response_format: { type: "json_object" } }), undefined);
  assert.equal(param({ response_format: { type: "yaml" } }), "response_format");
  assert.equal(
    param({
      response_format: {
        type: "json_schema",
        json_schema: { name: "x", schema: { type: "number", minimum: 0 } },
      },
    }),
    "response_format.json_schema.schema",
  );
  assert.equal(param({ top_p: 1.5 }), "top_p");
  assert.equal(param({ logprobs: 6 }), "logprobs");
  assert.equal(param({ stop: ["a", "b", "c", "d", "e"] }), "stop");
  assert.equal(param({ presence_penalty: -3 }), "presence_penalty");
  assert.equal(param({ suffix: "x" }), "suffix");
  assert.equal(param({ suffix: "" }), undefined);
  assert.equal(param({ logit_bias: { "1": 5 } }), undefined);
  // vLLM's extra sampling parameters.
  assert.equal(param({ top_k: -1, min_p: 0.1, ignore_eos: true }), undefined);
  assert.equal(param({ top_k: -2 }), "top_k");
  assert.equal(param({ min_p: 1.5 }), "min_p");
  assert.equal(param({ ignore_eos: "yes" }), "ignore_eos");
  assert.equal(param({ logit_bias: { "-1": 5 } }), "logit_bias.-1");
  assert.equal(param({ logit_bias: { "1": -100.5 } }), "logit_bias.1");
  assert.equal(param({ logit_bias: {} }), undefined);
  assert.equal(param({ best_of: 1, n: 2 }), "best_of");
  assert.equal(param({ best_of: 3, n: 2 }), "best_of");
  assert.equal(param({ best_of: 2, n: 2 }), undefined);
  assert.equal(param({ stream_options: { include_usage: true } }), "stream_options");
  assert.equal(param({ stream: true, stream_options: { include_usage: true } }), undefined);
  assert.equal(param({ frobnicate: true }), "");
});

Deno.test("completions conversion: user value → server default → API default", () => {
  const body = (extra: Record<string, unknown>) =>
    CompletionRequestSchema.parse({ model: "m", prompt: "hi", ...extra });
  const server = { temperature: 0.5, topP: 0.9, maxTokens: 32 };
  const api = completionSampling(body({}), 4, 1024, {});
  assert.deepEqual(
    [
      api.temperature,
      api.topP,
      api.maxTokens,
      api.presencePenalty,
      api.frequencyPenalty,
      api.topK,
      api.ignoreEos,
    ],
    [1, 1, 16, 0, 0, 0, false],
  );
  const defaults = completionSampling(body({}), 4, 1024, server);
  assert.deepEqual([defaults.temperature, defaults.topP, defaults.maxTokens], [0.5, 0.9, 32]);
  const user = completionSampling(body({ temperature: 0, top_p: 0.5, max_tokens: 7 }), 4, 1024, server);
  assert.deepEqual([user.temperature, user.topP, user.maxTokens], [0, 0.5, 7]);
  // A default is cut to the room left in the context; the caller's own value is not (the engine reports it).
  assert.equal(completionSampling(body({}), 60, 64, {}).maxTokens, 4);
  assert.equal(completionSampling(body({ max_tokens: 10 }), 60, 64, {}).maxTokens, 10);
});

Deno.test("completions conversion: the engine request", () => {
  const body = CompletionRequestSchema.parse({
    model: "m",
    prompt: "hi",
    n: 3,
    stop: "\n",
    seed: 7,
    logprobs: 2,
    echo: true,
  });
  const request = toGenerationRequest(body, [5, 6], 64, {});
  assert.deepEqual(request.promptIds, [5, 6]);
  assert.equal(request.n, 3);
  assert.equal(request.promptLogprobs, 2);
  assert.deepEqual([request.sampling.stop, request.sampling.seed, request.sampling.logprobs], [["\n"], 7, 2]);
  const plain = toGenerationRequest(
    CompletionRequestSchema.parse({ model: "m", prompt: "x", logprobs: 2 }),
    [1],
    64,
    {},
  );
  assert.equal(plain.promptLogprobs, undefined, "prompt log-probs only with echo");
});
