/**
 * One generation request as an OpenTelemetry span with GenAI semantic-convention attributes,
 * plus its metrics (time to first token, duration, tokens, time per output token).
 *
 * @module
 */
import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Receipt } from "../aligners/mod.ts";
import type { GatewayMetrics, GenerationAttributes } from "./metrics.ts";

const tracer = trace.getTracer("iama-gateway");

/** What a request asks for, as far as telemetry records it. */
export interface GenerationRequestAttributes {
  operation: GenerationAttributes["operation"];
  model: string;
  requestId: string;
}

/** One aligner run as telemetry sees it. */
export interface AlignedRun {
  receipt: Receipt;
  weights: Readonly<Record<string, number>>;
  /** Who chose the aligner: the request, or the `auto` planner. */
  planner: string;
  budget?: Readonly<Record<string, number | undefined>>;
  /** Model version the calibration statistics were measured on (undefined: identity). */
  calibrationVersion?: string;
}

/** Span and metrics of one generation request; every method is safe to call after the end. */
export class GenerationTelemetry {
  private readonly span: Span;
  private readonly startedAt = performance.now();
  private firstTokenAt: number | undefined;
  private ended = false;
  /** Compute of the aligner runs so far (n > 1 choices run the aligner n times). */
  readonly #alignmentTotals: Record<string, number> = {};

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

  /**
   * An aligner ran: what it was, its budget, the weights and calibration it judged with, and what it
   * spent (`alignment.*` attributes; with n > 1 choices, the compute attributes sum over the runs).
   */
  aligned(run: AlignedRun): void {
    const spent = (key: string, value: number) => {
      const name = `alignment.compute.${key}`;
      this.#alignmentTotals[name] = (this.#alignmentTotals[name] ?? 0) + value;
      this.span.setAttribute(name, this.#alignmentTotals[name]);
    };
    this.span.setAttributes({
      "alignment.aligner": run.receipt.aligner,
      "alignment.params": JSON.stringify(run.receipt.params),
      "alignment.weights": JSON.stringify(run.weights),
      "alignment.aggregator": run.receipt.aggregator ?? "sum",
      "alignment.model_version": run.receipt.modelVersion,
      "alignment.calibration_version": run.calibrationVersion ?? "identity",
      "alignment.planner": run.planner,
      "alignment.candidates": run.receipt.candidates,
      "alignment.chosen": run.receipt.chosen,
    });
    for (const [key, value] of Object.entries(run.budget ?? {})) {
      if (typeof value === "number") this.span.setAttribute(`alignment.budget.${key}`, value);
    }
    if (typeof run.receipt.aggregate === "number") {
      this.span.setAttribute("alignment.aggregate", run.receipt.aggregate);
    }
    const compute = run.receipt.compute;
    spent("forward_passes", compute.forwardPasses);
    spent("generated_tokens", compute.generatedTokens);
    spent("reward_evaluations", compute.rewardEvaluations);
    spent("milliseconds", compute.milliseconds);
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
