/**
 * Hot swap (ModelHost) end to end on real sessions: requests in flight keep the version they
 * started on, requests after a swap run the new model (token for token what an engine created on
 * that folder alone produces), failed loads leave the old model serving, removal drains, and
 * swaps under load leave no request hanging.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { collect, type CollectedRun, samplingParams, type TestModel, writeTestModel } from "./_test_model.ts";
import { createEngine, ModelLoadError, UnknownModelError } from "./mod.ts";
import type { GenerationEngine, GenerationEvent, GenerationRequest, ModelHost } from "./types.ts";

const first = await writeTestModel({ seed: 1 });
const second = await writeTestModel({ seed: 2 });
const promptIds = first.tokenizer.encode("The quick brown fox");

/** Greedy, fixed seed: the tokens depend only on the model. */
const request = (model: string, maxTokens = 24): GenerationRequest => ({
  model,
  promptIds,
  n: 1,
  sampling: samplingParams({ maxTokens, ignoreEos: true, seed: 11 }),
});

type Engine = GenerationEngine & ModelHost;

async function withEngine(model: TestModel, run: (engine: Engine) => Promise<void>, maxBatchSize = 16) {
  const engine = await createEngine({ models: [{ name: "m", path: model.dir }], threads: 1, maxBatchSize });
  try {
    await run(engine);
  } finally {
    await engine.close();
  }
}

/** What an engine serving only `model` produces for `request("m", maxTokens)`: version and token ids. */
async function reference(model: TestModel, maxTokens = 24): Promise<{ version: string; ids: number[] }> {
  let result = { version: "", ids: [] as number[] };
  await withEngine(model, async (engine) => {
    const run = await collect(engine.generate(request("m", maxTokens)));
    result = { version: run.started!.modelVersion, ids: run.candidates[0].ids };
  });
  return result;
}

const refFirst = await reference(first);
const refSecond = await reference(second);
const longFirst = await reference(first, 80);

Deno.test("the fixture's two folders are two versions with different greedy tokens", () => {
  assert.notEqual(refFirst.version, refSecond.version);
  assert.notDeepEqual(refFirst.ids, refSecond.ids);
});

/** Fails if `promise` has not settled within `ms` (a hanging request fails the test instead of the run). */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts a stream: resolves with its "started" event and a promise of the whole run. */
async function begin(events: AsyncIterable<GenerationEvent>) {
  const iterator = events[Symbol.asyncIterator]();
  const started = (await iterator.next()).value as GenerationEvent;
  const state = { done: false };
  const rest = collect({ [Symbol.asyncIterator]: () => iterator }).then((run) => {
    state.done = true;
    return run;
  });
  return { started, rest, state };
}

Deno.test("requests in flight finish on the old version; requests after the swap run the new model", async () => {
  // Batch size 1 queues the old requests behind each other, so they are still in flight at the swap.
  await withEngine(first, async (engine) => {
    const old = await Promise.all([0, 1, 2].map(() => begin(engine.generate(request("m", 80)))));
    assert.equal(old[0].started.type === "started" && old[0].started.modelVersion, refFirst.version);
    const info = await engine.swapModel({ name: "m", path: second.dir });
    assert.equal(info.version, refSecond.version);
    assert.ok(old.some((run) => !run.state.done), "an old request was still in flight at the swap");
    assert.deepEqual(engine.models().map((m) => [m.name, m.version]), [["m", refSecond.version]]);

    const after = await collect(engine.generate(request("m")));
    assert.equal(after.started!.modelVersion, refSecond.version);
    assert.deepEqual(after.candidates[0].ids, refSecond.ids);

    for (const run of await Promise.all(old.map((o) => o.rest))) {
      assert.deepEqual(run.candidates[0].ids, longFirst.ids);
      assert.equal(run.candidates[0].reason, "length");
    }
    const stats = engine.stats();
    assert.equal(stats.running + stats.waiting + stats.batchSize, 0);
  }, 1);
});

Deno.test("a folder that cannot load is rejected with ModelLoadError and the old model keeps serving", async () => {
  const corrupt = await copyModel(first);
  await Deno.writeFile(join(corrupt, "onnx", "model.onnx"), new TextEncoder().encode("not an onnx graph"));
  const narrow = await writeTestModel({ seed: 3, vocabSize: 100 }); // tokenizer ids beyond the logits
  await withEngine(first, async (engine) => {
    for (const path of [join(first.dir, "missing"), corrupt, narrow.dir]) {
      await assert.rejects(engine.swapModel({ name: "m", path }), ModelLoadError, path);
      assert.equal(engine.models()[0].version, refFirst.version);
      const run = await collect(engine.generate(request("m")));
      assert.equal(run.started!.modelVersion, refFirst.version);
      assert.deepEqual(run.candidates[0].ids, refFirst.ids);
    }
  });
});

