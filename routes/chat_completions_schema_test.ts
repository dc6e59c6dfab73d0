import assert from "node:assert/strict";
import {
  ChatCompletionRequestSchema,
  chatSampling,
  messageText,
  toGenerationRequest,
} from "./chat_completions_schema.ts";

const user = [{ role: "user", content: "hi" }];
const parse = (body: Record<string, unknown>) =>
  ChatCompletionRequestSchema.safeParse({ model: "m", messages: user, ...body });
const firstPath = (body: Record<string, unknown>) => {
  const result = parse(body);
  return result.success ? undefined : result.error.issues[0].path.join(".");
};

Deno.test("chat schema: roles, text parts and what is refused", () => {
  assert.equal(
    firstPath({ messages: [{ role: "developer", content: "x" }, { role: "assistant", content: null }] }),
    undefined,
  );
  assert.equal(
    firstPath({ messages: [{ role: "user", content: [{ type: "text", text: "a" }] }] }),
    undefined,
  );
  assert.equal(firstPath({ messages: [] }), "messages");
  assert.equal(firstPath({ messages: [{ role: "function", content: "x" }] }), "messages.0.role");
  assert.equal(firstPath({ messages: [{ role: "tool", content: "x" }] }), "messages.0.tool_call_id");
  const call = { id: "call_1", type: "function", function: { name: "f", arguments: "{}" } };
  assert.equal(
    firstPath({
      messages: [{ role: "assistant", content: null, tool_calls: [call] }, {
        role: "tool",
        content: "4",
        tool_call_id: "call_1",
      }],
    }),
    undefined,
  );
  assert.equal(
    firstPath({ messages: [{ role: "user", content: [{ type: "image_url", image_url: {} }] }] }),
    "messages.0.content",
  );
  assert.equal(firstPath({ tools: [{ type: "function" }] }), "tools.0.function");
  assert.equal(firstPath({ tools: [], tool_choice: "none" }), undefined);
  const tool = (name: string, parameters: unknown = { type: "object" }) => ({
    type: "function",
    function: { name, parameters },
  });
  const f = { type: "function", function: { name: "f" } };
  assert.equal(firstPath({ tools: [tool("f")], tool_choice: "required" }), undefined);
  assert.equal(firstPath({ tools: [tool("f")], tool_choice: f }), undefined);
  assert.equal(firstPath({ tools: [tool("f")] }), "tool_choice"); // left out: "auto", refused
  assert.equal(firstPath({ tools: [tool("f")], tool_choice: "none" }), undefined);
  assert.equal(firstPath({ tools: [tool("f")], tool_choice: "auto" }), "tool_choice");
  assert.equal(firstPath({ tools: [tool("g")], tool_choice: f }), "tool_choice.function.name");
  assert.equal(firstPath({ tool_choice: "required" }), "tool_choice");
  assert.equal(
    firstPath({ tools: [tool("f"), tool("f")], tool_choice: "required" }),
    "tools.1.function.name",
  );
  assert.equal(
    firstPath({ tools: [tool("f", { type: "string", pattern: "x" })] }),
    "tools.0.function.parameters",
  );
  assert.equal(
    firstPath({ tools: [tool("f")], tool_choice: f, response_format: { type: "json_object" } }),
    "response_format",
  );
  assert.equal(firstPath({ response_format: { type: "json_object" } }), undefined);
  assert.equal(firstPath({ response_format: { type: "json_schema" } }), "response_format");
  assert.equal(firstPath({ response_format: { type: "xml" } }), "response_format");
  const jsonSchema = (schema: unknown, name = "answer") => ({
    response_format: { type: "json_schema", json_schema: { name, schema } },
  });
  assert.equal(firstPath(jsonSchema({ type: "object", properties: { a: { type: "integer" } } })), undefined);
  assert.equal(firstPath(jsonSchema({ type: "string", pattern: "x" })), "response_format.json_schema.schema");
  assert.equal(firstPath(jsonSchema({}, "not a name")), "response_format.json_schema.name");
  assert.equal(firstPath({ response_format: { type: "text" } }), undefined);
  const continued = [{ role: "user", content: "Hi" }, { role: "assistant", content: "Hello" }];
  assert.equal(firstPath({ messages: continued, continue_final_message: true }), undefined);
  assert.equal(firstPath({ continue_final_message: true }), "continue_final_message");
  assert.equal(
    firstPath({ messages: continued, continue_final_message: true, add_generation_prompt: true }),
    "add_generation_prompt",
  );
  assert.equal(firstPath({ top_logprobs: 2 }), "top_logprobs");
  assert.equal(firstPath({ top_logprobs: 21, logprobs: true }), "top_logprobs");
  assert.equal(firstPath({ logit_bias: { "3": 1 } }), undefined);
  assert.equal(firstPath({ logit_bias: { "x": 1 } }), "logit_bias.x");
  assert.equal(firstPath({ logit_bias: { "3": 101 } }), "logit_bias.3");
  assert.equal(firstPath({ stream_options: { include_usage: true } }), "stream_options");
  assert.equal(firstPath({ store: false, metadata: { a: "b" }, user: "u" }), undefined);
});

Deno.test("chat conversion: limits, defaults and log-probs", () => {
  const body = (extra: Record<string, unknown>) =>
    ChatCompletionRequestSchema.parse({ model: "m", messages: user, ...extra });
  // No limit given: the rest of the context (OpenAI's chat default), or the server default when it fits.
  assert.equal(chatSampling(body({}), 10, 64, {}).maxTokens, 54);
  assert.equal(chatSampling(body({}), 10, 64, { maxTokens: 20 }).maxTokens, 20);
  assert.equal(chatSampling(body({}), 60, 64, { maxTokens: 20 }).maxTokens, 4);
  assert.equal(chatSampling(body({ max_tokens: 9 }), 10, 64, {}).maxTokens, 9);
  assert.equal(chatSampling(body({ max_tokens: 9, max_completion_tokens: 5 }), 10, 64, {}).maxTokens, 5);
  assert.equal(chatSampling(body({}), 10, 64, {}).logprobs, undefined);
  assert.equal(chatSampling(body({ logprobs: true }), 10, 64, {}).logprobs, 0);
  assert.equal(chatSampling(body({ logprobs: true, top_logprobs: 5 }), 10, 64, {}).logprobs, 5);
  assert.equal(chatSampling(body({}), 10, 64, { temperature: 0.3 }).temperature, 0.3);
  const request = toGenerationRequest(body({ n: 2, stop: ["a", ""], seed: 3 }), [1, 2], 64, {});
  assert.deepEqual([request.n, request.sampling.stop, request.sampling.seed, request.promptLogprobs], [
    2,
    ["a"],
    3,
    undefined,
  ]);
});

Deno.test("chat: a message's text", () => {
  assert.equal(messageText("a"), "a");
  assert.equal(messageText([{ type: "text", text: "a" }, { type: "text", text: "b" }]), "ab");
  assert.equal(messageText(null), "");
});
