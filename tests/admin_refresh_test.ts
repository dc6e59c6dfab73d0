/**
 * End to end: a refresh triggered through the admin API on a tiny config trains in a job worker,
 * reports progress, is evaluated and promoted or rejected by the gate with its report, a version can
 * be promoted and rolled back by hand, and completions keep being served throughout — on the real
 * engine, the real registry and a real server on loopback driven by the official `openai` client.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import OpenAI from "openai";
import { reloadingPlans, ServingPlans } from "../aligners/mod.ts";
import { createEngine } from "../models/engine/mod.ts";
import { ModelRegistry } from "../models/registry/mod.ts";
import { createApp } from "../routes/app.ts";
import { decidePromotion, type EvaluationReport } from "../trainer/evaluation/mod.ts";
import { createAdminControl } from "../trainer/jobs/admin_control.ts";
import { JobManager } from "../trainer/jobs/job_manager.ts";
import type { JobView } from "../trainer/jobs/job_view.ts";
import { testModelFolder } from "./_gateway.ts";

const TOKEN = "admin-token-for-tests-0123456789";

/** A refresh small enough for a test: a few steps of best-of-2 on the length criterion. */
function tinyJob(steps: number, promotion: "gate" | "never" = "gate") {
  return {
    training: {
      steps,
      promptsPerStep: 2,
      groupSize: 4,
      maxTokens: 8,
      learningRate: 1e-3,
      checkpointEvery: 1,
      tasks: {
        criterionWeights: { kind: "grid", points: [{ length: 1 }] },
        aligners: [{ aligner: { kind: "best_of_n", n: 2 } }],
      },
      criterionParams: { length: { target: 3 } },
    },
    prompts: { source: "explicit", texts: ["Tell me about eggs.", "What is rain?", "How do I fix a bike?"] },
    evaluation: {
      weightings: [{ length: 1 }],
      criteriaParams: { length: { target: 3 } },
      aligners: [{ type: "sample" }, { type: "best_of_n", n: [2] }],
      prompts: { source: "explicit", texts: ["How do plants grow?", "Why is the sky blue?"] },
      maxTokens: 8,
      klSamplesPerPrompt: 2,
      minImprovement: 0,
      klBound: { nats: 1000, per: "sequence" },
    },
    calibration: { prompts: 2, samplesPerPrompt: 2, maxTokens: 8 },
    promotion,
  };
}

