/**
 * The main-thread side of the engine: implements GenerationEngine by exchanging messages
 * (_protocol.ts) with the engine worker. It validates requests, turns the worker's output
 * batches into one AsyncIterable per request, forwards cancellation (AbortSignal, or the caller
 * leaving the loop), and tokenises on this thread so that it never waits behind a model run.
 * Hot swaps (ModelHost) switch this thread's model entry in the same synchronous turn as it posts
 * the worker's commit, so the message order decides which version every request runs on.
 *
 * @module
 */
import type { TextTokenizer } from "../tokenizer/mod.ts";
import type { FromWorker, ToWorker, WorkerSettings } from "./_protocol.ts";
import {
  EngineClosedError,
  type EngineError,
  fromErrorData,
  InvalidRequestError,
  UnknownModelError,
} from "./errors.ts";
import { type ModelSpec, readModelFolder } from "./model_info.ts";
import type {
  EngineStats,
  GenerationEngine,
  GenerationEvent,
  GenerationRequest,
  ModelHost,
  ModelInfo,
} from "./types.ts";
import { validateRequest } from "./validate_request.ts";

/** A model as the client knows it: where it is, its metadata and its tokenizer. */
export interface LoadedModel {
  spec: ModelSpec;
  info: ModelInfo;
  tokenizer: TextTokenizer;
}

/** One request's events in arrival order, ended by "done" or an error. */
class EventChannel {
  readonly #queue: GenerationEvent[] = [];
  #error: EngineError | undefined;
  #wake: (() => void) | undefined;
  ended = false;

  push(event: GenerationEvent): void {
    this.#queue.push(event);
    if (event.type === "done") this.ended = true;
    this.#wake?.();
  }

  fail(error: EngineError): void {
    if (this.ended) return;
    this.#error = error;
    this.ended = true;
    this.#wake?.();
  }

