/**
 * The engine end to end, one request's features: log-probs against log_softmax of the session's
 * raw logits, penalties against a plain decode loop with OpenAI's formula, stop strings, EOS and
 * max_tokens endings.
 */
import assert from "node:assert/strict";
import type { DecoderSession } from "../decoder_session.ts";
import {
  collect,
  loadSession,
  samplingParams,
  type TestModel,
  withTestEngine,
  writeTestModel,
} from "./_test_model.ts";
import type { GenerationEngine } from "./types.ts";

const model = await writeTestModel({ seed: 7 });
const promptIds = model.tokenizer.encode("A small model writes short answers");

const withEngine = (run: (engine: GenerationEngine) => Promise<void>, folder: TestModel = model) =>
  withTestEngine(folder, run);

/** Raw logits [T, V] of the whole sequence in one forward pass (no cache, no batching). */
async function fullLogits(session: DecoderSession, ids: number[]): Promise<Float32Array> {
  const { logits } = await session.forward({
    batchSize: 1,
    seqLength: ids.length,
    inputIds: BigInt64Array.from(ids, BigInt),
    attentionMask: new BigInt64Array(ids.length).fill(1n),
    positionIds: BigInt64Array.from(ids, (_, i) => BigInt(i)),
  });
  return logits;
}

/** Reference log_softmax of one row, in float64, by the textbook formula. */
function logSoftmax(row: ArrayLike<number>): number[] {
  const values = Array.from(row);
  const max = Math.max(...values);
  const logTotal = Math.log(values.reduce((sum, v) => sum + Math.exp(v - max), 0)) + max;
  return values.map((v) => v - logTotal);
}

function sortedAlternatives(logprobs: number[], k: number): number[] {
  return logprobs.map((_, id) => id).sort((a, b) => logprobs[b] - logprobs[a]).slice(0, k);
}

Deno.test("log-probs are log_softmax of the raw logits at the chosen tokens, with sorted alternatives", async () => {
  const maxTokens = 8;
  let run!: Awaited<ReturnType<typeof collect>>;
  await withEngine(async (engine) => {
    run = await collect(engine.generate({
      model: "m",
      promptIds,
      n: 1,
      promptLogprobs: 2,
      // A hot temperature and penalties change the choice, never the reported log-probs.
      sampling: samplingParams({
        temperature: 1.5,
        frequencyPenalty: 1,
        seed: 3,
        maxTokens,
        logprobs: 4,
        ignoreEos: true,
      }),
    }));
  });
  const session = await loadSession(model);
  const generated = run.candidates[0].ids;
  const V = session.layout.vocabSize;
  const logits = await fullLogits(session, [...promptIds, ...generated]);
  await session.release();
  const tokenEvents = run.candidates[0].events.filter((e) => e.type === "token");
  tokenEvents.forEach((event, i) => {
    const expected = logSoftmax(logits.subarray((promptIds.length - 1 + i) * V, (promptIds.length + i) * V));
    const token = event.token;
    assert.ok(Math.abs(token.logprob - expected[token.tokenId]) < 1e-4, `token ${i}`);
    assert.equal(token.text, model.tokenizer.decode([token.tokenId]));
    const top = token.topLogprobs!;
    assert.deepEqual(top.map((t) => t.tokenId), sortedAlternatives(expected, 4));
    for (const alternative of top) {
      assert.ok(Math.abs(alternative.logprob - expected[alternative.tokenId]) < 1e-4);
    }
    for (let j = 1; j < top.length; j++) assert.ok(top[j - 1].logprob >= top[j].logprob);
  });
  const prompt = run.started!.promptLogprobs!;
  assert.equal(prompt.length, promptIds.length);
  assert.deepEqual(prompt[0], {
    tokenId: promptIds[0],
    text: model.tokenizer.decode([promptIds[0]]),
    logprob: null,
  });
  for (let i = 1; i < promptIds.length; i++) {
    const expected = logSoftmax(logits.subarray((i - 1) * V, i * V));
    const entry = prompt[i];
    assert.equal(entry.tokenId, promptIds[i]);
    assert.ok(Math.abs(entry.logprob! - expected[promptIds[i]]) < 1e-4, `prompt token ${i}`);
    assert.deepEqual(
      "topLogprobs" in entry && entry.topLogprobs!.map((t) => t.tokenId),
      sortedAlternatives(expected, 2),
    );
  }
});

