/**
 * The per-request `alignment` spec through the official openai client against the real engine on a
 * tiny model: the chosen answer is the argmax a direct reference computation finds (same seeds by the
 * aligners' documented derivation), weights change answers, receipts add up, errors name the field.
 */
import assert from "node:assert/strict";
import type OpenAI from "openai";
import { argmaxIndex, generateCandidates, scoreTask } from "../aligners/mod.ts";
import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "../aligners/criteria/mod.ts";
import { Rng } from "../models/random.ts";
import { type AlignmentReceipt, AlignmentReceiptSchema } from "../routes/alignment_schema.ts";
import { completionSampling } from "../routes/completions_schema.ts";
import { type Gateway, postJson, startGateway } from "./_gateway.ts";

type Aligned = { alignment?: AlignmentReceipt; usage?: Record<string, unknown> };
type CompletionBody = OpenAI.CompletionCreateParamsNonStreaming;
type ChatBody = OpenAI.ChatCompletionCreateParamsNonStreaming;
type ApiError = Error & { status?: number; param?: string | null; code?: string | null };

const registry = new CriterionRegistry(createBuiltinCriteria());
const identity = new Calibrator(undefined, { missing: "identity" });

Deno.test("openai client: per-request alignment", async (t) => {
  const gateway: Gateway = await startGateway();
  const client = gateway.client();
  const [model] = gateway.engine.models();
  try {
    await t.step("best_of_n with {length: 1} returns the reference argmax", async () => {
      const spec = {
        criteria: { length: 1 },
        params: { length: { target: 3, scale: 5 } },
        aligner: "best_of_n",
        n: 6,
      };
      const body = { model: "default", prompt: "Once upon a time", max_tokens: 20, seed: 11, temperature: 1 };
      const completion = await client.completions.create({ ...body, alignment: spec } as CompletionBody);
      const receipt = (completion as unknown as Aligned).alignment!;
      // Reference: the same engine, candidate seed batchSeed(new Rng(seed), 0), the same scoring.
      const ids = await gateway.engine.tokenize("default", body.prompt);
      const task = {
        model: "default",
        promptIds: ids,
        prompt: body.prompt,
        sampling: completionSampling(body, ids.length, model.contextLength, {}),
        criteria: { weights: spec.criteria, params: spec.params },
        calibrator: identity,
      };
      const batch = await generateCandidates(gateway.engine, task, 6, new Rng(body.seed), 0);
      const texts = batch.candidates.map((c) => c.text);
      const { weighted } = await scoreTask(task, registry, texts);
      const best = argmaxIndex(weighted.scores);
      assert.equal(completion.choices[0].text, texts[best]);
      assert.equal(receipt.chosen_index, best);
      assert.deepEqual(receipt.aggregates, [...weighted.scores]);
      assert.deepEqual(receipt.candidate_seeds, [batch.seed]);
      assert.equal(receipt.aggregate, Math.max(...weighted.scores));
    });

    await t.step("changing the weights changes the answer on at least one prompt", async () => {
      const ask = (prompt: string, target: number) =>
        client.chat.completions.create({
          model: "default",
          messages: [{ role: "user", content: prompt }],
          max_tokens: 24,
          seed: 3,
          alignment: {
            criteria: { length: 1 },
            params: { length: { target, scale: 10 } },
            aligner: "best_of_n",
            n: 8,
          },
        } as ChatBody);
      const prompts = ["Hello", "Tell me a story", "What is the weather like?"];
      const answers = await Promise.all(
        prompts.map(async (p) => [await ask(p, 1), await ask(p, 40)] as const),
      );
      const differs = answers.some(([short, long]) =>
        short.choices[0].message.content !== long.choices[0].message.content
      );
      assert.ok(differs, "short and long targets chose the same answer on every prompt");
      for (const [short, long] of answers) {
        const words = (text: string | null) => (text ?? "").split(/\s+/).filter((w) => w !== "").length;
        assert.ok(words(short.choices[0].message.content) <= words(long.choices[0].message.content));
      }
    });

    await t.step("receipts are complete and compute counts add up", async () => {
      const completion = await client.chat.completions.create({
        model: "default",
        messages: [{ role: "user", content: "Hi there" }],
        max_tokens: 12,
        seed: 5,
        alignment: { criteria: { length: 2, sentiment: 1, civility: 0 }, aligner: "best_of_n", n: 4 },
      } as ChatBody);
      const { alignment, usage } = completion as unknown as Aligned;
      const receipt = AlignmentReceiptSchema.parse(alignment);
      assert.equal(receipt.aligner, "best_of_n");
      assert.equal(receipt.chosen_by, "request");
      assert.deepEqual(receipt.parameters, { n: 4 });
      assert.equal(receipt.seed, 5);
      assert.equal(receipt.candidates_considered, 4);
      assert.equal(receipt.aggregates.length, 4);
      assert.deepEqual(Object.keys(receipt.criteria), ["length", "sentiment"]);
      assert.equal(receipt.criteria.length.weight, 2);
      assert.equal(receipt.model_version, model.version);
      assert.equal(completion.system_fingerprint, model.version);
      assert.equal(receipt.calibration.method, "identity");
      assert.deepEqual(receipt.calibration.uncalibrated, ["length", "sentiment"]);
      assert.match(receipt.calibration.note ?? "", /identity/);
      assert.equal(receipt.compute.reward_evaluations, 4 * 2);
      assert.ok(receipt.compute.generated_tokens <= 4 * 12);
      assert.ok(receipt.compute.generated_tokens >= completion.usage!.completion_tokens);
      assert.ok(receipt.compute.forward_passes >= 1 && receipt.compute.forward_passes <= 12 + 1);
      assert.deepEqual(usage!.alignment_compute, {
        candidates: 4,
        generated_tokens: receipt.compute.generated_tokens,
        forward_passes: receipt.compute.forward_passes,
        reward_evaluations: receipt.compute.reward_evaluations,
      });
      assert.equal(
        completion.usage!.total_tokens,
        completion.usage!.prompt_tokens + completion.usage!.completion_tokens,
      );
    });

    await t.step(
      "cached_tokens: an aligned request's prompt from the prefix cache, as its receipt shows",
      async () => {
        const body = {
          model: "default",
          messages: [{ role: "user", content: "What should I pack for a weekend of hiking in the hills?" }],
          max_tokens: 8,
          seed: 9,
          alignment: { criteria: { length: 1 }, aligner: "best_of_n", n: 3 },
        } as ChatBody;
        const [first, again] = [
          await client.chat.completions.create(body),
          await client.chat.completions.create(body),
        ];
        const promptTokens = first.usage!.prompt_tokens;
        assert.ok(promptTokens > 8, "long enough for the prefix cache");
        for (const [completion, cached] of [[first, 0], [again, promptTokens - 1]] as const) {
          // Best-of-N is one engine request: what it did not prefill came from the cache.
          const receipt = (completion as unknown as Aligned).alignment!;
          assert.equal(completion.usage!.prompt_tokens_details?.cached_tokens, cached);
          assert.equal(receipt.compute.prefill_tokens, promptTokens - cached);
        }
        // Streamed, the usage chunk says the same.
        const stream = await client.chat.completions.create({
          ...body,
          stream: true,
          stream_options: { include_usage: true },
        } as OpenAI.ChatCompletionCreateParamsStreaming);
        let usage;
        for await (const chunk of stream) usage ??= chunk.usage ?? undefined;
        assert.equal(usage?.prompt_tokens_details?.cached_tokens, promptTokens - 1);
      },
    );

    await t.step("auto: the planner picks the largest best-of-N within the budget", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 5,
        seed: 1,
        alignment: { criteria: { sentiment: 1 }, budget: { max_generated_tokens: 17 } },
      } as CompletionBody);
      const receipt = (completion as unknown as Aligned).alignment!;
      assert.equal(receipt.aligner, "best_of_n");
      assert.equal(receipt.chosen_by, "planner");
      assert.equal(receipt.parameters.n, 3);
      assert.match(String(receipt.parameters.planner), /largest best-of-N/);
      assert.equal(receipt.candidates_considered, 3);
    });

    await t.step("soft best-of-N and rejection sampling run with their parameters", async () => {
      const soft = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 6,
        seed: 2,
        alignment: { criteria: { length: 1 }, aligner: "soft_best_of_n", n: 3, temperature_tau: 0.5 },
      } as CompletionBody);
      const softReceipt = (soft as unknown as Aligned).alignment!;
      assert.deepEqual(softReceipt.parameters, { n: 3, temperature: 0.5 });
      const rejection = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 6,
        seed: 2,
        alignment: { criteria: { length: 1 }, aligner: "rejection", r_max: 0, n: 2, max_draws: 6 },
      } as CompletionBody);
      const receipt = (rejection as unknown as Aligned).alignment!;
      assert.equal(receipt.aligner, "rejection_sampling");
      assert.equal(receipt.parameters.max_draws, 6);
      assert.equal(typeof receipt.details?.accepted, "boolean");
    });

    await t.step("the x-alignment header works; the body wins over it", async () => {
      const header = JSON.stringify({ criteria: { length: 1 }, aligner: "best_of_n", n: 2 });
      const body = { model: "default", prompt: "Hello", max_tokens: 4, seed: 9 };
      const viaHeader = await postJson(gateway, "/v1/completions", body, { "x-alignment": header });
      assert.equal(viaHeader.status, 200);
      assert.equal((viaHeader.body as Aligned).alignment?.candidates_considered, 2);
      const both = await postJson(gateway, "/v1/completions", {
        ...body,
        alignment: { criteria: { sentiment: 1 }, aligner: "best_of_n", n: 3 },
      }, { "x-alignment": header });
      assert.equal(both.status, 200);
      assert.equal((both.body as Aligned).alignment?.candidates_considered, 3);
    });

    await t.step("streaming streams the chosen answer and ends with the receipt", async () => {
      const body = {
        model: "default",
        messages: [{ role: "user" as const, content: "Hello" }],
        max_tokens: 10,
        seed: 4,
        alignment: { criteria: { length: 1 }, aligner: "best_of_n", n: 3 },
      };
      const whole = await client.chat.completions.create(body as ChatBody);
      const stream = await client.chat.completions.create(
        {
          ...body,
          stream: true,
          stream_options: { include_usage: true },
        } as OpenAI.ChatCompletionCreateParamsStreaming,
      );
      let text = "";
      let receipt: AlignmentReceipt | undefined;
      let usage: Record<string, unknown> | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        receipt ??= (chunk as unknown as Aligned).alignment;
        if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>;
      }
      assert.equal(text, whole.choices[0].message.content);
      assert.equal(receipt?.chosen_index, (whole as unknown as Aligned).alignment?.chosen_index);
      assert.equal(usage?.completion_tokens, whole.usage?.completion_tokens);
      assert.ok(usage?.alignment_compute);
    });

    await t.step("errors: unknown criterion, negative weight, malformed header, budget", async () => {
      const reject = (alignment: unknown, check: (error: ApiError) => void) =>
        assert.rejects(
          client.completions.create(
            { model: "default", prompt: "Hi", max_tokens: 8, alignment } as CompletionBody,
          ),
          (error: ApiError) => {
            assert.equal(error.status, 400);
            check(error);
            return true;
          },
        );
      await reject({ criteria: { foo: 1 } }, (error) => {
        assert.equal(error.param, "alignment.criteria.foo");
        assert.equal(error.code, "unknown_criterion");
        assert.match(error.message, /valid: length, format, sentiment, civility/);
      });
      await reject({ criteria: { length: -1 } }, (error) => {
        assert.equal(error.param, "alignment.criteria.length");
      });
      await reject({ criteria: { length: 0 } }, (error) => assert.equal(error.param, "alignment.criteria"));
      await reject({ criteria: { length: 1 }, params: { length: { target: -3 } } }, (error) => {
        assert.equal(error.param, "alignment.params.length.target");
      });
      await reject({ criteria: { length: 1 }, budget: { max_generated_tokens: 7 } }, (error) => {
        assert.equal(error.param, "alignment.budget.max_generated_tokens");
        assert.match(error.message, /minimum/);
      });
      await reject(
        { criteria: { length: 1 }, aligner: "best_of_n", n: 4, budget: { max_candidates: 2 } },
        (e) => {
          assert.equal(e.param, "alignment.n");
        },
      );
      await reject({ criteria: { length: 1 }, aligner: "rejection" }, (e) => {
        assert.equal(e.param, "alignment.r_max");
      });
      const malformed = await postJson(gateway, "/v1/completions", { model: "default", prompt: "Hi" }, {
        "x-alignment": "{criteria: length}",
      });
      assert.equal(malformed.status, 400);
      assert.equal((malformed.body as { error: { param: string } }).error.param, "x-alignment");
      const badHeader = await postJson(gateway, "/v1/completions", { model: "default", prompt: "Hi" }, {
        "x-alignment": JSON.stringify({ criteria: { length: 1 }, aligner: "best" }),
      });
      assert.equal(badHeader.status, 400);
      assert.equal((badHeader.body as { error: { param: string } }).error.param, "x-alignment.aligner");
      const severalPrompts = await postJson(gateway, "/v1/completions", {
        model: "default",
        prompt: ["Hi", "Hello"],
        alignment: { criteria: { length: 1 } },
      });
      assert.equal(severalPrompts.status, 400);
      assert.equal((severalPrompts.body as { error: { param: string } }).error.param, "prompt");
    });

    await t.step("deadline_ms: the run stops at the deadline and the receipt says so", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 1500,
        temperature: 0,
        alignment: { criteria: { length: 1 }, aligner: "best_of_n", n: 2, budget: { deadline_ms: 30 } },
      } as CompletionBody);
      const receipt = (completion as unknown as Aligned).alignment!;
      assert.equal(receipt.deadline_exceeded, true);
      assert.ok(receipt.compute.generated_tokens < 2 * 1500);
    });

    await t.step("best_of on /v1/completions runs reward-based best-of-N", async () => {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 6,
        best_of: 3,
        seed: 8,
      });
      const receipt = (completion as unknown as Aligned).alignment!;
      assert.equal(completion.choices.length, 1);
      assert.equal(receipt.aligner, "best_of_n");
      assert.equal(receipt.candidates_considered, 3);
      assert.deepEqual(Object.keys(receipt.criteria), ["sentiment", "civility"]);
      assert.equal(receipt.chosen_index, argmaxIndex(Float64Array.from(receipt.aggregates, (a) => a ?? NaN)));
    });

    await t.step("a request without alignment is unchanged", async () => {
      const body = { model: "default", prompt: "Hello", max_tokens: 8, seed: 21 };
      const plain = await postJson(gateway, "/v1/completions", body);
      const response = plain.body as Aligned & { choices: { text: string }[] };
      assert.equal(plain.status, 200);
      assert.equal(response.alignment, undefined);
      assert.deepEqual(Object.keys(response.usage!), [
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
      ]); // no alignment_compute
      // Same text as the engine gives for that seed directly.
      const ids = await gateway.engine.tokenize("default", body.prompt);
      let text = "";
      for await (
        const event of gateway.engine.generate({
          model: "default",
          promptIds: ids,
          n: 1,
          sampling: completionSampling(body, ids.length, model.contextLength, {}),
        })
      ) if (event.type === "token" || event.type === "finished") text += event.textDelta;
      assert.equal(response.choices[0].text, text);
    });
  } finally {
    await gateway.close();
  }
  assert.deepEqual(gateway.logs, []);
});