Deno.test("swapModel adds a new name; removeModel refuses new requests, drains, then resolves", async () => {
  await withEngine(first, async (engine) => {
    await engine.swapModel({ name: "n", path: second.dir });
    assert.deepEqual(engine.models().map((m) => [m.name, m.version]), [
      ["m", refFirst.version],
      ["n", refSecond.version],
    ]);
    assert.deepEqual((await collect(engine.generate(request("n")))).candidates[0].ids, refSecond.ids);

    const inFlight = await begin(engine.generate(request("n", 80)));
    let drainedFirst: boolean | undefined;
    // When removal resolves, the worker has finished the request (its events may still be on their way
    // to the consumer, so look at the engine's counts rather than at the consumer).
    const removal = engine.removeModel("n").then(() => {
      const stats = engine.stats();
      drainedFirst = stats.running === 0 && stats.batchSize === 0;
    });
    await assert.rejects(collect(engine.generate(request("n"))), UnknownModelError);
    await assert.rejects(engine.tokenize("n", "hello"), UnknownModelError);
    assert.deepEqual(engine.models().map((m) => m.name), ["m"]);

    const run = await within(inFlight.rest, 10_000, "the request in flight");
    assert.equal(run.started, undefined); // consumed by begin()
    assert.equal(run.candidates[0].ids.length, 80);
    await within(removal, 10_000, "removeModel");
    assert.equal(drainedFirst, true, "removeModel resolved after the request in flight finished");
    await assert.rejects(engine.removeModel("n"), UnknownModelError);
    assert.deepEqual((await collect(engine.generate(request("m")))).candidates[0].ids, refFirst.ids);
  });
});

Deno.test("swaps of one name run one at a time, in call order", async () => {
  await withEngine(first, async (engine) => {
    const versions = await Promise.all([
      engine.swapModel({ name: "m", path: second.dir }),
      engine.swapModel({ name: "m", path: first.dir }),
      engine.swapModel({ name: "m", path: second.dir }),
    ]);
    assert.deepEqual(versions.map((v) => v.version), [
      refSecond.version,
      refFirst.version,
      refSecond.version,
    ]);
    assert.equal(engine.models()[0].version, refSecond.version);
    assert.deepEqual((await collect(engine.generate(request("m")))).candidates[0].ids, refSecond.ids);
  });
});

Deno.test("swaps under concurrent load leave no request hanging and never mix versions", async () => {
  const expected = new Map([[refFirst.version, refFirst.ids], [refSecond.version, refSecond.ids]]);
  await withEngine(first, async (engine) => {
    const runs: Promise<CollectedRun>[] = [];
    const swaps: Promise<unknown>[] = [];
    for (let i = 0; i < 24; i++) {
      runs.push(collect(engine.generate(request("m"))));
      if (i % 5 === 4) {
        // Requests sent so far are in flight across the swap; the ones after it must see the new version.
        const swap = engine.swapModel({ name: "m", path: (i / 5) % 2 < 1 ? second.dir : first.dir });
        swaps.push(swap);
        await swap;
      }
      await new Promise((resolve) => setTimeout(resolve, i % 3));
    }
    await within(Promise.all(swaps), 30_000, "the swaps");
    const finished = await within(Promise.all(runs), 30_000, "the requests");
    const seen = new Set<string>();
    for (const run of finished) {
      const version = run.started!.modelVersion;
      seen.add(version);
      assert.deepEqual(run.candidates[0].ids, expected.get(version), `tokens of version ${version}`);
      assert.ok(run.done);
    }
    assert.equal(seen.size, 2, "both versions served some requests");
    const stats = engine.stats();
    assert.equal(stats.running + stats.waiting + stats.batchSize, 0);
  }, 4);
});

/** Copies a model folder (files one level deep and onnx/) to a new temp dir; returns the copy's path. */
async function copyModel(model: TestModel): Promise<string> {
  const target = await Deno.makeTempDir({ prefix: "engine_swap_test_" });
  addEventListener("unload", () => Deno.removeSync(target, { recursive: true }));
  const copy = async (from: string, to: string) => {
    await Deno.mkdir(to, { recursive: true });
    for await (const entry of Deno.readDir(from)) {
      if (entry.isDirectory) await copy(join(from, entry.name), join(to, entry.name));
      else await Deno.copyFile(join(from, entry.name), join(to, entry.name));
    }
  };
  await copy(model.dir, target);
  return target;
}
