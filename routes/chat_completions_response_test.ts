import assert from "node:assert/strict";
import { chatCompletionResponse, ChatCompletionStream } from "./chat_completions_response.ts";
import type { StartedEvent } from "./generation.ts";

const meta = { id: "chatcmpl-1", created: 1, model: "m", systemFingerprint: "v7" };
const started: StartedEvent = {
  type: "started",
  modelVersion: "v7",
  promptTokens: 4,
  cachedPromptTokens: 3,
  seed: 1,
};
const token = (tokenId: number, text: string) => ({ tokenId, text, logprob: -1, topLogprobs: [] });

Deno.test("chat response: message, logprobs without the end-of-text token, usage", () => {
  const response = chatCompletionResponse(
    meta,
    {
      started,
      candidates: [{
        tokens: [token(5, "Hi"), token(0, "<|endoftext|>")],
        text: "Hi",
        finishReason: "stop",
        completionTokens: 2,
      }],
    },
    true,
    [0],
  );
  assert.deepEqual(response.choices[0].message, { role: "assistant", content: "Hi", refusal: null });
  assert.deepEqual(response.choices[0].logprobs?.content?.map((e) => e.token), ["Hi"]);
  assert.deepEqual(response.usage, {
    prompt_tokens: 4,
    completion_tokens: 2,
    total_tokens: 6,
    prompt_tokens_details: { cached_tokens: 3 },
  });
});

Deno.test("chat stream: role first per choice, content deltas, end token silent, finish, usage", () => {
  const stream = new ChatCompletionStream(meta, started, 2, true, true, [0]);
  assert.deepEqual(stream.openingChunks().map((c) => c.choices[0]), [
    { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
    { index: 1, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
  ]);
  const content = stream.eventChunk(0, {
    type: "token",
    candidate: 1,
    token: token(5, "Hi"),
    textDelta: "Hi",
  });
  assert.deepEqual(content?.choices[0].delta, { content: "Hi" });
  assert.deepEqual(content?.choices[0].logprobs?.content?.[0].bytes, [72, 105]);
  assert.equal(content?.usage, null);
  assert.equal(
    stream.eventChunk(0, { type: "token", candidate: 1, token: token(0, "<|endoftext|>"), textDelta: "" }),
    undefined,
  );
  const finish = stream.eventChunk(0, {
    type: "finished",
    candidate: 1,
    reason: "stop",
    textDelta: "",
    completionTokens: 2,
  });
  assert.deepEqual(finish?.choices[0], { index: 1, delta: {}, logprobs: null, finish_reason: "stop" });
  stream.eventChunk(0, {
    type: "finished",
    candidate: 0,
    reason: "length",
    textDelta: "!",
    completionTokens: 3,
  });
  assert.deepEqual(stream.usageChunk().usage, {
    prompt_tokens: 4,
    completion_tokens: 5,
    total_tokens: 9,
    prompt_tokens_details: { cached_tokens: 3 },
  });
});
