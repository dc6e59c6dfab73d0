/**
 * Operations endpoints: `/healthz` (the process serves), `/readyz` (models loaded and not
 * draining), `/metrics` (Prometheus text) and `/openapi.json`.
 *
 * @module
 */
import type { Hono } from "hono";
import type { AppEnv, RouteDeps } from "./deps.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { openApiDocument } from "./openapi.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";

/** Adds the operations routes (no API key needed). */
export function registerOps(app: Hono<AppEnv>, deps: RouteDeps, metrics: GatewayMetrics): void {
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", (c) => {
    if (deps.draining()) return c.json({ status: "draining" }, 503);
    let models: string[];
    try {
      models = deps.engine.models().map((m) => m.name);
    } catch {
      models = [];
    }
    if (models.length === 0) return c.json({ status: "not ready", models }, 503);
    return c.json({ status: "ready", models });
  });
  app.get(
    "/metrics",
    (c) => c.body(metrics.registry.render(), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE }),
  );
  app.get("/openapi.json", (c) => c.json(openApiDocument()));
}
