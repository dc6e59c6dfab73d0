/**
 * `auto` choosing blockwise decoding, through the official openai client against the real engine on a
 * tiny model: with quality curves where blockwise's tabulated reward is the highest within the budget,
 * the answer is the blockwise aligner's run directly (the documented generator `new Rng(seed)`), the
 * receipt says the planner chose it, and streaming sends its blocks as they are chosen.
 */
import assert from "node:assert/strict";
import type OpenAI from "openai";
import { createBlockwise, type QualityCurves } from "../aligners/mod.ts";
import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "../aligners/criteria/mod.ts";
import { Rng } from "../models/random.ts";
import type { AlignmentReceipt } from "../routes/alignment_schema.ts";
import { completionSampling } from "../routes/completions_schema.ts";
import { startGateway } from "./_gateway.ts";

type Aligned = { alignment?: AlignmentReceipt };
type CompletionBody = OpenAI.CompletionCreateParamsNonStreaming;
type ChatBody = OpenAI.ChatCompletionCreateParamsNonStreaming;
type ChatStreamBody = OpenAI.ChatCompletionCreateParamsStreaming;

const registry = new CriterionRegistry(createBuiltinCriteria());
const identity = new Calibrator(undefined, { missing: "identity" });
const weights = { length: 1, sentiment: 1 };

// One prompt whose responses run 18 tokens; blockwise (k = 3, 4-token blocks) measured once: four full
// blocks and a last one of 2 tokens. Best-of-N's reward grows with N, blockwise's is above all of them.
const curves: QualityCurves = {
  modelVersion: "served",
  calibrationMethod: "z_score",
  sampling: { temperature: 1, topP: 1, maxTokens: 160 },
  samplesPerPrompt: 2,
  seed: 1,
  completionTokens: [[18, 18]],
  meanCompletionTokens: 18,
  timing: { millisecondsPerPass: 1, millisecondsPerGeneratedToken: 0.1, millisecondsPerPrefillToken: 0 },
  weightings: [{
    weights,
    aggregator: "sum",
    rMax: 1,
    blockwise: [{
      k: 3,
      blockTokens: 4,
      committedTokens: [[18]],
      candidateTokens: [[[[4, 4, 4], [4, 4, 4], [4, 4, 4], [4, 4, 4], [2, 2, 2]]]],
      rewards: [[5]],
    }],
    points: [
      ...[1, 2, 3, 4].map((n) => ({
        aligner: "best_of_n" as const,
        params: { n },
        expectedReward: Math.log(n),
        batches: [{ size: n, probability: 1 }],
      })),
      { aligner: "blockwise", params: { k: 3, blockTokens: 4 }, expectedReward: 5 },
    ],
  }],
};

Deno.test("openai client: auto runs blockwise decoding when the curves rank it first", async (t) => {
  const gateway = await startGateway({
    app: {
      planning: (modelVersion) => ({
        calibrator: identity,
        curves: { ...curves, modelVersion: modelVersion! },
      }),
    },
  });
  const client = gateway.client();
  const [model] = gateway.engine.models();
  const alignment = {
    criteria: weights,
    params: { length: { target: 6, scale: 4 } },
    budget: { max_candidates: 3 },
  };
  try {
    await t.step("the answer is blockwise decoding's, the receipt names the plan", async () => {
      const body = { model: "default", prompt: "Once upon a time", max_tokens: 18, seed: 13, temperature: 1 };
      const completion = await client.completions.create({ ...body, alignment } as CompletionBody);
      const receipt = (completion as unknown as Aligned).alignment!;
      const ids = await gateway.engine.tokenize("default", body.prompt);
      const reference = await createBlockwise({ k: 3, blockTokens: 4 }).run({
        model: "default",
        promptIds: ids,
        prompt: body.prompt,
        sampling: completionSampling(body, ids.length, model.contextLength, {}),
        criteria: { weights, params: alignment.params, aggregator: { type: "sum" } },
        calibrator: identity,
      }, { engine: gateway.engine, criteria: registry, rng: new Rng(body.seed) });
      assert.equal(completion.choices[0].text, reference.choice.text);
      assert.equal(receipt.aligner, "blockwise");
      assert.equal(receipt.requested_aligner, "auto");
      assert.equal(receipt.chosen_by, "planner");
      assert.equal(receipt.parameters.k, 3);
      assert.equal(receipt.parameters.block_tokens, 4);
      assert.equal(receipt.plan?.expected_aggregate, 5);
      // Replayed blocks for max_tokens 18: passes 4 · 4 + 2, tokens 4 · 12 + 6.
      assert.equal(receipt.plan?.predicted_compute.forward_passes, 18);
      assert.equal(receipt.plan?.predicted_compute.generated_tokens, 54);
      assert.deepEqual(receipt.details!.chosen_per_block, reference.receipt.details!.chosenPerBlock);
      assert.equal(receipt.compute.generated_tokens, reference.receipt.compute.generatedTokens);
      assert.equal(completion.usage!.completion_tokens, reference.choice.completionTokens);
    });

    await t.step("streamed: its blocks as they are chosen, the same answer and receipt", async () => {
      const body = {
        model: "default",
        messages: [{ role: "user" as const, content: "Tell me about the sea" }],
        max_tokens: 18,
        seed: 6,
        temperature: 1,
        alignment,
      };
      const whole = await client.chat.completions.create(body as ChatBody);
      const stream = await client.chat.completions.create({ ...body, stream: true } as ChatStreamBody);
      const contentChunks: string[] = [];
      let receipt: AlignmentReceipt | undefined;
      for await (const chunk of stream) {
        const choice = chunk.choices[0];
        if (choice?.delta.content && choice.finish_reason === null) contentChunks.push(choice.delta.content);
        if (choice?.finish_reason) receipt = (chunk as Aligned).alignment;
      }
      const wholeReceipt = (whole as unknown as Aligned).alignment!;
      assert.equal(wholeReceipt.aligner, "blockwise");
      assert.equal(contentChunks.join(""), whole.choices[0].message.content);
      const blocks = wholeReceipt.details!.blocks as number;
      assert.ok(blocks >= 2, `${blocks} blocks`);
      assert.ok(contentChunks.length >= blocks - 1, `${contentChunks.length} chunks for ${blocks} blocks`);
      assert.equal(receipt?.chosen_by, "planner");
      assert.deepEqual(receipt?.details, wholeReceipt.details);
      assert.deepEqual(receipt?.plan, wholeReceipt.plan);
    });
  } finally {
    await gateway.close();
  }
});
