/**
 * Messages between the job manager (main thread) and a job worker (job_worker.ts): structured-clone
 * data only.
 *
 *   main → worker: run, then possibly cancel
 *   worker → main: any number of events, then exactly one of finished | failed
 *
 * @module
 */
import type { RefreshEvent, RefreshInput, RefreshOutcome } from "./refresh.ts";

export type ToJobWorker =
  | { type: "run"; input: RefreshInput }
  | { type: "cancel" };

export type FromJobWorker =
  | { type: "event"; event: RefreshEvent }
  | { type: "finished"; outcome: RefreshOutcome }
  | { type: "failed"; message: string };
