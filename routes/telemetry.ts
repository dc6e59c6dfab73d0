/**
 * One generation request as an OpenTelemetry span with GenAI semantic-convention attributes,
 * plus its metrics (time to first token, duration, tokens, time per output token).
 *
 * @module
 */
import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { GatewayMetrics, GenerationAttributes } from "./metrics.ts";

const tracer = trace.getTracer("iama-gateway");

/** What a request asks for, as far as telemetry records it. */
export interface GenerationRequestAttributes {
  operation: GenerationAttributes["operation"];
  model: string;
  requestId: string;
}

/** Span and metrics of one generation request; every method is safe to call after the end. */
export class GenerationTelemetry {
  private readonly span: Span;
  private readonly startedAt = performance.now();
  private firstTokenAt: number | undefined;
  private ended = false;

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly request: GenerationRequestAttributes,
  ) {
    this.span = tracer.startSpan(`${request.operation} ${request.model}`, {
      attributes: {
        "gen_ai.operation.name": request.operation,
        "gen_ai.request.model": request.model,
        "http.request.id": request.requestId,
      },
    });
  }

  /** The request was converted: record what it asks of the engine. */
  requested(
    sampling: { maxTokens: number; temperature: number; topP: number; n: number; seed?: number },
  ): void {
    this.span.setAttributes({
      "gen_ai.request.max_tokens": sampling.maxTokens,
      "gen_ai.request.temperature": sampling.temperature,
      "gen_ai.request.top_p": sampling.topP,
      "gen_ai.request.choice.count": sampling.n,
    });
    if (sampling.seed !== undefined) this.span.setAttribute("gen_ai.request.seed", sampling.seed);
  }

  /** An aligner ran: what it was and what it spent (`alignment.*` attributes). */
  aligned(run: { aligner: string; n: number; candidates: number; generatedTokens: number }): void {
    this.span.setAttributes({
      "alignment.aligner": run.aligner,
      "alignment.n": run.n,
      "alignment.candidates": run.candidates,
      "alignment.generated_tokens": run.generatedTokens,
    });
  }

  /** The engine started: the response's id and the model version serving it. */
  started(responseId: string, modelVersion: string): void {
    this.span.setAttributes({ "gen_ai.response.id": responseId, "gen_ai.response.model": modelVersion });
  }

  /** A token arrived; the first one fixes the time to first token. */
  token(): void {
    if (this.firstTokenAt !== undefined || this.ended) return;
    this.firstTokenAt = performance.now();
    this.metrics.firstToken(this.attributes(), (this.firstTokenAt - this.startedAt) / 1000);
  }

  /** The generation finished normally. */
  finished(usage: { inputTokens: number; outputTokens: number }, finishReasons: string[]): void {
    if (this.ended) return;
    this.span.setAttributes({
      "gen_ai.usage.input_tokens": usage.inputTokens,
      "gen_ai.usage.output_tokens": usage.outputTokens,
      "gen_ai.response.finish_reasons": finishReasons,
    });
    this.end(usage, undefined);
  }

  /** The generation failed or the client went away (`errorType` = `cancelled`). */
  failed(errorType: string, message: string, usage = { inputTokens: 0, outputTokens: 0 }): void {
    if (this.ended) return;
    this.span.setAttribute("error.type", errorType);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
    this.end(usage, errorType);
  }

  private end(usage: { inputTokens: number; outputTokens: number }, errorType: string | undefined): void {
    this.ended = true;
    const now = performance.now();
    const perToken = this.firstTokenAt !== undefined && usage.outputTokens > 1
      ? (now - this.firstTokenAt) / 1000 / (usage.outputTokens - 1)
      : undefined;
    this.metrics.generationEnded(
      { ...this.attributes(), errorType },
      (now - this.startedAt) / 1000,
      usage,
      perToken,
    );
    this.span.end();
  }

  private attributes(): GenerationAttributes {
    return { operation: this.request.operation, model: this.request.model };
  }
}
