/**
 * What a training job looks like from outside (admin API, job.json on disk): plain JSON.
 *
 * @module
 */

/**
 * queued → running → evaluating → promoted | rejected; or failed, cancelled, interrupted (the process
 * stopped while it ran; resumable from its checkpoint, as cancelled jobs are).
 */
export type JobStatus =
  | "queued"
  | "running"
  | "evaluating"
  | "promoted"
  | "rejected"
  | "failed"
  | "cancelled"
  | "interrupted";

/** Statuses a job never leaves by itself. */
export const FINAL_STATUSES: readonly JobStatus[] = [
  "promoted",
  "rejected",
  "failed",
  "cancelled",
  "interrupted",
];

/** Training progress, updated after every step. */
export interface JobProgress {
  step: number;
  steps: number;
  /** Fraction of the training steps done, 0..1. */
  fraction: number;
  /** Seconds left at the mean step time so far (null before the first step). */
  etaSeconds: number | null;
  /** The last step's log line (rewards per criterion, KL, direction fidelity, entropy, lengths, clip fraction, ...). */
  last?: Record<string, unknown>;
}

/** How a finished job ended. */
export interface JobResult {
  /** The registry version the job wrote. */
  version: string;
  promoted: boolean;
  /** Why the gate promoted or rejected it. */
  reasons: string[];
  evaluation?: unknown;
}

/** One job. */
export interface JobView {
  id: string;
  object: "training.job";
  model: string;
  status: JobStatus;
  /** The validated spec (defaults filled in). */
  spec: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** Version serving when the job started (the parent of the new one). */
  parentVersion: string | null;
  progress: JobProgress;
  /** Each time the job ran (started, then resumed): when, and the first training step it completed. */
  runs: { startedAt: string; firstStep: number | null }[];
  result: JobResult | null;
  error: string | null;
}
