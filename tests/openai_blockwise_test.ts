/**
 * Blockwise decoding, n > 1 and logprobs on the aligned path, through the official openai client
 * against the real engine on a tiny model. References are computed directly: the aligner run on the
 * same engine with the documented generators (choice i: `new Rng(seed, i)`), and the engine asked
 * for log-probs with the documented candidate seed.
 */
import assert from "node:assert/strict";
import type OpenAI from "openai";
import {
  type AlignmentTask,
  argmaxIndex,
  createBestOfN,
  createBlockwise,
  generateCandidates,
  scoreTask,
} from "../aligners/mod.ts";
import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "../aligners/criteria/mod.ts";
import { Rng } from "../models/random.ts";
import type { AlignmentReceipt } from "../routes/alignment_schema.ts";
import { completionSampling } from "../routes/completions_schema.ts";
import { type Gateway, startGateway } from "./_gateway.ts";

type Aligned = { alignment?: AlignmentReceipt; usage?: Record<string, unknown> };
type ChoiceReceipt = { alignment?: AlignmentReceipt };
type CompletionBody = OpenAI.CompletionCreateParamsNonStreaming;
type ChatBody = OpenAI.ChatCompletionCreateParamsNonStreaming;
type ChatStreamBody = OpenAI.ChatCompletionCreateParamsStreaming;

const registry = new CriterionRegistry(createBuiltinCriteria());
const identity = new Calibrator(undefined, { missing: "identity" });

