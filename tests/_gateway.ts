/**
 * Test support: a small real model built with the project's own pipeline, the real engine on
 * it, and the gateway app served on a loopback port, driven by the official `openai` client.
 *
 * @module
 */
import { join } from "node:path";
import OpenAI from "openai";
import { createEngine, type EngineOptions } from "../models/engine/mod.ts";
import type { GenerationEngine } from "../models/engine/types.ts";
import { type AppOptions, createApp } from "../routes/app.ts";
import { buildDefaultModel } from "../trainer/default_model/build.ts";
import { tinyRecipe } from "../trainer/default_model/recipe.ts";

/** Context of the test model: long enough that a greedy answer of ~2000 tokens takes a while. */
export const TEST_CONTEXT_LENGTH = 2048;

let modelFolder: Promise<string> | undefined;

/** Builds the tiny model once per test process (about a second) and returns its folder. */
export function testModelFolder(): Promise<string> {
  modelFolder ??= (async () => {
    const root = await Deno.makeTempDir({ prefix: "gateway_test_model_" });
    const recipe = tinyRecipe();
    recipe.model = { ...recipe.model, contextLength: TEST_CONTEXT_LENGTH };
    await buildDefaultModel(recipe, {
      outDir: join(root, "model"),
      workDir: join(root, "work"),
      log: () => {},
    });
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
    return join(root, "model");
  })();
  return modelFolder;
}

/** A running gateway on the real engine. */
export interface Gateway {
  /** `http://127.0.0.1:PORT` */
  origin: string;
  engine: GenerationEngine;
  /** The official client pointed at the gateway (no retries, so errors surface at once). */
  client(apiKey?: string): OpenAI;
  /** Plain fetch against the gateway. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Server log lines (unexpected errors). */
  logs: string[];
  close(): Promise<void>;
}

/** Options for {@link startGateway}. */
export interface GatewayOptions {
  app?: Partial<Omit<AppOptions, "engine">>;
  engine?: Partial<Omit<EngineOptions, "models">>;
  /** Wraps the real engine (spies, fault injection). */
  wrapEngine?: (engine: GenerationEngine) => GenerationEngine;
}

/** Starts the real engine on the test model and serves the app on port 0. */
export async function startGateway(options: GatewayOptions = {}): Promise<Gateway> {
  const real = await createEngine({
    models: [{ name: "default", path: await testModelFolder() }],
    threads: 1,
    ...options.engine,
  });
  const engine = options.wrapEngine?.(real) ?? real;
  const logs: string[] = [];
  const app = createApp({
    engine,
    apiKeys: [],
    log: (line, error) => logs.push(error === undefined ? line : `${line}: ${error}`),
    ...options.app,
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    engine,
    logs,
    client: (apiKey = "sk-test") => new OpenAI({ baseURL: `${origin}/v1`, apiKey, maxRetries: 0 }),
    fetch: (path, init) => fetch(`${origin}${path}`, init),
    async close() {
      await server.shutdown();
      await real.close();
    },
  };
}

/** POSTs JSON (or a raw string) and returns status, headers and parsed body. */
export async function postJson(
  gateway: Gateway,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: unknown }> {
  const response = await gateway.fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* not JSON: keep the text */ }
  return { status: response.status, headers: response.headers, body: parsed };
}
