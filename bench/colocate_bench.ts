/**
 * `deno task bench:colocate`: the price of training in the serving process, measured in one run on the
 * default model. The gateway serves over loopback (official `openai` client, short chat completions,
 * one at a time) while a refresh job of the real JobManager trains in its Worker.
 *
 *   serving latency  p50 / p95 of a short completion: idle vs while a job trains
 *   training speed   steps/s of the job: alone vs while the gateway serves
 *
 * Phases alternate (idle serving, training alone, both) `--rounds` times and the summary pools them, so
 * drift of the shared host hits every phase alike. Options: --rounds (2), --steps (training steps
 * measured per phase, 3), --requests (completions per idle phase, 20), --trainer-threads (1),
 * --engine-threads (2).
 *
 * @module
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import OpenAI from "openai";
import { EMBEDDED_MODEL_PATH } from "../config.ts";
import { createEngine } from "../models/engine/mod.ts";
import { ModelRegistry } from "../models/registry/mod.ts";
import { createApp } from "../routes/app.ts";
import { JobManager } from "../trainer/jobs/job_manager.ts";
import type { JobView } from "../trainer/jobs/job_view.ts";

const args = parseArgs({
  options: {
    rounds: { type: "string", default: "2" },
    steps: { type: "string", default: "3" },
    requests: { type: "string", default: "20" },
    "trainer-threads": { type: "string", default: "1" },
    "engine-threads": { type: "string", default: "2" },
  },
});
const rounds = Number(args.values.rounds);
const stepsPerPhase = Number(args.values.steps);
const idleRequests = Number(args.values.requests);
const trainerThreads = Number(args.values["trainer-threads"]);

const QUESTIONS = [
  "How do I boil an egg?",
  "What should I pack for a day hike?",
  "How can I keep basil alive indoors?",
  "Why does bread go stale?",
];

/** A refresh of the default model long enough to be cancelled after the measured steps. */
const JOB = {
  training: { steps: 1000, threads: trainerThreads, checkpointEvery: 1000 },
  promotion: "never",
};

const dataDir = await Deno.makeTempDir({ prefix: "colocate_bench_" });
const registry = await ModelRegistry.open(join(dataDir, "registry"));
await registry.registerBase("default", EMBEDDED_MODEL_PATH);
const engine = await createEngine({
  models: [{ name: "default", path: EMBEDDED_MODEL_PATH }],
  threads: Number(args.values["engine-threads"]),
});
const jobs = await JobManager.open({
  root: join(dataDir, "jobs"),
  registry,
  host: engine,
  maxThreads: trainerThreads,
});
const app = createApp({ engine, apiKeys: [], log: (line) => console.error(line) });
const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
const client = new OpenAI({
  baseURL: `http://127.0.0.1:${server.addr.port}/v1`,
  apiKey: "none",
  maxRetries: 0,
});

let requestIndex = 0;
/** One short chat completion's latency in ms. */
async function shortCompletion(): Promise<number> {
  const i = requestIndex++;
  const started = performance.now();
  await client.chat.completions.create({
    model: "default",
    messages: [{ role: "user", content: QUESTIONS[i % QUESTIONS.length] }],
    max_tokens: 16,
    temperature: 0.7,
    seed: i,
  });
  return performance.now() - started;
}

/** Starts a job and waits until it completed `warmup` steps; returns its id. */
async function startJob(warmup: number): Promise<string> {
  const job = await jobs.start(JOB);
  await waitFor(job.id, (view) => view.progress.step >= warmup);
  return job.id;
}

async function waitFor(id: string, done: (job: JobView) => boolean): Promise<JobView> {
  for (;;) {
    const job = jobs.get(id);
    if (job.status === "failed") throw new Error(`job failed: ${job.error}`);
    if (done(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Seconds of each training step the job completes from now until it has done `steps` more. */
async function measureSteps(id: string, steps: number, during?: () => Promise<void>): Promise<number[]> {
  const from = jobs.get(id).progress.step;
  const seconds: number[] = [];
  let running = true;
  const load = during === undefined ? Promise.resolve() : (async () => {
    while (running) await during();
  })();
  let seen = from;
  await waitFor(id, (job) => {
    if (job.progress.step > seen) {
      seen = job.progress.step;
      seconds.push(Number((job.progress.last as { seconds: number }).seconds));
    }
    return job.progress.step >= from + steps;
  });
  running = false;
  await load;
  return seconds;
}

const idleLatencies: number[] = [];
const busyLatencies: number[] = [];
const aloneSteps: number[] = [];
const servingSteps: number[] = [];

for (let i = 0; i < 3; i++) await shortCompletion(); // warm-up
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < idleRequests; i++) idleLatencies.push(await shortCompletion());
  const id = await startJob(1); // the first step loads sessions: not measured
  aloneSteps.push(...await measureSteps(id, stepsPerPhase));
  servingSteps.push(
    ...await measureSteps(id, stepsPerPhase, async () => {
      busyLatencies.push(await shortCompletion());
    }),
  );
  await jobs.cancel(id);
  console.log(
    `round ${round + 1}/${rounds}: idle p50 ${ms(percentile(idleLatencies, 0.5))} ms, ` +
      `training p50 ${ms(percentile(busyLatencies, 0.5))} ms; step ${sec(mean(aloneSteps))} s alone, ` +
      `${sec(mean(servingSteps))} s serving`,
  );
}

await server.shutdown();
await jobs.close();
await engine.close();
await Deno.remove(dataDir, { recursive: true });

const idle = { p50: percentile(idleLatencies, 0.5), p95: percentile(idleLatencies, 0.95) };
const busy = { p50: percentile(busyLatencies, 0.5), p95: percentile(busyLatencies, 0.95) };
const alone = 1 / mean(aloneSteps);
const shared = 1 / mean(servingSteps);
console.log(
  `\nShort completion (16 tokens), ${idleLatencies.length} idle vs ${busyLatencies.length} during training:\n` +
    `  idle      p50 ${ms(idle.p50)} ms  p95 ${ms(idle.p95)} ms\n` +
    `  training  p50 ${ms(busy.p50)} ms  p95 ${ms(busy.p95)} ms  (×${
      (busy.p50 / idle.p50).toFixed(2)
    } p50, ` +
    `×${(busy.p95 / idle.p95).toFixed(2)} p95)\n` +
    `Training (trainer threads ${trainerThreads}), ${aloneSteps.length} vs ${servingSteps.length} steps:\n` +
    `  alone     ${alone.toFixed(3)} steps/s\n` +
    `  serving   ${shared.toFixed(3)} steps/s  (×${(shared / alone).toFixed(2)})`,
);
console.log(
  `colocate: latency p50 ×${(busy.p50 / idle.p50).toFixed(2)}, p95 ×${(busy.p95 / idle.p95).toFixed(2)} ` +
    `while training | training ×${(shared / alone).toFixed(2)} steps/s while serving`,
);

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}
function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
function ms(value: number): string {
  return value.toFixed(0);
}
function sec(value: number): string {
  return value.toFixed(2);
}
