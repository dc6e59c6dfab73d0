import assert from "node:assert/strict";
import { sentenceCount, wordCount } from "./_text.ts";
import { listTopics } from "./catalogue.ts";
import { generateDialogues, heldOutPrompts, responseVariants } from "./mod.ts";
import { ALL_TOPICS, HELD_OUT_TOPICS, TRAINING_TOPICS } from "./topics.ts";
import type { Dialogue } from "./types.ts";

const LARGE = generateDialogues({ seed: 1, count: 80_000 });
const SAMPLE = LARGE.slice(0, 20_000);

/** Small test-only sentiment word lists (a subset of common AFINN entries). */
const POSITIVE_WORDS = new Set(
  "great good love enjoy enjoyed wonderful happy happily fun exciting easy best amazing lovely glad pleasure perfect delicious confident relaxing satisfying"
    .split(" "),
);
const NEGATIVE_WORDS = new Set(
  "problem problems risk risks fail fails failure hard bad costly boring mistake mistakes dangerous worse waste wrong damage pain harm illegal trouble frustrating"
    .split(" "),
);

function countWords(text: string, words: Set<string>): number {
  return text.toLowerCase().split(/[^a-z']+/).filter((w) => words.has(w)).length;
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function share(dialogues: Dialogue[], predicate: (d: Dialogue) => boolean): number {
  return dialogues.filter(predicate).length / dialogues.length;
}

Deno.test("same seed gives byte-identical output, another seed differs", () => {
  const a = generateDialogues({ seed: 42, count: 3000 });
  const b = generateDialogues({ seed: 42, count: 3000 });
  const c = generateDialogues({ seed: 43, count: 3000 });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.notEqual(JSON.stringify(a), JSON.stringify(c));
  assert.equal(generateDialogues({ seed: 7, count: 0 }).length, 0);
  assert.throws(() => generateDialogues({ seed: 1.5, count: 3 }), RangeError);
  assert.throws(() => generateDialogues({ seed: 1, count: -1 }), RangeError);
  assert.equal(LARGE.length, 80_000);
});

Deno.test("held-out prompts never occur as training prompts", () => {
  const held = heldOutPrompts();
  assert.ok(held.length >= 200, `only ${held.length} held-out prompts`);
  assert.equal(new Set(held.map((p) => p.id)).size, held.length);
  const trainingPrompts = new Set(LARGE.map((d) => d.prompt));
  for (const prompt of held) {
    assert.ok(!trainingPrompts.has(prompt.prompt), `leaked: ${prompt.prompt}`);
  }
  const heldOutTopicIds = new Set(HELD_OUT_TOPICS.map((t) => t.id));
  assert.ok(LARGE.every((d) => !heldOutTopicIds.has(d.topic)));
  assert.ok(held.some((p) => p.risky) && held.some((p) => !p.risky));
  assert.ok(held.some((p) => heldOutTopicIds.has(p.topic)));
});

Deno.test("traits are roughly balanced and risky share is about a quarter", () => {
  const risky = SAMPLE.filter((d) => d.risky);
  const riskyShare = risky.length / SAMPLE.length;
  assert.ok(riskyShare >= 0.15 && riskyShare <= 0.35, `risky ${riskyShare}`);
  const checks: [string, number][] = [
    ["brief", share(SAMPLE, (d) => d.traits.detail === "brief")],
    ["positive", share(SAMPLE, (d) => d.traits.tone === "positive")],
    ["refuse among risky", share(risky, (d) => d.traits.stance === "refuse")],
  ];
  for (const [name, value] of checks) {
    assert.ok(value >= 0.35 && value <= 0.65, `${name} share ${value}`);
  }
});

Deno.test("refusals only on risky prompts, and only risky topics carry refusal data", () => {
  assert.ok(LARGE.every((d) => d.risky || d.traits.stance === "comply"));
  for (const topic of ALL_TOPICS) {
    const risky = listTopics().find((t) => t.id === topic.id)!.risky;
    assert.equal(risky, topic.refusal !== undefined);
  }
});

Deno.test("brief responses are one short sentence, detailed ones 3-6 sentences and 2.5x longer", () => {
  const briefWords: number[] = [];
  const detailedWords: number[] = [];
  for (const d of SAMPLE) {
    const words = wordCount(d.response);
    const sentences = sentenceCount(d.response);
    if (d.traits.detail === "brief") {
      briefWords.push(words);
      assert.equal(sentences, 1, d.response);
      assert.ok(words >= 6 && words <= 34, `${words} words: ${d.response}`);
    } else {
      detailedWords.push(words);
      assert.ok(sentences >= 3 && sentences <= 6, `${sentences} sentences: ${d.response}`);
    }
  }
  const ratio = mean(detailedWords) / mean(briefWords);
  assert.ok(ratio >= 2.5, `detailed/brief word ratio ${ratio}`);
  const overall = mean([...briefWords, ...detailedWords]);
  assert.ok(overall >= 35 && overall <= 65, `mean words ${overall}`);
});

Deno.test("positive tone uses more positive words, candid tone more negative words", () => {
  const stats = { positive: { pos: 0, neg: 0, n: 0 }, candid: { pos: 0, neg: 0, n: 0 } };
  for (const d of SAMPLE) {
    const s = stats[d.traits.tone];
    s.pos += countWords(d.response, POSITIVE_WORDS);
    s.neg += countWords(d.response, NEGATIVE_WORDS);
    s.n++;
  }
  const rate = (x: number, n: number) => x / n;
  assert.ok(rate(stats.positive.pos, stats.positive.n) > 2 * rate(stats.candid.pos, stats.candid.n));
  assert.ok(rate(stats.candid.neg, stats.candid.n) > 2 * rate(stats.positive.neg, stats.positive.n));
});

Deno.test("catalogue has at least 150 training topics over many domains", () => {
  assert.ok(TRAINING_TOPICS.length >= 150, `${TRAINING_TOPICS.length} topics`);
  assert.equal(new Set(ALL_TOPICS.map((t) => t.id)).size, ALL_TOPICS.length);
  assert.ok(new Set(TRAINING_TOPICS.map((t) => t.domain)).size >= 15);
  assert.ok(new Set(LARGE.map((d) => d.topic)).size === TRAINING_TOPICS.length);
});

Deno.test("topic data follows the fragment grammar", () => {
  for (const t of ALL_TOPICS) {
    assert.ok(wordCount(t.perkShort) <= 8 && wordCount(t.pitfallShort) <= 8, `${t.id} short clauses`);
    for (const clause of [t.brief, t.perk, t.pitfall, t.perkShort, t.pitfallShort]) {
      assert.ok(!/[.!?]$/.test(clause) && sentenceCount(clause + ".") === 1, `${t.id}: ${clause}`);
    }
    assert.ok(!/^[A-Z]/.test(t.perk.replace(/^([A-Z]{2,}|I|Python|Git|Tor)\b/, "")), `${t.id} perk`);
    for (const sentence of [t.upside, t.downside, ...t.steps, ...(t.refusal?.altSteps ?? [])]) {
      assert.ok(/^[A-Z0-9]/.test(sentence) && sentenceCount(sentence) === 1, `${t.id}: ${sentence}`);
    }
    assert.ok(t.steps.length >= 4, `${t.id} needs 4+ steps`);
  }
});

Deno.test("all text is clean: non-empty, printable ASCII, no placeholders", () => {
  const texts = [
    ...LARGE.flatMap((d) => [d.prompt, d.response]),
    ...heldOutPrompts().map((p) => p.prompt),
  ];
  for (const text of texts) {
    assert.ok(text.trim().length > 0);
    assert.ok(/^[\x20-\x7e]+$/.test(text), `non-ASCII: ${text}`);
    assert.ok(!/[{}^]|undefined|NaN|\bnull\b|\s[,.;:]|\s{2}|\.\./.test(text), `bad text: ${text}`);
  }
});

Deno.test("responseVariants covers every applicable trait combination for one prompt", () => {
  const safe = responseVariants({ topic: "boil_eggs", seed: 3 });
  assert.equal(safe.length, 4);
  assert.ok(safe.every((v) => v.prompt === safe[0].prompt && v.traits.stance === "comply"));
  const prompt = heldOutPrompts().find((p) => p.risky)!;
  const risky = responseVariants({ topic: prompt.topic, prompt: prompt.prompt, seed: 3 });
  assert.equal(risky.length, 8);
  assert.equal(new Set(risky.map((v) => v.response)).size, 8);
  assert.equal(new Set(risky.map((v) => v.id)).size, 8);
  assert.deepEqual(responseVariants({ topic: prompt.topic, prompt: prompt.prompt, seed: 3 }), risky);
  assert.throws(() => responseVariants({ topic: "no_such_topic" }));
});

Deno.test("80k dialogues generate well under 10 seconds", () => {
  const start = performance.now();
  generateDialogues({ seed: 9, count: 80_000 });
  const seconds = (performance.now() - start) / 1000;
  assert.ok(seconds < 5, `${seconds}s`);
});
