/**
 * `deno task bench:prefix`: what the engine's prefix cache (models/engine/prefix_cache.ts) saves, side by
 * side in one run on the default model: two engines, one with the cache and one without
 * (PREFIX_CACHE_MB = 0), take turns on the same requests with the same seeds, three rounds.
 *
 * - Blockwise decoding (k = 4, 16-token blocks, max_tokens 128, helpfulness): each block's prompt is the
 *   previous block's plus the committed tokens, so with the cache it prefills only those.
 * - Requests sharing a long system prompt (about 120 tokens) with a short user turn, n = 1, max_tokens 1:
 *   the time to the first token, which is the prefill (a repeated system prompt is what chat clients send).
 * - A chat's second turn: the first turn's question and sampled answer (up to 64 tokens), then the next
 *   question, rendered with the model's chat template as the gateway renders it; n = 1, max_tokens 1, the
 *   second turn's time to first token. With the cache, the first turn's prompt and answer are reused as
 *   far as the template re-renders the answer with the tokens that were generated.
 *
 * Prints, per scenario, prompt tokens (of the one-pass requests) and prompt tokens prefilled, engine ms and wall ms per request with and without the
 * cache, and their ratios (medians over the rounds of the per-round means). Each round asks questions of
 * its own, so that only what the scenario shares (the blocks' prefixes, the system prompt) can be reused.
 * Greedy first tokens of the system-prompt requests are checked equal between the engines before
 * anything is timed.
 *
 *     deno task bench:prefix [--prompts 24] [--threads 2]     (prompts per round)
 */
import assert from "node:assert/strict";
import { parseArgs } from "node:util";
import { createBlockwise } from "../aligners/blockwise.ts";
import { collect } from "../models/engine/_test_model.ts";
import { createEngine, policySampling } from "../models/engine/mod.ts";
import type { GenerationEngine, SamplingParams } from "../models/engine/types.ts";
import { Rng } from "../models/random.ts";
import { renderChatPrompt } from "../routes/chat_template.ts";
import { benchPrompts } from "../trainer/calibration/prompts.ts";
import { renderPrompt } from "../trainer/default_model/chat_format.ts";
import { DEFAULT_MODEL_PATH, modelCriteria } from "./_model_criteria.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: { prompts: { type: "string", default: "24" }, threads: { type: "string", default: "2" } },
});
const ROUNDS = 3;
const SYSTEM = "You are a careful assistant for a small team. Answer in plain words, keep answers short, " +
  "say when you are not sure, never invent facts, and prefer concrete steps over general advice. " +
  "When a question is about cooking, gardening, travel or money, give one practical tip first, then the " +
  "reason for it. Be kind, be brief, and do not repeat the question back to the user.";

const start = (prefixCacheMegabytes: number) =>
  createEngine({
    models: [{ name: "m", path: DEFAULT_MODEL_PATH }],
    threads: Number(args.threads),
    prefixCacheMegabytes,
  });
const engines = { off: await start(0), on: await start(128) };
const version = engines.on.models()[0].version;
const { registry, calibrator, release } = await modelCriteria(DEFAULT_MODEL_PATH, version);
const perRound = Number(args.prompts);
const allQuestions = benchPrompts(perRound * (ROUNDS + 1)).map(({ prompt }) => prompt);
/** Set 0 for the check, set r + 1 for round r. */
const questionSet = (set: number) => allQuestions.slice(set * perRound, (set + 1) * perRound);

/** The policy's own sampling (temperature 1, no truncation) at `temperature`. */
const sampling = (maxTokens: number, temperature: number): SamplingParams => ({
  ...policySampling(maxTokens),
  temperature,
});

interface Spent {
  /** The requests' prompt length (the one-pass requests only). */
  promptTokens?: number;
  prefill: number;
  engineMs: number;
  wallMs: number;
}

/** Blockwise on every question; means per request. */
async function blockwiseRound(engine: GenerationEngine, questions: string[]): Promise<Spent> {
  const aligner = createBlockwise({ k: 4, blockTokens: 16 });
  const total = { prefill: 0, engineMs: 0, wallMs: 0 };
  for (const [p, question] of questions.entries()) {
    const { receipt } = await aligner.run({
      model: "m",
      promptIds: await engine.tokenize("m", renderPrompt(question)),
      prompt: question,
      sampling: sampling(128, 1),
      criteria: { weights: { helpfulness: 1 } },
      calibrator,
    }, { engine, criteria: registry, rng: new Rng(p) });
    total.prefill += receipt.compute.prefillTokens;
    total.engineMs += receipt.compute.milliseconds;
    total.wallMs += receipt.compute.wallMilliseconds;
  }
  return perRequest(total, questions.length);
}

type Totals = { prefill: number; engineMs: number; wallMs: number; promptTokens: number };

