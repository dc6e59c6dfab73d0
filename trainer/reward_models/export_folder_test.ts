import assert from "node:assert/strict";
import { join } from "node:path";
import { RewardModel } from "../../models/reward_model/mod.ts";
import { Rng } from "../../models/random.ts";
import { writeRewardModelFolder } from "./export_folder.ts";
import { initScorerParameters, scoreSequence } from "./pooled_scorer.ts";

Deno.test("an exported folder loads with RewardModel, scores like the TypeScript forward, and is replaced atomically", async () => {
  const parent = await Deno.makeTempDir({ prefix: "reward_models_" });
  try {
    const tokenizerJson = await Deno.readTextFile("models/default/tokenizer.json");
    const config = { vocabSize: 4096, dim: 4, hidden: 3 };
    const path = join(parent, "helpfulness");
    const write = (seed: number) =>
      writeRewardModelFolder({
        path,
        criterion: "helpfulness",
        config,
        parameters: initScorerParameters(config, new Rng(seed)),
        tokenizerJson,
        maxLength: 256,
        padToken: "<|endoftext|>",
        padTokenId: 0,
        readme: `# seed ${seed}\n`,
      });
    await write(1);
    await write(2); // replaces the first
    assert.deepEqual([...Deno.readDirSync(parent)].map((e) => e.name), ["helpfulness"]);
    assert.equal(await Deno.readTextFile(join(path, "README.md")), "# seed 2\n");

    const model = await RewardModel.load(path);
    try {
      assert.deepEqual(model.labels, ["helpfulness"]);
      assert.equal(model.labelIndex(), 0);
      const texts = ["How do I boil eggs?\n\nSimmer them for nine minutes.", "Hi"];
      const scores = await model.scores(texts, 0);
      const parameters = initScorerParameters(config, new Rng(2));
      texts.forEach((text, i) => {
        const expected = scoreSequence(parameters, config, model.encoder.encode(text));
        assert.ok(Math.abs(scores[i] - expected) < 1e-5, `${scores[i]} vs ${expected}`);
      });
    } finally {
      await model.release();
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
