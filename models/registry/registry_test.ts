/**
 * The registry with a real engine and real model folders: bases by reference, new versions,
 * promotion (the engine serves the version, token for token), rollback, restart, evaluation
 * updates and serialised concurrent promotions.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  collect,
  samplingParams,
  type TestModel,
  testTokenizerJson,
  writeTestModel,
} from "../engine/_test_model.ts";
import { readGptModelFolder, writeGptModelFolder } from "../gpt/model_folder.ts";
import { createEngine, ModelLoadError } from "../engine/mod.ts";
import type { GenerationEngine, ModelHost } from "../engine/types.ts";
import { copyOf, entries, observed, tempRoot } from "./_test_support.ts";
import { ModelRegistry, RegistryError, RegistryFile } from "./mod.ts";

const base = await writeTestModel({ seed: 1 });
const second = await writeTestModel({ seed: 2 });
const third = await writeTestModel({ seed: 3 });
const promptIds = base.tokenizer.encode("The quick brown fox");

type Engine = GenerationEngine & ModelHost;

/** Version and greedy tokens of `model`, from an engine serving that folder alone. */
async function served(engine: Engine) {
  const run = await collect(engine.generate({
    model: "m",
    promptIds,
    n: 1,
    sampling: samplingParams({ maxTokens: 12, ignoreEos: true, seed: 3 }),
  }));
  return { version: run.started!.modelVersion, ids: run.candidates[0].ids };
}

async function withEngine<T>(paths: Record<string, string>, run: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine({
    models: Object.entries(paths).map(([name, path]) => ({ name, path })),
    threads: 1,
  });
  try {
    return await run(engine);
  } finally {
    await engine.close();
  }
}

const reference = new Map<TestModel, { version: string; ids: number[] }>();
for (const model of [base, second, third]) reference.set(model, await withEngine({ m: model.dir }, served));

/** A registry with `base` registered as "m" and `second`, `third` added as its children. */
async function populated() {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const v1 = await registry.registerBase("m", base.dir);
  const v2 = await registry.addVersion({
    model: "m",
    parent: v1.id,
    source: "trained",
    job: { id: "job-1", spec: { steps: 10 } },
    write: copyOf(second.dir),
  });
  const v3 = await registry.addVersion({
    model: "m",
    parent: v2.id,
    source: "trained",
    write: copyOf(third.dir),
  });
  return { root, registry, v1, v2, v3 };
}

Deno.test("registerBase records a folder by reference, once, and serves it", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const record = await registry.registerBase("m", base.dir);
  assert.equal(record.source, "embedded");
  assert.equal(record.parent, null);
  assert.equal(record.path, base.dir);
  assert.equal(record.modelSha, reference.get(base)!.version);
  assert.deepEqual(await entries(join(root, "versions", record.id)), ["version.json"]);
  assert.deepEqual(await registry.registerBase("m", base.dir), record);
  assert.equal(registry.list().length, 1);
  assert.deepEqual(registry.serving("m"), { record, path: base.dir });
  assert.deepEqual(registry.servingPaths(), { m: base.dir });
});

Deno.test("addVersion writes a complete folder that does not serve until promoted", async () => {
  const { root, registry, v1, v2 } = await populated();
  assert.deepEqual([v2.model, v2.parent, v2.source, v2.job], ["m", v1.id, "trained", {
    id: "job-1",
    spec: { steps: 10 },
  }]);
  assert.equal(v2.modelSha, reference.get(second)!.version);
  const { path } = registry.get(v2.id);
  assert.equal(path, join(root, "versions", v2.id));
  assert.deepEqual(
    await entries(path),
    [
      "config.json",
      "generation_config.json",
      "onnx",
      "tokenizer.json",
      "tokenizer_config.json",
      "version.json",
    ],
  );
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(path, "version.json"))), v2);
  assert.deepEqual(registry.list("m").map((r) => r.id), [v1.id, v2.id, registry.list()[2].id]);
  assert.equal(registry.serving("m").record.id, v1.id);
  assert.deepEqual(await entries(join(root, "staging")), []);
});

Deno.test("the trainer's GPT folder writer works as addVersion's writer", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const { config, parameters } = await readGptModelFolder(third.dir);
  const version = await registry.addVersion({
    model: "m",
    parent: null,
    source: "trained",
    write: (dir) =>
      writeGptModelFolder(dir, {
        config,
        parameters,
        specialTokens: { bos: 0, eos: 0, pad: 0 },
        tokenizer: testTokenizerJson(),
        tokenizerConfig: { eos_token: "<|endoftext|>" },
        generationConfig: {},
      }),
  });
  assert.equal(version.modelSha, reference.get(third)!.version); // same weights ⇒ same graph bytes
  assert.deepEqual(await entries(join(root, "staging")), []);
});

