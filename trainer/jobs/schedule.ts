/**
 * The periodic refresh (config REFRESH_EVERY_MINUTES + REFRESH_JOB): every period, start the configured
 * job unless one is already running. Failures to start are logged, never thrown (the server keeps
 * serving; the next period tries again).
 *
 * @module
 */
import { JobConflictError } from "./errors.ts";

/** What the schedule needs of the job manager. */
export interface JobStarter {
  start(spec: unknown): Promise<{ id: string }>;
}

/**
 * Starts the schedule; the returned function stops it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { startRefreshSchedule } from "./schedule.ts";
 * const started: unknown[] = [];
 * const stop = startRefreshSchedule({ start: (spec) => (started.push(spec), Promise.resolve({ id: "job-1" })) },
 *   { everyMinutes: 0.0005, job: { training: { steps: 2 } } }, () => {});
 * await new Promise((resolve) => setTimeout(resolve, 100));
 * stop();
 * assert.ok(started.length >= 1);
 * ```
 */
export function startRefreshSchedule(
  jobs: JobStarter,
  schedule: { everyMinutes: number; job: Record<string, unknown> },
  log: (line: string) => void,
): () => void {
  const timer = setInterval(async () => {
    try {
      const job = await jobs.start(schedule.job);
      log(`scheduled refresh: started ${job.id}`);
    } catch (error) {
      if (error instanceof JobConflictError) log(`scheduled refresh skipped: ${error.message}`);
      else log(`scheduled refresh failed to start: ${(error as Error).message}`);
    }
  }, schedule.everyMinutes * 60_000);
  return () => clearInterval(timer);
}
