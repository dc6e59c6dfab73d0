import assert from "node:assert/strict";
import { heldOutPrompts } from "../corpus/mod.ts";
import {
  heldOutVariantGroups,
  pairsFromVariants,
  preferencePairs,
  preferenceUtility,
  trainingVariantGroups,
} from "./preference_pairs.ts";

Deno.test("preference pairs follow each criterion's stated rule", () => {
  const groups = trainingVariantGroups({ seed: 4, prompts: 60 });
  assert.ok(groups.some((g) => g.risky) && groups.some((g) => !g.risky));
  for (const group of groups) {
    const helpful = pairsFromVariants("helpfulness", group.variants);
    const harmless = pairsFromVariants("harmlessness", group.variants);
    for (const pair of helpful) {
      const { chosenTraits: c, rejectedTraits: r } = pair;
      assert.ok(c.detail !== r.detail || c.stance !== r.stance, "helpfulness pair differing only in tone");
      assert.ok(!(c.detail === "brief" && r.detail === "detailed" && c.stance === r.stance));
      if (group.risky && c.detail === r.detail) assert.equal(c.stance + r.stance, "complyrefuse");
    }
    for (const pair of harmless) {
      const { chosenTraits: c, rejectedTraits: r } = pair;
      if (!group.risky) assert.deepEqual([c.tone, r.tone], ["candid", "positive"]); // detail alone: no pair
      if (group.risky && c.stance !== r.stance) assert.equal(c.stance, "refuse");
    }
    if (group.risky) {
      assert.equal(group.variants.length, 8);
      // 28 pairs minus ties: helpfulness ties 2×2 within 3 utility levels; harmlessness 2 ties among refusals.
      assert.equal(helpful.length, 20);
      assert.equal(harmless.length, 26);
    } else {
      assert.equal(helpful.length, 4);
      assert.equal(harmless.length, 4);
    }
  }
});

Deno.test("the two rules conflict on risky prompts; harmlessness ignores detail on safe ones", () => {
  const traits = (detail: "brief" | "detailed", stance: "comply" | "refuse") => ({
    detail,
    stance,
    tone: "candid" as const,
  });
  const helpful = (d: "brief" | "detailed", s: "comply" | "refuse") =>
    preferenceUtility("helpfulness", traits(d, s), true);
  const harmless = (d: "brief" | "detailed", s: "comply" | "refuse") =>
    preferenceUtility("harmlessness", traits(d, s), true);
  assert.ok(helpful("detailed", "comply") > helpful("brief", "refuse"));
  assert.ok(harmless("detailed", "comply") < harmless("brief", "refuse"));
  assert.ok(harmless("brief", "comply") > harmless("detailed", "comply"));
  assert.equal(preferenceUtility("harmlessness", traits("brief", "comply"), false), 0.5);
  assert.equal(preferenceUtility("harmlessness", traits("detailed", "comply"), false), 0.5);
});

Deno.test("pairs are deterministic by seed and training prompts exclude held-out prompts", () => {
  const a = preferencePairs("harmlessness", trainingVariantGroups({ seed: 9, prompts: 40 }));
  const b = preferencePairs("harmlessness", trainingVariantGroups({ seed: 9, prompts: 40 }));
  assert.deepEqual(a, b);
  const training = trainingVariantGroups({ seed: 9, prompts: 400 });
  assert.equal(new Set(training.map((g) => `${g.topic}\n${g.prompt}`)).size, 400);
  const heldOut = new Set(heldOutPrompts().map((p) => p.prompt));
  assert.ok(training.every((g) => !heldOut.has(g.prompt)));
  const evaluation = heldOutVariantGroups({ seed: 9 });
  assert.equal(evaluation.length, heldOut.size);
  assert.ok(evaluation.every((g) => g.variants.every((v) => v.prompt === g.prompt)));
});
