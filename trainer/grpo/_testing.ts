/**
 * Fixtures of the grpo tests: a tiny random-weight model folder (the engine's test model) and a verifiable
 * task, the `length` criterion in words, which a tiny model learns within a few steps.
 *
 * @module
 */
import { createBuiltinCriteria, CriterionRegistry } from "../../aligners/criteria/mod.ts";
import { writeTestModel } from "../../models/engine/_test_model.ts";
import type { GrpoConfigInput } from "./config.ts";

export const PROMPTS = ["The quick brown fox", "A small model", "Stop strings", "Continuous batching"];

/** A tiny policy folder (removed when the test module unloads). */
export async function tinyPolicyFolder(): Promise<string> {
  return (await writeTestModel({ seed: 3 })).dir;
}

const workDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of workDirs) Deno.removeSync(dir, { recursive: true });
});

/** A fresh run directory, removed when the test module unloads. */
export async function temporaryWorkDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "grpo_test_" });
  workDirs.push(dir);
  return dir;
}

export function builtinCriteria(): CriterionRegistry {
  return new CriterionRegistry(createBuiltinCriteria());
}

/** Plain GRPO on `length` (target `target` words within 12 tokens, scale 12), β = 0, one thread. */
export function lengthConfig(target: number, overrides: Partial<GrpoConfigInput> = {}): GrpoConfigInput {
  return {
    steps: 2,
    promptsPerStep: 4,
    groupSize: 8,
    maxTokens: 12,
    threads: 1,
    learningRate: 1e-2,
    kl: { kind: "fixed", beta: 0 },
    tasks: { criterionWeights: { kind: "grid", points: [{ length: 1 }] } },
    criterionParams: { length: { target, scale: 12 } },
    ...overrides,
  };
}
