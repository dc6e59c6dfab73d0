import assert from "node:assert/strict";
import type { GenerationEngine, GenerationEvent, GenerationRequest } from "../models/engine/types.ts";
import { collectGeneration, mergeGenerations, startGenerations } from "./generation.ts";

const started: GenerationEvent = { type: "started", modelVersion: "v", promptTokens: 3, seed: 1 };

/** An engine whose requests fail when the prompt's first id is 0, else yield two tokens per candidate. */
function scriptedEngine(signals: AbortSignal[]): GenerationEngine {
  return {
    async *generate(request: GenerationRequest, signal?: AbortSignal) {
      signals.push(signal!);
      await Promise.resolve();
      if (request.promptIds[0] === 0) throw new Error("refused");
      yield started;
      for (let candidate = 0; candidate < request.n; candidate++) {
        for (const text of ["a", "b"]) {
          yield { type: "token", candidate, token: { tokenId: 1, text, logprob: -1 }, textDelta: text };
        }
        yield { type: "finished", candidate, reason: "length", textDelta: "!", completionTokens: 2 };
      }
      yield {
        type: "done",
        compute: { prefillTokens: 3, generatedTokens: 2 * request.n, forwardPasses: 2, milliseconds: 1 },
      };
    },
  } as unknown as GenerationEngine;
}

const request = (first: number, n = 1): GenerationRequest => ({
  model: "m",
  promptIds: [first],
  n,
  sampling: {
    temperature: 1,
    topP: 1,
    topK: 0,
    presencePenalty: 0,
    frequencyPenalty: 0,
    maxTokens: 2,
    stop: [],
    ignoreEos: false,
  },
});

Deno.test("generation: collects each candidate's tokens, text and finish", async () => {
  const signals: AbortSignal[] = [];
  const controller = new AbortController();
  const abort = { signal: controller.signal, abort: () => controller.abort() };
  const [generation] = await startGenerations(scriptedEngine(signals), [request(5, 2)], abort);
  let tokens = 0;
  const collected = await collectGeneration(generation, 2, () => tokens++);
  assert.equal(tokens, 4);
  assert.deepEqual(
    collected.candidates.map((c) => [c.text, c.finishReason, c.completionTokens, c.tokens.length]),
    [
      ["ab!", "length", 2, 2],
      ["ab!", "length", 2, 2],
    ],
  );
  assert.equal(collected.compute?.generatedTokens, 4);
});

Deno.test("generation: one failing start aborts the others and throws", async () => {
  const signals: AbortSignal[] = [];
  const controller = new AbortController();
  const abort = { signal: controller.signal, abort: () => controller.abort() };
  await assert.rejects(startGenerations(scriptedEngine(signals), [request(5), request(0)], abort), /refused/);
  assert.ok(signals.every((s) => s.aborted));
});

Deno.test("generation: merging interleaves several generations and tags their source", async () => {
  const controller = new AbortController();
  const abort = { signal: controller.signal, abort: () => controller.abort() };
  const generations = await startGenerations(scriptedEngine([]), [request(5), request(6, 2)], abort);
  const seen = new Map<number, string[]>();
  for await (const { source, event } of mergeGenerations(generations)) {
    seen.set(source, [...seen.get(source) ?? [], event.type]);
  }
  assert.deepEqual(seen.get(0), ["token", "token", "finished", "done"]);
  assert.deepEqual(seen.get(1), ["token", "token", "finished", "token", "token", "finished", "done"]);
});
