/**
 * `deno task bench:serve`: serving performance of the embedded default model (models/default),
 * side by side in one run (`[--threads 2] [--reps 7]`, about a minute on 2 cores). The gateway
 * runs as `deno task start` does (main.ts in a subprocess on loopback; ENGINE_THREADS = threads,
 * MAX_BATCH_SIZE 16), driven by the official `openai` client; the direct path is `createEngine`
 * + `generate` in this process with the same settings. Each workload goes down both paths:
 *   (a) HTTP overhead: the same requests through HTTP vs the engine's generate loop, and where a
 *       1-token request's fixed cost goes (engine, server, SDK);
 *   (b) 16 concurrent greedy requests vs the same 16 one after another;
 *   (c) one request with n = 8 vs eight requests with n = 1 one after another (sampled, seeded);
 *   (d) time to first text, p50/p95, 8 streams at once (closed loop, staggered lengths);
 *   (e) `/healthz` latency polled every 5 ms, idle and while 16 long streams fill the batch.
 * Greedy workloads use chat prompts whose greedy answer outruns max_tokens, so each request
 * generates exactly that many tokens; sampled ones count what each candidate produced. The two
 * paths take turns within every repetition (the host's speed drifts); ratios are medians over
 * repetitions of ratios paired within one.
 *
 * Checks before it times: HTTP greedy answers equal the engine's for the same prompt and seed,
 * with usage equal to the engine's token counts; streamed text equals them too and the tokens
 * streamed (counted by their log-probs) equal `usage.completion_tokens`; every choice of the
 * n = 8 request equals the engine's candidate with the same seed. Every timed repetition then
 * asserts the same token count on both paths.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createEngine } from "../models/engine/mod.ts";
import { renderChatPrompt } from "../routes/chat_template.ts";
import { heldOutPrompts } from "../trainer/corpus/held_out.ts";
import { startGatewayProcess } from "./_serve_gateway.ts";
import { emptyOutcome, type Job, type Path, servePaths } from "./_serve_paths.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { threads: { type: "string", default: "2" }, reps: { type: "string", default: "7" } },
});
const THREADS = Number(values.threads);
const REPS = Number(values.reps);
assert.ok(
  Number.isInteger(THREADS) && THREADS > 0 && Number.isInteger(REPS) && REPS > 0,
  "bad --threads/--reps",
);
const MODEL = "default";
const MODEL_PATH = join(import.meta.dirname!, "..", "models", "default");
const BATCH = 16;
const TOKENS = 64; // greedy requests generate exactly this many tokens
const SEED = 7;

// ---- the two paths -------------------------------------------------------------------------

const engine = await createEngine({ models: [{ name: MODEL, path: MODEL_PATH }], threads: THREADS });
const gateway = await startGatewayProcess({
  MODEL_PATH: `${MODEL}=${MODEL_PATH}`,
  ENGINE_THREADS: String(THREADS),
  MAX_BATCH_SIZE: String(BATCH),
});
const info = engine.models()[0];
const { direct, http, httpFetch, httpStream, httpParams, serverCounter, forwardPasses } = servePaths(
  engine,
  gateway.origin,
  MODEL,
);

// ---- workloads ------------------------------------------------------------------------------

const tokenize = async (content: string) =>
  await engine.tokenize(MODEL, renderChatPrompt(info, [{ role: "user", content }]));
const greedy = async (content: string): Promise<Job> => ({
  content,
  promptIds: await tokenize(content),
  n: 1,
  maxTokens: TOKENS,
  temperature: 0,
  topP: 1,
  seed: SEED,
});

// Held-out prompts whose greedy answer runs past TOKENS (also the engine's warm-up).
const screened = await Promise.all(
  heldOutPrompts().slice(0, 48).map(async ({ prompt }) => {
    const job = await greedy(prompt);
    return { job, outcome: await direct(job) };
  }),
);
const long = screened.filter(({ outcome }) => outcome.finishReasons[0] === "length").slice(0, BATCH);
assert.equal(long.length, BATCH, `only ${long.length} of 48 greedy answers reach ${TOKENS} tokens`);
const greedyJobs = long.map(({ job }) => job);
const sampled = (seed: number, n: number): Job => ({
  ...greedyJobs[0],
  n,
  temperature: 0.8,
  topP: 0.95,
  seed,
});
const nEight = sampled(SEED, 8);
const eightOnes = Array.from({ length: 8 }, (_, i) => sampled(SEED + i, 1));

// ---- checks ---------------------------------------------------------------------------------

const viaHttp = await Promise.all(greedyJobs.map(http));
viaHttp.forEach((reply, i) => {
  const { job, outcome } = long[i];
  assert.deepEqual(reply.texts, outcome.texts, `greedy text of prompt ${i} (${job.content})`);
  assert.deepEqual(reply.finishReasons, ["length"]);
  assert.equal(reply.promptTokens, job.promptIds.length, `prompt tokens of prompt ${i}`);
  assert.equal(reply.completionTokens, TOKENS);
});
const streamed = await Promise.all(greedyJobs.slice(0, 4).map(httpStream(true)));
streamed.forEach((reply, i) => {
  assert.deepEqual(reply.texts, long[i].outcome.texts, `streamed greedy text of prompt ${i}`);
  assert.equal(reply.tokensReceived, TOKENS, `tokens streamed for prompt ${i}`);
  assert.equal(reply.completionTokens, reply.tokensReceived, `usage vs tokens streamed, prompt ${i}`);
});
const [nEightDirect, nEightHttp] = [await direct(nEight), await http(nEight)];
assert.deepEqual(nEightHttp.texts, nEightDirect.texts, "n = 8 sampled choices");
assert.equal(nEightHttp.completionTokens, nEightDirect.completionTokens, "n = 8 usage");
assert.equal(new Set(nEightDirect.texts).size, 8, "n = 8 candidates differ");
const healthz = await fetch(`${gateway.origin}/healthz`);
assert.deepEqual([healthz.status, await healthz.json()], [200, { status: "ok" }]);

// ---- (a)-(c): the same workloads down both paths, interleaved --------------------------------

interface Workload {
  label: string;
  jobs: Job[];
  concurrent: boolean;
}
const workloads = {
  sequential: { label: `16 greedy ×${TOKENS}, one after another`, jobs: greedyJobs, concurrent: false },
  concurrent: { label: `the same 16, all at once`, jobs: greedyJobs, concurrent: true },
  nEight: { label: `1 request, n = 8, sampled ≤${TOKENS}`, jobs: [nEight], concurrent: false },
  eightOnes: { label: `8 requests, n = 1, one after another`, jobs: eightOnes, concurrent: false },
} satisfies Record<string, Workload>;
type WorkloadName = keyof typeof workloads;
type PathName = keyof typeof forwardPasses;
const PATHS: PathName[] = ["direct", "http"];
const paths: Record<PathName, Path> = { direct, http };

interface Timing {
  seconds: number;
  tokens: number;
  passes: number;
}

/**
 * One repetition of a workload on both paths. The paths take turns request by request (a
 * sequential workload) or workload by workload (a concurrent one), first one then the other,
 * so that both see the same machine: this host's speed drifts by ±20 % within seconds.
 */
