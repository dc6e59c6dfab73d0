/**
 * The HTTP surface. For now: health and the model list; the OpenAI completion routes
 * arrive with the serving engine.
 */
import { Hono } from "hono";

export interface ServedModel {
  id: string;
  /** Unix seconds. */
  created: number;
}

export function createApp(models: readonly ServedModel[]): Hono {
  const app = new Hono();
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/v1/models", (c) =>
    c.json({
      object: "list",
      data: models.map((m) => ({ id: m.id, object: "model", created: m.created, owned_by: "iama-gateway" })),
    }));
  return app;
}
