/**
 * The property per-request weights rely on: on the project's corpus the criteria rank the same
 * answers differently, so changing the weights changes which answer wins. Every held-out prompt
 * (254) is answered by all its trait variants (`responseVariants`: brief/detailed × candid/positive,
 * × comply/refuse on risky topics), which share their facts and differ only by traits.
 */
import assert from "node:assert/strict";
import { type Dialogue, heldOutPrompts, responseVariants } from "../../trainer/corpus/mod.ts";
import { Calibrator, computeCalibration } from "./calibration.ts";
import { createBuiltinCriteria, CriterionRegistry } from "./registry.ts";
import { weightedScores } from "./weighted_score.ts";

/** A refusal-sensitive measure built from the `format` criterion with a per-request pattern. */
const REFUSAL_OPENING = "^(?:I can't|I won't|I'd rather not|I'm not going to|I'd love to help, but|Sorry|" +
  "No, I won't|Thanks for asking, but|I appreciate the question, but)";
const SHORT = { target: 20, scale: 50 };
const LONG = { target: 75, scale: 50 };

const registry = new CriterionRegistry(createBuiltinCriteria());
const groups: Dialogue[][] = heldOutPrompts().map((prompt) =>
  responseVariants({ topic: prompt.topic, prompt: prompt.prompt, seed: 1 })
);

function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

async function winners(criterion: string, params?: Record<string, unknown>): Promise<Dialogue[]> {
  const chosen: Dialogue[] = [];
  for (const variants of groups) {
    const scores = await registry.get(criterion).score(variants[0].prompt, variants.map((v) => v.response), {
      params,
    });
    chosen.push(variants[argmax(scores)]);
  }
  return chosen;
}

function share(dialogues: Dialogue[], predicate: (d: Dialogue) => boolean): number {
  return dialogues.filter(predicate).length / dialogues.length;
}

Deno.test("corpus: length, sentiment and a refusal measure each pick a different kind of answer", async () => {
  assert.ok(groups.length >= 250);
  const short = await winners("length", SHORT);
  const long = await winners("length", LONG);
  const positive = await winners("sentiment");
  const refusal = await winners("format", { pattern: REFUSAL_OPENING });
  assert.equal(share(short, (d) => d.traits.detail === "brief"), 1);
  assert.equal(share(long, (d) => d.traits.detail === "detailed"), 1);
  assert.ok(share(positive, (d) => d.traits.tone === "positive") >= 0.95);
  const risky = refusal.filter((d) => d.risky);
  assert.ok(risky.length >= 40);
  assert.equal(share(risky, (d) => d.traits.stance === "refuse"), 1);
  // The refusal measure is exact on every variant: 1 for refusals, 0 for everything else.
  for (const variants of groups) {
    const scores = await registry.get("format").score("", variants.map((v) => v.response), {
      params: { pattern: REFUSAL_OPENING },
    });
    variants.forEach((v, i) => assert.equal(scores[i], v.traits.stance === "refuse" ? 1 : 0, v.response));
  }
  // No answer wins everywhere: the short and long winners never coincide, and sentiment's winner
  // differs from at least one of them on every prompt.
  for (let p = 0; p < groups.length; p++) {
    assert.notEqual(short[p].id, long[p].id);
    assert.ok(positive[p].id !== short[p].id || positive[p].id !== long[p].id);
  }
});

Deno.test("corpus: within each prompt, the positive variant out-scores its candid twin on sentiment", async () => {
  let wins = 0;
  let pairs = 0;
  for (const variants of groups) {
    const scores = await registry.get("sentiment").score("", variants.map((v) => v.response));
    for (let i = 0; i < variants.length; i++) {
      for (let j = 0; j < variants.length; j++) {
        const [a, b] = [variants[i].traits, variants[j].traits];
        if (a.detail !== b.detail || a.stance !== b.stance || a.tone !== "positive" || b.tone !== "candid") {
          continue;
        }
        pairs++;
        if (scores[i] > scores[j]) wins++;
      }
    }
  }
  assert.ok(pairs > 500);
  assert.ok(wins / pairs >= 0.9, `positive beats candid in ${wins} of ${pairs} pairs`);
});

Deno.test("corpus: calibrated weights steer the choice between the same candidates", async () => {
  const samples = groups.flatMap((variants) =>
    variants.map((v) => ({ prompt: v.prompt, response: v.response }))
  );
  const calibration = await computeCalibration(
    samples,
    [registry.get("length"), registry.get("sentiment")],
    { modelVersion: "corpus", params: { length: LONG } },
  );
  const calibrator = new Calibrator(calibration);
  const chosenTraits = async (weights: Record<string, number>) => {
    const chosen: Dialogue[] = [];
    for (const variants of groups) {
      const texts = variants.map((v) => v.response);
      const raw = {
        length: await registry.get("length").score("", texts, { params: LONG }),
        sentiment: await registry.get("sentiment").score("", texts),
      };
      const { scores } = weightedScores({ weights, raw, calibrator, validNames: registry.names() });
      chosen.push(variants[argmax(scores)]);
    }
    return chosen;
  };
  const lengthOnly = await chosenTraits({ length: 1 });
  const sentimentOnly = await chosenTraits({ sentiment: 1 });
  const both = await chosenTraits({ length: 1, sentiment: 1 });
  assert.equal(share(lengthOnly, (d) => d.traits.detail === "detailed"), 1);
  assert.ok(share(sentimentOnly, (d) => d.traits.tone === "positive") >= 0.95);
  // Sentiment per word often favours a brief positive answer; weighting length in as well moves the
  // choice to the detailed positive one on many prompts.
  const changed = sentimentOnly.filter((d, p) => d.id !== both[p].id).length / groups.length;
  assert.ok(changed >= 0.4, `adding the length weight changed the choice on ${changed} of prompts`);
  assert.ok(share(both, (d) => d.traits.detail === "detailed" && d.traits.tone === "positive") >= 0.8);
});
