/**
 * Jobs on disk: `<root>/<id>/job.json` (the JobView, rewritten atomically on every change) beside the
 * job's work directory (`<root>/<id>/work`: checkpoints, step log, trained weights). Reopening after a
 * crash finds the jobs that were running and marks them interrupted (their checkpoints make them
 * resumable).
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../../models/io/atomic_write.ts";
import { FINAL_STATUSES, type JobView } from "./job_view.ts";

const JOB_FILE = "job.json";

/** The job files under one root. */
export class JobStore {
  /** Saves run one after another, so job.json always holds the latest view. */
  #writes: Promise<void> = Promise.resolve();

  private constructor(readonly root: string, readonly jobs: Map<string, JobView>) {}

  /** Reads every job under `root` (created if missing); jobs left unfinished become interrupted. */
  static async open(root: string): Promise<JobStore> {
    await Deno.mkdir(root, { recursive: true });
    const jobs = new Map<string, JobView>();
    for await (const entry of Deno.readDir(root)) {
      if (!entry.isDirectory) continue;
      let job: JobView;
      try {
        job = JSON.parse(await Deno.readTextFile(join(root, entry.name, JOB_FILE)));
      } catch {
        continue; // a directory without a readable job.json is not a job (e.g. an abandoned start)
      }
      jobs.set(job.id, job);
    }
    const store = new JobStore(root, jobs);
    for (const job of jobs.values()) {
      if (!FINAL_STATUSES.includes(job.status)) {
        await store.save({
          ...job,
          status: "interrupted",
          error: `the server stopped while the job was ${job.status}`,
        });
      }
    }
    return store;
  }

  /** Where the job keeps its checkpoints, log and outputs. */
  workDir(id: string): string {
    return join(this.root, id, "work");
  }

  get(id: string): JobView | undefined {
    return this.jobs.get(id);
  }

  /** Newest first. */
  list(): JobView[] {
    return [...this.jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /** Records the job in memory now and on disk in order. */
  save(job: JobView): Promise<void> {
    this.jobs.set(job.id, job);
    const write = async () => {
      await Deno.mkdir(join(this.root, job.id), { recursive: true });
      await writeFileAtomic(join(this.root, job.id, JOB_FILE), JSON.stringify(job, null, 2) + "\n");
    };
    this.#writes = this.#writes.then(write, write);
    return this.#writes;
  }
}
