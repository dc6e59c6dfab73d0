/**
 * Streams under faults: a client that goes away frees its engine slot; an engine failure in the
 * middle of a stream becomes an SSE error event, and the server keeps serving.
 */
import assert from "node:assert/strict";
import OpenAI from "openai";
import { EngineInternalError } from "../models/engine/errors.ts";
import type { GenerationEngine, GenerationEvent, GenerationRequest } from "../models/engine/types.ts";
import { startGateway, TEST_CONTEXT_LENGTH } from "./_gateway.ts";

/** Wraps an engine, remembering the signal of every generate call. */
function spyOn(engine: GenerationEngine, signals: AbortSignal[]): GenerationEngine {
  return Object.assign(Object.create(engine), {
    generate(request: GenerationRequest, signal?: AbortSignal) {
      if (signal) signals.push(signal);
      return engine.generate(request, signal);
    },
    models: () => engine.models(),
    stats: () => engine.stats(),
    tokenize: (model: string, text: string) => engine.tokenize(model, text),
    detokenize: (model: string, ids: number[]) => engine.detokenize(model, ids),
  });
}

async function settled(engine: GenerationEngine, timeoutMs = 3000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const { running, waiting } = engine.stats();
    if (running === 0 && waiting === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`engine still busy: ${JSON.stringify(engine.stats())}`);
}

// Greedy decoding on the test model never meets end-of-text: a request runs to max_tokens.
const LONG = TEST_CONTEXT_LENGTH - 48;

Deno.test("a client aborting a stream frees its engine slot", async () => {
  const signals: AbortSignal[] = [];
  const gateway = await startGateway({
    engine: { maxBatchSize: 1, maxWaiting: 1 },
    wrapEngine: (engine) => spyOn(engine, signals),
  });
  const client = gateway.client();
  try {
    const before = gateway.engine.stats().tokensGenerated;
    const stream = await client.chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "Tell me everything." }],
      max_tokens: LONG,
      temperature: 0,
      stream: true,
    });
    let contentChunks = 0;
    for await (const chunk of stream) {
      if (chunk.choices[0]?.delta.content) contentChunks++;
      if (contentChunks === 3) break; // the SDK aborts the HTTP request
    }
    await settled(gateway.engine);
    assert.equal(signals.length, 1);
    assert.ok(signals[0].aborted, "the engine request's signal was aborted");
    const generated = gateway.engine.stats().tokensGenerated - before;
    assert.ok(generated < LONG / 2, `the generation stopped early (${generated} of ${LONG} tokens)`);

    // The one slot is free again: a new request is served at once.
    const next = await client.chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 3,
    });
    assert.equal(next.choices.length, 1);
  } finally {
    await gateway.close();
  }
});

Deno.test("a client aborting a non-streamed request cancels it too", async () => {
  const signals: AbortSignal[] = [];
  const gateway = await startGateway({ wrapEngine: (engine) => spyOn(engine, signals) });
  try {
    const before = gateway.engine.stats().tokensGenerated;
    const controller = new AbortController();
    const request = gateway.client().completions.create(
      { model: "default", prompt: "Hello", max_tokens: LONG, temperature: 0 },
      { signal: controller.signal },
    );
    while (gateway.engine.stats().tokensGenerated - before < 5) await new Promise((r) => setTimeout(r, 2));
    controller.abort();
    await assert.rejects(request, OpenAI.APIUserAbortError);
    await settled(gateway.engine);
    assert.ok(signals[0].aborted);
    const generated = gateway.engine.stats().tokensGenerated - before;
    assert.ok(generated < LONG / 2, `the generation stopped early (${generated} of ${LONG} tokens)`);
  } finally {
    await gateway.close();
  }
});

Deno.test("an engine failure midway through a stream is an SSE error event", async () => {
  let failNext = true;
  const gateway = await startGateway({
    wrapEngine: (engine) =>
      Object.assign(spyOn(engine, []), {
        async *generate(request: GenerationRequest, signal?: AbortSignal): AsyncGenerator<GenerationEvent> {
          let tokens = 0;
          for await (const event of engine.generate(request, signal)) {
            yield event;
            if (event.type === "token" && ++tokens === 2 && failNext) {
              failNext = false;
              throw new EngineInternalError("the model run failed");
            }
          }
        },
      }),
  });
  try {
    const response = await gateway.fetch("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: "default",
        messages: [{ role: "user", content: "Hi" }],
        max_tokens: 20,
        temperature: 0,
        stream: true,
      }),
    });
    assert.equal(response.status, 200);
    const events = (await response.text()).trim().split("\n\n");
    assert.ok(events.length >= 2);
    const last = events.at(-1)!;
    assert.match(last, /^event: error\ndata: /);
    const body = JSON.parse(last.slice(last.indexOf("data: ") + 6));
    assert.deepEqual(body.error.type, "server_error");
    assert.doesNotMatch(body.error.message, /model run failed/, "internal details stay in the server log");
    assert.ok(!events.includes("data: [DONE]"));
    assert.equal(gateway.logs.length, 1);
    assert.match(gateway.logs[0], /unexpected error during stream.*the model run failed/);

    // The SDK raises it as an APIError; then the server keeps serving.
    failNext = true;
    const stream = await gateway.client().chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 20,
      // Greedy, so the answer runs past the failing second token (a sampled one may end before it).
      temperature: 0,
      stream: true,
    });
    await assert.rejects(async () => {
      for await (const _ of stream) { /* read until the error */ }
    }, OpenAI.APIError);
    const after = await gateway.client().chat.completions.create({
      model: "default",
      messages: [{ role: "user", content: "Hi" }],
      max_tokens: 3,
    });
    assert.equal(after.choices.length, 1);
  } finally {
    await gateway.close();
  }
});