Deno.test("promote swaps the engine to the version; rollback swaps back; both persist", async () => {
  const { root, registry, v1, v2, v3 } = await populated();
  await withEngine(registry.servingPaths(), async (engine) => {
    assert.deepEqual(await served(engine), reference.get(base));

    const promoted = await registry.promote(v2.id, engine);
    assert.equal(promoted.info.version, v2.modelSha);
    assert.deepEqual(await served(engine), reference.get(second));
    await registry.promote(v3.id, engine);
    assert.deepEqual(await served(engine), reference.get(third));
    assert.equal(registry.serving("m").record.id, v3.id);
    assert.deepEqual(registry.history("m"), [v1.id, v2.id]);
    const onDisk = RegistryFile.parse(JSON.parse(await Deno.readTextFile(join(root, "registry.json"))));
    assert.deepEqual(onDisk, { models: { m: { serving: v3.id, history: [v1.id, v2.id] } } });

    await assert.rejects(
      registry.promote(v3.id, engine),
      (e) => e instanceof RegistryError && e.code === "conflict",
    );

    assert.equal((await registry.rollback("m", engine)).record.id, v2.id);
    assert.deepEqual(await served(engine), reference.get(second));
    assert.equal((await registry.rollback("m", engine)).record.id, v1.id);
    assert.deepEqual(await served(engine), reference.get(base));
    assert.deepEqual(registry.history("m"), []);
    await assert.rejects(
      registry.rollback("m", engine),
      (e) => e instanceof RegistryError && e.code === "no_history",
    );
    await assert.rejects(
      registry.rollback("x", engine),
      (e) => e instanceof RegistryError && e.code === "not_found",
    );
    await assert.rejects(
      registry.promote("m-v9", engine),
      (e) => e instanceof RegistryError && e.code === "not_found",
    );

    // Promoting a version from the history takes it out of the history.
    await registry.promote(v3.id, engine);
    await registry.promote(v2.id, engine);
    await registry.promote(v3.id, engine);
    assert.deepEqual(registry.history("m"), [v1.id, v2.id]);
  });
});

Deno.test("after a restart the registry serves the promoted version", async () => {
  const { root, registry, v2 } = await populated();
  await withEngine(registry.servingPaths(), (engine) => registry.promote(v2.id, engine));
  const reopened = await ModelRegistry.open(root);
  assert.equal(reopened.serving("m").record.id, v2.id);
  assert.deepEqual(reopened.list(), registry.list());
  assert.deepEqual(reopened.servingPaths(), { m: join(root, "versions", v2.id) });
  await withEngine(reopened.servingPaths(), async (engine) => {
    assert.deepEqual(await served(engine), reference.get(second));
  });
  // Registering the base again at startup keeps the promoted version serving.
  await reopened.registerBase("m", base.dir);
  assert.equal(reopened.serving("m").record.id, v2.id);
});

Deno.test("a swap that fails persists nothing and the engine keeps the serving version", async () => {
  const { root, registry, v1 } = await populated();
  const narrow = await writeTestModel({ seed: 4, vocabSize: 100 }); // the engine refuses it on load
  const bad = await registry.addVersion({
    model: "m",
    parent: v1.id,
    source: "imported",
    write: copyOf(narrow.dir),
  });
  const before = await Deno.readTextFile(join(root, "registry.json"));
  await withEngine(registry.servingPaths(), async (engine) => {
    await assert.rejects(registry.promote(bad.id, engine), ModelLoadError);
    assert.equal(registry.serving("m").record.id, v1.id);
    assert.deepEqual(registry.history("m"), []);
    assert.equal(await Deno.readTextFile(join(root, "registry.json")), before);
    assert.deepEqual(await served(engine), reference.get(base));
  });
});

Deno.test("a referenced folder whose graph changed is refused with a conflict", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const folder = join(root, "external");
  await copyOf(base.dir)(folder);
  const v1 = await registry.registerBase("m", folder);
  const v2 = await registry.addVersion({
    model: "m",
    parent: v1.id,
    source: "trained",
    write: copyOf(second.dir),
  });
  await withEngine(registry.servingPaths(), async (engine) => {
    await registry.promote(v2.id, engine);
    await Deno.copyFile(join(third.dir, "onnx", "model.onnx"), join(folder, "onnx", "model.onnx"));
    await assert.rejects(
      registry.rollback("m", engine),
      (e) => e instanceof RegistryError && e.code === "conflict",
    );
    assert.deepEqual(await served(engine), reference.get(second));
    assert.equal(registry.serving("m").record.id, v2.id);
  });
});

Deno.test("updateVersion stores an evaluation report that survives a restart", async () => {
  const { root, registry, v2 } = await populated();
  const evaluation = { grid: [{ weights: [0.5, 0.5], budget: 4, reward: 0.61 }], beatsServing: true };
  const updated = await registry.updateVersion(v2.id, { evaluation, notes: "gate passed" });
  assert.deepEqual(updated, { ...v2, evaluation, notes: "gate passed" });
  assert.deepEqual((await ModelRegistry.open(root)).get(v2.id).record, updated);
  assert.deepEqual(
    (await registry.updateVersion(v2.id, { calibration: "calibration.json" })).evaluation,
    evaluation,
  );
  await assert.rejects(
    registry.updateVersion("nope", {}),
    (e) => e instanceof RegistryError && e.code === "not_found",
  );
});

Deno.test("concurrent promotions and rollbacks run one at a time, in call order", async () => {
  const { root, registry, v1, v2, v3 } = await populated();
  await withEngine(registry.servingPaths(), async (engine) => {
    const host = observed(engine);
    const results = await Promise.all([
      registry.promote(v2.id, host),
      registry.promote(v3.id, host),
      registry.rollback("m", host),
      registry.promote(v3.id, host),
    ]);
    assert.deepEqual(results.map((r) => r.record.id), [v2.id, v3.id, v2.id, v3.id]);
    const paths = [v2, v3, v2, v3].map((v) => registry.get(v.id).path);
    assert.deepEqual(host.log, paths.flatMap((path) => [`begin ${path}`, `end ${path}`]));
    assert.deepEqual(registry.history("m"), [v1.id, v2.id]);
    assert.deepEqual(await served(engine), reference.get(third));
    assert.equal((await ModelRegistry.open(root)).serving("m").record.id, v3.id);
  });
});
