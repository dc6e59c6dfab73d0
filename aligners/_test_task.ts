/**
 * Test support for aligners on the real engine: one small random-weight model, one prompt, and tasks
 * over it with identity calibration.
 *
 * @module
 */
import { samplingParams, type TestModel, writeTestModel } from "../models/engine/_test_model.ts";
import type { SamplingParams } from "../models/engine/types.ts";
import { Calibrator, type CriteriaWeights } from "./criteria/mod.ts";
import type { AlignmentTask } from "./aligner.ts";

/** FNV-1a 32-bit of the UTF-16 code units, scaled to [0, 1): test criteria whose scores vary with the text. */
export function textHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash / 2 ** 32;
}

/** The prompt every aligner test continues. */
export const TEST_PROMPT = "A small model writes short answers";

/** The test model (engine name "m") and the prompt's ids. */
export async function alignerTestModel(): Promise<{ model: TestModel; promptIds: number[] }> {
  const model = await writeTestModel({ seed: 5 });
  return { model, promptIds: model.tokenizer.encode(TEST_PROMPT) };
}

/** Tasks on TEST_PROMPT weighting `weights`, with `defaults` then the call's sampling overrides. */
export function taskFactory(
  promptIds: number[],
  weights: CriteriaWeights,
  defaults: Partial<SamplingParams>,
): (sampling?: Partial<SamplingParams>) => AlignmentTask {
  return (sampling = {}) => ({
    model: "m",
    promptIds,
    prompt: TEST_PROMPT,
    sampling: samplingParams({ temperature: 1, ...defaults, ...sampling }),
    criteria: { weights },
    calibrator: new Calibrator(undefined, { missing: "identity" }),
  });
}
