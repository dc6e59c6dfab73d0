/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The engine core, run in a Worker: onnxruntime-node's `run` blocks its thread, so the decode
 * loop lives here and the main thread only exchanges messages (_protocol.ts) with it.
 * One Scheduler per model; the loop steps each model with work, posts that step's events in
 * one message, and yields so that generate/cancel messages are handled between steps.
 * A swapped-out or removed model's scheduler moves to a draining list: the loop keeps stepping it
 * until its requests have finished, then releases its session.
 *
 * @module
 */
import { join } from "node:path";
import { DecoderSession } from "../decoder_session.ts";
import { loadTokenizer } from "../tokenizer/mod.ts";
import type { FromWorker, OutputItem, ToWorker, WorkerSettings } from "./_protocol.ts";
import { ModelLoadError, toErrorData } from "./errors.ts";
import { GRAPH_FILE, type ModelSpec } from "./model_info.ts";
import { Scheduler } from "./scheduler.ts";
import type { GenerationEvent, ModelInfo } from "./types.ts";

/** The model serving each name: new requests go here. */
const schedulers = new Map<string, Scheduler>();
/** Swapped-out or removed models finishing their requests; released once idle. */
const draining: { scheduler: Scheduler; onReleased?: () => void }[] = [];
/** Models loaded by a swap, waiting for the client's commit-swap. */
const prepared = new Map<number, { name: string; scheduler: Scheduler }>();
/** Counters of released schedulers, so that the engine's totals never go down. */
const retired = { tokensGenerated: 0, forwardPasses: 0, promptTokensReused: 0 };
let settings: WorkerSettings | undefined;
let outbox: OutputItem[] = [];
let looping = false;

const post = (message: FromWorker) => self.postMessage(message);

const sink = {
  event: (id: number, event: GenerationEvent) => outbox.push({ id, event }),
  fail: (id: number, error: unknown) => outbox.push({ id, error: toErrorData(error) }),
  flush: () => flush(),
};

/** Every scheduler that may hold requests: serving ones and draining ones. */
const allSchedulers = () => [...schedulers.values(), ...draining.map((entry) => entry.scheduler)];

self.onmessage = async (message: MessageEvent<ToWorker>) => {
  const data = message.data;
  switch (data.type) {
    case "load":
      settings = data.settings;
      try {
        post({ type: "loaded", vocabSizes: await load(data.models, data.settings) });
      } catch (error) {
        post({ type: "load-failed", error: toErrorData(error) });
      }
      return;
    case "generate": {
      const scheduler = schedulers.get(data.request.model);
      try {
        if (!scheduler) throw new ModelLoadError(`model "${data.request.model}" is not loaded in the worker`);
        scheduler.submit(data.id, data.request);
      } catch (error) {
        sink.fail(data.id, error);
      }
      flush(true);
      runLoop();
      return;
    }
    case "cancel":
      for (const scheduler of allSchedulers()) scheduler.cancel(data.id);
      flush(true);
      return;
    case "swap":
      try {
        const scheduler = await loadScheduler(data.spec, data.info, settings!);
        prepared.set(data.id, { name: data.spec.name, scheduler });
        post({ type: "swap-ready", id: data.id, vocabSize: scheduler.info.vocabSize });
      } catch (error) {
        const loadError = error instanceof ModelLoadError
          ? error
          : new ModelLoadError(`${data.spec.path}: ${(error as Error).message}`);
        post({ type: "swap-failed", id: data.id, error: toErrorData(loadError) });
      }
      return;
    case "commit-swap": {
      const entry = prepared.get(data.id);
      if (!entry) return;
      prepared.delete(data.id);
      const previous = schedulers.get(entry.name);
      schedulers.set(entry.name, entry.scheduler);
      if (previous) draining.push({ scheduler: previous });
      runLoop(); // releases the previous model now if it is idle
      return;
    }
    case "remove": {
      const scheduler = schedulers.get(data.name);
      schedulers.delete(data.name);
      const onReleased = () => post({ type: "removed", id: data.id });
      if (scheduler) draining.push({ scheduler, onReleased });
      else onReleased();
      runLoop();
      return;
    }
    case "close":
      for (const scheduler of allSchedulers()) scheduler.cancelAll();
      flush();
      while (looping) await nextTask();
      for (const scheduler of allSchedulers()) await scheduler.session.release();
      for (const { scheduler } of prepared.values()) await scheduler.session.release();
      schedulers.clear();
      draining.length = 0;
      prepared.clear();
      post({ type: "closed" });
      return;
  }
};