/**
 * Greedy decoding by full forward passes, no cache: each step's raw logits row, adjusted by `adjust`
 * (given the counts of the tokens chosen so far), then its argmax. Returns the tokens and each chosen
 * token's log-prob under the raw row.
 */
async function referenceGreedy(
  maxTokens: number,
  adjust: (logit: number, id: number, counts: ReadonlyMap<number, number>) => number,
): Promise<{ ids: number[]; rawLogprobs: number[] }> {
  const session = await loadSession(model);
  const V = session.layout.vocabSize;
  const ids: number[] = [];
  const rawLogprobs: number[] = [];
  const counts = new Map<number, number>();
  for (let step = 0; step < maxTokens; step++) {
    const all = [...promptIds, ...ids];
    const row = Array.from((await fullLogits(session, all)).subarray((all.length - 1) * V));
    const adjusted = row.map((l, j) => adjust(l, j, counts));
    const next = adjusted.indexOf(Math.max(...adjusted));
    const top = Math.max(...row);
    rawLogprobs.push(row[next] - top - Math.log(row.reduce((sum, l) => sum + Math.exp(l - top), 0)));
    ids.push(next);
    counts.set(next, (counts.get(next) ?? 0) + 1);
  }
  await session.release();
  return { ids, rawLogprobs };
}

Deno.test("presence and frequency penalties follow OpenAI's formula (reference decode loop)", async () => {
  const maxTokens = 30;
  const presence = 0.6;
  const frequency = 0.9;
  const reference = (await referenceGreedy(maxTokens, (l, j, counts) => {
    const c = counts.get(j) ?? 0;
    return l - c * frequency - (c > 0 ? 1 : 0) * presence;
  })).ids;
  await withEngine(async (engine) => {
    const sampling = samplingParams({
      presencePenalty: presence,
      frequencyPenalty: frequency,
      maxTokens,
      ignoreEos: true,
    });
    const run = await collect(engine.generate({ model: "m", promptIds, n: 2, sampling }));
    assert.deepEqual(run.candidates[0].ids, reference);
    assert.deepEqual(run.candidates[1].ids, reference);
    const plain = await collect(
      engine.generate({
        model: "m",
        promptIds,
        n: 1,
        sampling: { ...sampling, presencePenalty: 0, frequencyPenalty: 0 },
      }),
    );
    assert.notDeepEqual(plain.candidates[0].ids, reference, "the penalties changed the output");
  });
});

Deno.test("logit_bias is added to the raw logits (reference decode loop); log-probs stay the model's", async () => {
  const maxTokens = 20;
  await withEngine(async (engine) => {
    const sampling = samplingParams({ maxTokens, ignoreEos: true, logprobs: 0 });
    const plain = await collect(engine.generate({ model: "m", promptIds, n: 1, sampling }));
    // Ban the two tokens greedy decoding picks most, and lift a token it never picks.
    const byCount = [...new Set(plain.candidates[0].ids)].sort((a, b) =>
      plain.candidates[0].ids.filter((id) => id === b).length -
      plain.candidates[0].ids.filter((id) => id === a).length
    );
    const lifted = [...Array(model.tokenizer.vocabSize).keys()].find((id) =>
      !byCount.includes(id) && id > 3
    )!;
    const logitBias = [[byCount[0], -100], [byCount[1], -100], [lifted, 2.5]] as const;
    const bias = new Map<number, number>(logitBias);
    const reference = await referenceGreedy(maxTokens, (l, j) => l + (bias.get(j) ?? 0));
    const run = await collect(
      engine.generate({ model: "m", promptIds, n: 1, sampling: { ...sampling, logitBias } }),
    );
    assert.deepEqual(run.candidates[0].ids, reference.ids);
    assert.ok(!run.candidates[0].ids.includes(byCount[0]) && !run.candidates[0].ids.includes(byCount[1]));
    run.candidates[0].logprobs.forEach((logprob, t) => {
      assert.ok(
        Math.abs(logprob - reference.rawLogprobs[t]) < 1e-4,
        `token ${t}: ${logprob} vs ${reference.rawLogprobs[t]}`,
      );
    });
    // +100 forces a token at every step, sampled or greedy; an id beyond the vocabulary is refused.
    const forced = await collect(engine.generate({
      model: "m",
      promptIds,
      n: 2,
      sampling: samplingParams({ temperature: 1, maxTokens: 5, ignoreEos: true, logitBias: [[lifted, 100]] }),
    }));
    assert.deepEqual(forced.candidates.map((c) => c.ids), [Array(5).fill(lifted), Array(5).fill(lifted)]);
    await assert.rejects(
      () =>
        collect(
          engine.generate({
            model: "m",
            promptIds,
            n: 1,
            sampling: samplingParams({ logitBias: [[1e6, 1]] }),
          }),
        ),
      (error: Error & { param?: string }) => error.param === "sampling.logitBias",
    );
  });
});

