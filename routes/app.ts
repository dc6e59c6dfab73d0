/**
 * The HTTP surface: middleware (request id, metrics, 405s, API keys, body limit), the OpenAI
 * routes, the operations routes, and one error handler that answers every failure with
 * OpenAI's error envelope.
 *
 * @module
 */
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { matchedRoutes } from "hono/route";
import { methodNotAllowed } from "hono/method-not-allowed";
import { requestId } from "hono/request-id";
import type { GenerationEngine } from "../models/engine/types.ts";
import { Calibrator, createBuiltinCriteria, CriterionRegistry } from "../aligners/criteria/mod.ts";
import type { ModelPlanning, QualityCurves } from "../aligners/mod.ts";
import type { AlignmentSpec } from "./alignment_schema.ts";
import { type AdminOptions, registerAdmin } from "./admin.ts";
import { bearerKeys } from "./auth.ts";
import { registerChatCompletions } from "./chat_completions.ts";
import type { ServerDefaults } from "./common_schema.ts";
import { registerCompletions } from "./completions.ts";
import { type AppEnv, type Log, type RouteDeps, unixSeconds } from "./deps.ts";
import { describeError, MethodNotAllowedError, PayloadTooLargeError, RouteNotFoundError } from "./errors.ts";
import { GatewayMetrics } from "./metrics.ts";
import { registerModels } from "./models.ts";
import { registerOps } from "./ops.ts";
import { registerTokenize } from "./tokenize.ts";

/** vLLM's tokenizer endpoints, outside /v1 as in vLLM, behind the same keys. */
const TOKENIZER_PATHS = ["/tokenize", "/detokenize"];

/** What the app is built from. */
export interface AppOptions {
  engine: GenerationEngine;
  /** Bearer keys for `/v1/*`; empty = no authentication. */
  apiKeys: readonly string[];
  defaults?: ServerDefaults;
  /** Largest accepted request body (default 1 MiB). */
  maxRequestBytes?: number;
  /** Aborted when in-flight generations must stop (end of the shutdown grace period). */
  shutdownSignal?: AbortSignal;
  /** True once shutdown has begun. */
  draining?: () => boolean;
  log?: Log;
  /** Criteria requests may weight (default: the built-ins length, format, sentiment, civility). */
  criteria?: CriterionRegistry;
  /** Calibration of the criteria (default: identity until calibration files exist). */
  calibrator?: Calibrator;
  /** The file the calibration came from (receipts name it). */
  calibrationFile?: string;
  /** Quality curves of the served versions, for `auto` (aligners/planner.ts). */
  qualityCurves?: readonly QualityCurves[];
  /**
   * Calibration and curves by model version (main.ts: a ServingPlans refreshed on every hot swap);
   * when absent, `calibrator`, `calibrationFile` and `qualityCurves` serve every version.
   */
  planning?: (modelVersion: string | undefined) => ModelPlanning;
  /** Server-side spec whose criteria legacy `best_of` uses. */
  defaultAlignment?: AlignmentSpec;
  /** The admin API (training jobs, model versions); absent = every `/admin/*` route answers 403. */
  admin?: AdminOptions;
}

/**
 * The Hono app; serve it with `Deno.serve(app.fetch)`.
 *
 * @example
 * ```ts ignore
 * const engine = await createEngine({ models: [{ name: "default", path: "models/default" }] });
 * Deno.serve({ port: 8080 }, createApp({ engine, apiKeys: [] }).fetch);
 * ```
 */
export function createApp(options: AppOptions): Hono<AppEnv> {
  const log = options.log ??
    ((line, error) => error === undefined ? console.error(line) : console.error(line, error));
  const metrics = new GatewayMetrics(() => options.engine.stats());
  const deps: RouteDeps = {
    engine: options.engine,
    metrics,
    defaults: options.defaults ?? {},
    alignment: {
      criteria: options.criteria ?? new CriterionRegistry(createBuiltinCriteria()),
      planning: options.planning ?? staticPlanning(options),
      defaultSpec: options.defaultAlignment,
    },
    shutdownSignal: options.shutdownSignal ?? new AbortController().signal,
    draining: options.draining ?? (() => false),
    log,
    startedAt: unixSeconds(),
  };
  const maxRequestBytes = options.maxRequestBytes ?? 1_048_576;

  const app = new Hono<AppEnv>();
  app.use(requestId());
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    const route = matchedRoutes(c).filter((r) => r.method !== "ALL").at(-1)?.path ?? "unmatched";
    metrics.httpRequest(route, c.req.method, c.res.status, (performance.now() - started) / 1000);
  });
  app.use(methodNotAllowed({
    app,
    onMethodNotAllowed: (c, methods) =>
      errorResponse(
        c as Context<AppEnv>,
        new MethodNotAllowedError(`Method ${c.req.method} is not allowed on ${c.req.path}.`, methods),
        log,
      ),
  }));
  app.use("/v1/*", bearerKeys(options.apiKeys));
  for (const path of TOKENIZER_PATHS) app.use(path, bearerKeys(options.apiKeys));
  const limitBody = bodyLimit({
    maxSize: maxRequestBytes,
    onError: () => {
      throw new PayloadTooLargeError(`The request body exceeds ${maxRequestBytes} bytes.`);
    },
  });
  app.use("/v1/*", limitBody);
  for (const path of TOKENIZER_PATHS) app.use(path, limitBody);
  app.use("/admin/*", limitBody);

  registerOps(app, deps, metrics);
  registerAdmin(app, options.admin ?? { token: undefined, control: undefined });
  registerModels(app, deps);
  registerCompletions(app, deps);
  registerChatCompletions(app, deps);
  registerTokenize(app, deps);

  app.notFound((c) =>
    errorResponse(c, new RouteNotFoundError(`Unknown request URL: ${c.req.method} ${c.req.path}.`), log)
  );
  app.onError((error, c) => errorResponse(c, error, log));
  return app;
}

/** The OpenAI error response for any failure; unexpected ones are logged with the request id. */
function errorResponse(c: Context<AppEnv>, error: unknown, log: Log): Response {
  const reply = describeError(error, c.req.path.endsWith("/chat/completions") ? "messages" : "prompt");
  if (reply.unexpected) {
    log(`request ${c.get("requestId")}: unexpected error on ${c.req.method} ${c.req.path}`, error);
  }
  return c.json(reply.body, reply.status, reply.headers);
}

/** The fixed calibration of `options` for every version; the curves of the version asked about. */
function staticPlanning(options: AppOptions): (modelVersion: string | undefined) => ModelPlanning {
  const calibrator = options.calibrator ?? new Calibrator(undefined, { missing: "identity" });
  return (modelVersion) => ({
    calibrator,
    calibrationFile: options.calibrationFile,
    curves: options.qualityCurves?.find((curves) => curves.modelVersion === modelVersion),
  });
}