Deno.test("openai client: blockwise, n > 1 and logprobs with alignment", async (t) => {
  const gateway: Gateway = await startGateway();
  const client = gateway.client();
  const [model] = gateway.engine.models();
  /** The task the completions route builds for `body` and these criteria. */
  const completionTask = async (
    body: {
      model: string;
      prompt: string;
      max_tokens: number;
      seed: number;
      temperature?: number;
      logprobs?: number;
    },
    criteria: AlignmentTask["criteria"],
  ): Promise<AlignmentTask> => {
    const ids = await gateway.engine.tokenize("default", body.prompt);
    return {
      model: "default",
      promptIds: ids,
      prompt: body.prompt,
      sampling: completionSampling(body, ids.length, model.contextLength, {}),
      criteria,
      calibrator: identity,
    };
  };
  try {
    const blockwiseSpec = {
      criteria: { length: 1, sentiment: 1 },
      params: { length: { target: 6, scale: 4 } },
      aligner: "blockwise",
      k: 3,
      block_tokens: 4,
    };
    const blockwiseBody = {
      model: "default",
      prompt: "Once upon a time",
      max_tokens: 18,
      seed: 13,
      temperature: 1,
    };

    await t.step("blockwise: the answer and receipt of the aligner run directly", async () => {
      const completion = await client.completions.create(
        { ...blockwiseBody, alignment: blockwiseSpec } as CompletionBody,
      );
      const receipt = (completion as unknown as Aligned).alignment!;
      const task = await completionTask(blockwiseBody, {
        weights: blockwiseSpec.criteria,
        params: blockwiseSpec.params,
        aggregator: { type: "sum" },
      });
      const reference = await createBlockwise({ k: 3, blockTokens: 4 }).run(task, {
        engine: gateway.engine,
        criteria: registry,
        rng: new Rng(blockwiseBody.seed),
      });
      assert.equal(completion.choices[0].text, reference.choice.text);
      assert.equal(receipt.aligner, "blockwise");
      assert.deepEqual(receipt.parameters, { k: 3, block_tokens: 4 });
      const blocks = receipt.details!.blocks as number;
      assert.deepEqual(receipt.details!.chosen_per_block, reference.receipt.details!.chosenPerBlock);
      assert.equal(receipt.candidates_considered, 3 * blocks);
      assert.equal(receipt.aggregates.length, 3 * blocks);
      assert.equal(receipt.chosen_index, reference.choice.index);
      assert.equal(receipt.compute.generated_tokens, reference.receipt.compute.generatedTokens);
      assert.equal(completion.usage!.completion_tokens, reference.choice.completionTokens);
    });

    await t.step("blockwise streams its blocks as they are chosen, then the receipt", async () => {
      const body = {
        model: "default",
        messages: [{ role: "user" as const, content: "Tell me about the sea" }],
        max_tokens: 20,
        seed: 6,
        temperature: 1,
        alignment: blockwiseSpec,
      };
      const whole = await client.chat.completions.create(body as ChatBody);
      const stream = await client.chat.completions.create(
        { ...body, stream: true, stream_options: { include_usage: true } } as ChatStreamBody,
      );
      const contentChunks: string[] = [];
      let finishReason: string | null = null;
      let receipt: AlignmentReceipt | undefined;
      let usage: Record<string, unknown> | undefined;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta.content && choice.finish_reason === null) contentChunks.push(choice.delta.content);
        if (choice?.finish_reason) {
          [finishReason, receipt] = [choice.finish_reason, (chunk as Aligned).alignment];
        }
        if (chunk.usage) usage = chunk.usage as unknown as Record<string, unknown>;
      }
      const wholeReceipt = (whole as unknown as Aligned).alignment!;
      assert.equal(contentChunks.join(""), whole.choices[0].message.content);
      assert.equal(finishReason, whole.choices[0].finish_reason);
      // One content chunk per chosen block (before the finishing chunk), not one at the end.
      const blocks = wholeReceipt.details!.blocks as number;
      assert.ok(blocks >= 2, `${blocks} blocks`);
      assert.ok(contentChunks.length >= blocks - 1, `${contentChunks.length} chunks for ${blocks} blocks`);
      assert.deepEqual(receipt?.details, wholeReceipt.details);
      assert.equal(usage?.completion_tokens, whole.usage?.completion_tokens);
      assert.deepEqual(usage?.alignment_compute, (whole as unknown as Aligned).usage!.alignment_compute);
    });

    await t.step("n = 2: two runs with generators (seed, 0) and (seed, 1), a receipt each", async () => {
      const spec = {
        criteria: { length: 1 },
        params: { length: { target: 4, scale: 3 } },
        aligner: "best_of_n",
        n: 3,
      };
      const body = {
        model: "default",
        prompt: "The weather today",
        max_tokens: 10,
        seed: 17,
        temperature: 1,
      };
      const completion = await client.completions.create(
        { ...body, n: 2, alignment: spec } as CompletionBody,
      );
      assert.equal(completion.choices.length, 2);
      const task = await completionTask(body, {
        weights: spec.criteria,
        params: spec.params,
        aggregator: { type: "sum" },
      });
      const runs = await Promise.all([0, 1].map((stream) =>
        createBestOfN({ n: 3 }).run(task, {
          engine: gateway.engine,
          criteria: registry,
          rng: new Rng(body.seed, stream),
        })
      ));
      // Independent reference for choice 1: its candidates drawn directly, the argmax recomputed.
      const batch = await generateCandidates(gateway.engine, task, 3, new Rng(body.seed, 1), 0);
      const texts = batch.candidates.map((c) => c.text);
      const best = argmaxIndex((await scoreTask(task, registry, texts)).weighted.scores);
      assert.equal(completion.choices[1].text, texts[best]);
      const receipts = completion.choices.map((choice) => (choice as unknown as ChoiceReceipt).alignment!);
      completion.choices.forEach((choice, i) => {
        assert.equal(choice.index, i);
        assert.equal(choice.text, runs[i].choice.text);
        assert.equal(receipts[i].seed_stream, i);
        assert.equal(receipts[i].chosen_index, runs[i].choice.index);
        assert.deepEqual(receipts[i].candidate_seeds, runs[i].receipt.seeds);
      });
      assert.notDeepEqual(receipts[0].candidate_seeds, receipts[1].candidate_seeds);
      assert.deepEqual((completion as unknown as Aligned).alignment, receipts[0]);
      const single = await client.completions.create({ ...body, alignment: spec } as CompletionBody);
      assert.equal(single.choices[0].text, completion.choices[0].text, "choice 0 is the n = 1 answer");
      const usage = (completion as unknown as Aligned).usage!;
      assert.deepEqual(usage.alignment_compute, {
        candidates: 6,
        generated_tokens: runs[0].receipt.compute.generatedTokens + runs[1].receipt.compute.generatedTokens,
        forward_passes: runs[0].receipt.compute.forwardPasses + runs[1].receipt.compute.forwardPasses,
        reward_evaluations: 6,
      });
      assert.equal(
        completion.usage!.completion_tokens,
        runs[0].choice.completionTokens + runs[1].choice.completionTokens,
      );
    });

    await t.step("n = 2 streamed with blockwise: each choice's chunks make its answer", async () => {
      const body = {
        model: "default",
        messages: [{ role: "user" as const, content: "Hello" }],
        max_tokens: 12,
        seed: 2,
        n: 2,
        alignment: blockwiseSpec,
      };
      const whole = await client.chat.completions.create(body as ChatBody);
      const stream = await client.chat.completions.create({ ...body, stream: true } as ChatStreamBody);
      const texts = ["", ""];
      const receipts: (AlignmentReceipt | undefined)[] = [];
      for await (const chunk of stream) {
        for (const choice of chunk.choices) {
          texts[choice.index] += choice.delta.content ?? "";
          if (choice.finish_reason) receipts[choice.index] = (chunk as Aligned).alignment;
        }
      }
      assert.deepEqual(texts, whole.choices.map((choice) => choice.message.content));
      assert.deepEqual(receipts.map((r) => r?.seed_stream), [0, 1]);
    });

    await t.step(
      "logprobs: the chosen candidate's token log-probs, as the engine computes them",
      async () => {
        const spec = {
          criteria: { length: 1 },
          params: { length: { target: 3, scale: 3 } },
          aligner: "best_of_n",
          n: 4,
        };
        const body = {
          model: "default",
          prompt: "A story",
          max_tokens: 9,
          seed: 23,
          temperature: 1,
          logprobs: 2,
        };
        const completion = await client.completions.create({ ...body, alignment: spec } as CompletionBody);
        const receipt = (completion as unknown as Aligned).alignment!;
        const task = await completionTask(body, {
          weights: spec.criteria,
          params: spec.params,
          aggregator: { type: "sum" },
        });
        assert.equal(task.sampling.logprobs, 2);
        // Reference: the candidates drawn directly with log-probs; the chosen one's tokens.
        const batch = await generateCandidates(gateway.engine, task, 4, new Rng(body.seed), 0);
        const chosen = batch.candidates[receipt.chosen_index];
        const logprobs = completion.choices[0].logprobs!;
        assert.deepEqual(logprobs.token_logprobs, chosen.tokens.map((token) => token.logprob));
        assert.deepEqual(logprobs.tokens, chosen.tokens.map((token) => token.text));
        assert.ok(logprobs.top_logprobs!.every((top) => Object.keys(top).length >= 2));
        assert.ok(chosen.tokens.every((token) => token.logprob <= 0 && Number.isFinite(token.logprob)));
        assert.equal(completion.choices[0].text, chosen.text);

        const chat = await client.chat.completions.create({
          model: "default",
          messages: [{ role: "user", content: "Hi" }],
          max_tokens: 8,
          seed: 4,
          logprobs: true,
          top_logprobs: 1,
          alignment: blockwiseSpec,
        } as ChatBody);
        const content = chat.choices[0].logprobs!.content!;
        const eos = new Set(model.eosTokenIds);
        const chatReceipt = (chat as unknown as Aligned).alignment!;
        assert.equal(chatReceipt.aligner, "blockwise");
        assert.ok(content.length >= chat.usage!.completion_tokens - (eos.size > 0 ? 1 : 0));
        assert.ok(content.length <= chat.usage!.completion_tokens);
        assert.ok(content.every((entry) => entry.logprob <= 0 && entry.top_logprobs.length === 1));
      },
    );

    await t.step("blockwise options are validated", async () => {
      await assert.rejects(
        client.completions.create({
          model: "default",
          prompt: "Hi",
          max_tokens: 8,
          alignment: { criteria: { length: 1 }, aligner: "blockwise", k: 0 },
        } as CompletionBody),
        (error: Error & { status?: number; param?: string }) => {
          assert.equal(error.status, 400);
          assert.equal(error.param, "alignment.k");
          return true;
        },
      );
    });
  } finally {
    await gateway.close();
  }
  assert.deepEqual(gateway.logs, []);
});
