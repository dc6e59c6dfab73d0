/**
 * The gateway's metrics, recorded twice from one call: as Prometheus series for `/metrics` and
 * as OpenTelemetry instruments with GenAI semantic-convention names (exported by Deno's
 * built-in OTLP exporter when `OTEL_DENO=true`).
 *
 * @module
 */
import { type Attributes, metrics as otelMetrics } from "@opentelemetry/api";
import type { EngineStats } from "../models/engine/types.ts";
import { PrometheusRegistry } from "./prometheus.ts";

/** Bucket bounds (seconds) of the GenAI semantic conventions' duration histograms. */
export const DURATION_BUCKETS = [
  0.01,
  0.02,
  0.04,
  0.08,
  0.16,
  0.32,
  0.64,
  1.28,
  2.56,
  5.12,
  10.24,
  20.48,
  40.96,
  81.92,
];
/** Bucket bounds (seconds) for time per output token. */
export const TOKEN_TIME_BUCKETS = [
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.15,
  0.2,
  0.3,
  0.5,
  1,
  2.5,
];
const TOKEN_COUNT_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536];

/** Attributes of one generation as the GenAI conventions name them. */
export interface GenerationAttributes {
  operation: "chat" | "text_completion";
  model: string;
  /** Set when the request failed (an error class name, or `cancelled`). */
  errorType?: string;
}

/** Counts and timings of requests and generations, plus the engine's own state at scrape time. */
export class GatewayMetrics {
  /** Series rendered at `/metrics`. */
  readonly registry: PrometheusRegistry = new PrometheusRegistry();
  private readonly meter = otelMetrics.getMeter("iama-gateway");

  private readonly httpRequests = this.registry.counter(
    "http_requests_total",
    "HTTP requests by route and status.",
  );
  private readonly httpDuration = this.registry.histogram(
    "http_request_duration_seconds",
    "Time from request to response headers, by route.",
    DURATION_BUCKETS,
  );
  private readonly requestDuration = this.registry.histogram(
    "gen_ai_server_request_duration_seconds",
    "Generation time from request to last token (streams included).",
    DURATION_BUCKETS,
  );
  private readonly timeToFirstToken = this.registry.histogram(
    "gen_ai_server_time_to_first_token_seconds",
    "Time from request to the first generated token.",
    DURATION_BUCKETS,
  );
  private readonly timePerOutputToken = this.registry.histogram(
    "gen_ai_server_time_per_output_token_seconds",
    "Time per generated token after the first.",
    TOKEN_TIME_BUCKETS,
  );
  private readonly tokens = this.registry.counter(
    "gen_ai_tokens_total",
    "Tokens by model and type (input, output).",
  );

  private readonly otel = {
    tokenUsage: this.meter.createHistogram("gen_ai.client.token.usage", {
      description: "Tokens used per request, by gen_ai.token.type.",
      unit: "{token}",
      advice: { explicitBucketBoundaries: TOKEN_COUNT_BUCKETS },
    }),
    requestDuration: this.meter.createHistogram("gen_ai.server.request.duration", {
      description: "Generation time from request to last token.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    timeToFirstToken: this.meter.createHistogram("gen_ai.server.time_to_first_token", {
      description: "Time to generate the first token.",
      unit: "s",
      advice: { explicitBucketBoundaries: DURATION_BUCKETS },
    }),
    timePerOutputToken: this.meter.createHistogram("gen_ai.server.time_per_output_token", {
      description: "Time per output token after the first.",
      unit: "s",
      advice: { explicitBucketBoundaries: TOKEN_TIME_BUCKETS },
    }),
  };

  /** @param engineStats read at each scrape for the engine gauges */
  constructor(engineStats: () => EngineStats) {
    this.registry.gauge(
      "engine_requests_running",
      "Requests the engine is generating for.",
      () => engineStats().running,
    );
    this.registry.gauge(
      "engine_requests_waiting",
      "Requests queued for the engine.",
      () => engineStats().waiting,
    );
    this.registry.gauge("engine_batch_size", "Sequences in the decode batch.", () => engineStats().batchSize);
    this.registry.counter(
      "engine_tokens_generated_total",
      "Tokens the engine generated.",
      () => engineStats().tokensGenerated,
    );
    this.registry.counter(
      "engine_forward_passes_total",
      "Model forward passes.",
      () => engineStats().forwardPasses,
    );
    this.registry.counter(
      "engine_prefix_cache_reused_tokens_total",
      "Prompt tokens whose KV cache was reused from an earlier prompt instead of prefilled.",
      () => engineStats().promptTokensReused,
    );
  }

  /** One HTTP request answered (`seconds` until the response headers). */
  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.httpRequests.inc({ route, method, status: String(status) });
    this.httpDuration.observe(seconds, { route, method });
  }

  /** The first token of a generation arrived. */
  firstToken(attributes: GenerationAttributes, seconds: number): void {
    this.timeToFirstToken.observe(seconds, { model: attributes.model, operation: attributes.operation });
    this.otel.timeToFirstToken.record(seconds, otelAttributes(attributes));
  }

  /** A generation ended (finished, failed or cancelled) after `seconds`. */
  generationEnded(
    attributes: GenerationAttributes,
    seconds: number,
    usage: { inputTokens: number; outputTokens: number },
    secondsPerOutputToken: number | undefined,
  ): void {
    const labels = { model: attributes.model, operation: attributes.operation };
    this.requestDuration.observe(seconds, labels);
    this.tokens.inc({ model: attributes.model, type: "input" }, usage.inputTokens);
    this.tokens.inc({ model: attributes.model, type: "output" }, usage.outputTokens);
    const otel = otelAttributes(attributes);
    this.otel.requestDuration.record(seconds, otel);
    this.otel.tokenUsage.record(usage.inputTokens, { ...otel, "gen_ai.token.type": "input" });
    this.otel.tokenUsage.record(usage.outputTokens, { ...otel, "gen_ai.token.type": "output" });
    if (secondsPerOutputToken !== undefined) {
      this.timePerOutputToken.observe(secondsPerOutputToken, labels);
      this.otel.timePerOutputToken.record(secondsPerOutputToken, otel);
    }
  }
}

function otelAttributes(attributes: GenerationAttributes): Attributes {
  const result: Attributes = {
    "gen_ai.operation.name": attributes.operation,
    "gen_ai.request.model": attributes.model,
  };
  if (attributes.errorType !== undefined) result["error.type"] = attributes.errorType;
  return result;
}
