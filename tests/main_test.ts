/**
 * main.ts as a process: a bad config stops start-up with exit code 1; a good one serves, exports
 * GenAI spans over OTLP when OTEL_DENO=true, and shuts down gracefully on SIGTERM.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { TEST_CONTEXT_LENGTH, testModelFolder } from "./_gateway.ts";
import { runMain } from "./_main_process.ts";

Deno.test("main.ts: a bad config stops start-up with one line per problem and exit code 1", async () => {
  const run = runMain({ PORT: "http", MAX_BATCH_SIZE: "0", HOST: "0.0.0.0", MODEL_PATH: "/nonexistent" });
  const status = await run.exited;
  assert.equal(status.code, 1);
  const lines = run.output().trim().split("\n");
  assert.deepEqual(lines.map((l) => l.split(":").slice(0, 2).join(":")), [
    "config: PORT",
    "config: MAX_BATCH_SIZE",
    "config: API_KEYS",
  ]);
});

Deno.test("main.ts: a missing model folder stops start-up with exit code 1", async () => {
  const run = runMain({ PORT: "0", MODEL_PATH: "/nonexistent/model" });
  const status = await run.exited;
  assert.equal(status.code, 1);
  assert.match(run.output(), /^registry: \/nonexistent\/model: cannot read config.json/m);
});

Deno.test("main.ts: serves, exports GenAI spans, finishes in-flight streams on SIGTERM", async () => {
  const spans: { name: string; attributes: Record<string, unknown> }[] = [];
  const collector = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const body = await request.json();
    if (new URL(request.url).pathname === "/v1/traces") {
      for (const resource of body.resourceSpans ?? []) {
        for (const scope of resource.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            const attributes = Object.fromEntries(
              (span.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [
                a.key,
                Object.values(a.value)[0],
              ]),
            );
            spans.push({ name: span.name, attributes });
          }
        }
      }
    }
    return Response.json({});
  });
  const run = runMain({
    PORT: "0",
    MODEL_PATH: await testModelFolder(),
    ENGINE_THREADS: "1",
    OTEL_DENO: "true",
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.addr.port}`,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_SERVICE_NAME: "gateway-test",
  });
  try {
    const origin = await run.origin;
    const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: "none", maxRetries: 0 });
    const completion = await client.completions.create({
      model: "default",
      prompt: "Hello",
      max_tokens: 4,
      seed: 1,
    });

    const alignedResponse = await fetch(`${origin}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "default",
        prompt: "Hello",
        max_tokens: 4,
        seed: 2,
        alignment: { criteria: { sentiment: 1, civility: 1 }, aligner: "best_of_n", n: 3 },
      }),
    });
    const aligned = await alignedResponse.json();
    assert.equal(alignedResponse.status, 200, JSON.stringify(aligned));

    // A long stream is in flight when SIGTERM arrives: it still runs to its end.
    const stream = await client.chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: TEST_CONTEXT_LENGTH - 64,
      temperature: 0,
      stream: true,
      stream_options: { include_usage: true },
    });
    let chunks = 0;
    let usage;
    for await (const chunk of stream) {
      if (++chunks === 2) run.process.kill("SIGTERM");
      usage = chunk.usage ?? usage;
    }
    assert.equal(usage?.completion_tokens, TEST_CONTEXT_LENGTH - 64);
    const status = await run.exited;
    assert.equal(status.code, 0, run.output());
    assert.match(run.output(), /SIGTERM: draining/);
    assert.match(run.output(), /stopped/);

    const span = spans.find((s) => s.name === "text_completion default");
    assert.ok(span, `spans: ${spans.map((s) => s.name).join(", ")}`);
    assert.equal(span.attributes["gen_ai.operation.name"], "text_completion");
    assert.equal(span.attributes["gen_ai.request.model"], "default");
    assert.equal(Number(span.attributes["gen_ai.request.max_tokens"]), 4);
    assert.equal(Number(span.attributes["gen_ai.usage.input_tokens"]), completion.usage!.prompt_tokens);
    assert.equal(Number(span.attributes["gen_ai.usage.output_tokens"]), completion.usage!.completion_tokens);
    assert.equal(span.attributes["gen_ai.response.id"], completion.id);
    assert.ok(spans.some((s) => s.name === "chat default"));
    const alignedSpan = spans.find((s) => s.attributes["gen_ai.response.id"] === aligned.id);
    assert.ok(alignedSpan);
    assert.equal(alignedSpan.attributes["alignment.aligner"], "best_of_n");
    assert.equal(alignedSpan.attributes["alignment.params"], JSON.stringify({ n: 3 }));
    assert.equal(alignedSpan.attributes["alignment.weights"], JSON.stringify({ sentiment: 1, civility: 1 }));
    assert.equal(alignedSpan.attributes["alignment.planner"], "request");
    assert.equal(alignedSpan.attributes["alignment.candidates"], 3);
    const compute = aligned.usage.alignment_compute;
    assert.equal(
      Number(alignedSpan.attributes["alignment.compute.generated_tokens"]),
      compute.generated_tokens,
    );
    assert.equal(Number(alignedSpan.attributes["alignment.compute.forward_passes"]), compute.forward_passes);
    assert.equal(
      Number(alignedSpan.attributes["alignment.compute.reward_evaluations"]),
      compute.reward_evaluations,
    );
    assert.equal(alignedSpan.attributes["alignment.model_version"], aligned.system_fingerprint);
  } finally {
    try {
      run.process.kill("SIGKILL");
    } catch { /* already exited */ }
    await run.exited;
    await collector.shutdown();
  }
});

Deno.test("main.ts: after the grace period, in-flight streams end with a 503 error event", async () => {
  const run = runMain({
    PORT: "0",
    MODEL_PATH: await testModelFolder(),
    ENGINE_THREADS: "1",
    SHUTDOWN_GRACE_SECONDS: "0",
  });
  try {
    const origin = await run.origin;
    const response = await fetch(`${origin}/v1/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "default",
        prompt: "Hello",
        max_tokens: TEST_CONTEXT_LENGTH - 16,
        temperature: 0,
        stream: true,
      }),
    });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = (await reader.read()).value ?? "";
    run.process.kill("SIGTERM");
    for (let part = await reader.read(); !part.done; part = await reader.read()) text += part.value;
    const last = text.trim().split("\n\n").at(-1)!;
    assert.match(last, /^event: error\ndata: /);
    const error = JSON.parse(last.slice(last.indexOf("data: ") + 6)).error;
    assert.equal(error.code, "service_unavailable");
    assert.match(error.message, /shutting down/);
    assert.equal((await run.exited).code, 0);
  } finally {
    try {
      run.process.kill("SIGKILL");
    } catch { /* already exited */ }
    await run.exited;
  }
});