Deno.test("stop strings end the text before them; max_tokens ends with length; EOS ends with stop", async () => {
  await withEngine(async (engine) => {
    const sampling = samplingParams({ maxTokens: 40, ignoreEos: true });
    const free = await collect(engine.generate({ model: "m", promptIds, n: 1, sampling }));
    const full = free.candidates[0];
    assert.equal(full.reason, "length");
    assert.equal(free.done!.compute.generatedTokens, 40);
    assert.equal(full.text, model.tokenizer.decode(full.ids, { skipSpecialTokens: true }));
    // A stop string spanning two tokens' text (so its first part must be held back).
    const plain = (text: string) => text.length > 0 && !text.includes("\uFFFD");
    const at = full.deltas.findIndex((d, i) => i >= 2 && plain(d) && plain(full.deltas[i + 1] ?? ""));
    assert.ok(at >= 0, `no two plain deltas in a row in ${JSON.stringify(full.deltas)}`);
    const stop = full.deltas[at] + full.deltas[at + 1][0];
    const expected = full.text.slice(0, full.text.indexOf(stop));
    const stopped = await collect(
      engine.generate({
        model: "m",
        promptIds,
        n: 1,
        sampling: { ...sampling, stop: ["\u0000never", stop] },
      }),
    );
    const candidate = stopped.candidates[0];
    assert.equal(candidate.reason, "stop");
    assert.equal(candidate.text, expected);
    let released = "";
    for (const delta of candidate.deltas) {
      released += delta;
      assert.ok(expected.startsWith(released), "no delta shows part of the stop string");
    }
    assert.ok(candidate.ids.length < 40);
    assert.deepEqual(candidate.ids, full.ids.slice(0, candidate.ids.length));
  });

  // The same weights with an EOS id the greedy continuation reaches: it ends there, as "stop".
  const first = await withFreeRun();
  const index = first.findIndex((id, i) => i >= 2 && first.indexOf(id) === i && id >= 3);
  assert.ok(index >= 2, "the greedy run has a fresh token to use as EOS");
  const eos = first[index];
  const eosModel = await writeTestModel({ seed: 7, eos });
  await withEngine(async (engine) => {
    assert.deepEqual(engine.models()[0].eosTokenIds, [eos]);
    const run = await collect(
      engine.generate({ model: "m", promptIds, n: 1, sampling: samplingParams({ maxTokens: 40 }) }),
    );
    const candidate = run.candidates[0];
    assert.deepEqual(
      candidate.ids,
      first.slice(0, index + 1),
      "the EOS token is reported, then generation stops",
    );
    assert.equal(candidate.reason, "stop");
    assert.equal(candidate.deltas.at(-2), "", "the EOS token adds no text");
    const finished = candidate.events.at(-1)!;
    assert.equal(finished.type === "finished" && finished.completionTokens, index + 1);
  }, eosModel);
});

async function withFreeRun(): Promise<number[]> {
  let ids: number[] = [];
  await withEngine(async (engine) => {
    const run = await collect(
      engine.generate({
        model: "m",
        promptIds,
        n: 1,
        sampling: samplingParams({ maxTokens: 40, ignoreEos: true }),
      }),
    );
    ids = run.candidates[0].ids;
  });
  return ids;
}
