/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
/**
 * The engine core, run in a Worker: onnxruntime-node's `run` blocks its thread, so the decode
 * loop lives here and the main thread only exchanges messages (_protocol.ts) with it.
 * One Scheduler per model; the loop steps each model with work, posts that step's events in
 * one message, and yields so that generate/cancel messages are handled between steps.
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

const schedulers = new Map<string, Scheduler>();
let outbox: OutputItem[] = [];
let looping = false;

const post = (message: FromWorker) => self.postMessage(message);

const sink = {
  event: (id: number, event: GenerationEvent) => outbox.push({ id, event }),
  fail: (id: number, error: unknown) => outbox.push({ id, error: toErrorData(error) }),
  flush: () => flush(),
};

self.onmessage = async (message: MessageEvent<ToWorker>) => {
  const data = message.data;
  switch (data.type) {
    case "load":
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
      for (const scheduler of schedulers.values()) scheduler.cancel(data.id);
      flush(true);
      return;
    case "close":
      for (const scheduler of schedulers.values()) scheduler.cancelAll();
      flush();
      while (looping) await nextTask();
      for (const scheduler of schedulers.values()) await scheduler.session.release();
      schedulers.clear();
      post({ type: "closed" });
      return;
  }
};

async function load(models: { spec: ModelSpec; info: ModelInfo }[], settings: WorkerSettings) {
  const vocabSizes: Record<string, number> = {};
  for (const { spec, info } of models) {
    let session: DecoderSession;
    try {
      session = await DecoderSession.load(join(spec.path, GRAPH_FILE), { threads: settings.threads });
    } catch (error) {
      throw new ModelLoadError(`${spec.path}: cannot load ${GRAPH_FILE}: ${(error as Error).message}`);
    }
    const tokenizer = await loadTokenizer(spec.path);
    const V = session.layout.vocabSize;
    if (tokenizer.vocabSize > V) {
      throw new ModelLoadError(
        `${spec.path}: tokenizer has ${tokenizer.vocabSize} ids but the graph's logits ${V}`,
      );
    }
    schedulers.set(spec.name, new Scheduler(session, tokenizer, { ...info, vocabSize: V }, settings, sink));
    vocabSizes[spec.name] = V;
  }
  return vocabSizes;
}

/** Steps every model with work until none is left; one output message per round. */
async function runLoop(): Promise<void> {
  if (looping) return;
  looping = true;
  try {
    for (;;) {
      const busy = [...schedulers.values()].filter((scheduler) => scheduler.hasWork);
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

/** Posts the pending events with fresh stats (`always`: even with no events, to update stats). */
function flush(always = false): void {
  if (outbox.length === 0 && !always) return;
  const items = outbox;
  outbox = [];
  const stats = { running: 0, waiting: 0, batchSize: 0, tokensGenerated: 0, forwardPasses: 0 };
  for (const scheduler of schedulers.values()) {
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
