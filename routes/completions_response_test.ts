import assert from "node:assert/strict";
import type { GenerationEvent } from "../models/engine/types.ts";
import { completionLogprobs, completionResponse, CompletionStream } from "./completions_response.ts";
import type { CollectedGeneration, StartedEvent } from "./generation.ts";

const meta = { id: "cmpl-1", created: 1, model: "m", systemFingerprint: "v7" };
const started = (promptTokens: number, cachedPromptTokens?: number): StartedEvent => ({
  type: "started",
  modelVersion: "v7",
  promptTokens,
  cachedPromptTokens,
  seed: 1,
  promptLogprobs: [{ tokenId: 1, text: "He", logprob: null }, { tokenId: 2, text: "y", logprob: -1 }],
});
const token = (text: string, logprob: number) => ({
  tokenId: 9,
  text,
  logprob,
  topLogprobs: [{ tokenId: 8, text: "z", logprob: -0.1 }],
});

Deno.test("completions response: choices per prompt and candidate, usage counted once per prompt", () => {
  const generation = (promptTokens: number, texts: string[], cached?: number): CollectedGeneration => ({
    started: started(promptTokens, cached),
    candidates: texts.map((text, i) => ({
      tokens: [token(text, -0.5)],
      text,
      finishReason: i === 0 ? "length" : "cancelled",
      completionTokens: 1 + i,
    })),
  });
  const response = completionResponse(meta, [
    { generation: generation(2, ["a", "b"]), echoText: "Hey" },
    { generation: generation(5, ["c", "d"], 4) },
  ], true);
  assert.deepEqual(response.choices.map((c) => [c.index, c.text, c.finish_reason]), [
    [0, "Heya", "length"],
    [1, "Heyb", "stop"],
    [2, "c", "length"],
    [3, "d", "stop"],
  ]);
  // The second prompt's 4 cached tokens (the first's started event has none).
  assert.deepEqual(response.usage, {
    prompt_tokens: 7,
    completion_tokens: 6,
    total_tokens: 13,
    prompt_tokens_details: { cached_tokens: 4 },
  });
  assert.deepEqual(response.choices[0].logprobs?.tokens, ["He", "y", "a"]);
  assert.deepEqual(response.choices[0].logprobs?.text_offset, [0, 2, 3]);
  assert.deepEqual(response.choices[2].logprobs?.tokens, ["c"]);
  assert.equal(response.system_fingerprint, "v7");
});

Deno.test("completions logprobs: the sampled token is always among top_logprobs", () => {
  const logprobs = completionLogprobs([{ tokenId: 1, text: "a", logprob: -2 }, token("b", -1)], 5);
  assert.deepEqual(logprobs.top_logprobs, [{ a: -2 }, { z: -0.1, b: -1 }]);
  assert.deepEqual(logprobs.text_offset, [5, 6]);
});

Deno.test("completions stream: echo first, one chunk per token, finish, usage chunk", () => {
  const stream = new CompletionStream(meta, [{ started: started(2), echoText: "Hey" }], 2, true, true);
  const opening = stream.openingChunks();
  assert.deepEqual(opening.map((c) => [c.choices[0].index, c.choices[0].text, c.usage]), [[0, "Hey", null], [
    1,
    "Hey",
    null,
  ]]);
  const events: GenerationEvent[] = [
    { type: "token", candidate: 1, token: token("ab", -1), textDelta: "ab" },
    { type: "token", candidate: 1, token: token("c", -1), textDelta: "" },
    { type: "finished", candidate: 1, reason: "stop", textDelta: "c", completionTokens: 2 },
    { type: "finished", candidate: 0, reason: "length", textDelta: "", completionTokens: 4 },
    { type: "done", compute: { prefillTokens: 2, generatedTokens: 6, forwardPasses: 4, milliseconds: 1 } },
  ];
  const chunks = events.map((e) => stream.eventChunk(0, e));
  assert.equal(
    chunks[1]?.choices[0].logprobs?.text_offset[0],
    5,
    "offset after the echo and the first token",
  );
  assert.deepEqual(chunks.map((c) => c?.choices[0]?.text), ["ab", "", "c", "", undefined]);
  assert.deepEqual(chunks.map((c) => c?.choices[0]?.finish_reason), [
    null,
    null,
    "stop",
    "length",
    undefined,
  ]);
  assert.deepEqual(stream.usageChunk().usage, {
    prompt_tokens: 2,
    completion_tokens: 6,
    total_tokens: 8,
    prompt_tokens_details: { cached_tokens: 0 },
  });
  assert.deepEqual(stream.usageChunk().choices, []);
  assert.deepEqual(stream.finishReasonsSeen(), ["stop", "length"]);
});

Deno.test("completions stream: without logprobs, a token with no text sends nothing", () => {
  const stream = new CompletionStream(meta, [{ started: started(2) }], 1, false, false);
  assert.deepEqual(stream.openingChunks(), []);
  assert.equal(
    stream.eventChunk(0, { type: "token", candidate: 0, token: token("x", -1), textDelta: "" }),
    undefined,
  );
  const chunk = stream.eventChunk(0, { type: "token", candidate: 0, token: token("x", -1), textDelta: "x" });
  assert.equal(chunk?.choices[0].logprobs, null);
  assert.ok(!("usage" in chunk!), "no usage field unless include_usage");
});
