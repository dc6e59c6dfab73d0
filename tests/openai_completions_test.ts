/**
 * `/v1/completions` through the official openai client against the real engine on a tiny model.
 */
import assert from "node:assert/strict";
import type OpenAI from "openai";
import { type Gateway, startGateway } from "./_gateway.ts";

Deno.test("openai client: /v1/completions", async (t) => {
  const gateway: Gateway = await startGateway();
  const client = gateway.client();
  const [model] = gateway.engine.models();
  try {
    await t.step("plain completion: OpenAI's shape, usage and the model version", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 8,
        seed: 1,
      });
      assert.equal(completion.object, "text_completion");
      assert.match(completion.id, /^cmpl-/);
      assert.equal(completion.model, "default");
      assert.equal(completion.system_fingerprint, model.version);
      assert.equal(completion.choices.length, 1);
      const [choice] = completion.choices;
      assert.equal(choice.index, 0);
      assert.equal(choice.logprobs, null);
      assert.ok(choice.finish_reason === "stop" || choice.finish_reason === "length");
      const promptTokens = (await gateway.engine.tokenize("default", "Hello")).length;
      assert.equal(completion.usage?.prompt_tokens, promptTokens);
      assert.ok(completion.usage!.completion_tokens >= 1 && completion.usage!.completion_tokens <= 8);
      assert.equal(completion.usage?.total_tokens, promptTokens + completion.usage!.completion_tokens);
    });

    await t.step("max_tokens defaults to 16 and greedy decoding runs to it", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        temperature: 0,
      });
      assert.equal(completion.usage?.completion_tokens, 16);
      assert.equal(completion.choices[0].finish_reason, "length");
    });

    await t.step("n = 3: three choices, completion tokens summed, prompt counted once", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        n: 3,
        max_tokens: 6,
        seed: 5,
      });
      assert.deepEqual(completion.choices.map((c) => c.index), [0, 1, 2]);
      const promptTokens = (await gateway.engine.tokenize("default", "Hello")).length;
      assert.equal(completion.usage?.prompt_tokens, promptTokens);
      const lengthChoices = completion.choices.filter((c) => c.finish_reason === "length").length;
      assert.ok(completion.usage!.completion_tokens >= lengthChoices * 6 + (3 - lengthChoices));
      assert.ok(completion.usage!.completion_tokens <= 18);
    });

    await t.step("seeds reproduce; different seeds differ", async () => {
      const ask = (seed: number) =>
        client.completions.create({
          model: "default",
          prompt: "Hello",
          max_tokens: 12,
          n: 2,
          seed,
          temperature: 1,
        });
      const [a, b, c] = await Promise.all([ask(42), ask(42), ask(43)]);
      assert.deepEqual(a.choices.map((x) => x.text), b.choices.map((x) => x.text));
      assert.notDeepEqual(a.choices.map((x) => x.text), c.choices.map((x) => x.text));
    });

    await t.step("several prompts: index = prompt × n + candidate, usage over all", async () => {
      const prompts = ["Hello", "Good morning"];
      const completion = await client.completions.create({
        model: "default",
        prompt: prompts,
        n: 2,
        max_tokens: 4,
        temperature: 0,
      });
      assert.deepEqual(completion.choices.map((c) => c.index), [0, 1, 2, 3]);
      const promptTokens = (await Promise.all(prompts.map((p) => gateway.engine.tokenize("default", p))))
        .reduce((sum, ids) => sum + ids.length, 0);
      assert.equal(completion.usage?.prompt_tokens, promptTokens);
      assert.equal(completion.usage?.completion_tokens, 16);
      // Greedy: both candidates of a prompt agree; the alone greedy answer of prompt 2 matches.
      assert.equal(completion.choices[2].text, completion.choices[3].text);
      const alone = await client.completions.create({
        model: "default",
        prompt: "Good morning",
        max_tokens: 4,
        temperature: 0,
      });
      assert.equal(alone.choices[0].text, completion.choices[2].text);
    });

    await t.step("token-id prompts equal their text", async () => {
      const ids = await gateway.engine.tokenize("default", "Hello there");
      const [byText, byIds] = await Promise.all([
        client.completions.create({ model: "default", prompt: "Hello there", max_tokens: 5, temperature: 0 }),
        client.completions.create({ model: "default", prompt: ids, max_tokens: 5, temperature: 0 }),
      ]);
      assert.equal(byIds.choices[0].text, byText.choices[0].text);
      assert.equal(byIds.usage?.prompt_tokens, ids.length);
    });

    await t.step("logprobs: tokens, token_logprobs, top_logprobs (≤ k + 1), text_offset", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 5,
        logprobs: 3,
        seed: 9,
      });
      const [choice] = completion.choices;
      const logprobs = choice.logprobs!;
      assert.equal(logprobs.tokens!.length, completion.usage!.completion_tokens);
      assert.equal(logprobs.token_logprobs!.length, logprobs.tokens!.length);
      for (const [i, top] of logprobs.top_logprobs!.entries()) {
        const entries = Object.entries(top);
        assert.ok(entries.length >= 1 && entries.length <= 4);
        assert.equal(top[logprobs.tokens![i]], logprobs.token_logprobs![i]);
        for (const [, logprob] of entries) assert.ok(logprob <= 0);
      }
      let offset = 0;
      for (const [i, token] of logprobs.tokens!.entries()) {
        assert.equal(logprobs.text_offset![i], offset);
        offset += token.length;
      }
    });

    await t.step("response_format (vLLM's extra on completions): json_schema and json_object", async () => {
      const eos = String(gateway.engine.models()[0].eosTokenIds[0]);
      const schema = { type: "array", items: { enum: ["red", "green"] }, minItems: 1, maxItems: 3 };
      const body = {
        model: "default",
        prompt: "Two colours:",
        max_tokens: 40,
        n: 3,
        seed: 2,
        logit_bias: { [eos]: 50 },
        response_format: { type: "json_schema", json_schema: { name: "colours", schema } },
      };
      const completion = await client.completions.create(body as OpenAI.CompletionCreateParamsNonStreaming);
      for (const choice of completion.choices) {
        assert.equal(choice.finish_reason, "stop", choice.text);
        const colours = JSON.parse(choice.text);
        assert.ok(Array.isArray(colours) && colours.length >= 1 && colours.length <= 3, choice.text);
        assert.ok(colours.every((c: string) => c === "red" || c === "green"), choice.text);
      }
      const object = await client.completions.create(
        { ...body, response_format: { type: "json_object" } } as OpenAI.CompletionCreateParamsNonStreaming,
      );
      for (const choice of object.choices) {
        assert.ok(choice.text.startsWith("{"), choice.text);
        if (choice.finish_reason === "stop") {
          assert.equal(typeof JSON.parse(choice.text), "object", choice.text);
        }
      }
    });

    await t.step(
      "vLLM's top_k, min_p, ignore_eos (extra_body): top_k 1 and min_p 1 sample greedily; the end can be ignored",
      async () => {
        const base = { model: "default", prompt: "Once upon a time", max_tokens: 12, seed: 4 };
        const greedy = await client.completions.create({ ...base, temperature: 0 });
        for (const extra of [{ top_k: 1 }, { min_p: 1 }]) {
          const body = { ...base, temperature: 1.5, ...extra };
          const sampled = await client.completions.create(body as OpenAI.CompletionCreateParamsNonStreaming);
          assert.equal(sampled.choices[0].text, greedy.choices[0].text, JSON.stringify(extra));
        }
        // End-of-sequence pushed up by logit_bias ends the answer at once, unless ignore_eos.
        const eos = String(gateway.engine.models()[0].eosTokenIds[0]);
        const ending = { ...base, max_tokens: 6, logit_bias: { [eos]: 100 } };
        const ends = await client.completions.create(ending);
        assert.deepEqual([ends.choices[0].finish_reason, ends.usage!.completion_tokens], ["stop", 1]);
        const ignoring = await client.completions.create(
          { ...ending, ignore_eos: true } as OpenAI.CompletionCreateParamsNonStreaming,
        );
        assert.deepEqual([ignoring.choices[0].finish_reason, ignoring.usage!.completion_tokens], [
          "length",
          6,
        ]);
      },
    );

    await t.step(
      "logit_bias: −100 bans the greedy token (the next best takes its place), +100 forces one",
      async () => {
        const ask = (logit_bias?: Record<string, number>, temperature = 0, max_tokens = 1) =>
          client.completions.create({
            model: "default",
            prompt: "Hello",
            max_tokens,
            temperature,
            logprobs: 2,
            logit_bias,
          });
        const plain = (await ask()).choices[0].logprobs!;
        // The two most likely first tokens, by the model's own log-probs.
        const [best, next] = Object.entries(plain.top_logprobs![0]).sort((a, b) => b[1] - a[1]).map((
          [token],
        ) => token);
        assert.equal(plain.tokens![0], best);
        const idOf = async (token: string) => {
          const ids = await gateway.engine.tokenize("default", token);
          assert.equal(ids.length, 1, `${JSON.stringify(token)} is one token`);
          return String(ids[0]);
        };
        const banned = (await ask({ [await idOf(best)]: -100 })).choices[0].logprobs!;
        assert.equal(banned.tokens![0], next);
        assert.equal(banned.token_logprobs![0], plain.top_logprobs![0][next]); // the model's log-prob, unbiased
        const forced = (await ask({ [await idOf(next)]: 100 }, 1, 3)).choices[0].logprobs!;
        assert.deepEqual(forced.tokens, [next, next, next]);
      },
    );

    await t.step(
      "echo with logprobs: the prompt comes first, its first token without a log-prob",
      async () => {
        const completion = await client.completions.create({
          model: "default",
          prompt: "Hello",
          max_tokens: 3,
          echo: true,
          logprobs: 1,
          temperature: 0,
        });
        const [choice] = completion.choices;
        assert.ok(choice.text.startsWith("Hello"));
        const promptTokens = completion.usage!.prompt_tokens;
        const logprobs = choice.logprobs!;
        assert.equal(logprobs.tokens!.length, promptTokens + completion.usage!.completion_tokens);
        assert.equal(logprobs.token_logprobs![0], null);
        assert.equal(logprobs.top_logprobs![0], null);
        assert.equal(logprobs.tokens!.slice(0, promptTokens).join(""), "Hello");
      },
    );

    await t.step("stop sequences end the text before the stop string", async () => {
      const free = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 12,
        temperature: 0,
      });
      const text = free.choices[0].text;
      // Stop at a piece of the greedy answer that starts after its first character.
      const stop = text.slice(2, 4);
      assert.ok(stop.length === 2, `greedy answer too short: ${JSON.stringify(text)}`);
      const stopped = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 12,
        temperature: 0,
        stop: [stop, "never-appears"],
      });
      assert.equal(stopped.choices[0].text, text.slice(0, text.indexOf(stop)));
      assert.equal(stopped.choices[0].finish_reason, "stop");
    });

    await t.step("stream: chunks add up to the plain answer; usage chunk last; [DONE] ends", async () => {
      const plain = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 10,
        n: 2,
        seed: 3,
      });
      const stream = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 10,
        n: 2,
        seed: 3,
        stream: true,
        stream_options: { include_usage: true },
      });
      const texts = ["", ""];
      const finish: (string | null)[] = [null, null];
      let usage;
      let last;
      for await (const chunk of stream) {
        assert.equal(chunk.object, "text_completion");
        assert.equal(chunk.system_fingerprint, model.version);
        for (const choice of chunk.choices) {
          texts[choice.index] += choice.text;
          if (choice.finish_reason !== null) finish[choice.index] = choice.finish_reason;
        }
        if (chunk.usage) usage = chunk.usage;
        last = chunk;
      }
      assert.deepEqual(texts, plain.choices.map((c) => c.text));
      assert.deepEqual(finish, plain.choices.map((c) => c.finish_reason));
      assert.deepEqual(usage, plain.usage);
      assert.deepEqual(last?.choices, []);
    });

    await t.step("best_of = n is accepted; best_of > n with n > 1 is a clear 400", async () => {
      const ok = await client.completions.create({
        model: "default",
        prompt: "Hi",
        n: 2,
        best_of: 2,
        max_tokens: 2,
      });
      assert.equal(ok.choices.length, 2);
      await assert.rejects(
        client.completions.create({ model: "default", prompt: "Hi", n: 2, best_of: 3, max_tokens: 2 }),
        (error: Error & { status?: number; param?: string }) =>
          error.status === 400 && error.param === "best_of" && /use n = 1/.test(error.message),
      );
    });
  } finally {
    await gateway.close();
  }
  assert.deepEqual(gateway.logs, []);
});
