/**
 * Composition root: config → model registry (which version of each model serves) → engine → app →
 * `Deno.serve` → training jobs and the refresh schedule → graceful shutdown on SIGINT/SIGTERM
 * (stop accepting, let in-flight requests finish within the grace period, stop a running job at its
 * checkpoint, close the engine).
 * Configuration: config.ts; operations notes: docs/operations.md.
 *
 * @module
 */
import { loadConfig } from "./config.ts";
import { join } from "node:path";
import { createEngine, type GenerationEngine, type ModelHost } from "./models/engine/mod.ts";
import { ModelRegistry } from "./models/registry/mod.ts";
import { JobManager } from "./trainer/jobs/job_manager.ts";
import { createAdminControl } from "./trainer/jobs/admin_control.ts";
import { startRefreshSchedule } from "./trainer/jobs/schedule.ts";
import { createApp } from "./routes/app.ts";
import { reloadingPlans, ServingPlans } from "./aligners/mod.ts";
import {
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

// The registry knows each model's serving version: the configured folder until a promotion.
let registry: ModelRegistry;
let servedModels: { name: string; path: string }[];
try {
  registry = await ModelRegistry.open(join(config.dataDir, "registry"));
  for (const model of config.models) await registry.registerBase(model.name, model.path);
  const serving = registry.servingPaths();
  servedModels = config.models.map((model) => ({
    name: model.name,
    path: serving[model.name] ?? model.path,
  }));
} catch (error) {
  console.error(`registry: ${(error as Error).message}`);
  Deno.exit(1);
}

let engine: GenerationEngine & ModelHost;
try {
  engine = await createEngine({
    models: servedModels,
    threads: config.engineThreads,
    maxBatchSize: config.maxBatchSize,
    maxWaiting: config.maxWaiting,
    prefixCacheMegabytes: config.prefixCacheMegabytes,
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
const rewardModels = await loadShippedRewardModels(servedModels.map((m) => m.path));
// calibration.json and quality_curves.json (deno task calibrate, or a refresh job) of each serving
// version; a promotion or rollback loads the new version's before it takes requests.
const plans = new ServingPlans();
for (const model of servedModels) {
  const version = engine.models().find((info) => info.name === model.name)!.version;
  for (const reason of await plans.load(model.path, version)) {
    console.log(`planning files: skipped ${reason}`);
  }
}
const host = reloadingPlans(engine, plans, (reason) => console.log(`planning files: skipped ${reason}`));

const jobs = await JobManager.open({
  root: join(config.dataDir, "jobs"),
  registry,
  host,
  maxThreads: config.trainerThreads,
  log: (line) => console.log(line),
});

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
  // Criteria without statistics (length, format, ...) keep raw units (receipts say so).
  planning: (version) => plans.for(version),
  defaultAlignment: config.defaultAlignment,
  admin: { token: config.adminToken, control: createAdminControl(jobs, registry, host) },
});

const server = Deno.serve({
  hostname: config.host,
  port: config.port,
  onListen: ({ hostname, port }) =>
    console.log(
      `listening on http://${hostname}:${port} (API keys ${config.apiKeys.length > 0 ? "required" : "off"})`,
    ),
}, app.fetch);

const stopSchedule = config.refresh === undefined
  ? () => {}
  : startRefreshSchedule(jobs, config.refresh, (line) => console.log(line));

async function shutDown(signal: string): Promise<void> {
  if (draining) {
    console.log(`${signal} again: stopping in-flight generations now`);
    stopGenerations.abort();
    return;
  }
  draining = true;
  console.log(`${signal}: draining (grace period ${config.shutdownGraceSeconds} s)`);
  const grace = setTimeout(() => stopGenerations.abort(), config.shutdownGraceSeconds * 1000);
  stopSchedule();
  await Promise.all([server.shutdown(), jobs.close()]);
  clearTimeout(grace);
  await engine.close();
  await rewardModels.release();
  console.log("stopped");
  Deno.exit(0);
}
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void shutDown(signal));
}