async function timePaths(workload: Workload, rep: number): Promise<Record<PathName, Timing>> {
  const timing = (): Timing => ({ seconds: 0, tokens: 0, passes: 0 });
  const timings = { direct: timing(), http: timing() };
  for (const path of PATHS) timings[path].passes = -await forwardPasses[path]();
  const groups = workload.concurrent ? [workload.jobs] : workload.jobs.map((job) => [job]);
  for (const [g, group] of groups.entries()) {
    for (const path of (g + rep) % 2 === 0 ? PATHS : [...PATHS].reverse()) {
      const started = performance.now();
      const outcomes = await Promise.all(group.map(paths[path]));
      timings[path].seconds += (performance.now() - started) / 1000;
      timings[path].tokens += outcomes.reduce((sum, outcome) => sum + outcome.completionTokens, 0);
    }
  }
  for (const path of PATHS) timings[path].passes += await forwardPasses[path]();
  return timings;
}

const runs = new Map<WorkloadName, Record<PathName, Timing>[]>();
for (let rep = 0; rep < REPS; rep++) {
  for (const name of Object.keys(workloads) as WorkloadName[]) {
    const timings = await timePaths(workloads[name], rep);
    const first = runs.get(name)?.[0].direct ?? timings.direct;
    for (const path of PATHS) {
      assert.equal(timings[path].tokens, first.tokens, `${name} via ${path}: tokens differ between runs`);
    }
    runs.set(name, [...runs.get(name) ?? [], timings]);
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const rate = (timing: Timing) => timing.tokens / timing.seconds;
/** Median over repetitions of a per-repetition quantity (paired: both sides from the same repetition). */
const perRep = (f: (rep: number) => number) => median(Array.from({ length: REPS }, (_, rep) => f(rep)));
const at = (name: WorkloadName, path: PathName, rep: number) => runs.get(name)![rep][path];
const overhead = (name: WorkloadName) =>
  perRep((rep) => at(name, "http", rep).seconds / at(name, "direct", rep).seconds - 1);
const gain = (a: WorkloadName, b: WorkloadName, path: PathName) =>
  perRep((rep) => rate(at(a, path, rep)) / rate(at(b, path, rep)));

// ---- where a request's fixed cost goes: one token, four ways ---------------------------------

const oneToken = { ...greedyJobs[0], maxTokens: 1 };
const models: Path = async () => {
  const response = await fetch(`${gateway.origin}/v1/models`);
  assert.equal(response.status, 200);
  await response.arrayBuffer();
  return emptyOutcome(1);
};
const fixedPaths: Record<string, Path> = { direct, fetch: httpFetch, openai: http, models };
const fixedCost: Record<string, number[]> = { direct: [], fetch: [], openai: [], models: [] };
const oneTokenText = (await direct(oneToken)).texts;
for (let i = 0; i < 40; i++) {
  const names = Object.keys(fixedPaths);
  for (const name of [...names.slice(i % names.length), ...names.slice(0, i % names.length)]) {
    const started = performance.now();
    const outcome = await fixedPaths[name](oneToken);
    fixedCost[name].push(performance.now() - started);
    if (name !== "models") assert.deepEqual(outcome.texts, oneTokenText, `1-token answer via ${name}`);
  }
}

// ---- (d) time to first text with 8 streams at once ------------------------------------------

/** 8 clients, each sending 4 streams back to back; lengths differ per client so arrivals spread. */
async function firstTextTimes(path: Path, round: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(Array.from({ length: 8 }, async (_, k) => {
    for (let i = 0; i < 4; i++) {
      const job = { ...greedyJobs[(k * 4 + i + round) % BATCH], maxTokens: 16 + 6 * k };
      const outcome = await path(job);
      assert.equal(outcome.completionTokens, job.maxTokens);
      times.push(outcome.firstTextMs!);
    }
  }));
  return times;
}
const ttft: Record<PathName, number[]> = { direct: [], http: [] };
for (let round = 0; round < 4; round++) {
  for (const path of round % 2 === 0 ? PATHS : [...PATHS].reverse()) {
    ttft[path].push(...await firstTextTimes(path === "http" ? httpStream(false) : direct, round));
  }
}

// ---- (e) /healthz while the engine is saturated ---------------------------------------------

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls /healthz every 5 ms for `duration` ms; returns each round trip's milliseconds. */
async function pollHealthz(duration: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + duration;
  while (performance.now() < end) {
    const sent = performance.now();
    const response = await fetch(`${gateway.origin}/healthz`);
    await response.arrayBuffer();
    latencies.push(performance.now() - sent);
    assert.equal(response.status, 200);
    await sleep(5);
  }
  return latencies;
}

const idle = await pollHealthz(2000);
const load = new AbortController();
/** One of 16 clients keeping a long greedy stream open back to back (bytes drained, not parsed). */
async function longStreams(job: Job): Promise<void> {
  while (!load.signal.aborted) {
    try {
      const response = await fetch(`${gateway.origin}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ...httpParams({ ...job, maxTokens: 160 }), stream: true }),
        signal: load.signal,
      });
      assert.equal(response.status, 200);
      for await (const _ of response.body!) { /* drain */ }
    } catch (error) {
      if (!load.signal.aborted) throw error;
    }
  }
}
const streamers = Promise.all(greedyJobs.map(longStreams));
await sleep(500);
const [tokensBefore, passesBefore] = [
  await serverCounter("engine_tokens_generated_total"),
  await forwardPasses.http(),
];
const loadStarted = performance.now();
const busy = await pollHealthz(6000);
const loadSeconds = (performance.now() - loadStarted) / 1000;
const loadTokens = await serverCounter("engine_tokens_generated_total") - tokensBefore;
const loadPasses = await forwardPasses.http() - passesBefore;
load.abort();
await streamers;

await gateway.close();
await engine.close();

// ---- report ---------------------------------------------------------------------------------

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
};
const ms = (x: number) => x < 10 ? x.toFixed(1) : x.toFixed(0);
const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
const aim = (met: boolean, goal: string) => `(aim ${goal}: ${met ? "met" : "missed"})`;
const pad = (s: string | number, width: number) => String(s).padStart(width);

console.log(
  `serve bench: models/default, ${THREADS} engine threads, batch ≤ ${BATCH}; HTTP = main.ts subprocess on ` +
    `loopback + openai client, direct = createEngine().generate in process; medians of ${REPS} paired reps`,
);
console.log(
  `${"workload".padEnd(38)}${pad("tokens", 7)}${pad("passes d/h", 11)}${pad("direct tok/s", 13)}` +
    `${pad("HTTP tok/s", 12)}${pad("HTTP overhead", 15)}${pad("ms/pass", 9)}`,
);
for (const name of Object.keys(workloads) as WorkloadName[]) {
  const passes = (path: PathName) => perRep((rep) => at(name, path, rep).passes);
  const seconds = perRep((rep) => at(name, "direct", rep).seconds);
  console.log(
    `${workloads[name].label.padEnd(38)}${pad(at(name, "direct", 0).tokens, 7)}` +
      `${pad(`${passes("direct")}/${passes("http")}`, 11)}` +
      `${pad(perRep((rep) => rate(at(name, "direct", rep))).toFixed(0), 13)}` +
      `${pad(perRep((rep) => rate(at(name, "http", rep))).toFixed(0), 12)}` +
      `${pad(pct(overhead(name)), 15)}${pad(((seconds * 1000) / passes("direct")).toFixed(2), 9)}`,
  );
}
console.log(
  "  passes: model runs (prefill chunks and decode steps), direct/HTTP; ms/pass: direct time / passes; " +
    "HTTP overhead: median of per-rep HTTP time / direct time − 1",
);
const worstOverhead = Math.max(overhead("sequential"), overhead("concurrent"));
const batching = gain("concurrent", "sequential", "http");
const sharing = gain("nEight", "eightOnes", "http");
const [p50, p95] = [percentile(ttft.http, 50), percentile(ttft.http, 95)];
const [idle99, busy99, busyMax] = [percentile(idle, 99), percentile(busy, 99), Math.max(...busy)];
console.log(
  `(a) HTTP overhead on tokens/s: ${pct(overhead("sequential"))} one request at a time, ` +
    `${pct(overhead("concurrent"))} 16 at once ${aim(worstOverhead <= 0.1, "≤ 10 %")}`,
);
/** Median of the per-round differences from the direct path (a round takes ~20 ms: drift cancels). */
const added = (name: string) => {
  const difference = median(fixedCost[name].map((t, i) => t - fixedCost.direct[i]));
  return `${difference >= 0 ? "+" : "-"}${ms(Math.abs(difference))} ms`;
};
console.log(
  `    fixed cost of a 1-token request: direct ${ms(median(fixedCost.direct))} ms; HTTP adds ` +
    `${added("fetch")} with fetch, ${added("openai")} with the openai client (medians of 40 paired ` +
    `rounds); GET /v1/models ${ms(median(fixedCost.models))} ms`,
);
console.log(
  `(b) 16 concurrent vs the same 16 in sequence: ×${batching.toFixed(2)} over HTTP ` +
    `(direct ×${gain("concurrent", "sequential", "direct").toFixed(2)}) ${aim(batching >= 4, "≥ 4×")}`,
);
console.log(
  `(c) n = 8 vs 8 × n = 1 in sequence: ×${sharing.toFixed(2)} over HTTP ` +
    `(direct ×${gain("nEight", "eightOnes", "direct").toFixed(2)}) ${aim(sharing >= 3, "≥ 3×")}`,
);
console.log(
  `(d) time to first text, 8 streams at once (${ttft.http.length} streams each): HTTP p50 ${ms(p50)} ms, ` +
    `p95 ${ms(p95)} ms; direct p50 ${ms(percentile(ttft.direct, 50))} ms, ` +
    `p95 ${ms(percentile(ttft.direct, 95))} ms`,
);
console.log(
  `(e) /healthz every 5 ms: idle p50 ${ms(percentile(idle, 50))} ms, p99 ${ms(idle99)} ms, ` +
    `max ${ms(Math.max(...idle))} ms (${idle.length} polls); with 16 long streams p50 ` +
    `${ms(percentile(busy, 50))} ms, p99 ${ms(busy99)} ms, max ${ms(busyMax)} ms (${busy.length} polls; ` +
    `engine ${(loadTokens / loadSeconds).toFixed(0)} tok/s, ${
      (loadTokens / loadPasses).toFixed(1)
    } tokens/pass)`,
);
console.log(
  `threads ${THREADS} | HTTP overhead ${pct(overhead("sequential"))} (1 at a time), ` +
    `${pct(overhead("concurrent"))} (16 at once) | 16 concurrent ×${batching.toFixed(2)} vs sequential | ` +
    `n=8 ×${sharing.toFixed(2)} vs 8×n=1 | TTFT p50 ${ms(p50)} ms, p95 ${ms(p95)} ms | ` +
    `/healthz p99 ${ms(busy99)} ms (max ${ms(busyMax)}) saturated vs ${ms(idle99)} ms idle`,
);
