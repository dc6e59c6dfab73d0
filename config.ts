/**
 * The gateway's configuration: one zod schema over environment variables and an optional JSON
 * file (`CONFIG_FILE`, same keys; environment variables win). Invalid values stop start-up with
 * one line per problem.
 *
 * @module
 */
import { join } from "node:path";
import { z } from "zod";
import { AlignmentSpecSchema } from "./routes/alignment_schema.ts";

/** The model folder served as `default` when `MODEL_PATH` is not set. */
export const EMBEDDED_MODEL_PATH: string = join(import.meta.dirname ?? ".", "models", "default");

/** One served model: the name clients send as `model` and its folder. */
export interface ModelEntry {
  name: string;
  path: string;
}

const commaList = (value: string | string[]): string[] =>
  (Array.isArray(value) ? value : value.split(",")).map((s) => s.trim()).filter((s) => s !== "");

const flag = z.union([z.boolean(), z.stringbool()], { error: "expected true or false" });
const positiveInt = z.coerce.number().int().positive();

/** `MODEL_PATH`: one folder (served as `default`) or `name=path` pairs separated by commas. */
const ModelPathSchema = z.union([z.string(), z.array(z.string())]).transform((value, ctx): ModelEntry[] => {
  const entries = commaList(value).map((item) => {
    const at = item.indexOf("=");
    return at < 0
      ? { name: "default", path: item }
      : { name: item.slice(0, at).trim(), path: item.slice(at + 1).trim() };
  });
  if (entries.length === 0) ctx.addIssue({ code: "custom", message: "names no model folder" });
  for (const entry of entries) {
    if (!/^[\w.:-]+$/.test(entry.name)) {
      ctx.addIssue({
        code: "custom",
        message: `model name "${entry.name}" may use letters, digits, _ . : - only`,
      });
    }
    if (entry.path === "") {
      ctx.addIssue({ code: "custom", message: `model "${entry.name}" has an empty path` });
    }
  }
  const names = entries.map((e) => e.name);
  const repeated = names.filter((name, i) => names.indexOf(name) !== i);
  if (repeated.length > 0) {
    ctx.addIssue({ code: "custom", message: `model name "${repeated[0]}" appears twice` });
  }
  return entries;
});

/** A JSON object given as text (environment) or as an object (config file). */
const JsonObjectSchema = z.union([z.string(), z.record(z.string(), z.unknown())])
  .transform((value, ctx): Record<string, unknown> => {
    if (typeof value !== "string") return value;
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        return parsed as Record<string, unknown>;
      }
      ctx.addIssue({ code: "custom", message: "must be a JSON object" });
    } catch (error) {
      ctx.addIssue({ code: "custom", message: `not JSON: ${(error as Error).message}` });
    }
    return z.NEVER;
  });

/** `ALIGNMENT_DEFAULT`: an alignment spec, as JSON text (environment) or an object (config file). */
const AlignmentDefaultSchema = JsonObjectSchema.pipe(AlignmentSpecSchema);

/** Values never echoed in problem lines. */
const SECRET_KEYS = ["API_KEYS", "ADMIN_TOKEN"];

const AUTH_KEYS = ["HOST", "API_KEYS", "AUTH_DISABLED", "ADMIN_TOKEN", "REFRESH_EVERY_MINUTES"];

