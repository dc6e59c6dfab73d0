/** The replaying view gives exactly the engine's events, and runs each distinct seeded request once. */
import assert from "node:assert/strict";
import { createEngine } from "../../models/engine/mod.ts";
import { collect, samplingParams, writeTestModel } from "../../models/engine/_test_model.ts";
import { replayingEngine } from "./replay_engine.ts";

const model = await writeTestModel({ seed: 8 });

Deno.test("replayingEngine: identical seeded requests replay the first run's events", async () => {
  const engine = await createEngine({ models: [{ name: "m", path: model.dir }], threads: 1 });
  try {
    const view = replayingEngine(engine);
    const request = (seed: number | undefined) => ({
      model: "m",
      promptIds: model.tokenizer.encode("The quick brown fox"),
      n: 3,
      sampling: samplingParams({ temperature: 1, maxTokens: 6, seed }),
    });
    const direct = await collect(engine.generate(request(5)));
    const [first, second] = await Promise.all([
      collect(view.generate(request(5))),
      collect(view.generate(request(5))),
    ]);
    const texts = (run: typeof direct) => run.candidates.map((c) => [c.ids, c.text, c.reason]);
    assert.deepEqual(texts(first), texts(direct));
    assert.deepEqual(texts(second), texts(direct));
    assert.deepEqual(second.done, first.done);
    assert.deepEqual(view.counts, { ran: 1, replayed: 1 });
    const other = await collect(view.generate(request(6)));
    assert.notDeepEqual(texts(other), texts(direct));
    await collect(view.generate(request(undefined))); // unseeded: straight to the engine, not recorded
    assert.deepEqual(view.counts, { ran: 2, replayed: 1 });
  } finally {
    await engine.close();
  }
});
