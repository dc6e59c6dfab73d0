/**
 * What the registry leaves on disk when things go wrong: a failing writer, an invalid folder, an
 * unknown parent, and the leftovers of a process that died mid-write; files that break their
 * schema are refused at open.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeTestModel } from "../engine/_test_model.ts";
import { ModelLoadError } from "../engine/mod.ts";
import { copyOf, entries, tempRoot } from "./_test_support.ts";
import { ModelRegistry, RegistryError } from "./mod.ts";

const model = await writeTestModel({ seed: 1 });

const isRegistryError = (code: string) => (error: unknown) =>
  error instanceof RegistryError && error.code === code;

Deno.test("a writer that fails leaves no version and no staging folder", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const failure = new Error("disk full");
  await assert.rejects(
    registry.addVersion({
      model: "m",
      parent: null,
      source: "trained",
      write: async (staging) => {
        await copyOf(model.dir)(staging);
        throw failure;
      },
    }),
    (error) => error === failure,
  );
  for (const reopened of [registry, await ModelRegistry.open(root)]) assert.deepEqual(reopened.list(), []);
  assert.deepEqual(await entries(join(root, "versions")), []);
  assert.deepEqual(await entries(join(root, "staging")), []);
  // The id was not used up: the next version is the first.
  const next = await registry.addVersion({
    model: "m",
    parent: null,
    source: "imported",
    write: copyOf(model.dir),
  });
  assert.equal(next.id, "m-v1");
});

Deno.test("a folder that breaks the model folder contract is not added", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const withoutConfig = async (staging: string) => {
    await copyOf(model.dir)(staging);
    await Deno.remove(join(staging, "config.json"));
  };
  await assert.rejects(
    registry.addVersion({ model: "m", parent: null, source: "trained", write: withoutConfig }),
    ModelLoadError,
  );
  assert.deepEqual(registry.list(), []);
  assert.deepEqual(await entries(join(root, "versions")), []);
  assert.deepEqual(await entries(join(root, "staging")), []);
});

Deno.test("arguments are checked before anything is written", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  let wrote = false;
  const write = async (staging: string) => {
    wrote = true;
    await copyOf(model.dir)(staging);
  };
  await assert.rejects(
    registry.addVersion({ model: "m", parent: "m-v7", source: "trained", write }),
    isRegistryError("not_found"),
  );
  await assert.rejects(
    registry.addVersion({ model: "", parent: null, source: "trained", write }),
    isRegistryError("invalid"),
  );
  assert.equal(wrote, false);
  assert.deepEqual(await entries(join(root, "versions")), []);
});

Deno.test("open removes what a process that died mid-write left behind", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const kept = await registry.registerBase("m", model.dir);
  // A half-copied staging folder, and temp files of interrupted atomic writes.
  await copyOf(join(model.dir, "onnx"))(join(root, "staging", "0b7e", "onnx"));
  await Deno.writeTextFile(join(root, ".registry.json.1234.tmp"), '{"models": {');
  await Deno.writeTextFile(join(root, "versions", kept.id, ".version.json.5678.tmp"), "{");
  const reopened = await ModelRegistry.open(root);
  assert.deepEqual(reopened.list(), [kept]);
  assert.deepEqual(await entries(join(root, "staging")), []);
  assert.deepEqual(await entries(root), ["registry.json", "versions"]);
  assert.deepEqual(await entries(join(root, "versions", kept.id)), ["version.json"]);
});

Deno.test("files that break their schema are refused at open", async () => {
  const root = await tempRoot();
  const registry = await ModelRegistry.open(root);
  const kept = await registry.registerBase("m", model.dir);
  const registryFile = join(root, "registry.json");
  await Deno.writeTextFile(registryFile, JSON.stringify({ models: { m: { serving: "m-v9", history: [] } } }));
  await assert.rejects(ModelRegistry.open(root), isRegistryError("corrupt"));
  await Deno.writeTextFile(registryFile, JSON.stringify({ models: { m: { serving: kept.id } } }));
  await assert.rejects(ModelRegistry.open(root), isRegistryError("corrupt"));
  await Deno.writeTextFile(
    registryFile,
    JSON.stringify({ models: { m: { serving: kept.id, history: [] } } }),
  );
  assert.equal((await ModelRegistry.open(root)).serving("m").record.id, kept.id);
  const versionFile = join(root, "versions", kept.id, "version.json");
  await Deno.writeTextFile(versionFile, JSON.stringify({ ...kept, source: "downloaded" }));
  await assert.rejects(ModelRegistry.open(root), isRegistryError("corrupt"));
});
