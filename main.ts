/**
 * Composition root: config → engine → app → `Deno.serve` → graceful shutdown on SIGINT/SIGTERM
 * (stop accepting, let in-flight requests finish within the grace period, close the engine).
 * Configuration: config.ts; operations notes: docs/operations.md.
 *
 * @module
 */
import { loadConfig } from "./config.ts";
import { createEngine, type GenerationEngine } from "./models/engine/mod.ts";
import { createApp } from "./routes/app.ts";
import {
  Calibrator,
  createBuiltinCriteria,
  CriterionRegistry,
  loadShippedRewardModels,
} from "./aligners/criteria/mod.ts";

const loaded = await loadConfig(Deno.env.toObject());
if (!loaded.ok) {
  for (const problem of loaded.problems) console.error(`config: ${problem}`);
  Deno.exit(1);
}
const config = loaded.config;

let engine: GenerationEngine;
try {
  engine = await createEngine({
    models: config.models,
    threads: config.engineThreads,
    maxBatchSize: config.maxBatchSize,
    maxWaiting: config.maxWaiting,
  });
} catch (error) {
  console.error(`engine: ${(error as Error).message}`);
  Deno.exit(1);
}
for (const model of engine.models()) {
  console.log(`model ${model.name}: version ${model.version}, context ${model.contextLength} tokens`);
}

// A bug that escapes a request must not take the server down with it.
globalThis.addEventListener("unhandledrejection", (event) => {
  event.preventDefault();
  console.error("unhandled rejection:", event.reason);
});

// Reward models shipped in the served folders (models/default/reward_models/*) are criteria too.
const rewardModels = await loadShippedRewardModels(config.models.map((m) => m.path));

const stopGenerations = new AbortController();
let draining = false;
const app = createApp({
  engine,
  apiKeys: config.apiKeys,
  defaults: config.defaults,
  maxRequestBytes: config.maxRequestBytes,
  shutdownSignal: stopGenerations.signal,
  draining: () => draining,
  criteria: new CriterionRegistry([...createBuiltinCriteria(), ...rewardModels.criteria]),
  // Identity calibration until calibration files exist (receipts say so).
  calibrator: new Calibrator(undefined, { missing: "identity" }),
  defaultAlignment: config.defaultAlignment,
});

const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) =>
    console.log(
      `listening on http://${hostname}:${port} (API keys ${config.apiKeys.length > 0 ? "required" : "off"})`,
    ),
}, app.fetch);

async function shutDown(signal: string): Promise<void> {
  if (draining) {
    console.log(`${signal} again: stopping in-flight generations now`);
    stopGenerations.abort();
    return;
  }
  draining = true;
  console.log(`${signal}: draining (grace period ${config.shutdownGraceSeconds} s)`);
  const grace = setTimeout(() => stopGenerations.abort(), config.shutdownGraceSeconds * 1000);
  await server.shutdown();
  clearTimeout(grace);
  await engine.close();
  await rewardModels.release();
  console.log("stopped");
  Deno.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void shutDown(signal));
}
