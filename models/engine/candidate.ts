/**
 * One candidate (one of a request's n continuations): its seeded generator, its token counts
 * for the penalties, its streamed text with stop-string hold-back, and when it ends.
 * The scheduler hands it a row of raw logits per step; it answers with the events to stream.
 *
 * @module
 */
import type { Rng } from "../random.ts";
import type { StreamDecoder } from "../tokenizer/mod.ts";
import { type ByteGrammar, JsonConstraint, type JsonMaskCache } from "./json_constraint.ts";
import { chooseToken, type LogitsProcessor } from "./logits_processors.ts";
import { tokenLogprob } from "./log_probs.ts";
import { StopStringFilter } from "./stop_strings.ts";
import type { FinishReason, GenerationEvent, SamplingParams } from "./types.ts";

/** What every candidate of one request shares. */
export interface CandidateContext {
  params: SamplingParams;
  chain: readonly LogitsProcessor[];
  /** End-of-sequence ids that finish a candidate (empty with `ignoreEos`). */
  eosTokenIds: ReadonlySet<number>;
  /** Text shown for one token id in log-prob entries. */
  tokenText: (id: number) => string;
  /** Streamed detokenisation of the generated text. */
  streamDecoder: () => StreamDecoder;
  /** A [V] buffer the logits processors may overwrite. */
  scratch: Float32Array;
  /** With a JSON `responseFormat`: its grammar, each token id's bytes, and the model's end ids. */
  json?: {
    grammar: ByteGrammar<unknown>;
    tokens: () => readonly (Uint8Array | null)[];
    endTokenIds: readonly number[];
    masks: JsonMaskCache;
  };
}

/** The state of one candidate between decode steps. */
export class Candidate {
  readonly counts: Map<number, number> = new Map();
  readonly #tokenIds: number[] = [];
  #lastToken = -1;
  #finished: FinishReason | undefined;
  readonly #decoder: StreamDecoder;
  readonly #stops: StopStringFilter;
  readonly #json: JsonConstraint | undefined;
  /** The context's processors, after the JSON constraint's when there is one. */
  readonly #chain: readonly LogitsProcessor[];

  /**
   * @param resumed tokens an earlier request of the same seed generated before this one continues them
   *   (`GenerationRequest.resumeTokens`): counted for the penalties, and the generator skips the draws
   *   they took, so the stream goes on where it stopped.
   */
  constructor(
    readonly index: number,
    readonly rng: Rng,
    readonly context: CandidateContext,
    resumed: readonly number[] = [],
  ) {
    this.#decoder = context.streamDecoder();
    this.#stops = new StopStringFilter(context.params.stop);
    for (const tokenId of resumed) this.counts.set(tokenId, (this.counts.get(tokenId) ?? 0) + 1);
    if (context.json) {
      const { grammar, tokens, endTokenIds, masks } = context.json;
      this.#json = new JsonConstraint(grammar, tokens(), endTokenIds, resumed, masks);
    }
    this.#chain = this.#json ? [this.#json.mask, ...context.chain] : context.chain;
    // chooseToken takes exactly one nextFloat per sampled token, none when greedy.
    const skippedDraws = context.params.temperature > 0 ? resumed.length : 0;
    for (let i = 0; i < skippedDraws; i++) rng.nextFloat();
  }

  /** The token to feed at the next decode step. */
  get lastToken(): number {
    return this.#lastToken;
  }

  get generated(): number {
    return this.#tokenIds.length;
  }

  /** The tokens generated so far (by this request: resumed ones not included). */
  get tokenIds(): readonly number[] {
    return this.#tokenIds;
  }

  get finished(): FinishReason | undefined {
    return this.#finished;
  }

  /** Chooses the next token from raw `logits` [V]; returns its "token" event and a "finished" one if it ended. */
  step(logits: Float32Array): GenerationEvent[] {
    const { params, eosTokenIds, tokenText, scratch } = this.context;
    const tokenId = chooseToken(logits, this.#chain, this.counts, params, this.rng, scratch);
    this.#json?.accept(tokenId);
    // Log-probs cost a pass of exp over the vocabulary: only when asked for (the trainer asks with 0).
    const token = params.logprobs === undefined
      ? { tokenId, text: tokenText(tokenId), logprob: NaN }
      : tokenLogprob(logits, tokenId, params.logprobs, tokenText);
    this.#tokenIds.push(tokenId);
    this.#lastToken = tokenId;
    this.counts.set(tokenId, (this.counts.get(tokenId) ?? 0) + 1);
    const isEos = eosTokenIds.has(tokenId);
    const textDelta = isEos ? "" : this.#stops.push(this.#decoder.push(tokenId));
    const events: GenerationEvent[] = [{ type: "token", candidate: this.index, token, textDelta }];
    if (this.#stops.stopped || isEos) events.push(this.#finish("stop"));
    else if (this.#tokenIds.length >= params.maxTokens) events.push(this.#finish("length"));
    return events;
  }

  /**
   * Ends the candidate (cancellation, or max_tokens 0); returns its "finished" event.
   *
   * @example
   * ```ts ignore
   * candidate.finish("cancelled"); // { type: "finished", reason: "cancelled", textDelta: held text, ... }
   * ```
   */
  finish(reason: FinishReason): GenerationEvent {
    return this.#finish(reason);
  }

  #finish(reason: FinishReason): GenerationEvent {
    if (this.#finished !== undefined) throw new Error(`candidate ${this.index} finished twice`);
    this.#finished = reason;
    let textDelta = "";
    if (!this.#stops.stopped) {
      textDelta = this.#stops.push(this.#decoder.flush());
      if (!this.#stops.stopped) textDelta += this.#stops.finish();
    }
    return {
      type: "finished",
      candidate: this.index,
      reason,
      textDelta,
      completionTokens: this.#tokenIds.length,
    };
  }
}
