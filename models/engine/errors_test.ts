import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ContextLengthError,
  EngineClosedError,
  EngineError,
  EngineInternalError,
  fromErrorData,
  InvalidRequestError,
  ModelLoadError,
  OverloadedError,
  toErrorData,
  UnknownModelError,
} from "./errors.ts";
import { createEngine } from "./mod.ts";
import { collect, samplingParams, writeTestModel } from "./_test_model.ts";

Deno.test("every engine error survives the trip through structured clone as its own class", () => {
  const errors = [
    new UnknownModelError("x", ["a", "b"]),
    new ContextLengthError(90, 10, 96),
    new OverloadedError(64, 2),
    new InvalidRequestError("n must be positive", "n"),
    new EngineClosedError("gone"),
    new ModelLoadError("bad folder"),
    new EngineInternalError("run failed"),
  ];
  for (const error of errors) {
    const back = fromErrorData(structuredClone(toErrorData(error)));
    assert.equal(back.constructor, error.constructor);
    assert.equal(back.message, error.message);
    assert.deepEqual({ ...back }, { ...error }, error.name);
  }
  const foreign = fromErrorData(toErrorData(new TypeError("boom")));
  assert.ok(foreign instanceof EngineInternalError && foreign instanceof EngineError);
  assert.equal(foreign.message, "boom");
});

Deno.test("a model run that fails in the worker fails its requests with EngineInternalError; serving goes on", async () => {
  // config.json claims a longer context than the graph's position table holds: position 16 fails.
  const model = await writeTestModel({ contextLength: 16 });
  const configPath = join(model.dir, "config.json");
  const config = JSON.parse(await Deno.readTextFile(configPath));
  await Deno.writeTextFile(configPath, JSON.stringify({ ...config, n_positions: 64, n_ctx: 64 }));
  const engine = await createEngine({ models: [{ name: "m", path: model.dir }], threads: 1 });
  try {
    const promptIds = model.tokenizer.encode("The quick");
    const sampling = samplingParams({ maxTokens: 30, ignoreEos: true });
    await assert.rejects(
      () => collect(engine.generate({ model: "m", promptIds, n: 2, sampling })),
      EngineInternalError,
    );
    const short = await collect(
      engine.generate({ model: "m", promptIds, n: 1, sampling: { ...sampling, maxTokens: 3 } }),
    );
    assert.equal(short.candidates[0].ids.length, 3);
  } finally {
    await engine.close();
  }
});
