import assert from "node:assert/strict";
import { readGptModelFolder } from "../../models/gpt/model_folder.ts";
import type { GrpoConfigInput } from "./config.ts";
import type { GrpoStepLog } from "./grpo_step.ts";
import { nextKlBeta } from "./kl_controller.ts";
import { GrpoResumeError, runGrpo, type RunGrpoOptions } from "./run_grpo.ts";
import { builtinCriteria, lengthConfig, PROMPTS, temporaryWorkDir, tinyPolicyFolder } from "./_testing.ts";

const policyFolder = await tinyPolicyFolder();

async function options(
  config: GrpoConfigInput,
  overrides: Partial<RunGrpoOptions> = {},
): Promise<RunGrpoOptions> {
  return {
    config,
    policyFolder,
    workDir: await temporaryWorkDir(),
    criteria: builtinCriteria(),
    prompts: PROMPTS,
    ...overrides,
  };
}

Deno.test("a few GRPO steps move a tiny model towards a verifiable target and every weight tensor moves", async () => {
  // The random model writes about 1.5 words per 12 tokens; the target is 12 words.
  const logs: GrpoStepLog[] = [];
  const run = await options(lengthConfig(12, { steps: 12 }), { onStep: (log) => logs.push(log) });
  const result = await runGrpo(run);
  assert.equal(result.summary.completedSteps, 12);
  assert.deepEqual(logs.map((log) => `${log.step}/${log.totalSteps}`), logs.map((_, i) => `${i + 1}/12`));
  const mean = (entries: GrpoStepLog[]) =>
    entries.reduce((sum, log) => sum + log.meanRawReward.length, 0) / entries.length;
  const before = mean(logs.slice(0, 3));
  const after = mean(logs.slice(-3));
  assert.ok(after > before + 0.2, `mean reward ${before} → ${after}`);
  assert.ok(logs[0].kl === 0 && logs.at(-1)!.kl > 0, "KL to the starting weights grows from 0");
  // Direction fidelity: undefined while the policy is the reference, then the policy's change follows the
  // advantages (longer answers are both more likely than at the start and better).
  assert.equal(logs[0].directionFidelity, null);
  const fidelity = logs.slice(-3).map((log) => log.directionFidelity!);
  assert.ok(fidelity.every((r) => r > 0 && r <= 1), `direction fidelity ${fidelity}`);
  const logged = (await Deno.readTextFile(`${run.workDir}/log.jsonl`)).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  assert.deepEqual(logged.map((entry) => entry.step), logs.map((log) => log.step));
  const initial = (await readGptModelFolder(policyFolder)).parameters;
  const trained = (await readGptModelFolder(result.weightsFolder)).parameters;
  for (const [name, values] of trained) {
    assert.ok(values.some((v, i) => v !== initial.get(name)![i]), `${name} did not change`);
  }
});

// Non-linear GRPO with everything stateful switched on: two policy epochs, a BoN/identity mix over a
// Dirichlet weighting of two criteria, smooth-min aggregation and the adaptive β.
const statefulConfig = lengthConfig(6, {
  steps: 4,
  groupSize: 4,
  policyEpochs: 2,
  checkpointEvery: 1000,
  tasks: {
    criterionWeights: { kind: "dirichlet", criteria: ["length", "sentiment"], alpha: 1 },
    aligners: [{ aligner: { kind: "best_of_n", n: 4 }, weight: 1 }, {
      aligner: { kind: "identity" },
      weight: 1,
    }],
    tasksPerGroup: 2,
  },
  aggregator: { kind: "smooth_min", gamma: 2 },
  kl: { kind: "target", target: 1e-3, initialBeta: 0.1, gain: 0.5 },
});

Deno.test("a run stopped and resumed from its checkpoint ends with the same weights as one run", async () => {
  const logs: GrpoStepLog[] = [];
  const uninterrupted = await runGrpo(await options(statefulConfig, { onStep: (log) => logs.push(log) }));
  assert.equal(uninterrupted.summary.completedSteps, 4);

  const controller = new AbortController();
  const stoppedRun = await options(statefulConfig, {
    signal: controller.signal,
    onStep: (log) => log.step === 2 && controller.abort(),
  });
  const stopped = await runGrpo(stoppedRun);
  assert.equal(stopped.summary.completedSteps, 2);
  assert.equal(stopped.summary.completed, false);
  const resumedLogs: GrpoStepLog[] = [];
  const resumed = await runGrpo({ ...stoppedRun, signal: undefined, onStep: (log) => resumedLogs.push(log) });
  assert.equal(resumed.summary.stepsThisCall, 2);
  assert.deepEqual(resumedLogs.map((log) => log.step), [3, 4]);
  assert.equal(resumed.summary.finalBeta, uninterrupted.summary.finalBeta);
  assert.deepEqual(resumedLogs.map((log) => log.loss), logs.slice(2).map((log) => log.loss));
  const a = (await readGptModelFolder(resumed.weightsFolder)).parameters;
  const b = (await readGptModelFolder(uninterrupted.weightsFolder)).parameters;
  for (const [name, values] of a) assert.deepEqual(values, b.get(name), name);

  // The β controller: up when KL̂ is above the target, down when below (step 1 has KL̂ = 0).
  assert.equal(logs[0].kl, 0);
  for (let i = 0; i + 1 < logs.length; i++) {
    const direction = Math.sign(logs[i + 1].beta - logs[i].beta);
    assert.equal(direction, Math.sign(logs[i].kl - 1e-3), `step ${i + 1}: KL ${logs[i].kl}`);
  }
  assert.ok(logs.some((log) => log.kl > 1e-3));

  // Stopped before its first rollouts finish: no step is taken, and the checkpoint says so.
  const early = await options(statefulConfig, { signal: AbortSignal.abort() });
  assert.equal((await runGrpo(early)).summary.completedSteps, 0);
  const fromStart = await runGrpo({ ...early, signal: undefined });
  assert.equal(fromStart.summary.stepsThisCall, 4);
  assert.equal(fromStart.summary.finalBeta, uninterrupted.summary.finalBeta);

  await assert.rejects(
    runGrpo({ ...stoppedRun, config: { ...statefulConfig, seed: 9 }, signal: undefined }),
    GrpoResumeError,
  );
});

Deno.test("the KL controller follows log β ← log β + k_p·clamp((KL − target)/target, ±1)", () => {
  const kl = { kind: "target" as const, target: 0.1, initialBeta: 0.04, gain: 0.2 };
  assert.ok(Math.abs(nextKlBeta(kl, 0.04, 0.15) - 0.04 * Math.exp(0.2 * 0.5)) < 1e-15);
  assert.ok(Math.abs(nextKlBeta(kl, 0.04, 0.05) - 0.04 * Math.exp(-0.2 * 0.5)) < 1e-15);
  assert.ok(Math.abs(nextKlBeta(kl, 0.04, 5) - 0.04 * Math.exp(0.2)) < 1e-15); // clamped
  assert.equal(nextKlBeta({ kind: "fixed", beta: 0.3 }, 0.3, 5), 0.3);
});
