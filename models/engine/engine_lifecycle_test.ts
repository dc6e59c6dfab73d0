/**
 * The engine end to end, around requests: cancellation frees batch slots, a full queue and
 * impossible requests fail with typed errors (some raised inside the worker), close ends
 * everything in flight, tokenisation runs on the main thread.
 */
import assert from "node:assert/strict";
import {
  ContextLengthError,
  createEngine,
  EngineClosedError,
  type EngineOptions,
  InvalidRequestError,
  OverloadedError,
  UnknownModelError,
} from "./mod.ts";
import { collect, samplingParams, writeTestModel } from "./_test_model.ts";
import type { GenerationEngine, GenerationEvent, GenerationRequest } from "./types.ts";

const model = await writeTestModel();
const promptIds = model.tokenizer.encode("The quick brown fox");
/** A request that runs until cancelled (in test terms). */
const long = (n: number): GenerationRequest => ({
  model: "m",
  promptIds,
  n,
  sampling: samplingParams({ temperature: 1, maxTokens: 75, ignoreEos: true }),
});

async function withEngine(options: Partial<EngineOptions>, run: (engine: GenerationEngine) => Promise<void>) {
  const engine = await createEngine({ models: [{ name: "m", path: model.dir }], threads: 1, ...options });
  try {
    await run(engine);
  } finally {
    await engine.close();
  }
}

/** The first event of a stream (starting it), and the iterator to continue with. */
async function firstEvent(events: AsyncIterable<GenerationEvent>) {
  const iterator = events[Symbol.asyncIterator]();
  const first = await iterator.next();
  return { first: first.value as GenerationEvent, iterator };
}