async function load(models: { spec: ModelSpec; info: ModelInfo }[], settings: WorkerSettings) {
  const vocabSizes: Record<string, number> = {};
  for (const { spec, info } of models) {
    const scheduler = await loadScheduler(spec, info, settings);
    schedulers.set(spec.name, scheduler);
    vocabSizes[spec.name] = scheduler.info.vocabSize;
  }
  return vocabSizes;
}

/** A scheduler over a new session of `spec`'s graph, after checking the tokenizer fits the logits. */
async function loadScheduler(spec: ModelSpec, info: ModelInfo, settings: WorkerSettings): Promise<Scheduler> {
  let session: DecoderSession;
  try {
    session = await DecoderSession.load(join(spec.path, GRAPH_FILE), { threads: settings.threads });
  } catch (error) {
    throw new ModelLoadError(`${spec.path}: cannot load ${GRAPH_FILE}: ${(error as Error).message}`);
  }
  try {
    const tokenizer = await loadTokenizer(spec.path);
    const V = session.layout.vocabSize;
    if (tokenizer.vocabSize > V) {
      throw new ModelLoadError(
        `${spec.path}: tokenizer has ${tokenizer.vocabSize} ids but the graph's logits ${V}`,
      );
    }
    return new Scheduler(session, tokenizer, { ...info, vocabSize: V }, settings, sink);
  } catch (error) {
    await session.release();
    throw error;
  }
}

/** Steps every model with work until none is left; one output message per round. */
async function runLoop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    for (;;) {
      await releaseDrained();
      const busy = allSchedulers().filter((scheduler) => scheduler.hasWork);
      if (busy.length === 0) break;
      for (const scheduler of busy) {
        try {
          await scheduler.step();
        } catch (error) {
          scheduler.failAll(error);
        }
      }
      flush();
      await nextTask(); // let generate/cancel messages in between steps
    }
  } finally {
    looping = false;
    flush(true);
  }
}

/** Releases the sessions of draining models whose requests have all finished. */
async function releaseDrained(): Promise<void> {
  for (let i = draining.length - 1; i >= 0; i--) {
    const { scheduler, onReleased } = draining[i];
    if (scheduler.hasWork) continue;
    draining.splice(i, 1);
    const { tokensGenerated, forwardPasses, promptTokensReused } = scheduler.stats();
    retired.tokensGenerated += tokensGenerated;
    retired.forwardPasses += forwardPasses;
    retired.promptTokensReused += promptTokensReused;
    flush(); // its last events go out before "removed"
    await scheduler.session.release();
    onReleased?.();
  }
}

/** Posts the pending events with fresh stats (`always`: even with no events, to update stats). */
function flush(always = false): void {
  if (outbox.length === 0 && !always) return;
  const items = outbox;
  outbox = [];
  const stats = { running: 0, waiting: 0, batchSize: 0, ...retired };
  for (const scheduler of allSchedulers()) {
    const s = scheduler.stats();
    for (const key of Object.keys(stats) as (keyof typeof stats)[]) stats[key] += s[key];
  }
  post({ type: "output", items, stats });
}

// A message to ourselves is a task without setTimeout's clamping of nested timers (≥ 4 ms).
const yieldChannel = new MessageChannel();
const yieldWaiters: (() => void)[] = [];
yieldChannel.port1.onmessage = () => yieldWaiters.shift()?.();

/** Resolves after the event loop has run the tasks (messages) queued before it. */
function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    yieldWaiters.push(resolve);
    yieldChannel.port2.postMessage(null);
  });
}
