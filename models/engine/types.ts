/**
 * The engine contract: what callers (routes/, aligners/, trainer/) ask of the generation
 * engine and what it streams back. The engine owns tokenisation, batching, KV caches,
 * sampling, seeds, stop handling, cancellation and compute accounting; callers never run
 * a decode loop themselves (STYLE.md, "one decode loop").
 */

/** How each token is chosen. Defaults follow the OpenAI API. */
export interface SamplingParams {
  /** 0 = greedy. */
  temperature: number;
  /** Nucleus sampling mass (1 = off). */
  topP: number;
  /** Keep the k most likely tokens (0 = off). */
  topK: number;
  /** OpenAI presence penalty: subtract α·[count > 0] from a token's logit. */
  presencePenalty: number;
  /** OpenAI frequency penalty: subtract α·count from a token's logit. */
  frequencyPenalty: number;
  /** Most tokens to generate per candidate. */
  maxTokens: number;
  /** Generation stops before any of these strings; the string itself is not returned. */
  stop: string[];
  /** Keep generating past the end-of-sequence token. */
  ignoreEos: boolean;
  /** Same seed ⇒ same tokens for every candidate, whatever else runs in the batch. */
  seed?: number;
  /**
   * Return each generated token's log-prob with this many top alternatives (0 = log-prob only).
   * Left out, log-probs are not computed and `GeneratedToken.logprob` is NaN.
   */
  logprobs?: number;
}

export interface GenerationRequest {
  /** Name of a loaded model ("default" for the embedded one). */
  model: string;
  /** Prompt as token ids (use `tokenize` on the engine) — every candidate continues it. */
  promptIds: number[];
  /** Number of candidates; they share one prefill of the prompt. */
  n: number;
  sampling: SamplingParams;
  /** Also return the prompt tokens' log-probs (for `echo` with `logprobs`), with this many alternatives. */
  promptLogprobs?: number;
}

/** A prompt token's log-prob entry (the first prompt token has none). */
export type PromptLogprob = GeneratedToken | { tokenId: number; text: string; logprob: null };

export interface TokenLogprob {
  tokenId: number;
  /** The token's text (bytes of a partial UTF-8 character show as U+FFFD). */
  text: string;
  logprob: number;
}

export interface GeneratedToken extends TokenLogprob {
  /** Top alternatives, most likely first, when `logprobs` was asked for. */
  topLogprobs?: TokenLogprob[];
}

export type FinishReason = "stop" | "length" | "cancelled";

/** Work done for one request, summed over its candidates. */
export interface ComputeSpent {
  /** Prompt tokens run through the model (once per request: candidates share the prefill). */
  prefillTokens: number;
  /** Tokens generated, over all candidates. */
  generatedTokens: number;
  /** Model forward passes (session runs) this request took part in. */
  forwardPasses: number;
  /**
   * Engine time charged to this request: its prefill runs in full, plus each decode step's time
   * (forward and sampling) split evenly over the rows in that step. Queueing time is not included.
   */
  milliseconds: number;
}

export type GenerationEvent =
  | {
    type: "started";
    /** The model version that serves the whole request (hot swaps never change it mid-request). */
    modelVersion: string;
    promptTokens: number;
    /** The seed the candidates use (`sampling.seed`, or the random one drawn when it was absent). */
    seed: number;
    /** With `promptLogprobs`: one entry per prompt token (the first has logprob null). */
    promptLogprobs?: PromptLogprob[];
  }
  | {
    /**
     * One generated token. An end-of-sequence token that finishes the candidate is reported too
     * (with textDelta ""), so callers see its id and log-prob; special tokens never appear in text.
     */
    type: "token";
    candidate: number;
    token: GeneratedToken;
    /** Text this token completes, after stop-string hold-back (may be "" while a stop string could still match). */
    textDelta: string;
  }
  | {
    type: "finished";
    candidate: number;
    reason: FinishReason;
    /** Trailing text released at the end (held back for a possible stop string that did not match). */
    textDelta: string;
    completionTokens: number;
  }
  | { type: "done"; compute: ComputeSpent };

/** Engine as seen by its callers. */
export interface GenerationEngine {
  /**
   * Streams the request's events: "started", then "token"/"finished" per candidate, then "done" (last).
   * Aborting `signal`, or leaving the loop early, finishes every candidate as "cancelled" and frees its
   * batch slots. Errors (UnknownModelError, ContextLengthError, InvalidRequestError, OverloadedError,
   * EngineClosedError, EngineInternalError from errors.ts) are thrown by the iteration, before "started"
   * except for internal failures.
   */
  generate(request: GenerationRequest, signal?: AbortSignal): AsyncIterable<GenerationEvent>;
  /** Token ids of `text` under `model`'s tokenizer (no special tokens added; those written in the text count). */
  tokenize(model: string, text: string): Promise<number[]>;
  /** Text of token ids. */
  detokenize(model: string, ids: number[]): Promise<string>;
  /** The loaded models with their context length and chat template. */
  models(): ModelInfo[];
  /** Health for /readyz and /metrics. */
  stats(): EngineStats;
  close(): Promise<void>;
}

export interface ModelInfo {
  name: string;
  version: string;
  contextLength: number;
  vocabSize: number;
  eosTokenIds: number[];
  /** Jinja chat template from tokenizer_config.json, if any. */
  chatTemplate?: string;
  /** Special tokens the chat template refers to (bos_token, eos_token, ...). */
  specialTokens: Record<string, string>;
}

export interface EngineStats {
  running: number;
  waiting: number;
  /** Sequences (candidates) in the decode batch now. */
  batchSize: number;
  tokensGenerated: number;
  forwardPasses: number;
}
