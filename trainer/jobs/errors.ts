/**
 * Errors of the job manager, raised where jobs are handled and mapped to HTTP in routes/errors.ts.
 *
 * @module
 */

/** No job has this id. */
export class JobNotFoundError extends Error {
  override name = "JobNotFoundError";
  constructor(readonly jobId: string) {
    super(`No training job has the id "${jobId}".`);
  }
}

/** The job cannot do this now (another job is running, or it already finished). */
export class JobConflictError extends Error {
  override name = "JobConflictError";
}