  /** The next event; undefined after "done"; throws the failure. */
  async next(): Promise<GenerationEvent | undefined> {
    while (this.#queue.length === 0) {
      if (this.#error) throw this.#error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
    return this.#queue.shift();
  }
}

/** A swap or removal waiting for the worker's answer. */
interface PendingControl {
  resolve(data: FromWorker): void;
  reject(error: EngineError): void;
}

/** GenerationEngine backed by engine_worker.ts. Create it with `createEngine` (mod.ts). */
export class WorkerEngine implements GenerationEngine, ModelHost {
  readonly #worker: Worker;
  /** The serving model of each name; swaps replace entries, removals delete them. */
  readonly #models: LoadedModel[];
  readonly #streams = new Map<number, EventChannel>();
  readonly #controls = new Map<number, PendingControl>();
  /** Tail of each model name's chain of swaps and removals. */
  readonly #modelLocks = new Map<string, Promise<unknown>>();
  readonly #maxBatchSize: number;
  #nextId = 1;
  #stats: EngineStats = {
    running: 0,
    waiting: 0,
    batchSize: 0,
    tokensGenerated: 0,
    forwardPasses: 0,
    promptTokensReused: 0,
  };
  #closed: EngineClosedError | undefined;
  #closing: Promise<void> | undefined;
  #onClosed: (() => void) | undefined;

  private constructor(worker: Worker, models: LoadedModel[], maxBatchSize: number) {
    this.#worker = worker;
    this.#models = models;
    this.#maxBatchSize = maxBatchSize;
  }

  /** Starts the worker and loads `models` in it; rejects with the worker's load error. */
  static async start(models: LoadedModel[], settings: WorkerSettings): Promise<WorkerEngine> {
    const worker = new Worker(new URL("./engine_worker.ts", import.meta.url), { type: "module" });
    const engine = new WorkerEngine(worker, models, settings.maxBatchSize);
    const loaded = new Promise<void>((resolve, reject) => {
      worker.onmessage = (message: MessageEvent<FromWorker>) => {
        const data = message.data;
        if (data.type === "loaded") {
          for (const model of models) model.info.vocabSize = data.vocabSizes[model.spec.name];
          worker.onmessage = (next: MessageEvent<FromWorker>) => engine.#receive(next.data);
          resolve();
        } else if (data.type === "load-failed") reject(fromErrorData(data.error));
      };
      worker.onerror = (event) => {
        event.preventDefault();
        reject(new EngineClosedError(`the engine worker failed to start: ${event.message}`));
      };
    });
    engine.#post({ type: "load", models: models.map(({ spec, info }) => ({ spec, info })), settings });
    try {
      await loaded;
    } catch (error) {
      worker.terminate();
      throw error;
    }
    worker.onerror = (event) => {
      event.preventDefault();
      engine.#shutDown(new EngineClosedError(`the engine worker stopped: ${event.message}`));
    };
    return engine;
  }

  async *generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent> {
    if (this.#closed) throw this.#closed;
    if (this.#closing) throw new EngineClosedError("the generation engine is closing");
    const checked = validateRequest(request, this.models(), this.#maxBatchSize);
    if (signal?.aborted) { // cancelled before it began: the worker need not hear of it
      yield* cancelledBeforeStart(checked, this.#model(checked.model).info);
      return;
    }
    const id = this.#nextId++;
    const channel = new EventChannel();
    this.#streams.set(id, channel);
    const cancel = () => this.#post({ type: "cancel", id });
    signal?.addEventListener("abort", cancel, { once: true });
    this.#post({ type: "generate", id, request: checked });
    try {
      for (;;) {
        const event = await channel.next();
        if (event === undefined) return;
        yield event;
      }
    } finally {
      signal?.removeEventListener("abort", cancel);
      if (!channel.ended && !this.#closed) cancel(); // the caller left early
      this.#streams.delete(id);
    }
  }

  tokenize(model: string, text: string): Promise<number[]> {
    return Promise.resolve().then(() => this.#model(model).tokenizer.encode(text));
  }

  detokenize(model: string, ids: number[], options: { skipSpecialTokens?: boolean } = {}): Promise<string> {
    return Promise.resolve().then(() => {
      const { tokenizer } = this.#model(model);
      const unknown = ids.find((id) => tokenizer.idToToken(id) === undefined);
      if (unknown !== undefined) {
        throw new InvalidRequestError(`token id ${unknown} is not in the vocabulary`, "ids");
      }
      return tokenizer.decode(ids, options);
    });
  }

  swapModel(spec: ModelSpec): Promise<ModelInfo> {
    return this.#oneAtATime(spec.name, async () => {
      this.#assertOpen();
      const { info, tokenizer } = await readModelFolder(spec);
      this.#assertOpen();
      const id = this.#nextId++;
      const ready = this.#control(id);
      this.#post({ type: "swap", id, spec, info });
      const answer = await ready;
      this.#assertOpen();
      if (answer.type === "swap-ready") info.vocabSize = answer.vocabSize;
      // From here to the commit message nothing awaits: both threads switch at one point.
      const model: LoadedModel = { spec, info, tokenizer };
      const at = this.#models.findIndex((m) => m.spec.name === spec.name);
      if (at >= 0) this.#models[at] = model;
      else this.#models.push(model);
      this.#post({ type: "commit-swap", id });
      return { ...info };
    });
  }

  removeModel(name: string): Promise<void> {
    return this.#oneAtATime(name, async () => {
      this.#assertOpen();
      this.#model(name); // throws UnknownModelError
      this.#models.splice(this.#models.findIndex((m) => m.spec.name === name), 1);
      const id = this.#nextId++;
      const removed = this.#control(id);
      this.#post({ type: "remove", id, name });
      await removed;
    });
  }

  models(): ModelInfo[] {
    return this.#models.map((model) => ({ ...model.info }));
  }

  stats(): EngineStats {
    return { ...this.#stats };
  }

  /** Cancels every request, releases the sessions and stops the worker. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    if (this.#closed) return;
    const closed = new Promise<void>((resolve) => this.#onClosed = resolve);
    this.#post({ type: "close" });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([closed, new Promise((resolve) => timer = setTimeout(resolve, 5000))]);
    clearTimeout(timer);
    this.#shutDown(new EngineClosedError());
  }

  #assertOpen(): void {
    if (this.#closed) throw this.#closed;
    if (this.#closing) throw new EngineClosedError("the generation engine is closing");
  }

  /**
   * Runs `task` after every earlier swap or removal of `name` has settled; with none pending it
   * starts at once, so a removal refuses requests from the moment it is called.
   */
  #oneAtATime<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#modelLocks.get(name);
    const run = previous ? previous.then(task) : task();
    const tail = run.catch(() => {});
    this.#modelLocks.set(name, tail);
    tail.then(() => {
      if (this.#modelLocks.get(name) === tail) this.#modelLocks.delete(name);
    });
    return run;
  }

  /** The worker's answer to control message `id` (swap-ready | removed); rejects with its error. */
  #control(id: number): Promise<FromWorker> {
    return new Promise((resolve, reject) => this.#controls.set(id, { resolve, reject }));
  }

  #model(name: string): LoadedModel {
    const model = this.#models.find((m) => m.spec.name === name);
    if (!model) throw new UnknownModelError(name, this.#models.map((m) => m.spec.name));
    return model;
  }

  #receive(data: FromWorker): void {
    if (data.type === "closed") {
      this.#onClosed?.();
      return;
    }
    if (data.type === "swap-ready" || data.type === "swap-failed" || data.type === "removed") {
      const control = this.#controls.get(data.id);
      this.#controls.delete(data.id);
      if (data.type === "swap-failed") control?.reject(fromErrorData(data.error));
      else control?.resolve(data);
      return;
    }
    if (data.type !== "output") return;
    this.#stats = data.stats;
    for (const item of data.items) {
      const channel = this.#streams.get(item.id);
      if (!channel) continue; // the caller already left
      if ("error" in item) channel.fail(fromErrorData(item.error));
      else channel.push(item.event);
    }
  }

  #shutDown(reason: EngineClosedError): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#worker.terminate();
    for (const channel of this.#streams.values()) channel.fail(reason);
    this.#streams.clear();
    for (const control of this.#controls.values()) control.reject(reason);
    this.#controls.clear();
  }

  #post(message: ToWorker): void {
    if (!this.#closed) this.#worker.postMessage(message);
  }
}

/** The events of a request whose signal was aborted before it was submitted. */
function cancelledBeforeStart(request: GenerationRequest, info: ModelInfo): GenerationEvent[] {
  return [
    {
      type: "started",
      modelVersion: info.version,
      promptTokens: request.promptIds.length,
      seed: request.sampling.seed!,
    },
    ...Array.from({ length: request.n }, (_, candidate): GenerationEvent => ({
      type: "finished",
      candidate,
      reason: "cancelled",
      textDelta: "",
      completionTokens: 0,
    })),
    { type: "done", compute: { prefillTokens: 0, generatedTokens: 0, forwardPasses: 0, milliseconds: 0 } },
  ];
}
