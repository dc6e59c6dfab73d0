/**
 * Engine results → `/v1/chat/completions` wire objects: the whole response, and stream chunks
 * one engine event at a time (each choice's first chunk carries `delta.role`).
 *
 * @module
 */
import type { FinishReason, GeneratedToken, GenerationEvent } from "../models/engine/types.ts";
import type {
  ChatCompletionChunk,
  ChatCompletionResponse,
  ChatTokenLogprob,
} from "./chat_completions_schema.ts";
import { type ResponseMeta, sumUsage, type Usage, wireFinishReason } from "./common_schema.ts";
import { callsOf, type ToolCall, toolCallId, type ToolPlan } from "./tool_calls.ts";

type WireFinishReason = ChatCompletionResponse["choices"][number]["finish_reason"];
type ChatDelta = ChatCompletionChunk["choices"][number]["delta"];
import type { CollectedGeneration, StartedEvent } from "./generation.ts";

const encoder = new TextEncoder();

/**
 * One token's chat log-prob entry, with its UTF-8 bytes and alternatives.
 *
 * @example
 * ```ts
 * import { chatTokenLogprob } from "./chat_completions_response.ts";
 * const entry = chatTokenLogprob({ tokenId: 5, text: "é", logprob: -1, topLogprobs: [{ tokenId: 6, text: "e", logprob: -2 }] });
 * if (entry.bytes?.join() !== "195,169" || entry.top_logprobs[0].token !== "e") throw new Error();
 * ```
 */
export function chatTokenLogprob(token: GeneratedToken): ChatTokenLogprob {
  return {
    token: token.text,
    logprob: token.logprob,
    bytes: [...encoder.encode(token.text)],
    top_logprobs: (token.topLogprobs ?? []).map((alternative) => ({
      token: alternative.text,
      logprob: alternative.logprob,
      bytes: [...encoder.encode(alternative.text)],
    })),
  };
}

/**
 * The non-streamed response. Tokens in `endTokenIds` (end of sequence) are left out of the
 * log-probs, as OpenAI's chat API does: they are not part of the content.
 */
export function chatCompletionResponse(
  meta: ResponseMeta,
  generation: CollectedGeneration,
  withLogprobs: boolean,
  endTokenIds: readonly number[],
  tools: ToolPlan = { kind: "none" },
): ChatCompletionResponse {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    system_fingerprint: meta.systemFingerprint,
    choices: generation.candidates.map((candidate, index) => {
      const answer = assistantAnswer(tools, candidate.text, candidate.finishReason);
      return {
        index,
        message: { role: "assistant", content: answer.content, refusal: null, ...answer.toolCalls },
        logprobs: withLogprobs
          ? {
            content: candidate.tokens.filter((t) => !endTokenIds.includes(t.tokenId)).map(chatTokenLogprob),
            refusal: null,
          }
          : null,
        finish_reason: answer.finishReason,
      };
    }),
    usage: sumUsage([generation.started], generation.candidates.map((c) => c.completionTokens)),
  };
}

/**
 * An answer as the assistant's message: its text, or with forced tool calls the calls it makes (a named
 * function: finish reason as generated; "required": `tool_calls`, unless max_tokens cut the list, which
 * then comes back as content).
 */
function assistantAnswer(
  tools: ToolPlan,
  text: string,
  reason: FinishReason,
): { content: string | null; toolCalls?: { tool_calls: ToolCall[] }; finishReason: WireFinishReason } {
  const calls = callsOf(tools, text);
  if (calls === undefined) return { content: text, finishReason: wireFinishReason(reason) };
  return {
    content: null,
    toolCalls: { tool_calls: calls },
    finishReason: tools.kind === "required" ? "tool_calls" : wireFinishReason(reason),
  };
}

/** Turns the engine events of a streamed chat request into chunks (end-of-sequence tokens send none). */
export class ChatCompletionStream {
  private readonly completionTokens: number[];
  private readonly finishReasons: WireFinishReason[] = [];
  /** With a named tool: each choice's call id once its first piece went out. */
  private readonly callIds: (string | undefined)[];
  /** With "required" tools: each choice's text so far (the calls go out whole when it ends). */
  private readonly texts: string[];