/** Raw keys as they appear in the environment or the config file. */
export const ConfigSchema = z.strictObject({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  MODEL_PATH: ModelPathSchema.default([{ name: "default", path: EMBEDDED_MODEL_PATH }]),
  API_KEYS: z.union([z.string(), z.array(z.string())]).transform(commaList).default([]),
  AUTH_DISABLED: flag.default(false),
  MAX_BATCH_SIZE: positiveInt.default(16),
  MAX_WAITING: positiveInt.default(64),
  ENGINE_THREADS: positiveInt.default(2),
  PREFIX_CACHE_MB: z.coerce.number().min(0).default(128),
  DEFAULT_MAX_TOKENS: positiveInt.optional(),
  DEFAULT_TEMPERATURE: z.coerce.number().min(0).max(2).optional(),
  DEFAULT_TOP_P: z.coerce.number().gt(0).max(1).optional(),
  MAX_REQUEST_BYTES: positiveInt.default(1_048_576),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).default(30),
  ALIGNMENT_DEFAULT: AlignmentDefaultSchema.optional(),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  DATA_DIR: z.string().min(1).default("data"),
  TRAINER_THREADS: positiveInt.default(1),
  REFRESH_EVERY_MINUTES: z.coerce.number().positive().optional(),
  REFRESH_JOB: JsonObjectSchema.default({}),
}).superRefine((raw, ctx) => {
  if (!isLoopback(raw.HOST) && raw.API_KEYS.length === 0 && !raw.AUTH_DISABLED) {
    ctx.addIssue({
      code: "custom",
      path: ["API_KEYS"],
      message: `required when HOST (${raw.HOST}) is not a loopback address; or set AUTH_DISABLED=true`,
    });
  }
  if (raw.REFRESH_EVERY_MINUTES !== undefined && raw.ADMIN_TOKEN === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["REFRESH_EVERY_MINUTES"],
      message: "needs ADMIN_TOKEN (scheduled refreshes are admin jobs, and their results are read at /admin)",
    });
  }
  if (raw.AUTH_DISABLED && raw.API_KEYS.length > 0) {
    ctx.addIssue({
      code: "custom",
      path: ["AUTH_DISABLED"],
      message: "contradicts API_KEYS; set one of them",
    });
  }
}, {
  // Also when other keys are invalid, so that every problem is reported at once.
  when: (payload) => !payload.issues.some((issue) => AUTH_KEYS.includes(String(issue.path?.[0]))),
}).transform((raw) => ({
  port: raw.PORT,
  host: raw.HOST,
  models: raw.MODEL_PATH,
  /** Empty = no authentication. */
  apiKeys: raw.AUTH_DISABLED ? [] : raw.API_KEYS,
  maxBatchSize: raw.MAX_BATCH_SIZE,
  maxWaiting: raw.MAX_WAITING,
  engineThreads: raw.ENGINE_THREADS,
  /** Megabytes of prompt KV caches each model keeps for prefix reuse (0: off). */
  prefixCacheMegabytes: raw.PREFIX_CACHE_MB,
  /** Server defaults, used when a request leaves a field out (before the API's own default). */
  defaults: {
    maxTokens: raw.DEFAULT_MAX_TOKENS,
    temperature: raw.DEFAULT_TEMPERATURE,
    topP: raw.DEFAULT_TOP_P,
  },
  maxRequestBytes: raw.MAX_REQUEST_BYTES,
  shutdownGraceSeconds: raw.SHUTDOWN_GRACE_SECONDS,
  /** The server's alignment spec: its criteria rank legacy `best_of` candidates. */
  defaultAlignment: raw.ALIGNMENT_DEFAULT,
  /** Bearer token of `/admin/*`; absent = the admin API is disabled (403). */
  adminToken: raw.ADMIN_TOKEN,
  /** Where the model registry and training jobs live. */
  dataDir: raw.DATA_DIR,
  /** onnxruntime threads of a training job (serving keeps ENGINE_THREADS). */
  trainerThreads: raw.TRAINER_THREADS,
  /** Periodic refresh: start `refreshJob` every this many minutes (when no job is running). */
  refresh: raw.REFRESH_EVERY_MINUTES === undefined
    ? undefined
    : { everyMinutes: raw.REFRESH_EVERY_MINUTES, job: raw.REFRESH_JOB },
}));

/** The validated configuration main.ts wires together. */
export type GatewayConfig = z.output<typeof ConfigSchema>;

/** Keys read from the environment (everything else there is ignored). */
const KEYS = Object.keys(ConfigSchema.in.shape);

/** `127.0.0.1`, `127.x.y.z`, `::1` and `localhost` count as loopback. */
export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/** Result of {@link loadConfig}: the config, or one readable line per problem. */
export type ConfigResult = { ok: true; config: GatewayConfig } | { ok: false; problems: string[] };

/**
 * Reads `CONFIG_FILE` (if set) and overlays the environment.
 *
 * @example
 * ```ts
 * import { loadConfig } from "./config.ts";
 * const result = await loadConfig({ PORT: "9000", MODEL_PATH: "small=/m/small,big=/m/big" });
 * if (!result.ok || result.config.port !== 9000 || result.config.models[1].name !== "big") throw new Error();
 * const bad = await loadConfig({ PORT: "http" });
 * if (bad.ok || !bad.problems[0].startsWith("PORT:")) throw new Error();
 * ```
 */
export async function loadConfig(
  env: Record<string, string | undefined>,
  readTextFile: (path: string) => Promise<string> = Deno.readTextFile,
): Promise<ConfigResult> {
  let fileValues: Record<string, unknown> = {};
  const file = env.CONFIG_FILE;
  if (file !== undefined && file !== "") {
    try {
      const parsed: unknown = JSON.parse(await readTextFile(file));
      if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return { ok: false, problems: [`CONFIG_FILE: ${file} must hold a JSON object`] };
      }
      fileValues = parsed as Record<string, unknown>;
    } catch (error) {
      return { ok: false, problems: [`CONFIG_FILE: cannot read ${file}: ${(error as Error).message}`] };
    }
  }
  const envValues = Object.fromEntries(KEYS.filter((k) => env[k] !== undefined).map((k) => [k, env[k]]));
  const merged: Record<string, unknown> = { ...fileValues, ...envValues };
  const result = ConfigSchema.safeParse(merged);
  if (result.success) return { ok: true, config: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => {
      const key = issue.path.length > 0 ? String(issue.path[0]) : "config";
      if (issue.code === "unrecognized_keys") {
        return `${key}: unknown key(s) ${issue.keys.join(", ")} in ${file}`;
      }
      const shown = SECRET_KEYS.includes(key) || !(key in merged)
        ? ""
        : ` (got ${JSON.stringify(merged[key])})`;
      return `${key}: ${issue.message}${shown}`;
    }),
  };
}
