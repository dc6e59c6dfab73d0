/**
 * The main-thread side of the engine: implements GenerationEngine by exchanging messages
 * (_protocol.ts) with the engine worker. It validates requests, turns the worker's output
 * batches into one AsyncIterable per request, forwards cancellation (AbortSignal, or the caller
 * leaving the loop), and tokenises on this thread so that it never waits behind a model run.
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
import type { ModelSpec } from "./model_info.ts";
import type {
  EngineStats,
  GenerationEngine,
  GenerationEvent,
  GenerationRequest,
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

/** GenerationEngine backed by engine_worker.ts. Create it with `createEngine` (mod.ts). */
export class WorkerEngine implements GenerationEngine {
  readonly #worker: Worker;
  readonly #models: LoadedModel[];
  readonly #streams = new Map<number, EventChannel>();
  readonly #maxBatchSize: number;
  #nextId = 1;
  #stats: EngineStats = { running: 0, waiting: 0, batchSize: 0, tokensGenerated: 0, forwardPasses: 0 };
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

  detokenize(model: string, ids: number[]): Promise<string> {
    return Promise.resolve().then(() => {
      const { tokenizer } = this.#model(model);
      const unknown = ids.find((id) => tokenizer.idToToken(id) === undefined);
      if (unknown !== undefined) {
        throw new InvalidRequestError(`token id ${unknown} is not in the vocabulary`, "ids");
      }
      return tokenizer.decode(ids);
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
