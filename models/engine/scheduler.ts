/**
 * The engine loop for one model: a bounded FIFO of waiting requests, prefills (prompts that fit
 * the budget run together in one left-padded batch; a long one runs alone in chunks), and one
 * padded decode batch that sequences join and leave between steps (continuous batching).
 *
 *   step():  prefill waiting prompts (a token budget per step while others decode)
 *            → started prompts sample their first token from the prefill, n candidates each,
 *              and their events go out right after that prefill run
 *            → rebuild the batch cache if rows finished or joined (kv_batch.ts)
 *            → one decode step [B, 1] for every row → events
 *
 * The n candidates of a request share one prefill: its cache row is replicated n times when
 * they join. Graphs that output the new tokens' K/V (`providesNewKeyValues`) keep the batch
 * cache in engine-owned buffers instead (kv_slab.ts) and never fetch present.*. Work is charged per
 * request: prefill runs in full, decode steps split evenly over the rows that took part. Completed
 * prompts' caches and finished sequences' caches (prompt and generated tokens) go to the prefix cache
 * (prefix_cache.ts), and an admitted prompt that shares a long enough prefix with one of them prefills
 * only the rest.
 *
 * @module
 */
import type { DecoderSession, KvCache } from "../decoder_session.ts";
import { Rng } from "../random.ts";
import type { TextTokenizer } from "../tokenizer/mod.ts";
import { Candidate, type CandidateContext } from "./candidate.ts";
import { compiledSchema, JSON_OBJECT_GRAMMAR, type JsonMaskCache, schemaGrammar } from "./json_constraint.ts";
import { OverloadedError } from "./errors.ts";
import { assembleCache, decodeStepInput } from "./kv_batch.ts";
import { KvSlab } from "./kv_slab.ts";
import { buildProcessorChain } from "./logits_processors.ts";
import { Prefill } from "./prefill.ts";
import { PREFIX_CACHE_MIN_TOKENS, PrefixCache } from "./prefix_cache.ts";
import type { ComputeSpent, GenerationEvent, GenerationRequest, ModelInfo } from "./types.ts";

/** Bounds of one model's loop. */
export interface SchedulerOptions {
  /** Most candidates decoding at once (prefilling requests reserve their n). */
  maxBatchSize: number;
  /** Most requests waiting for admission; beyond, `submit` throws OverloadedError. */
  maxWaiting: number;
  /** Prompt tokens prefilled per step while other sequences are decoding. */
  prefillChunkTokens: number;
  /** Bytes of prompt KV caches kept for reuse (0: no prefix caching). */
  prefixCacheBytes: number;
}

/** Where the scheduler delivers each request's events (and failures). */
export interface EventSink {
  event(id: number, event: GenerationEvent): void;
  fail(id: number, error: unknown): void;
  /** Delivers the events so far now (after a prefill run) rather than at the end of the step. */
  flush?(): void;
}

interface Job {
  id: number;
  request: GenerationRequest;
  prefill: Prefill;
  candidates: Candidate[];
  compute: ComputeSpent;
  /** Prompt tokens reused from the prefix cache. */
  cachedTokens: number;
  started: boolean;
  done: boolean;
}

interface Row {
  job: Job;
  candidate: Candidate;
  /** Tokens of this sequence in the cache. */
  length: number;
  /** Where its cache row comes from when it joins (the prefill), else undefined. */
  joinFrom?: { cache: KvCache; row: number };
}

/** Continuous-batching loop over one DecoderSession. */
export class Scheduler {
  readonly #waiting: Job[] = [];
  #prefilling: Job[] = [];
  #rows: Row[] = [];
  #joining: Row[] = [];
  #cache: KvCache | undefined;
  /** The batch cache when the graph provides new_key_values (else undefined, and `#cache` is used). */
  #slab: KvSlab | undefined;
  readonly #active = new Map<number, Job>();
  readonly #scratch: Float32Array;
  readonly #tokenTexts = new Map<number, string>();
  #grammarTokenCache: (Uint8Array | null)[] | undefined;
  readonly #jsonMasks: JsonMaskCache = new Map();
  #tokensGenerated = 0;
  #forwardPasses = 0;
  readonly #prefixes: PrefixCache | undefined;

