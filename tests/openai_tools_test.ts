/**
 * Function calling through the official openai client (real engine, tiny model): a named tool choice
 * returns one call whose arguments its parameters schema accepts; "required" returns one or more calls
 * of the given tools with finish reason tool_calls; streamed, the SDK's helper assembles the same calls;
 * an aligned request returns its chosen answer as a call;
 * a tool's result goes back in the next turn; "auto" (the default with tools) is a clear 400.
 */
import assert from "node:assert/strict";
import type OpenAI from "openai";
import { type Gateway, startGateway } from "./_gateway.ts";

const weather: OpenAI.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "The weather in a city",
    parameters: {
      type: "object",
      properties: { city: { enum: ["Paris", "Oslo"] }, unit: { enum: ["C", "F"] } },
      required: ["city", "unit"],
      additionalProperties: false,
    },
  },
};
const time: OpenAI.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_time",
    parameters: { type: "object", properties: { zone: { enum: ["UTC", "CET"] } }, required: ["zone"] },
  },
};
const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];

/** The arguments a get_weather call may carry, checked by hand. */
function checkWeather(args: string) {
  const value = JSON.parse(args);
  assert.deepEqual(Object.keys(value), ["city", "unit"], args);
  assert.ok(["Paris", "Oslo"].includes(value.city) && ["C", "F"].includes(value.unit), args);
}

Deno.test("openai client: tools", async (t) => {
  const gateway: Gateway = await startGateway();
  const client = gateway.client();
  const eos = String(gateway.engine.models()[0].eosTokenIds[0]);
  // The end pushed up, so answers end as soon as they are whole.
  const base = { model: "default", messages, max_tokens: 200, seed: 3, logit_bias: { [eos]: 50 } };
  try {
    await t.step("a named function: one call, its arguments valid for the schema", async () => {
      const completion = await client.chat.completions.create({
        ...base,
        n: 2,
        tools: [weather, time],
        tool_choice: { type: "function", function: { name: "get_weather" } },
      });
      for (const choice of completion.choices) {
        assert.equal(choice.message.content, null);
        assert.equal(choice.finish_reason, "stop");
        const [call] = choice.message.tool_calls!;
        assert.equal(choice.message.tool_calls!.length, 1);
        assert.match(call.id, /^call_/);
        assert.equal(call.type, "function");
        assert.equal((call as OpenAI.ChatCompletionMessageFunctionToolCall).function.name, "get_weather");
        checkWeather((call as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments);
      }
    });

    await t.step('"required": one or more calls of the given tools, finish reason tool_calls', async () => {
      const completion = await client.chat.completions.create({
        ...base,
        n: 3,
        tools: [weather, time],
        tool_choice: "required",
      });
      // Several calls in one answer happen (this seed: 1, 1 and 3), the contrast for parallel_tool_calls below.
      assert.ok(completion.choices.some((choice) => choice.message.tool_calls!.length > 1));
      for (const choice of completion.choices) {
        assert.equal(choice.finish_reason, "tool_calls");
        assert.ok(choice.message.tool_calls!.length >= 1);
        for (const call of choice.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[]) {
          if (call.function.name === "get_weather") checkWeather(call.function.arguments);
          else {
            assert.equal(call.function.name, "get_time");
            assert.ok(["UTC", "CET"].includes(JSON.parse(call.function.arguments).zone));
          }
        }
      }
    });

    await t.step("parallel_tool_calls false: exactly one call", async () => {
      const completion = await client.chat.completions.create({
        ...base,
        n: 4,
        tools: [weather, time],
        tool_choice: "required",
        parallel_tool_calls: false,
      });
      for (const choice of completion.choices) assert.equal(choice.message.tool_calls!.length, 1);
    });

    await t.step("streamed: the SDK's helper assembles the calls the whole response has", async () => {
      const choices: OpenAI.ChatCompletionToolChoiceOption[] = [
        { type: "function", function: { name: "get_weather" } },
        "required",
      ];
      for (const choice of choices) {
        const body: OpenAI.ChatCompletionCreateParamsNonStreaming = {
          ...base,
          tools: [weather, time],
          tool_choice: choice,
          temperature: 0,
        };
        const whole: OpenAI.ChatCompletion = await client.chat.completions.create(body);
        const streamed: OpenAI.ChatCompletion = await client.chat.completions.stream(
          { ...body, stream: true },
        )
          .finalChatCompletion();
        const calls = (message: OpenAI.ChatCompletionMessage) =>
          (message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[]).map((c) => c.function);
        assert.deepEqual(calls(streamed.choices[0].message), calls(whole.choices[0].message));
        assert.equal(streamed.choices[0].finish_reason, whole.choices[0].finish_reason);
      }
    });

    await t.step("aligned (best-of-3 by a criterion): the chosen answer is a call too", async () => {
      const completion = await client.chat.completions.create({
        ...base,
        tools: [weather],
        tool_choice: { type: "function", function: { name: "get_weather" } },
        alignment: { aligner: "best_of_n", n: 3, criteria: { length: 1 } },
      } as OpenAI.ChatCompletionCreateParamsNonStreaming);
      const call = completion.choices[0].message
        .tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
      checkWeather(call.function.arguments);
      assert.equal(
        (completion as unknown as { alignment: { aligner: string } }).alignment.aligner,
        "best_of_n",
      );
    });

    await t.step("the tool's result goes back in the next turn", async () => {
      const first = await client.chat.completions.create({
        ...base,
        tools: [weather],
        tool_choice: { type: "function", function: { name: "get_weather" } },
      });
      const call = first.choices[0].message.tool_calls![0];
      const reply = await client.chat.completions.create({
        model: "default",
        max_tokens: 5,
        tools: [weather],
        tool_choice: "none",
        messages: [
          ...messages,
          first.choices[0].message,
          { role: "tool", tool_call_id: call.id, content: "18 degrees" },
        ],
      });
      assert.equal(typeof reply.choices[0].message.content, "string");
      assert.equal(reply.choices[0].message.tool_calls, undefined);
    });

    await t.step('"auto" (the default with tools) is a 400 that says what to use', async () => {
      for (const body of [{ tools: [weather] }, { tools: [weather], tool_choice: "auto" as const }]) {
        await assert.rejects(
          () => client.chat.completions.create({ ...base, ...body }),
          (error: Error & { status?: number; param?: string }) =>
            error.status === 400 && error.param === "tool_choice" && /"required"/.test(error.message),
        );
      }
    });
  } finally {
    await gateway.close();
  }
});
