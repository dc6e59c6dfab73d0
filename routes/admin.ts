/**
 * The admin API (bearer `ADMIN_TOKEN`): training jobs and model versions.
 *
 *     POST /admin/train                      start a refresh job (body: the job spec) → 202 + job
 *     GET  /admin/jobs                       every job, newest first
 *     GET  /admin/jobs/:id                   one job: status, progress with ETA, result
 *     POST /admin/jobs/:id/cancel            stop a job (its checkpoint stays)
 *     POST /admin/jobs/:id/resume            continue an interrupted or cancelled job from its checkpoint
 *     GET  /admin/models                     versions of every model, which one serves, the history
 *     POST /admin/models/:version/promote    hot-swap a version in
 *     POST /admin/models/rollback            back to the previous version (body: { "model": "default" })
 *
 * The handlers only translate HTTP: validation of the job spec and everything else is the control's
 * (trainer/jobs), whose typed errors routes/errors.ts maps to OpenAI's envelope.
 *
 * @module
 */
import type { Hono } from "hono";
import { z } from "zod";
import { bearerKeys } from "./auth.ts";
import type { AppEnv } from "./deps.ts";
import { AdminDisabledError, RequestValidationError } from "./errors.ts";
import { validatedJson, validationError } from "./validation.ts";

/** What the admin routes drive: the job manager and the model registry, as plain JSON views. */
export interface AdminControl {
  /** Validates the spec (a ZodError names the bad field) and starts the job. */
  startJob(spec: unknown): Promise<object>;
  listJobs(): object[];
  /** Throws a not-found error for an unknown id. */
  getJob(id: string): object;
  cancelJob(id: string): Promise<object>;
  resumeJob(id: string): Promise<object>;
  listModels(): Promise<object>;
  promote(version: string): Promise<object>;
  rollback(model: string): Promise<object>;
}

/** Options of {@link registerAdmin}. */
export interface AdminOptions {
  /** The bearer token; absent = every admin route answers 403. */
  token: string | undefined;
  control: AdminControl | undefined;
}

const RollbackSchema = z.strictObject({ model: z.string().min(1).default("default") });

/** Adds the `/admin/*` routes. */
export function registerAdmin(app: Hono<AppEnv>, options: AdminOptions): void {
  const { token, control } = options;
  app.use("/admin/*", async (_c, next) => {
    if (token === undefined || control === undefined) {
      throw new AdminDisabledError("The admin API is disabled on this server: set ADMIN_TOKEN to enable it.");
    }
    await next();
  });
  app.use("/admin/*", bearerKeys(token === undefined ? [] : [token]));
  const admin = () => control!;

  app.post("/admin/train", async (c) => {
    const body = await validatedJson(c, z.record(z.string(), z.unknown()));
    try {
      return c.json(await admin().startJob(body), 202);
    } catch (error) {
      if (error instanceof z.ZodError) throw validationError(error, body);
      throw error;
    }
  });
  app.get("/admin/jobs", (c) => c.json({ object: "list", data: admin().listJobs() }));
  app.get("/admin/jobs/:id", (c) => c.json(admin().getJob(c.req.param("id"))));
  app.post("/admin/jobs/:id/cancel", async (c) => c.json(await admin().cancelJob(c.req.param("id"))));
  app.post("/admin/jobs/:id/resume", async (c) => c.json(await admin().resumeJob(c.req.param("id")), 202));
  app.get("/admin/models", async (c) => c.json(await admin().listModels()));
  app.post(
    "/admin/models/:version/promote",
    async (c) => c.json(await admin().promote(c.req.param("version"))),
  );
  app.post("/admin/models/rollback", async (c) => {
    const text = await c.req.text();
    if (text.trim() === "") return c.json(await admin().rollback("default"));
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new RequestValidationError(
        `The body is not valid JSON: ${(error as Error).message}`,
        null,
        "invalid_json",
      );
    }
    const parsed = RollbackSchema.safeParse(body);
    if (!parsed.success) throw validationError(parsed.error, body);
    return c.json(await admin().rollback(parsed.data.model));
  });
}
