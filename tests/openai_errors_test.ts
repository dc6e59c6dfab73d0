/**
 * Failures come back as OpenAI errors the SDK raises as its typed errors, and the server keeps
 * serving after every bad input.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { type Gateway, postJson, startGateway, TEST_CONTEXT_LENGTH } from "./_gateway.ts";

type ApiError = InstanceType<typeof OpenAI.APIError>;

/** Asserts the promise rejects with this SDK error class and these fields. */
async function rejectsWith(
  promise: Promise<unknown>,
  errorClass: new (...args: never[]) => ApiError,
  expected: { status: number; code?: string | null; param?: string | null; type?: string },
): Promise<ApiError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${error}`);
  assert.equal(error.status, expected.status);
  if (expected.code !== undefined) assert.equal(error.code, expected.code);
  if (expected.param !== undefined) assert.equal(error.param, expected.param);
  assert.equal(error.type, expected.type ?? "invalid_request_error");
  assert.ok(error.requestID, "every error names its request id");
  return error;
}

function assertEnvelope(body: unknown, code: string | null): void {
  const error = (body as { error: Record<string, unknown> }).error;
  assert.deepEqual(Object.keys(error).sort(), ["code", "message", "param", "type"]);
  assert.equal(error.code, code);
  assert.equal(typeof error.message, "string");
}

Deno.test("openai client: errors", async (t) => {
  const gateway: Gateway = await startGateway();
  const client = gateway.client();
  const longText = "the quick brown fox jumps over the lazy dog ".repeat(200);
  try {
    await t.step("unknown model: NotFoundError, model_not_found, on every route", async () => {
      const error = await rejectsWith(
        client.completions.create({ model: "gpt-9", prompt: "Hi" }),
        OpenAI.NotFoundError,
        { status: 404, code: "model_not_found", param: "model" },
      );
      assert.match(error.message, /gpt-9/);
      await rejectsWith(
        client.chat.completions.create({
          model: "gpt-9",
          messages: [{ role: "user", content: "Hi" }],
          stream: true,
        }),
        OpenAI.NotFoundError,
        { status: 404, code: "model_not_found" },
      );
      await rejectsWith(client.models.retrieve("gpt-9"), OpenAI.NotFoundError, {
        status: 404,
        code: "model_not_found",
      });
    });

    await t.step("bad parameters: BadRequestError naming the field", async () => {
      const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: "user", content: "Hi" }];
      const cases: [() => Promise<unknown>, string, string][] = [
        [
          () => client.completions.create({ model: "default", prompt: "Hi", temperature: 5 }),
          "temperature",
          "number_above_max_value",
        ],
        [
          () => client.completions.create({ model: "default", prompt: "Hi", n: 0 }),
          "n",
          "number_below_min_value",
        ],
        [
          () => client.completions.create({ model: "default", prompt: "Hi", logprobs: 6 }),
          "logprobs",
          "number_above_max_value",
        ],
        [
          () =>
            client.completions.create({ model: "default", prompt: "Hi", stop: ["a", "b", "c", "d", "e"] }),
          "stop",
          "invalid_value",
        ],
        [
          () => client.completions.create({ model: "default", prompt: "Hi", suffix: "end" }),
          "suffix",
          "invalid_value",
        ],
        [
          () => client.completions.create({ model: "default", prompt: "Hi", logit_bias: { "99999": 10 } }),
          "logit_bias",
          "invalid_value",
        ],
        [
          () => client.chat.completions.create({ model: "default", messages, logit_bias: { "5": 101 } }),
          "logit_bias.5",
          "number_above_max_value",
        ],
        [() => client.completions.create({ model: "default", prompt: [] }), "prompt", "invalid_value"],
        [() => client.completions.create({ model: "default", prompt: [99999] }), "prompt", "invalid_value"],
        [() => client.completions.create({ model: "default", prompt: "" }), "prompt", "invalid_value"],
        [
          () => client.chat.completions.create({ model: "default", messages, top_logprobs: 3 }),
          "top_logprobs",
          "invalid_value",
        ],
        [
          () =>
            client.chat.completions.create({ model: "default", messages, top_logprobs: 21, logprobs: true }),
          "top_logprobs",
          "number_above_max_value",
        ],
        [() => client.chat.completions.create({ model: "default", messages: [] }), "messages", "too_short"],
        [
          () =>
            client.chat.completions.create({
              model: "default",
              messages: [{ role: "function", content: "x", name: "f" }],
            }),
          "messages[0].role",
          "invalid_value",
        ],
        [
          () =>
            client.chat.completions.create({
              model: "default",
              messages,
              tools: [{ type: "function", function: { name: "f" } }],
              tool_choice: "auto",
            }),
          "tool_choice",
          "invalid_value",
        ],
        [
          () => client.chat.completions.create({ model: "default", messages, max_tokens: 1.5 }),
          "max_tokens",
          "invalid_type",
        ],
        [
          () =>
            client.chat.completions.create({
              model: "default",
              messages,
              stream_options: { include_usage: true },
            }),
          "stream_options",
          "invalid_value",
        ],
        [
          () =>
            client.chat.completions.create(
              {
                model: "default",
                messages,
                frobnicate: 1,
              } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
            ),
          "frobnicate",
          "unknown_parameter",
        ],
        [
          () =>
            client.chat.completions.create(
              { messages } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming,
            ),
          "model",
          "missing_required_parameter",
        ],
      ];
      for (const [request, param, code] of cases) {
        await rejectsWith(request(), OpenAI.BadRequestError, { status: 400, param, code });
      }
    });

    await t.step("too-long prompt: 400 context_length_exceeded, streamed or not", async () => {
      const error = await rejectsWith(
        client.completions.create({ model: "default", prompt: longText, max_tokens: 1 }),
        OpenAI.BadRequestError,
        { status: 400, code: "context_length_exceeded", param: "prompt" },
      );
      assert.match(error.message, new RegExp(`context is ${TEST_CONTEXT_LENGTH} tokens`));
      await rejectsWith(
        client.chat.completions.create({
          model: "default",
          messages: [{ role: "user", content: longText }],
          stream: true,
        }),
        OpenAI.BadRequestError,
        { status: 400, code: "context_length_exceeded", param: "messages" },
      );
      await rejectsWith(
        client.completions.create({ model: "default", prompt: "Hi", max_tokens: TEST_CONTEXT_LENGTH }),
        OpenAI.BadRequestError,
        { status: 400, code: "context_length_exceeded" },
      );
    });

    await t.step("malformed JSON, wrong content type, oversized body: 400, 415, 413", async () => {
      const malformed = await postJson(gateway, "/v1/chat/completions", '{"model": "default", "messages": [');
      assert.equal(malformed.status, 400);
      assertEnvelope(malformed.body, "invalid_json");
      const notObject = await postJson(gateway, "/v1/completions", "[1, 2]");
      assert.equal(notObject.status, 400);
      assertEnvelope(notObject.body, "invalid_type");
      const form = await postJson(gateway, "/v1/completions", "model=default", {
        "content-type": "application/x-www-form-urlencoded",
      });
      assert.equal(form.status, 415);
      assertEnvelope(form.body, "unsupported_media_type");
      const huge = await postJson(gateway, "/v1/completions", {
        model: "default",
        prompt: "x".repeat(2_000_000),
      });
      assert.equal(huge.status, 413);
      assertEnvelope(huge.body, "request_too_large");
    });

    await t.step("unknown route 404, wrong method 405 with Allow", async () => {
      const missing = await gateway.fetch("/v1/engines");
      assert.equal(missing.status, 404);
      assertEnvelope(await missing.json(), "unknown_url");
      const wrong = await gateway.fetch("/v1/chat/completions");
      assert.equal(wrong.status, 405);
      assert.equal(wrong.headers.get("allow"), "POST");
      assertEnvelope(await wrong.json(), "method_not_allowed");
    });

    await t.step("x-request-id: an incoming one is echoed, else one is made", async () => {
      const mine = await gateway.fetch("/v1/models", { headers: { "x-request-id": "req-abc_123" } });
      await mine.body?.cancel();
      assert.equal(mine.headers.get("x-request-id"), "req-abc_123");
      const made = await gateway.fetch("/v1/models");
      await made.body?.cancel();
      assert.match(made.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
      const failed = await postJson(gateway, "/v1/completions", "{", { "x-request-id": "req-bad-json" });
      assert.equal(failed.headers.get("x-request-id"), "req-bad-json");
    });

    await t.step("fuzzed bodies never give a 5xx", async () => {
      const bodies = [
        "",
        "null",
        "0",
        '"x"',
        "{}",
        '{"model": null}',
        '{"model": "default", "prompt": {"a": 1}}',
        '{"model": "default", "prompt": [[1, -2]]}',
        '{"model": "default", "prompt": "x", "n": 1e9}',
        '{"model": "default", "prompt": "x", "seed": 1e300}',
        '{"model": "default", "prompt": "x", "stop": [1]}',
        '{"model": "default", "messages": [{"role": "user"}]}',
        '{"model": "default", "messages": "hi"}',
        '{"model": "default", "prompt": "x", "max_tokens": -1}',
        '{"model": "default", "prompt": "x", "n": 129}',
        '{"model": "default", "prompt": "x", "n": 100}',
        '{"model": "default", "prompt": "x", "temperature": NaN}',
        '{"model": "default", "prompt": "\\ud800"}',
      ];
      for (const path of ["/v1/completions", "/v1/chat/completions"]) {
        for (const body of bodies) {
          const response = await postJson(gateway, path, body);
          assert.ok(response.status < 500, `${path} ${body}: ${response.status}`);
          if (response.status >= 400) {
            assertEnvelope(response.body, (response.body as { error: { code: string | null } }).error.code);
          }
        }
      }
    });

    await t.step("the server keeps serving after all of that", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 3,
      });
      assert.equal(completion.choices.length, 1);
      assert.equal((await gateway.fetch("/readyz")).status, 200);
    });
  } finally {
    await gateway.close();
  }
  assert.deepEqual(gateway.logs, [], "no unexpected (500) errors were logged");
});

Deno.test("openai client: API keys", async () => {
  const gateway = await startGateway({ app: { apiKeys: ["sk-good", "sk-other"] } });
  try {
    const error = await rejectsWith(gateway.client("sk-bad").models.list(), OpenAI.AuthenticationError, {
      status: 401,
      code: "invalid_api_key",
    });
    assert.doesNotMatch(error.message, /sk-bad/, "the key itself is not echoed");
    const missing = await gateway.fetch("/v1/completions", { method: "POST" });
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get("www-authenticate"), 'Bearer realm="api"');
    assertEnvelope(await missing.json(), "invalid_api_key");
    const completion = await gateway.client("sk-other").completions.create({
      model: "default",
      prompt: "Hi",
      max_tokens: 2,
    });
    assert.equal(completion.choices.length, 1);
    for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json"]) {
      const response = await gateway.fetch(path);
      await response.body?.cancel();
      assert.equal(response.status, 200, `${path} needs no key`);
    }
  } finally {
    await gateway.close();
  }
});

Deno.test("openai client: overload is a 429 RateLimitError with Retry-After", async () => {
  const gateway = await startGateway({ engine: { maxBatchSize: 1, maxWaiting: 1 } });
  const client = gateway.client();
  const stop = new AbortController();
  try {
    // Greedy decoding on the test model runs to max_tokens: these hold the one slot and the queue.
    const long = { model: "default", prompt: "Hello", max_tokens: TEST_CONTEXT_LENGTH - 16, temperature: 0 };
    const running = client.completions.create(long, { signal: stop.signal }).catch(() => {});
    const queued = client.completions.create(long, { signal: stop.signal }).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    const error = await rejectsWith(
      client.completions.create({ model: "default", prompt: "Hi", max_tokens: 2 }),
      OpenAI.RateLimitError,
      { status: 429, code: "engine_overloaded", type: "rate_limit_error" },
    );
    assert.ok(Number(error.headers?.get("retry-after")) >= 1);
    stop.abort();
    await Promise.all([running, queued]);
  } finally {
    await gateway.close();
  }
});
