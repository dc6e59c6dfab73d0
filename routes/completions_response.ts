/**
 * Engine results → `/v1/completions` wire objects: the whole response, and stream chunks one
 * engine event at a time. Choice `index` is `prompt × n + candidate`, as in OpenAI's API.
 *
 * @module
 */
import type { GenerationEvent, PromptLogprob } from "../models/engine/types.ts";
import type { CompletionLogprobs, CompletionResponse } from "./completions_schema.ts";
import { type ResponseMeta, sumUsage, type Usage, wireFinishReason } from "./common_schema.ts";
import type { CollectedGeneration, StartedEvent } from "./generation.ts";

/** A token's log-prob as the engine reports it (a generated token, or a prompt token: the first has none). */
export type LogprobEntry = PromptLogprob;

/**
 * Legacy logprobs for these tokens; `text_offset` counts characters from `startOffset`.
 *
 * @example
 * ```ts
 * import { completionLogprobs } from "./completions_response.ts";
 * const lp = completionLogprobs([
 *   { tokenId: 1, text: "Hi", logprob: null },
 *   { tokenId: 2, text: " there", logprob: -0.5, topLogprobs: [{ tokenId: 3, text: "!", logprob: -0.1 }] },
 * ], 0);
 * if (lp.text_offset[1] !== 2 || lp.top_logprobs[0] !== null || lp.top_logprobs[1]?.[" there"] !== -0.5) throw new Error();
 * ```
 */
export function completionLogprobs(
  entries: readonly LogprobEntry[],
  startOffset: number,
): CompletionLogprobs {
  const result: CompletionLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let offset = startOffset;
  for (const entry of entries) {
    result.tokens.push(entry.text);
    result.token_logprobs.push(entry.logprob);
    result.top_logprobs.push(topLogprobs(entry));
    result.text_offset.push(offset);
    offset += entry.text.length;
  }
  return result;
}

/** The alternatives and the chosen token (OpenAI always includes the sampled one). */
function topLogprobs(entry: LogprobEntry): Record<string, number> | null {
  if (entry.logprob === null) return null;
  const top: Record<string, number> = {};
  for (const alternative of ("topLogprobs" in entry ? entry.topLogprobs : undefined) ?? []) {
    if (!(alternative.text in top)) top[alternative.text] = alternative.logprob;
  }
  if (!(entry.text in top)) top[entry.text] = entry.logprob;
  return top;
}

/** One prompt of the request: its engine result and, with `echo`, its text. */
export interface PromptResult {
  generation: CollectedGeneration;
  echoText?: string;
}

/** The non-streamed response. */
export function completionResponse(
  meta: ResponseMeta,
  results: readonly PromptResult[],
  withLogprobs: boolean,
): CompletionResponse {
  const n = results[0]?.generation.candidates.length ?? 0;
  return {
    id: meta.id,
    object: "text_completion",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: results.flatMap(({ generation, echoText }, p) =>
      generation.candidates.map((candidate, i) => {
        const echoed = echoText === undefined ? [] : generation.started.promptLogprobs ?? [];
        return {
          text: (echoText ?? "") + candidate.text,
          index: p * n + i,
          logprobs: withLogprobs ? completionLogprobs([...echoed, ...candidate.tokens], 0) : null,
          finish_reason: wireFinishReason(candidate.finishReason),
        };
      })
    ),
    usage: sumUsage(
      results.map((r) => r.generation.started),
      results.flatMap((r) => r.generation.candidates.map((c) => c.completionTokens)),
    ),
  };
}

/** Turns engine events of a streamed request into chunks. */
export class CompletionStream {
  private readonly offsets: number[];
  private readonly completionTokens: number[];
  private readonly finishReasons: ("stop" | "length")[] = [];

  constructor(
    private readonly meta: ResponseMeta,
    private readonly prompts: readonly { started: StartedEvent; echoText?: string }[],
    private readonly n: number,
    private readonly withLogprobs: boolean,
    private readonly includeUsage: boolean,
  ) {
    this.offsets = new Array(prompts.length * n).fill(0);
    this.completionTokens = new Array(prompts.length * n).fill(0);
  }

  /** With `echo`: each choice's first chunk carries its prompt (and the prompt's log-probs). */
  openingChunks(): CompletionResponse[] {
    return this.prompts.flatMap(({ started, echoText }, p) => {
      if (echoText === undefined) return [];
      return Array.from({ length: this.n }, (_, i) => {
        const index = p * this.n + i;
        const logprobs = this.withLogprobs ? completionLogprobs(started.promptLogprobs ?? [], 0) : null;
        this.offsets[index] = echoText.length;
        return this.chunk([{ text: echoText, index, logprobs, finish_reason: null }]);
      });
    });
  }

  /** The chunk for one event of prompt `source`, or undefined when it carries nothing to send. */
  eventChunk(source: number, event: GenerationEvent): CompletionResponse | undefined {
    if (event.type !== "token" && event.type !== "finished") return undefined;
    const index = source * this.n + event.candidate;
    if (event.type === "finished") {
      this.completionTokens[index] = event.completionTokens;
      const reason = wireFinishReason(event.reason);
      this.finishReasons.push(reason);
      return this.chunk([{ text: event.textDelta, index, logprobs: null, finish_reason: reason }]);
    }
    if (event.textDelta === "" && !this.withLogprobs) return undefined;
    const logprobs = this.withLogprobs ? completionLogprobs([event.token], this.offsets[index]) : null;
    this.offsets[index] += event.token.text.length;
    return this.chunk([{ text: event.textDelta, index, logprobs, finish_reason: null }]);
  }

  /** Totals so far (complete once every choice finished). */
  usage(): Usage {
    return sumUsage(this.prompts.map((p) => p.started), this.completionTokens);
  }

  /** Finish reasons in the order choices finished. */
  finishReasonsSeen(): string[] {
    return [...this.finishReasons];
  }

  /** The last chunk with `stream_options.include_usage`: no choices, the usage. */
  usageChunk(): CompletionResponse {
    return { ...this.chunk([]), usage: this.usage() };
  }

  private chunk(choices: CompletionResponse["choices"]): CompletionResponse {
    const { id, created, model, systemFingerprint } = this.meta;
    const chunk: CompletionResponse = {
      id,
      object: "text_completion",
      created,
      model,
      system_fingerprint: systemFingerprint,
      choices,
    };
    if (this.includeUsage) chunk.usage = null;
    return chunk;
  }
}
