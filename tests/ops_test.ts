/**
 * Operations endpoints on a real server: health, readiness, Prometheus metrics after real
 * traffic, and the OpenAPI document.
 */
import assert from "node:assert/strict";
import { startGateway } from "./_gateway.ts";

/** The value of one sample line (`name{labels} value`) whose name and labels contain every part. */
function sample(text: string, name: string, ...parts: string[]): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(name) && parts.every((p) => l.includes(p)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

Deno.test("operations endpoints", async (t) => {
  let draining = false;
  const gateway = await startGateway({ app: { draining: () => draining } });
  const client = gateway.client();
  try {
    await t.step("/healthz and /readyz", async () => {
      assert.deepEqual(await (await gateway.fetch("/healthz")).json(), { status: "ok" });
      const ready = await gateway.fetch("/readyz");
      assert.equal(ready.status, 200);
      assert.deepEqual(await ready.json(), { status: "ready", models: ["default"] });
      draining = true;
      const drained = await gateway.fetch("/readyz");
      await drained.body?.cancel();
      assert.equal(drained.status, 503);
      draining = false;
    });

    await t.step("/metrics counts requests, latency, time to first token, tokens, engine state", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 4,
      });
      const stream = await client.chat.completions.create({
        model: "default",
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 5,
        temperature: 0,
        stream: true,
        stream_options: { include_usage: true },
      });
      let chatUsage;
      for await (const chunk of stream) chatUsage = chunk.usage ?? chatUsage;
      await client.models.retrieve("nope").catch(() => {});
      // The streamed request's metrics are recorded when its last chunk is sent.
      await new Promise((resolve) => setTimeout(resolve, 20));

      const response = await gateway.fetch("/metrics");
      assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      assert.equal(sample(text, "http_requests_total", 'route="/v1/completions"', 'status="200"'), 1);
      assert.equal(sample(text, "http_requests_total", 'route="/v1/chat/completions"', 'status="200"'), 1);
      assert.equal(sample(text, "http_requests_total", 'route="/v1/models/:model"', 'status="404"'), 1);
      assert.equal(sample(text, "http_request_duration_seconds_count", 'route="/v1/completions"'), 1);
      assert.equal(sample(text, "gen_ai_server_time_to_first_token_seconds_count", 'operation="chat"'), 1);
      assert.equal(
        sample(text, "gen_ai_server_time_to_first_token_seconds_count", 'operation="text_completion"'),
        1,
      );
      assert.equal(sample(text, "gen_ai_server_request_duration_seconds_count", 'operation="chat"'), 1);
      assert.equal(
        sample(text, "gen_ai_tokens_total", 'type="output"'),
        completion.usage!.completion_tokens + chatUsage!.completion_tokens,
      );
      assert.equal(
        sample(text, "gen_ai_tokens_total", 'type="input"'),
        completion.usage!.prompt_tokens + chatUsage!.prompt_tokens,
      );
      assert.equal(sample(text, "engine_requests_running"), 0);
      assert.equal(sample(text, "engine_requests_waiting"), 0);
      assert.equal(sample(text, "engine_batch_size"), 0);
      assert.equal(sample(text, "engine_tokens_generated_total"), gateway.engine.stats().tokensGenerated);
      assert.match(text, /# TYPE gen_ai_server_time_per_output_token_seconds histogram/);
      assert.match(text, /gen_ai_server_time_to_first_token_seconds_bucket\{.*le="\+Inf"\} 1/);
    });

    await t.step("/openapi.json: OpenAPI 3.1 from the zod schemas", async () => {
      const document = await (await gateway.fetch("/openapi.json")).json();
      assert.equal(document.openapi, "3.1.0");
      assert.deepEqual(Object.keys(document.paths).sort(), [
        "/detokenize",
        "/healthz",
        "/metrics",
        "/openapi.json",
        "/readyz",
        "/tokenize",
        "/v1/chat/completions",
        "/v1/completions",
        "/v1/models",
        "/v1/models/{model}",
      ]);
      const schemas = document.components.schemas;
      const completion = schemas.CreateCompletionRequest;
      assert.deepEqual(completion.required, ["model", "prompt"]);
      assert.deepEqual(Object.keys(completion.properties).slice(0, 4), [
        "model",
        "prompt",
        "best_of",
        "echo",
      ]);
      assert.equal(completion.additionalProperties, false);
      assert.deepEqual(schemas.CreateChatCompletionRequest.required, ["messages", "model"]);
      assert.equal(schemas.CreateChatCompletionRequest.properties.top_logprobs.anyOf[0].maximum, 20);
      // Every $ref resolves.
      const refs = JSON.stringify(document).match(/"#\/components\/schemas\/\w+"/g) ?? [];
      for (const ref of refs) assert.ok(JSON.parse(ref).split("/").at(-1) in schemas, ref);
    });
  } finally {
    await gateway.close();
  }
});
