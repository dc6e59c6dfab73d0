/**
 * The engine-based KL estimator against the exact KL, enumerated from two tiny random models' full
 * next-token distributions (DecoderSession forwards, independent of the engine) over a 2-token horizon
 * (the fixture's whole 300-token vocabulary); and KL(π ‖ π) = 0 exactly.
 */
import assert from "node:assert/strict";
import { createEngine } from "../../models/engine/mod.ts";
import { loadSession, writeTestModel } from "../../models/engine/_test_model.ts";
import type { DecoderSession } from "../../models/decoder_session.ts";
import { estimateKl, responseLogprob } from "./kl.ts";

const promptIds = [5, 9, 13];
const modelA = await writeTestModel({ seed: 3 });
const modelB = await writeTestModel({ seed: 4 });
const VOCAB = modelA.config.vocabSize;

/** log-softmax in float64 of row [V] at `offset`. */
function logSoftmax(logits: Float32Array, offset: number): Float64Array {
  const row = Float64Array.from(logits.subarray(offset, offset + VOCAB));
  const max = Math.max(...row);
  const norm = max + Math.log(row.reduce((a, x) => a + Math.exp(x - max), 0));
  return row.map((x) => x - norm);
}

/** Next-token log-probs after the prompt, and after prompt + y1 for every y1. */
async function distributions(session: DecoderSession) {
  const positions = (length: number, rows: number) =>
    BigInt64Array.from({ length: length * rows }, (_, i) => BigInt(i % length));
  const first = await session.forward({
    batchSize: 1,
    seqLength: promptIds.length,
    inputIds: BigInt64Array.from(promptIds, BigInt),
    attentionMask: new BigInt64Array(promptIds.length).fill(1n),
    positionIds: positions(promptIds.length, 1),
  });
  const length = promptIds.length + 1;
  const inputIds = new BigInt64Array(VOCAB * length);
  for (let y = 0; y < VOCAB; y++) {
    promptIds.forEach((id, t) => inputIds[y * length + t] = BigInt(id));
    inputIds[y * length + promptIds.length] = BigInt(y);
  }
  const second = await session.forward({
    batchSize: VOCAB,
    seqLength: length,
    inputIds,
    attentionMask: new BigInt64Array(VOCAB * length).fill(1n),
    positionIds: positions(length, VOCAB),
  });
  return {
    first: logSoftmax(first.logits, (promptIds.length - 1) * VOCAB),
    second: Array.from(
      { length: VOCAB },
      (_, y) => logSoftmax(second.logits, (y * length + length - 1) * VOCAB),
    ),
  };
}

/** Exact KL(p ‖ q) over responses of at most 2 tokens; a response ends early at an end-of-sequence token. */
function exactKl(
  p: Awaited<ReturnType<typeof distributions>>,
  q: Awaited<ReturnType<typeof distributions>>,
  eos: number[],
) {
  let kl = 0;
  for (let y1 = 0; y1 < VOCAB; y1++) {
    const p1 = Math.exp(p.first[y1]);
    kl += p1 * (p.first[y1] - q.first[y1]);
    if (eos.includes(y1)) continue;
    for (let y2 = 0; y2 < VOCAB; y2++) {
      kl += p1 * Math.exp(p.second[y1][y2]) * (p.second[y1][y2] - q.second[y1][y2]);
    }
  }
  return kl;
}

Deno.test("estimateKl matches the exact KL of two tiny models within 4 standard errors", async () => {
  const sessions = [await loadSession(modelA), await loadSession(modelB)];
  const [a, b] = [await distributions(sessions[0]), await distributions(sessions[1])];
  for (const session of sessions) await session.release();
  const engine = await createEngine({
    models: [{ name: "a", path: modelA.dir }, { name: "b", path: modelB.dir }],
    threads: 1,
  });
  try {
    const eos = engine.models().find((m) => m.name === "a")!.eosTokenIds;
    // The engine's log-prob of a response equals the enumerated one (the estimator's ingredient).
    const direct = await responseLogprob(engine, "b", promptIds, [7, 2]);
    assert.ok(Math.abs(direct - (b.first[7] + b.second[7][2])) < 1e-5, `${direct}`);

    const exact = exactKl(a, b, eos);
    const samples = 800;
    const estimate = await estimateKl({
      engine,
      model: "a",
      reference: "b",
      prompts: [promptIds],
      samplesPerPrompt: samples,
      maxTokens: 2,
      seed: 11,
      batchSize: 16,
    });
    assert.equal(estimate.samples, samples);
    assert.ok(estimate.tokens > samples && estimate.tokens <= 2 * samples);
    assert.ok(exact > 0.05, `the two random models should differ, exact KL ${exact}`);
    assert.ok(
      Math.abs(estimate.perSequence - exact) <= 4 * estimate.standardError,
      `estimate ${estimate.perSequence} ± ${estimate.standardError}, exact ${exact}`,
    );
    assert.ok(Math.abs(estimate.perToken - estimate.perSequence * samples / estimate.tokens) < 1e-9);
  } finally {
    await engine.close();
  }
});

Deno.test("estimateKl of a model against itself is exactly 0", async () => {
  const engine = await createEngine({ models: [{ name: "a", path: modelA.dir }], threads: 1 });
  try {
    const estimate = await estimateKl({
      engine,
      model: "a",
      reference: "a",
      prompts: [promptIds, [3, 4]],
      samplesPerPrompt: 6,
      maxTokens: 8,
      seed: 2,
      batchSize: 4,
    });
    assert.equal(estimate.samples, 12);
    assert.equal(estimate.perSequence, 0);
    assert.equal(estimate.standardError, 0);
    assert.equal(estimate.perToken, 0);
  } finally {
    await engine.close();
  }
});