/** One greedy one-token request (its time is the prefill's), added to `total`; returns the token. */
async function firstToken(engine: GenerationEngine, promptIds: number[], total: Totals): Promise<number> {
  const started = performance.now();
  const run = await collect(engine.generate({ model: "m", promptIds, n: 1, sampling: sampling(1, 0) }));
  total.wallMs += performance.now() - started;
  total.prefill += run.done!.compute.prefillTokens;
  total.engineMs += run.done!.compute.milliseconds;
  total.promptTokens += promptIds.length;
  return run.candidates[0].ids[0];
}

/** One-token requests behind the shared system prompt; means per request. */
async function systemPromptRound(
  engine: GenerationEngine,
  questions: string[],
): Promise<Spent & { firstTokens: number[] }> {
  const total: Totals = { prefill: 0, engineMs: 0, wallMs: 0, promptTokens: 0 };
  const firstTokens: number[] = [];
  for (const question of questions) {
    firstTokens.push(
      await firstToken(engine, await engine.tokenize("m", renderPrompt(question, SYSTEM)), total),
    );
  }
  return {
    ...perRequest(total, questions.length),
    promptTokens: total.promptTokens / questions.length,
    firstTokens,
  };
}

/** Each question's first turn (untimed), then its second turn's first token; means per second turn. */
async function chatRound(
  engine: GenerationEngine,
  questions: string[],
): Promise<Spent> {
  const info = engine.models()[0];
  const total: Totals = { prefill: 0, engineMs: 0, wallMs: 0, promptTokens: 0 };
  for (const [i, question] of questions.entries()) {
    const first = [{ role: "user" as const, content: question }];
    const answer = await collect(engine.generate({
      model: "m",
      promptIds: await engine.tokenize("m", renderChatPrompt(info, first)),
      n: 1,
      sampling: { ...sampling(64, 1), seed: i },
    }));
    const next = questions[(i + 1) % questions.length];
    const promptIds = await engine.tokenize(
      "m",
      renderChatPrompt(info, [...first, { role: "assistant", content: answer.candidates[0].text }, {
        role: "user",
        content: next,
      }]),
    );
    await firstToken(engine, promptIds, total);
  }
  return { ...perRequest(total, questions.length), promptTokens: total.promptTokens / questions.length };
}

const perRequest = (total: Spent, count: number): Spent => ({
  prefill: total.prefill / count,
  engineMs: total.engineMs / count,
  wallMs: total.wallMs / count,
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  // Check: the cache changes what is prefilled, not what comes out.
  const [plain, cached] = [
    await systemPromptRound(engines.off, questionSet(0)),
    await systemPromptRound(engines.on, questionSet(0)),
  ];
  assert.deepEqual(cached.firstTokens, plain.firstTokens, "greedy first tokens differ with the cache");
  assert.ok(cached.prefill < plain.prefill, "the system prompt was not reused");

  const scenarios = {
    blockwise: blockwiseRound,
    "system prompt, first token": systemPromptRound,
    "chat, second turn's first token": chatRound,
  };
  console.log(
    `default model ${version}, ${perRound} prompts per round, ${ROUNDS} rounds, ${args.threads} threads\n`,
  );
  console.log(
    "| scenario | cache | prompt tokens | prompt tokens prefilled | engine ms | wall ms | engine ms ratio (on / off) | wall ms ratio |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|---:|");
  for (const [name, round] of Object.entries(scenarios)) {
    const rounds: Record<"off" | "on", Spent[]> = { off: [], on: [] };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which engine goes first, so that neither always runs on a warmer machine.
      for (const key of r % 2 === 0 ? ["off", "on"] as const : ["on", "off"] as const) {
        rounds[key].push(await round(engines[key], questionSet(r + 1)));
      }
    }
    const summary = (key: "off" | "on") => ({
      promptTokens: rounds[key][0].promptTokens === undefined
        ? undefined
        : median(rounds[key].map((s) => s.promptTokens!)),
      prefill: median(rounds[key].map((s) => s.prefill)),
      engineMs: median(rounds[key].map((s) => s.engineMs)),
      wallMs: median(rounds[key].map((s) => s.wallMs)),
    });
    const [off, on] = [summary("off"), summary("on")];
    for (const [key, s] of [["off", off], ["on", on]] as const) {
      console.log(
        `| ${name} | ${key} | ${s.promptTokens?.toFixed(1) ?? "–"} | ${s.prefill.toFixed(1)} | ${
          s.engineMs.toFixed(1)
        } | ${s.wallMs.toFixed(1)} | ${key === "on" ? `×${(on.engineMs / off.engineMs).toFixed(2)}` : ""} | ${
          key === "on" ? `×${(on.wallMs / off.wallMs).toFixed(2)}` : ""
        } |`,
      );
    }
  }
} finally {
  await release();
  await engines.off.close();
  await engines.on.close();
}