/** Resolves once `condition` holds (polling); fails after 5 s. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = performance.now() + 5000;
  while (!condition()) {
    assert.ok(performance.now() < deadline, "condition never held");
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function rest(iterator: AsyncIterator<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) events.push(next.value);
  return events;
}

Deno.test("aborting finishes every candidate as cancelled and frees the batch for waiting requests", async () => {
  await withEngine({ maxBatchSize: 2 }, async (engine) => {
    const controller = new AbortController();
    const running = firstEvent(engine.generate(long(2), controller.signal));
    const waitingRun = collect(
      engine.generate({ ...long(2), sampling: samplingParams({ maxTokens: 5, ignoreEos: true }) }),
    );
    const { first, iterator } = await running;
    assert.equal(first.type, "started");
    await iterator.next(); // a token: the batch is full, the second request waits
    await until(() => engine.stats().waiting === 1);
    controller.abort();
    const events = await rest(iterator);
    const finished = events.filter((e) => e.type === "finished");
    assert.deepEqual(finished.map((e) => e.reason), ["cancelled", "cancelled"]);
    assert.equal(events.at(-1)?.type, "done");
    const tokens = events.filter((e) => e.type === "token").length;
    assert.ok(tokens < 2 * 74, "stopped early");
    const second = await waitingRun;
    assert.deepEqual(second.candidates.map((c) => c.reason), ["length", "length"]);
    await until(() => engine.stats().batchSize === 0 && engine.stats().running === 0);
  });
});

Deno.test("leaving the loop early cancels the request; an aborted signal cancels before it starts", async () => {
  await withEngine({ maxBatchSize: 3 }, async (engine) => {
    for await (const event of engine.generate(long(3))) if (event.type === "token") break;
    const next = await collect(engine.generate({ ...long(3), sampling: samplingParams({ maxTokens: 3 }) }));
    assert.deepEqual(next.candidates.map((c) => c.ids.length), [3, 3, 3], "the slots were freed");

    const aborted = await collect(engine.generate(long(3), AbortSignal.abort()));
    assert.deepEqual(aborted.candidates.map((c) => c.reason), ["cancelled", "cancelled", "cancelled"]);
    assert.deepEqual(aborted.done?.compute, {
      prefillTokens: 0,
      generatedTokens: 0,
      forwardPasses: 0,
      milliseconds: 0,
    });
  });
});

Deno.test("a full waiting queue throws OverloadedError (raised in the worker, typed on this side)", async () => {
  await withEngine({ maxBatchSize: 1, maxWaiting: 1 }, async (engine) => {
    const controller = new AbortController();
    const running = await firstEvent(engine.generate(long(1), controller.signal));
    const waiting = firstEvent(engine.generate(long(1), controller.signal));
    await assert.rejects(() => firstEvent(engine.generate(long(1))), (error) => {
      assert.ok(error instanceof OverloadedError);
      assert.equal(error.waiting, 1);
      return true;
    });
    controller.abort();
    await rest(running.iterator);
    const cancelledWhileWaiting = await waiting;
    assert.equal(cancelledWhileWaiting.first.type, "started", "a stream always begins with started");
    const events = await rest(cancelledWhileWaiting.iterator);
    assert.deepEqual(events.map((e) => e.type), ["finished", "done"]);
    assert.equal(events[0].type === "finished" && events[0].reason, "cancelled");
  });
});

Deno.test("impossible requests fail before they start, with the numbers in the message", async () => {
  await withEngine({ maxBatchSize: 4 }, async (engine) => {
    const tooLong = {
      ...long(1),
      promptIds: new Array(90).fill(5),
      sampling: samplingParams({ maxTokens: 10 }),
    };
    await assert.rejects(() => collect(engine.generate(tooLong)), (error) => {
      assert.ok(error instanceof ContextLengthError);
      assert.deepEqual([error.promptTokens, error.maxTokens, error.contextLength], [90, 10, 96]);
      assert.match(error.message, /96.*90.*10/);
      return true;
    });
    await assert.rejects(() => collect(engine.generate({ ...long(1), model: "nope" })), UnknownModelError);
    for (
      const bad of [
        { ...long(5) },
        { ...long(1), promptIds: [] },
        { ...long(1), promptIds: [100_000] },
        { ...long(1), sampling: samplingParams({ temperature: -1 }) },
        { ...long(1), sampling: samplingParams({ topP: 1.5 }) },
        { ...long(1), sampling: samplingParams({ logprobs: 21 }) },
        { ...long(1), sampling: samplingParams({ stop: [""] }) },
      ]
    ) {
      await assert.rejects(() => collect(engine.generate(bad)), InvalidRequestError, JSON.stringify(bad));
    }
    // max_tokens 0 is possible: it scores the prompt (echo with logprobs).
    const scored = await collect(
      engine.generate({ ...long(2), promptLogprobs: 0, sampling: samplingParams({ maxTokens: 0 }) }),
    );
    assert.equal(scored.started?.promptLogprobs?.length, promptIds.length);
    assert.deepEqual(scored.candidates.map((c) => [c.reason, c.ids.length]), [["length", 0], ["length", 0]]);
    assert.equal(scored.done?.compute.prefillTokens, promptIds.length);
  });
});

Deno.test("close cancels what runs, then generate throws EngineClosedError", async () => {
  const engine = await createEngine({ models: [{ name: "m", path: model.dir }], threads: 1 });
  const { iterator } = await firstEvent(engine.generate(long(2)));
  const closing = engine.close();
  const events = await rest(iterator);
  await closing;
  assert.deepEqual(events.filter((e) => e.type === "finished").map((e) => e.reason), [
    "cancelled",
    "cancelled",
  ]);
  await assert.rejects(() => collect(engine.generate(long(1))), EngineClosedError);
});

Deno.test("tokenize, detokenize and models() answer from the main thread", async () => {
  await withEngine({}, async (engine) => {
    const ids = await engine.tokenize("m", "Héllo<|endoftext|>");
    assert.deepEqual(ids, model.tokenizer.encode("Héllo<|endoftext|>"));
    assert.equal(await engine.detokenize("m", ids), "Héllo<|endoftext|>");
    await assert.rejects(() => engine.detokenize("m", [1e6]), InvalidRequestError);
    await assert.rejects(() => engine.tokenize("x", "hi"), UnknownModelError);
    const [info] = engine.models();
    assert.equal(info.vocabSize, model.tokenizer.vocabSize);
    assert.equal(info.contextLength, 96);
    assert.deepEqual(info.eosTokenIds, [0]);
    assert.match(info.version, /^[0-9a-f]{12}$/);
  });
});
