/**
 * What route handlers are given: the engine, metrics, server defaults, the shutdown signal
 * and a log; plus the Hono environment they share and small helpers every handler needs.
 *
 * @module
 */
import type { Context } from "hono";
import { UnknownModelError } from "../models/engine/errors.ts";
import type { GenerationEngine, ModelInfo } from "../models/engine/types.ts";
import type { AlignmentDeps } from "./alignment.ts";
import type { ServerDefaults } from "./common_schema.ts";
import { describeError } from "./errors.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { sseError } from "./sse.ts";

/** Hono variables set by the app's middleware. */
export interface AppEnv {
  Variables: { requestId: string };
}

/** Writes one line of server log (with the error, for unexpected failures). */
export type Log = (line: string, error?: unknown) => void;

/** Everything the handlers use. */
export interface RouteDeps {
  engine: GenerationEngine;
  metrics: GatewayMetrics;
  defaults: ServerDefaults;
  /** Criteria, calibration and the default spec of aligned requests. */
  alignment: AlignmentDeps;
  /** Aborted when the server's shutdown grace period is over: in-flight generations stop. */
  shutdownSignal: AbortSignal;
  /** True once the server has begun to shut down (`/readyz` answers 503). */
  draining: () => boolean;
  log: Log;
  /** Unix seconds the server started (the `created` of every model). */
  startedAt: number;
}

/** The loaded model with this name, or UnknownModelError. */
export function findModel(engine: GenerationEngine, name: string): ModelInfo {
  const models = engine.models();
  const model = models.find((m) => m.name === name);
  if (model === undefined) throw new UnknownModelError(name, models.map((m) => m.name));
  return model;
}

/** Unix seconds now. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A response id: `prefix-` and 24 hex digits. */
export function responseId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/** The signal a request's generations run under, and a way to stop them from the handler. */
export interface RequestAbort {
  signal: AbortSignal;
  abort: () => void;
}

/** Aborts when the client disconnects, the server shuts down, or the handler calls `abort`. */
export function requestAbort(c: Context, shutdownSignal: AbortSignal): RequestAbort {
  const own = new AbortController();
  return {
    signal: AbortSignal.any([own.signal, c.req.raw.signal, shutdownSignal]),
    abort: () => own.abort(),
  };
}

/** The SSE error event for a failure midway through a stream, logged if unexpected. */
export function streamErrorEvent(error: unknown, promptParam: string, requestId: string, log: Log): string {
  const reply = describeError(error, promptParam);
  if (reply.unexpected) log(`request ${requestId}: unexpected error during stream`, error);
  return sseError(reply.body);
}
