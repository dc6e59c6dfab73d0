/**
 * The KL coefficient β between steps (IAMA.md §4): fixed, or adapted to hold a KL target with
 *
 *     log β ← log β + k_p · clamp((KL̂ − target)/target, −1, 1)
 *
 * The clamp *(project choice, as in the adaptive KL controllers of PPO implementations)* keeps one step
 * far from the target from multiplying β by more than e^{k_p}.
 *
 * @module
 */
import type { GrpoConfig } from "./config.ts";

/** β at the first step. */
export function initialKlBeta(kl: GrpoConfig["kl"]): number {
  return kl.kind === "fixed" ? kl.beta : kl.initialBeta;
}

/**
 * β for the next step, given the KL measured at this one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nextKlBeta } from "./kl_controller.ts";
 * const kl = { kind: "target" as const, target: 0.1, initialBeta: 0.04, gain: 0.1 };
 * assert.ok(nextKlBeta(kl, 0.04, 0.2) > 0.04); // too far from the reference: pull harder
 * assert.ok(nextKlBeta(kl, 0.04, 0.05) < 0.04);
 * ```
 */
export function nextKlBeta(kl: GrpoConfig["kl"], beta: number, measuredKl: number): number {
  if (kl.kind === "fixed") return beta;
  const error = Math.min(1, Math.max(-1, (measuredKl - kl.target) / kl.target));
  return Math.exp(Math.log(beta) + kl.gain * error);
}