  constructor(
    readonly session: DecoderSession,
    readonly tokenizer: TextTokenizer,
    readonly info: ModelInfo,
    readonly options: SchedulerOptions,
    readonly sink: EventSink,
  ) {
    this.#scratch = new Float32Array(session.layout.vocabSize);
    if (session.layout.providesNewKeyValues) this.#slab = new KvSlab(session.layout);
    if (options.prefixCacheBytes > 0) this.#prefixes = new PrefixCache(options.prefixCacheBytes);
  }

  /** Queues a validated request (`sampling.seed` set). Throws OverloadedError when the queue is full. */
  submit(id: number, request: GenerationRequest): void {
    if (this.#waiting.length >= this.options.maxWaiting) throw new OverloadedError(this.#waiting.length);
    const { sampling } = request;
    const context: CandidateContext = {
      params: sampling,
      chain: buildProcessorChain(
        sampling,
        this.tokenizer.vocabSize < this.session.layout.vocabSize ? this.tokenizer.vocabSize : Infinity,
      ),
      eosTokenIds: new Set(sampling.ignoreEos ? [] : this.info.eosTokenIds),
      tokenText: (tokenId) => this.#tokenText(tokenId),
      streamDecoder: () => this.tokenizer.createStreamDecoder({ skipSpecialTokens: true }),
      scratch: this.#scratch,
    };
    const grammar = sampling.responseFormat === "json_object"
      ? JSON_OBJECT_GRAMMAR
      : sampling.responseFormat === "json_schema"
      ? schemaGrammar(compiledSchema(sampling.jsonSchema ?? {}))
      : undefined;
    if (grammar) {
      context.json = {
        grammar,
        tokens: () => this.#grammarTokens(),
        endTokenIds: this.info.eosTokenIds,
        masks: this.#jsonMasks,
      };
    }
    const seeded = new Rng(sampling.seed ?? 0);
    const resumed = request.promptIds.slice(request.promptIds.length - (request.resumeTokens ?? 0));
    const job: Job = {
      id,
      request,
      prefill: new Prefill(this.session, request.promptIds, request.promptLogprobs, context.tokenText),
      candidates: Array.from(
        { length: request.n },
        (_, i) => new Candidate(i, seeded.fork((request.firstStream ?? 0) + i), context, resumed),
      ),
      compute: { prefillTokens: 0, generatedTokens: 0, forwardPasses: 0, milliseconds: 0 },
      cachedTokens: 0,
      started: false,
      done: false,
    };
    this.#waiting.push(job);
  }

  /** Finishes a request's unfinished candidates as "cancelled"; its rows leave at the next step. */
  cancel(id: number): void {
    const waitingAt = this.#waiting.findIndex((job) => job.id === id);
    const job = waitingAt >= 0 ? this.#waiting.splice(waitingAt, 1)[0] : this.#active.get(id);
    if (!job || job.done) return;
    this.#prefilling = this.#prefilling.filter((j) => j !== job);
    this.#announce(job); // a stream always begins with "started"
    for (const candidate of job.candidates) {
      if (candidate.finished === undefined) this.sink.event(job.id, candidate.finish("cancelled"));
    }
    this.#complete(job);
  }

  /** Cancels every request (engine shutdown). */
  cancelAll(): void {
    for (const id of [...this.#waiting.map((job) => job.id), ...this.#active.keys()]) this.cancel(id);
  }

  /** Fails every request with `error` and empties the batch (after a model run threw). */
  failAll(error: unknown): void {
    for (const job of [...this.#waiting, ...this.#active.values()]) {
      if (!job.done) this.sink.fail(job.id, error);
      job.done = true;
    }
    this.#waiting.length = 0;
    this.#active.clear();
    this.#prefilling = [];
    this.#rows = [];
    this.#joining = [];
    this.#cache = undefined;
    if (this.#slab) this.#slab = new KvSlab(this.session.layout);
  }

  get hasWork(): boolean {
    return this.#waiting.length > 0 || this.#prefilling.length > 0 || this.#rows.length > 0 ||
      this.#joining.length > 0;
  }

  /** Requests admitted (prefilling or decoding), waiting requests, and live rows. */
  stats(): {
    running: number;
    waiting: number;
    batchSize: number;
    tokensGenerated: number;
    forwardPasses: number;
    promptTokensReused: number;
  } {
    return {
      running: this.#active.size,
      waiting: this.#waiting.length,
      batchSize: this.#rows.filter((row) => row.candidate.finished === undefined).length,
      tokensGenerated: this.#tokensGenerated,
      forwardPasses: this.#forwardPasses,
      promptTokensReused: this.#prefixes?.stats().reusedTokens ?? 0,
    };
  }

  /** One iteration of the loop (see the module comment). */
  async step(): Promise<void> {
    await this.#prefillWithinBudget();
    const started = performance.now();
    this.#updateMembership();
    if (this.#rows.length > 0) await this.#decode(started);
  }

  async #prefillWithinBudget(): Promise<void> {
    const decoding = this.#rows.some((row) => row.candidate.finished === undefined);
    let budget = decoding ? this.options.prefillChunkTokens : Infinity;
    while (budget > 0) {
      const group = this.#nextPrefills(budget);
      if (group.length === 0) return;
      const started = performance.now();
      const before = group.map((job) => job.prefill.remaining);
      if (group.length === 1) await group[0].prefill.runChunk(Math.min(budget, before[0]));
      else await Prefill.runBatch(group.map((job) => job.prefill));
      const ran = group.map((job, i) => before[i] - job.prefill.remaining);
      const total = ran.reduce((sum, count) => sum + count, 0);
      const elapsed = performance.now() - started;
      budget -= total;
      this.#forwardPasses++;
      group.forEach((job, i) => {
        if (job.done) return; // cancelled while the run ran
        job.compute.prefillTokens += ran[i];
        job.compute.forwardPasses++;
        job.compute.milliseconds += elapsed * ran[i] / total;
        if (job.prefill.complete) {
          this.#prefilling = this.#prefilling.filter((j) => j !== job);
          this.#start(job);
        }
      });
      this.sink.flush?.(); // first tokens go out now, not after the whole step
    }
  }

  /**
   * The prefilling jobs to run next within `budget` prompt tokens: the head alone (chunked) when
   * it is under way or longer than the budget, else the head and the next fresh prompts (admitted
   * as they fit) whose tokens fit too, as long as padding at most doubles the run.
   */
  #nextPrefills(budget: number): Job[] {
    const head = this.#prefilling[0] ?? this.#admit();
    if (!head) return [];
    let tokens = head.prefill.remaining;
    if (!head.prefill.fresh || tokens > budget) return [head];
    const group = [head];
    let longest = tokens;
    for (;;) {
      const next = this.#prefilling.find((job) => !group.includes(job)) ?? this.#admit();
      if (!next || !next.prefill.fresh) break;
      const length = next.prefill.remaining;
      const width = Math.max(longest, length);
      if (tokens + length > budget || (group.length + 1) * width > 2 * (tokens + length)) break;
      group.push(next);
      tokens += length;
      longest = width;
    }
    return group;
  }

  /** Moves the head of the queue to prefilling if its n candidates fit in the batch. */
  #admit(): Job | undefined {
    const head = this.#waiting[0];
    if (!head) return undefined;
    const live = (rows: Row[]) => rows.filter((row) => row.candidate.finished === undefined).length;
    const reserved = live(this.#rows) + live(this.#joining) +
      this.#prefilling.reduce((sum, job) => sum + job.request.n, 0);
    if (reserved + head.request.n > this.options.maxBatchSize) return undefined;
    this.#waiting.shift();
    if (head.request.promptLogprobs === undefined) {
      const prefix = this.#prefixes?.lookup(head.request.promptIds);
      if (prefix) {
        head.prefill.startAfter(prefix);
        head.cachedTokens = prefix.length;
      }
    }
    this.#prefilling.push(head);
    this.#active.set(head.id, head);
    return head;
  }

  /** The prompt is in: announce, sample every candidate's first token, queue the rest to join. */
  #start(job: Job): void {
    const started = performance.now();
    const { prefill, request } = job;
    this.#keepPrefix(job);
    this.#announce(job);
    for (const candidate of job.candidates) {
      if (request.sampling.maxTokens === 0) {
        this.sink.event(job.id, candidate.finish("length"));
        continue;
      }
      for (const event of candidate.step(prefill.lastLogits)) this.sink.event(job.id, event);
      job.compute.generatedTokens++;
      this.#tokensGenerated++;
      if (candidate.finished === undefined) {
        this.#joining.push({ job, candidate, length: request.promptIds.length, joinFrom: prefill.cache });
      }
    }
    prefill.release();
    job.compute.milliseconds += performance.now() - started;
    this.#completeIfFinished(job);
  }

  /** Keeps a completed prompt's cache for reuse: its own row, copied out of a batched prefill. */
  #keepPrefix(job: Job): void {
    const ids = job.request.promptIds;
    if (!this.#prefixes || ids.length < PREFIX_CACHE_MIN_TOKENS) return;
    const { cache, row } = job.prefill.cache;
    const own = cache.batchSize === 1 && cache.length === ids.length
      ? cache
      : assembleCache(this.session.layout, [{ source: cache, row, length: ids.length }]);
    this.#prefixes.insert(ids, own);
  }

  /** Drops finished rows and adds joining ones, rebuilding the cache only if membership changed. */
  #updateMembership(): void {
    const survivors = this.#rows.map((row, index) => ({ row, index }))
      .filter(({ row }) => row.candidate.finished === undefined);
    const joining = this.#joining.filter((row) => row.candidate.finished === undefined);
    this.#joining = [];
    if (survivors.length === this.#rows.length && joining.length === 0) return;
    if (this.#slab) {
      this.#slab.retain(survivors.map(({ index }) => index));
      for (const row of joining) this.#slab.append(row.joinFrom!.cache, row.joinFrom!.row, row.length);
      this.#rows = [
        ...survivors.map(({ row }) => row),
        ...joining.map((row) => ({ ...row, joinFrom: undefined })),
      ];
      return;
    }
    const members = [
      ...survivors.map(({ row, index }) => ({ source: this.#cache!, row: index, length: row.length })),
      ...joining.map((row) => ({ source: row.joinFrom!.cache, row: row.joinFrom!.row, length: row.length })),
    ];
    this.#rows = [
      ...survivors.map(({ row }) => row),
      ...joining.map((row) => ({ ...row, joinFrom: undefined })),
    ];
    this.#cache = members.length > 0 ? assembleCache(this.session.layout, members) : undefined;
  }

  /** One decode step over every row; `started` = when the step's own work began. */
  async #decode(started: number): Promise<void> {
    const rows = this.#rows;
    const lastTokens = rows.map((row) => row.candidate.lastToken);
    const lengths = rows.map((row) => row.length);
    let logits: Float32Array;
    if (this.#slab) {
      const slab = this.#slab;
      const result = await this.session.forwardNew(slab.stepInput(lastTokens, lengths));
      slab.write(result.newKeys, result.newValues, lengths);
      logits = result.logits;
    } else {
      const cache = this.#cache!;
      const input = decodeStepInput(lastTokens, lengths, cache.length);
      const result = await this.session.forward({ ...input, past: cache });
      this.#cache = result.present;
      logits = result.logits;
    }
    this.#forwardPasses++;
    const V = this.session.layout.vocabSize;
    const rowsOfJob = new Map<Job, number>();
    rows.forEach((row, r) => {
      row.length++;
      if (row.candidate.finished !== undefined || row.job.done) return; // cancelled during the run
      for (const event of row.candidate.step(logits.subarray(r * V, (r + 1) * V))) {
        this.sink.event(row.job.id, event);
      }
      row.job.compute.generatedTokens++;
      this.#tokensGenerated++;
      rowsOfJob.set(row.job, (rowsOfJob.get(row.job) ?? 0) + 1);
      // Now, not when the row leaves: a request sent on this one's answer may be admitted next step.
      if (row.candidate.finished !== undefined) this.#keepSequence(row, r);
    });
    const share = (performance.now() - started) / rows.length;
    for (const [job, count] of rowsOfJob) {
      job.compute.forwardPasses++;
      job.compute.milliseconds += share * count;
      this.#completeIfFinished(job);
    }
  }

  /**
   * Keeps a finished row's cache for reuse: its prompt and generated tokens but the last, which was
   * sampled and never fed. A next chat turn, or a continuation of the text, then prefills only what is
   * new (blockwise decoding's next block: one token).
   */
  #keepSequence(row: Row, index: number): void {
    const prompt = row.job.request.promptIds;
    if (!this.#prefixes || row.length <= prompt.length) return;
    const ids = [...prompt, ...row.candidate.tokenIds.slice(0, row.length - prompt.length)];
    const slab = this.#slab;
    const batch = this.#cache;
    // Copied only if kept (an entry may already extend it, as an identical greedy candidate's does).
    this.#prefixes.insert(
      ids,
      () =>
        slab
          ? slab.rowCache(index, row.length)
          : assembleCache(this.session.layout, [{ source: batch!, row: index, length: row.length }]),
    );
  }

  /** Emits the job's "started" event, once; prompt log-probs once the prefill is complete. */
  #announce(job: Job): void {
    if (job.started) return;
    job.started = true;
    const { prefill, request } = job;
    this.sink.event(job.id, {
      type: "started",
      modelVersion: this.info.version,
      promptTokens: request.promptIds.length,
      cachedPromptTokens: job.cachedTokens,
      seed: request.sampling.seed ?? 0,
      ...(prefill.complete && prefill.logprobs ? { promptLogprobs: prefill.logprobs } : {}),
    });
  }

  #completeIfFinished(job: Job): void {
    if (job.candidates.every((candidate) => candidate.finished !== undefined)) this.#complete(job);
  }

  #complete(job: Job): void {
    if (job.done) return;
    job.done = true;
    this.#active.delete(job.id);
    this.sink.event(job.id, { type: "done", compute: { ...job.compute } });
  }

  /**
   * Each id's bytes for the JSON grammar (json_constraint.ts): the tokenizer's bytes, or for tokenizers
   * whose tokens are text the UTF-8 of the token decoded alone; null for special tokens and ids beyond the
   * tokenizer.
   */
  #grammarTokens(): readonly (Uint8Array | null)[] {
    this.#grammarTokenCache ??= Array.from({ length: this.session.layout.vocabSize }, (_, id) => {
      if (id >= this.tokenizer.vocabSize) return null;
      const bytes = this.tokenizer.tokenBytes(id);
      if (bytes !== undefined) return bytes;
      const text = this.tokenizer.decode([id], { skipSpecialTokens: true });
      return text === "" ? null : new TextEncoder().encode(text);
    });
    return this.#grammarTokenCache;
  }

  #tokenText(id: number): string {
    let text = this.#tokenTexts.get(id);
    if (text === undefined) {
      text = id < this.tokenizer.vocabSize ? this.tokenizer.decode([id]) : "";
      this.#tokenTexts.set(id, text);
    }
    return text;
  }
}