interface Server {
  origin: string;
  // deno-lint-ignore no-explicit-any
  admin(path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  completionFingerprint(): Promise<string>;
  /** The model version the calibration of an aligned request came from (null: uncalibrated). */
  calibrationVersion(): Promise<string | null>;
  close(): Promise<void>;
}

async function startServer(): Promise<Server> {
  const dataDir = await Deno.makeTempDir({ prefix: "admin_test_" });
  const registry = await ModelRegistry.open(join(dataDir, "registry"));
  await registry.registerBase("default", await testModelFolder());
  const servingPath = registry.serving("default").path;
  const engine = await createEngine({ models: [{ name: "default", path: servingPath }], threads: 1 });
  const plans = new ServingPlans();
  await plans.load(servingPath, engine.models()[0].version);
  const host = reloadingPlans(engine, plans);
  const jobs = await JobManager.open({ root: join(dataDir, "jobs"), registry, host, maxThreads: 1 });
  const app = createApp({
    engine,
    apiKeys: [],
    log: () => {},
    planning: (version) => plans.for(version),
    admin: { token: TOKEN, control: createAdminControl(jobs, registry, host) },
  });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, app.fetch);
  const origin = `http://127.0.0.1:${server.addr.port}`;
  const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: "none", maxRetries: 0 });
  return {
    origin,
    async admin(path, body, token = TOKEN) {
      const response = await fetch(`${origin}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: await response.json() };
    },
    async completionFingerprint() {
      const completion = await client.completions.create({
        model: "default",
        prompt: "Hello",
        max_tokens: 3,
        seed: 1,
      });
      return completion.system_fingerprint!;
    },
    async calibrationVersion() {
      const response = await fetch(`${origin}/v1/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "default",
          prompt: "Hello",
          max_tokens: 3,
          seed: 1,
          alignment: { criteria: { sentiment: 1 }, aligner: "best_of_n", n: 2 },
        }),
      });
      const body = await response.json();
      assert.equal(response.status, 200, JSON.stringify(body));
      return body.alignment.calibration.model_version;
    },
    async close() {
      await jobs.close();
      await server.shutdown();
      await engine.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** Polls a job until `done` holds; returns every view seen. */
async function watchJob(server: Server, id: string, done: (job: JobView) => boolean): Promise<JobView[]> {
  const seen: JobView[] = [];
  for (let i = 0; i < 1200; i++) {
    const { status, body } = await server.admin(`/admin/jobs/${id}`);
    assert.equal(status, 200);
    seen.push(body);
    if (done(body)) return seen;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`job ${id} never got there: ${JSON.stringify(seen.at(-1))}`);
}

Deno.test("admin API: a refresh trains, is gated with a report, and versions promote and roll back while serving", async () => {
  const server = await startServer();
  try {
    const baseFingerprint = await server.completionFingerprint();

    // Bad token, bad spec: OpenAI-shaped errors.
    const unauthorised = await server.admin("/admin/train", {}, "wrong-token-wrong-token");
    assert.equal(unauthorised.status, 401);
    const bad = await server.admin("/admin/train", { training: { steps: 0 } });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.param, "training.steps");

    const started = await server.admin("/admin/train", tinyJob(3, "gate"));
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.id;
    const second = await server.admin("/admin/train", tinyJob(3));
    assert.equal(second.status, 409);

    // Serving continues while the job trains and evaluates.
    let serving = true;
    let served = 0;
    const traffic = (async () => {
      while (serving) {
        assert.equal(typeof await server.completionFingerprint(), "string");
        served++;
      }
    })();
    const views = await watchJob(server, id, (job) => job.finishedAt !== null);
    serving = false;
    await traffic;
    assert.ok(served > 0);

    const final = views.at(-1)!;
    assert.ok(final.status === "promoted" || final.status === "rejected", JSON.stringify(final));
    assert.equal(final.progress.step, 3);
    assert.equal(final.progress.fraction, 1);
    assert.ok(views.some((v) => v.progress.step > 0 && v.progress.etaSeconds !== null));
    assert.ok(final.progress.last && "kl" in final.progress.last && "clipFraction" in final.progress.last);
    const result = final.result!;
    const decision = decidePromotion(
      result.evaluation as EvaluationReport,
      (result.evaluation as EvaluationReport).grid,
    );
    assert.equal(result.promoted, decision.promote);
    assert.deepEqual(result.reasons, decision.reasons);
    assert.equal(final.status, decision.promote ? "promoted" : "rejected");

    // The registry lists the new version with its parent and the gate's decision.
    const models = await server.admin("/admin/models");
    assert.equal(models.status, 200);
    const version = models.body.data.find((v: { id: string }) => v.id === result.version);
    assert.equal(version.parent, final.parentVersion);
    assert.equal(version.job.id, id);
    assert.deepEqual(version.decision, decision);
    assert.equal(version.serving, decision.promote);

    // Promote by hand when the gate did not; every response then names the new version.
    if (!decision.promote) {
      const promoted = await server.admin(`/admin/models/${result.version}/promote`, {});
      assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
    }
    const newFingerprint = await server.completionFingerprint();
    assert.equal(newFingerprint, version.modelSha);
    assert.notEqual(newFingerprint, baseFingerprint);
    // The new version came with its own calibration, used as soon as it serves.
    assert.equal(version.calibration, "calibration.json");
    assert.equal(await server.calibrationVersion(), version.modelSha);

    // Rollback returns to the base; a second rollback has nothing to go back to.
    const rolledBack = await server.admin("/admin/models/rollback", { model: "default" });
    assert.equal(rolledBack.status, 200, JSON.stringify(rolledBack.body));
    assert.equal(rolledBack.body.serving.id, final.parentVersion);
    assert.equal(await server.completionFingerprint(), baseFingerprint);
    assert.equal(await server.calibrationVersion(), null); // the base has no calibration files
    const nothing = await server.admin("/admin/models/rollback", { model: "default" });
    assert.equal(nothing.status, 409);
    const unknown = await server.admin("/admin/models/default-v99/promote", {});
    assert.equal(unknown.status, 404);
  } finally {
    await server.close();
  }
});

Deno.test("admin API: a cancelled job keeps its checkpoint and resumes from it", async () => {
  const server = await startServer();
  try {
    const started = await server.admin("/admin/train", tinyJob(40, "never"));
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const id = started.body.id;
    await watchJob(server, id, (job) => job.progress.step >= 2);
    const cancelled = await server.admin(`/admin/jobs/${id}/cancel`, {});
    assert.equal(cancelled.status, 200);
    assert.equal(cancelled.body.status, "cancelled");
    const stoppedAt = cancelled.body.progress.step;
    assert.ok(stoppedAt >= 2 && stoppedAt < 40);
    assert.equal((await server.admin(`/admin/jobs/${id}/cancel`, {})).status, 409);

    const resumed = await server.admin(`/admin/jobs/${id}/resume`, {});
    assert.equal(resumed.status, 202, JSON.stringify(resumed.body));
    const views = await watchJob(server, id, (job) => job.progress.step > stoppedAt);
    // The second run continued from the checkpoint rather than starting over.
    assert.deepEqual(views.at(-1)!.runs.map((run) => run.firstStep), [1, stoppedAt + 1]);
    const again = await server.admin(`/admin/jobs/${id}/cancel`, {});
    assert.equal(again.body.status, "cancelled");

    const list = await server.admin("/admin/jobs");
    assert.deepEqual(list.body.data.map((job: JobView) => job.id), [id]);
    assert.equal((await server.admin("/admin/jobs/job-9999")).status, 404);
  } finally {
    await server.close();
  }
});

Deno.test("admin API: without ADMIN_TOKEN every admin route answers 403", async () => {
  const engine = await createEngine({
    models: [{ name: "default", path: await testModelFolder() }],
    threads: 1,
  });
  try {
    const app = createApp({ engine, apiKeys: [], log: () => {} });
    const response = await app.request("/admin/jobs");
    assert.equal(response.status, 403);
    assert.equal((await response.json()).error.code, "admin_disabled");
  } finally {
    await engine.close();
  }
});
