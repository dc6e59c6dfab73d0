/**
 * `GET /v1/models` and `GET /v1/models/:model`: the models the engine has loaded, as OpenAI
 * model objects.
 *
 * @module
 */
import type { Hono } from "hono";
import type { ModelInfo } from "../models/engine/types.ts";
import type { ModelListSchema, ModelObjectSchema } from "./common_schema.ts";
import { type AppEnv, findModel, type RouteDeps } from "./deps.ts";
import type { z } from "zod";

/** Who `owned_by` names. */
export const OWNER = "iama-gateway";

/** A loaded model as an OpenAI model object. */
export function modelObject(model: ModelInfo, created: number): z.output<typeof ModelObjectSchema> {
  return { id: model.name, object: "model", created, owned_by: OWNER };
}

/** Adds the model routes. */
export function registerModels(app: Hono<AppEnv>, deps: RouteDeps): void {
  app.get("/v1/models", (c) => {
    const list: z.output<typeof ModelListSchema> = {
      object: "list",
      data: deps.engine.models().map((m) => modelObject(m, deps.startedAt)),
    };
    return c.json(list);
  });
  app.get(
    "/v1/models/:model",
    (c) => c.json(modelObject(findModel(deps.engine, c.req.param("model")), deps.startedAt)),
  );
}
