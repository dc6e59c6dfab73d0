/**
 * `/v1/chat/completions` and `/v1/models` through the official openai client against the real
 * engine on a tiny model.
 */
import assert from "node:assert/strict";
import { Template } from "@huggingface/jinja";
import type OpenAI from "openai";
import { advanceJsonText, JSON_OBJECT_START } from "../models/engine/json_grammar.ts";
import { compiledSchema } from "../models/engine/json_constraint.ts";
import { advanceSchemaBytes, schemaStart } from "../models/engine/schema_grammar.ts";
import { type Gateway, startGateway } from "./_gateway.ts";

const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  { role: "system", content: "Be brief." },
  { role: "user", content: "How do I boil an egg?" },
];

Deno.test("openai client: /v1/chat/completions and /v1/models", async (t) => {
  const gateway: Gateway = await startGateway();
  const client = gateway.client();
  const [model] = gateway.engine.models();
  // The prompt the chat template makes of `messages`, as an independent reference.
  const rendered = new Template(model.chatTemplate!).render({
    messages,
    add_generation_prompt: true,
    ...model.specialTokens,
  });
  const promptTokens = (await gateway.engine.tokenize("default", rendered)).length;
  try {
    await t.step("plain chat: OpenAI's shape; the prompt is the chat template's rendering", async () => {
      const completion = await client.chat.completions.create({
        model: "default",
        messages,
        max_tokens: 6,
        seed: 1,
      });
      assert.equal(completion.object, "chat.completion");
      assert.match(completion.id, /^chatcmpl-/);
      assert.equal(completion.model, "default");
      assert.equal(completion.system_fingerprint, model.version);
      const [choice] = completion.choices;
      assert.equal(choice.message.role, "assistant");
      assert.equal(typeof choice.message.content, "string");
      assert.equal(choice.logprobs, null);
      assert.equal(completion.usage?.prompt_tokens, promptTokens);
      assert.equal(completion.usage?.total_tokens, promptTokens + completion.usage!.completion_tokens);
      // The same prompt through /v1/completions gives the same greedy text.
      const [chat, plain] = await Promise.all([
        client.chat.completions.create({ model: "default", messages, max_tokens: 6, temperature: 0 }),
        client.completions.create({ model: "default", prompt: rendered, max_tokens: 6, temperature: 0 }),
      ]);
      assert.equal(chat.choices[0].message.content, plain.choices[0].text);
    });

    await t.step("max_completion_tokens wins over max_tokens; greedy runs to the limit", async () => {
      const completion = await client.chat.completions.create({
        model: "default",
        messages,
        max_completion_tokens: 7,
        max_tokens: 3,
        temperature: 0,
      });
      assert.equal(completion.usage?.completion_tokens, 7);
      assert.equal(completion.choices[0].finish_reason, "length");
    });

    await t.step("n = 3 with a seed: reproducible choices, usage summed over them", async () => {
      const ask = () =>
        client.chat.completions.create({ model: "default", messages, n: 3, max_tokens: 8, seed: 11 });
      const [a, b] = await Promise.all([ask(), ask()]);
      assert.deepEqual(a.choices.map((c) => c.index), [0, 1, 2]);
      assert.deepEqual(a.choices.map((c) => c.message.content), b.choices.map((c) => c.message.content));
      assert.equal(a.usage?.prompt_tokens, promptTokens);
      assert.ok(a.usage!.completion_tokens >= 3 && a.usage!.completion_tokens <= 24);
      const other = await client.chat.completions.create({
        model: "default",
        messages,
        n: 3,
        max_tokens: 8,
        seed: 12,
      });
      assert.notDeepEqual(
        other.choices.map((c) => c.message.content),
        a.choices.map((c) => c.message.content),
      );
    });

    await t.step(
      "logprobs with top_logprobs: one entry per content token, k alternatives, bytes",
      async () => {
        const completion = await client.chat.completions.create({
          model: "default",
          messages,
          max_tokens: 5,
          temperature: 0,
          logprobs: true,
          top_logprobs: 4,
        });
        const content = completion.choices[0].logprobs!.content!;
        assert.ok(content.length >= 1 && content.length <= 5);
        for (const entry of content) {
          assert.ok(entry.logprob <= 0);
          assert.equal(entry.top_logprobs.length, 4);
          assert.deepEqual(entry.bytes, [...new TextEncoder().encode(entry.token)]);
          // Greedy: the chosen token is at least as likely as every alternative.
          for (const alternative of entry.top_logprobs) {
            assert.ok(alternative.logprob <= entry.logprob + 1e-9);
          }
        }
        const plain = await client.chat.completions.create({
          model: "default",
          messages,
          max_tokens: 5,
          temperature: 0,
          logprobs: true,
        });
        assert.deepEqual(
          plain.choices[0].logprobs!.content!.map((e) => e.top_logprobs.length),
          content.map(() => 0),
        );
      },
    );

    await t.step(
      "response_format json_object: the content is a JSON object, whole when it stopped",
      async () => {
        const completion = await client.chat.completions.create({
          model: "default",
          messages: [{ role: "user", content: "Describe a cat as JSON." }],
          response_format: { type: "json_object" },
          max_tokens: 40,
          n: 4,
          seed: 3,
        });
        for (const choice of completion.choices) {
          const content = choice.message.content!;
          assert.ok(content.startsWith("{"), content);
          // Ended: JSON.parse reads it. Cut off by max_tokens: a prefix of an object (by the grammar, which
          // json_grammar_test.ts checks against JSON.parse).
          if (choice.finish_reason === "stop") assert.equal(typeof JSON.parse(content), "object");
          else assert.ok(advanceJsonText(JSON_OBJECT_START, content) !== null, content);
        }
      },
    );

    await t.step(
      "response_format json_schema: answers follow the schema, plain and aligned; an unenforceable one is a 400",
      async () => {
        const schema = {
          type: "object",
          properties: {
            mood: { enum: ["calm", "playful"] },
            purrs: { type: "boolean" },
            legs: { const: 4 },
            toys: { type: "array", items: { enum: ["ball", "string"] }, maxItems: 2 },
          },
          required: ["mood", "purrs", "legs", "toys"],
          additionalProperties: false,
        };
        const compiled = compiledSchema(schema);
        const eos = String(model.eosTokenIds[0]);
        const ask = (extra: Record<string, unknown> = {}) =>
          client.chat.completions.create({
            model: "default",
            messages: [{ role: "user", content: "Describe a cat as JSON." }],
            response_format: { type: "json_schema", json_schema: { name: "cat", schema, strict: true } },
            max_tokens: 150,
            n: 3,
            seed: 5,
            // The end pushed up: it comes as soon as the document is whole.
            logit_bias: { [eos]: 50 },
            ...extra,
          } as OpenAI.ChatCompletionCreateParamsNonStreaming);
        const check = (content: string, finish: string | null) => {
          assert.equal(finish, "stop", content);
          const value = JSON.parse(content);
          assert.deepEqual(Object.keys(value), ["mood", "purrs", "legs", "toys"]);
          assert.ok(["calm", "playful"].includes(value.mood) && typeof value.purrs === "boolean", content);
          assert.ok(value.legs === 4 && value.toys.length <= 2, content);
          assert.ok(value.toys.every((toy: string) => ["ball", "string"].includes(toy)), content);
          assert.ok(advanceSchemaBytes(compiled, schemaStart(compiled), new TextEncoder().encode(content)));
        };
        for (const choice of (await ask()).choices) check(choice.message.content!, choice.finish_reason);
        // Aligned (best-of-3 by a criterion): every candidate was constrained, so the chosen one is too.
        const aligned = await ask({
          n: 1,
          alignment: { aligner: "best_of_n", n: 3, criteria: { length: 1 } },
        });
        check(aligned.choices[0].message.content!, aligned.choices[0].finish_reason);
        await assert.rejects(
          () =>
            client.chat.completions.create({
              model: "default",
              messages,
              response_format: {
                type: "json_schema",
                json_schema: { name: "x", schema: { type: "string", pattern: "^a" } },
              },
            }),
          (error: Error & { status?: number; param?: string }) =>
            error.status === 400 && error.param === "response_format.json_schema.schema" &&
            /"pattern"/.test(error.message),
        );
      },
    );

    await t.step(
      "vLLM's continue_final_message: the answer continues the last assistant message",
      async () => {
        const start: OpenAI.ChatCompletionMessageParam[] = [...messages, {
          role: "assistant",
          content: "First, put",
        }];
        const continued = await client.chat.completions.create({
          model: "default",
          messages: start,
          max_tokens: 6,
          temperature: 0,
          continue_final_message: true,
        } as OpenAI.ChatCompletionCreateParamsNonStreaming);
        // The reference: the template's rendering without its end of turn, as a plain completion's prompt.
        const full = new Template(model.chatTemplate!).render({
          messages: start,
          add_generation_prompt: false,
          ...model.specialTokens,
        });
        const prompt = full.slice(0, full.lastIndexOf("First, put") + "First, put".length);
        const plain = await client.completions.create({
          model: "default",
          prompt,
          max_tokens: 6,
          temperature: 0,
        });
        assert.equal(continued.choices[0].message.content, plain.choices[0].text);
        assert.equal(continued.usage!.prompt_tokens, plain.usage!.prompt_tokens);
      },
    );

    await t.step("stop sequences", async () => {
      const free = await client.chat.completions.create({
        model: "default",
        messages,
        max_tokens: 12,
        temperature: 0,
      });
      const text = free.choices[0].message.content!;
      const stop = text.slice(3, 5);
      assert.equal(stop.length, 2, `greedy answer too short: ${JSON.stringify(text)}`);
      const stopped = await client.chat.completions.create({
        model: "default",
        messages,
        max_tokens: 12,
        temperature: 0,
        stop,
      });
      assert.equal(stopped.choices[0].message.content, text.slice(0, text.indexOf(stop)));
      assert.equal(stopped.choices[0].finish_reason, "stop");
    });

    await t.step("stream: role first, content deltas add up, finish, usage chunk, [DONE]", async () => {
      const request = {
        model: "default",
        messages,
        n: 2,
        max_tokens: 9,
        seed: 21,
        logprobs: true,
        top_logprobs: 2,
      };
      const plain = await client.chat.completions.create(request);
      const stream = await client.chat.completions.create({
        ...request,
        stream: true,
        stream_options: { include_usage: true },
      });
      const texts = ["", ""];
      const roles: (string | undefined)[][] = [[], []];
      const finish: (string | null)[] = [null, null];
      const tokens: string[][] = [[], []];
      let usage;
      let chunks = 0;
      for await (const chunk of stream) {
        chunks++;
        assert.equal(chunk.object, "chat.completion.chunk");
        assert.equal(chunk.system_fingerprint, model.version);
        for (const choice of chunk.choices) {
          roles[choice.index].push(choice.delta.role);
          texts[choice.index] += choice.delta.content ?? "";
          if (choice.finish_reason) finish[choice.index] = choice.finish_reason;
          for (const entry of choice.logprobs?.content ?? []) tokens[choice.index].push(entry.token);
        }
        if (chunk.usage) usage = chunk.usage;
      }
      assert.ok(chunks > 3);
      for (const r of roles) assert.equal(r[0], "assistant");
      assert.deepEqual(texts, plain.choices.map((c) => c.message.content));
      assert.deepEqual(finish, plain.choices.map((c) => c.finish_reason));
      assert.deepEqual(tokens, plain.choices.map((c) => c.logprobs!.content!.map((e) => e.token)));
      assert.deepEqual(usage, plain.usage);
    });

    await t.step("the SDK's stream helper assembles the same message", async () => {
      const runner = client.chat.completions.stream({
        model: "default",
        messages,
        max_tokens: 6,
        temperature: 0,
      });
      const final = await runner.finalChatCompletion();
      const plain = await client.chat.completions.create({
        model: "default",
        messages,
        max_tokens: 6,
        temperature: 0,
      });
      assert.equal(final.choices[0].message.content, plain.choices[0].message.content);
    });

    await t.step("content as text parts equals the string form", async () => {
      const parts = await client.chat.completions.create({
        model: "default",
        messages: [{
          role: "user",
          content: [{ type: "text", text: "How do I " }, { type: "text", text: "boil an egg?" }],
        }],
        max_tokens: 5,
        temperature: 0,
      });
      const text = await client.chat.completions.create({
        model: "default",
        messages: [{ role: "user", content: "How do I boil an egg?" }],
        max_tokens: 5,
        temperature: 0,
      });
      assert.equal(parts.choices[0].message.content, text.choices[0].message.content);
    });

    await t.step(
      "usage.prompt_tokens_details.cached_tokens: a next turn reuses the last prompt and answer",
      async () => {
        const render = (conversation: OpenAI.Chat.ChatCompletionMessageParam[]) =>
          new Template(model.chatTemplate!).render({
            messages: conversation,
            add_generation_prompt: true,
            ...model.specialTokens,
          });
        // No earlier prompt shares 8 leading tokens with this one (they begin with the system message).
        const first: OpenAI.Chat.ChatCompletionMessageParam[] = [
          { role: "user", content: "Which tomatoes grow well in a small garden?" },
        ];
        const turn1 = await client.chat.completions.create({
          model: "default",
          messages: first,
          max_tokens: 12,
          temperature: 0,
        });
        assert.equal(turn1.usage?.prompt_tokens_details?.cached_tokens, 0);
        const answer = turn1.choices[0].message.content!;
        const second = [...first, { role: "assistant" as const, content: answer }, {
          role: "user" as const,
          content: "And in pots?",
        }];
        const turn2 = await client.chat.completions.create({
          model: "default",
          messages: second,
          max_tokens: 4,
          temperature: 0,
        });
        // The engine kept turn 1's prompt and answer but the answer's last token (sampled, never fed back),
        // and the template renders the answer with the tokens that were generated (a greedy answer of this
        // deterministic fixture re-tokenizes to them).
        const promptIds1 = await gateway.engine.tokenize("default", render(first));
        const promptIds2 = await gateway.engine.tokenize("default", render(second));
        assert.equal(turn2.usage?.prompt_tokens, promptIds2.length);
        const kept = promptIds1.length + turn1.usage!.completion_tokens - 1;
        assert.ok(kept < promptIds2.length);
        assert.equal(turn2.usage?.prompt_tokens_details?.cached_tokens, kept);
      },
    );

    await t.step("models: list and retrieve", async () => {
      const list = [];
      for await (const m of client.models.list()) list.push(m);
      assert.deepEqual(list.map((m) => [m.id, m.object, m.owned_by]), [["default", "model", "iama-gateway"]]);
      const one = await client.models.retrieve("default");
      assert.equal(one.id, "default");
      assert.ok(Number.isInteger(one.created));
    });
  } finally {
    await gateway.close();
  }
  assert.deepEqual(gateway.logs, []);
});
