/**
 * vLLM's `/tokenize` and `/detokenize` on a real gateway: the ids are the ones a completion request
 * prefills (its usage says how many), the chat form renders the conversation as the chat route does,
 * detokenize inverts tokenize, and bad input is an OpenAI-shaped 400; the keys guard them like /v1.
 */
import assert from "node:assert/strict";
import { postJson, startGateway } from "./_gateway.ts";

Deno.test("/tokenize and /detokenize", async (t) => {
  const gateway = await startGateway();
  const client = gateway.client();
  const prompt = "Once upon a time, café ☕";
  try {
    await t.step("a prompt: the engine's ids, as many as a completion's prompt_tokens", async () => {
      const { status, body } = await postJson(gateway, "/tokenize", {
        model: "default",
        prompt,
        return_token_strs: true,
      });
      assert.equal(status, 200);
      const result = body as { count: number; max_model_len: number; tokens: number[]; token_strs: string[] };
      assert.deepEqual(result.tokens, await gateway.engine.tokenize("default", prompt));
      assert.equal(result.count, result.tokens.length);
      assert.equal(result.max_model_len, gateway.engine.models()[0].contextLength);
      assert.equal(result.token_strs.length, result.count);
      const completion = await client.completions.create({ model: "default", prompt, max_tokens: 1 });
      assert.equal(completion.usage!.prompt_tokens, result.count);
      const back = await postJson(gateway, "/detokenize", { model: "default", tokens: result.tokens });
      assert.deepEqual([back.status, back.body], [200, { prompt }]);
    });

    await t.step("messages: the chat template's rendering, as many as a chat's prompt_tokens", async () => {
      const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi there" }];
      const { body } = await postJson(gateway, "/tokenize", { model: "default", messages });
      const chat = await client.chat.completions.create({
        model: "default",
        messages: messages as { role: "user"; content: string }[],
        max_tokens: 1,
      });
      assert.equal((body as { count: number }).count, chat.usage!.prompt_tokens);
      // Without the generation prompt the rendering is a proper prefix of the one with it.
      const bare = await postJson(gateway, "/tokenize", {
        model: "default",
        messages,
        add_generation_prompt: false,
      });
      const withPrompt = (body as { tokens: number[] }).tokens;
      const without = (bare.body as { tokens: number[] }).tokens;
      assert.ok(without.length < withPrompt.length);
      assert.deepEqual(withPrompt.slice(0, without.length), without);
    });

    await t.step("bad input: OpenAI-shaped 400s naming the field, 404 for an unknown model", async () => {
      const cases: [string, unknown, number, string | null][] = [
        ["/tokenize", { model: "default" }, 400, null],
        ["/tokenize", { model: "default", prompt: "x", extra: 1 }, 400, null],
        ["/detokenize", { model: "default", tokens: [10 ** 9] }, 400, "tokens"],
        ["/detokenize", { model: "default", tokens: [-1] }, 400, "tokens[0]"],
        ["/tokenize", { model: "nope", prompt: "x" }, 404, "model"],
      ];
      for (const [path, request, status, param] of cases) {
        const response = await postJson(gateway, path, request);
        assert.equal(response.status, status, JSON.stringify(request));
        const error = (response.body as { error: { param: string | null; message: string } }).error;
        if (param !== null) assert.equal(error.param, param, JSON.stringify(error));
        assert.ok(error.message.length > 0);
      }
    });
  } finally {
    await gateway.close();
  }
});

Deno.test("/tokenize needs a key when the gateway has keys", async () => {
  const gateway = await startGateway({ app: { apiKeys: ["sk-right"] } });
  try {
    const request = { model: "default", prompt: "x" };
    assert.equal((await postJson(gateway, "/tokenize", request)).status, 401);
    const allowed = await postJson(gateway, "/tokenize", request, { authorization: "Bearer sk-right" });
    assert.equal(allowed.status, 200);
  } finally {
    await gateway.close();
  }
});
