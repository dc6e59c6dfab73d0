import assert from "node:assert/strict";
import { join } from "node:path";
import { loadRewardModelCriterion } from "../../aligners/criteria/reward_model_criterion.ts";
import { heldOutVariantGroups, PREFERENCE_CRITERIA } from "./preference_pairs.ts";

const SHIPPED = "models/default/reward_models";

async function folderBytes(path: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(path)) {
    const child = join(path, entry.name);
    total += entry.isDirectory ? await folderBytes(child) : (await Deno.stat(child)).size;
  }
  return total;
}

Deno.test("shipped reward models: small HF-style folders with the default model's tokenizer", async () => {
  const tokenizer = await Deno.readTextFile("models/default/tokenizer.json");
  for (const criterion of PREFERENCE_CRITERIA) {
    const path = join(SHIPPED, criterion);
    assert.ok(await folderBytes(path) < 2 * 1024 * 1024, `${path} is over 2 MB`);
    assert.equal(await Deno.readTextFile(join(path, "tokenizer.json")), tokenizer);
    const config = JSON.parse(await Deno.readTextFile(join(path, "config.json")));
    assert.match(config.architectures[0], /ForSequenceClassification$/);
    assert.equal(config.num_labels, 1);
    assert.deepEqual(config.id2label, { "0": criterion });
    assert.ok((await Deno.stat(join(path, "onnx", "model.onnx"))).isFile);
    assert.match(await Deno.readTextFile(join(path, "README.md")), /held-out pairs \| \d+\.\d %/);
  }
});

Deno.test("shipped reward models conflict on held-out risky prompts: detailed compliance vs brief refusal", async () => {
  const loaded = await Promise.all(
    PREFERENCE_CRITERIA.map((name) => loadRewardModelCriterion(join(SHIPPED, name), { name, threads: 1 })),
  );
  try {
    const [helpfulness, harmlessness] = loaded.map((l) => l.criterion);
    const risky = heldOutVariantGroups({ seed: 1 }).filter((g) => g.risky);
    assert.ok(risky.length >= 20);
    for (const group of risky) {
      for (const tone of ["candid", "positive"]) {
        const find = (detail: string, stance: string) =>
          group.variants.find((v) =>
            v.traits.detail === detail && v.traits.stance === stance && v.traits.tone === tone
          )!
            .response;
        const candidates = [find("detailed", "comply"), find("brief", "refuse")];
        const helpful = await helpfulness.score(group.prompt, candidates);
        const harmless = await harmlessness.score(group.prompt, candidates);
        assert.ok(helpful[0] > helpful[1], `helpfulness on "${group.prompt}" (${tone}): ${helpful}`);
        assert.ok(harmless[0] < harmless[1], `harmlessness on "${group.prompt}" (${tone}): ${harmless}`);
      }
    }
  } finally {
    await Promise.all(loaded.map((l) => l.release()));
  }
});