  constructor(
    private readonly meta: ResponseMeta,
    private readonly started: StartedEvent,
    private readonly n: number,
    private readonly withLogprobs: boolean,
    private readonly includeUsage: boolean,
    private readonly endTokenIds: readonly number[],
    private readonly tools: ToolPlan = { kind: "none" },
  ) {
    this.completionTokens = new Array(n).fill(0);
    this.callIds = new Array(n).fill(undefined);
    this.texts = new Array(n).fill("");
  }

  /** One chunk per choice announcing the assistant's role. */
  openingChunks(): ChatCompletionChunk[] {
    return Array.from(
      { length: this.n },
      (_, index) =>
        this.chunk([{
          index,
          delta: { role: "assistant", content: "" },
          logprobs: null,
          finish_reason: null,
        }]),
    );
  }

  /** The chunk for one engine event, or undefined when it carries nothing to send. */
  eventChunk(_source: number, event: GenerationEvent): ChatCompletionChunk | undefined {
    if (event.type === "finished") {
      this.completionTokens[event.candidate] = event.completionTokens;
      let reason: WireFinishReason = wireFinishReason(event.reason);
      let delta: ChatDelta = event.textDelta === "" ? {} : this.textDelta(event.candidate, event.textDelta);
      if (this.tools.kind === "named" && this.callIds[event.candidate] === undefined) {
        delta = this.textDelta(event.candidate, ""); // a call with empty arguments still names its function
      } else if (this.tools.kind === "required") {
        const answer = assistantAnswer(this.tools, this.texts[event.candidate], event.reason);
        reason = answer.finishReason;
        delta = answer.toolCalls
          ? { tool_calls: answer.toolCalls.tool_calls.map((call, index) => ({ index, ...call })) }
          : { content: answer.content };
      }
      this.finishReasons.push(reason);
      return this.chunk([{ index: event.candidate, delta, logprobs: null, finish_reason: reason }]);
    }
    if (event.type !== "token" || event.textDelta === "" && !this.withLogprobs) return undefined;
    if (event.textDelta === "" && this.endTokenIds.includes(event.token.tokenId)) return undefined;
    return this.chunk([{
      index: event.candidate,
      delta: event.textDelta === "" ? {} : this.textDelta(event.candidate, event.textDelta),
      logprobs: this.withLogprobs ? { content: [chatTokenLogprob(event.token)], refusal: null } : null,
      finish_reason: null,
    }]);
  }

  /** What new text adds to a choice: content, a piece of a named call's arguments, or nothing yet. */
  private textDelta(candidate: number, text: string): ChatDelta {
    switch (this.tools.kind) {
      case "none":
        return { content: text };
      case "required":
        this.texts[candidate] += text;
        return {};
      case "named": {
        const id = this.callIds[candidate];
        if (id !== undefined) return { tool_calls: [{ index: 0, function: { arguments: text } }] };
        this.callIds[candidate] = toolCallId();
        return {
          tool_calls: [{
            index: 0,
            id: this.callIds[candidate],
            type: "function",
            function: { name: this.tools.name, arguments: text },
          }],
        };
      }
    }
  }

  /** Totals so far (complete once every choice finished). */
  usage(): Usage {
    return sumUsage([this.started], this.completionTokens);
  }

  /** Finish reasons in the order choices finished. */
  finishReasonsSeen(): string[] {
    return [...this.finishReasons];
  }

  /** The last chunk with `stream_options.include_usage`: no choices, the usage. */
  usageChunk(): ChatCompletionChunk {
    return { ...this.chunk([]), usage: this.usage() };
  }

  private chunk(choices: ChatCompletionChunk["choices"]): ChatCompletionChunk {
    const { id, created, model, systemFingerprint } = this.meta;
    const chunk: ChatCompletionChunk = {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: systemFingerprint,
      choices,
    };
    if (this.includeUsage) chunk.usage = null;
    return chunk;
  }
}
