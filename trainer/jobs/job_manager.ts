/**
 * Training jobs on the serving process's main thread: validates a spec, runs its refresh in a job
 * Worker (so HTTP keeps answering), tracks progress and ETA, and when the worker has trained and
 * evaluated a candidate, writes it to the model registry as a new version (parent, job, evaluation
 * report and gate decision in its metadata) and promotes it by hot swap when the gate says so.
 *
 * One job runs at a time: a second start is a JobConflictError (two trainers on 2 cores would only
 * slow each other and the serving engine). Cancelled and interrupted jobs resume from their checkpoint.
 *
 * @module
 */
import { join } from "node:path";
import { CALIBRATION_FILE } from "../../aligners/quality_curves/mod.ts";
import type { ModelHost } from "../../models/engine/types.ts";
import type { ModelRegistry, VersionRecord } from "../../models/registry/mod.ts";
import type { FromJobWorker, ToJobWorker } from "./_protocol.ts";
import { JobConflictError, JobNotFoundError } from "./errors.ts";
import { type JobSpec, parseJobSpec } from "./job_spec.ts";
import { JobStore } from "./job_store.ts";
import { FINAL_STATUSES, type JobView } from "./job_view.ts";
import type { RefreshEvent, RefreshOutcome } from "./refresh.ts";

/** Files of a served version that training does not rewrite but the new version must keep. */
const INHERITED_ENTRIES = ["reward_models"];

/** Options of {@link JobManager.open}. */
export interface JobManagerOptions {
  /** Where jobs keep their files (`<dataDir>/jobs`). */
  root: string;
  registry: ModelRegistry;
  /** The serving engine: promotions swap it. */
  host: ModelHost;
  /** onnxruntime threads a job may use at most. */
  maxThreads: number;
  log?: (line: string) => void;
}

interface RunningJob {
  worker: Worker;
  /** Resolves when the job has reached a final status. */
  settled: Promise<void>;
  stepStartedAt: number;
  trainingSeconds: number;
  stepsThisRun: number;
}

/** Starts, tracks, cancels and resumes refresh jobs. */
export class JobManager {
  readonly #running = new Map<string, RunningJob>();
  #nextId: number;

  private constructor(private readonly store: JobStore, private readonly options: JobManagerOptions) {
    this.#nextId = store.list().length + 1;
  }

  static async open(options: JobManagerOptions): Promise<JobManager> {
    return new JobManager(await JobStore.open(options.root), options);
  }

  /** Every job, newest first. */
  list(): JobView[] {
    return this.store.list();
  }

  get(id: string): JobView {
    const job = this.store.get(id);
    if (job === undefined) throw new JobNotFoundError(id);
    return job;
  }

  /** The job running now, if any. */
  active(): JobView | undefined {
    const [id] = this.#running.keys();
    return id === undefined ? undefined : this.store.get(id);
  }

  /** Validates `specJson` (throws its ZodError) and starts the job; JobConflictError if one is running. */
  async start(specJson: unknown): Promise<JobView> {
    const spec = parseJobSpec(specJson);
    this.#assertIdle();
    const serving = this.options.registry.serving(spec.model);
    const now = new Date().toISOString();
    const job: JobView = {
      id: this.#newId(),
      object: "training.job",
      model: spec.model,
      status: "queued",
      spec: spec as unknown as Record<string, unknown>,
      createdAt: now,
      startedAt: null,
      finishedAt: null,
      parentVersion: serving.record.id,
      progress: { step: 0, steps: spec.training.steps, fraction: 0, etaSeconds: null },
      runs: [],
      result: null,
      error: null,
    };
    await this.store.save(job);
    return await this.#launch(job);
  }

  /** Continues a cancelled or interrupted job from its checkpoint (same spec, same parent version). */
  async resume(id: string): Promise<JobView> {
    const job = this.get(id);
    if (job.status !== "cancelled" && job.status !== "interrupted") {
      throw new JobConflictError(`Job ${id} is ${job.status}; only cancelled or interrupted jobs resume.`);
    }
    this.#assertIdle();
    return await this.#launch({ ...job, status: "queued", error: null, finishedAt: null });
  }

  /** Stops a running job at the end of its current step (its checkpoint stays); returns its final view. */
  async cancel(id: string): Promise<JobView> {
    const job = this.get(id);
    const running = this.#running.get(id);
    if (running === undefined) {
      throw new JobConflictError(`Job ${id} is ${job.status}, not running.`);
    }
    running.worker.postMessage({ type: "cancel" } satisfies ToJobWorker);
    await running.settled;
    return this.get(id);
  }

  /** Cancels the running job (if any) and waits for it. */
  async close(): Promise<void> {
    await Promise.all([...this.#running.keys()].map((id) => this.cancel(id).catch(() => {})));
  }

  #assertIdle(): void {
    const active = this.active();
    if (active !== undefined) {
      throw new JobConflictError(`Job ${active.id} is ${active.status}; one training job runs at a time.`);
    }
  }

  #newId(): string {
    let id: string;
    do id = `job-${String(this.#nextId++).padStart(4, "0")}`; while (this.store.get(id) !== undefined);
    return id;
  }

  async #launch(queued: JobView): Promise<JobView> {
    const spec = queued.spec as unknown as JobSpec;
    const servingFolder = this.options.registry.get(queued.parentVersion!).path;
    const now = new Date().toISOString();
    const job: JobView = {
      ...queued,
      status: "running",
      startedAt: queued.startedAt ?? now,
      runs: [...queued.runs, { startedAt: now, firstStep: null }],
    };
    await this.store.save(job);
    const worker = new Worker(new URL("./job_worker.ts", import.meta.url), { type: "module" });
    let settle!: () => void;
    const running: RunningJob = {
      worker,
      settled: new Promise<void>((resolve) => settle = resolve),
      stepStartedAt: performance.now(),
      trainingSeconds: 0,
      stepsThisRun: 0,
    };
    this.#running.set(job.id, running);
    const finish = async (patch: Partial<JobView>) => {
      worker.terminate();
      await this.#update(job.id, { ...patch, finishedAt: new Date().toISOString() });
      this.#running.delete(job.id);
      settle();
    };
    worker.onmessage = (message: MessageEvent<FromJobWorker>) => {
      const data = message.data;
      if (data.type === "event") void this.#progress(job.id, running, data.event);
      else if (data.type === "failed") {
        this.options.log?.(`job ${job.id} failed: ${data.message}`);
        void finish({ status: "failed", error: data.message });
      } else {
        void this.#conclude(job.id, spec, data.outcome)
          .then((patch) => finish(patch))
          .catch((error) => finish({ status: "failed", error: (error as Error).message }));
      }
    };
    worker.onerror = (event) => {
      event.preventDefault();
      void finish({ status: "failed", error: `the job worker stopped: ${event.message}` });
    };
    worker.postMessage(
      {
        type: "run",
        input: {
          spec,
          servingFolder,
          workDir: this.store.workDir(job.id),
          threads: Math.min(spec.training.threads, this.options.maxThreads),
        },
      } satisfies ToJobWorker,
    );
    this.options.log?.(`job ${job.id}: training ${spec.model} from ${queued.parentVersion}`);
    return job;
  }

  async #progress(id: string, running: RunningJob, event: RefreshEvent): Promise<void> {
    const job = this.get(id);
    if (event.type !== "step") {
      if (job.status !== "evaluating") await this.#update(id, { status: "evaluating" });
      return;
    }
    const now = performance.now();
    running.trainingSeconds += (now - running.stepStartedAt) / 1000;
    running.stepStartedAt = now;
    running.stepsThisRun++;
    const { step, totalSteps } = event.log;
    const perStep = running.trainingSeconds / running.stepsThisRun;
    const runs = running.stepsThisRun === 1
      ? [...job.runs.slice(0, -1), { ...job.runs.at(-1)!, firstStep: step }]
      : job.runs;
    await this.#update(id, {
      runs,
      progress: {
        step,
        steps: totalSteps,
        fraction: step / totalSteps,
        etaSeconds: Math.round(perStep * (totalSteps - step)),
        last: event.log as unknown as Record<string, unknown>,
      },
      status: job.status === "queued" ? "running" : job.status,
    });
  }

  /** Registers the trained version and applies the gate; the job's final fields. */
  async #conclude(id: string, spec: JobSpec, outcome: RefreshOutcome): Promise<Partial<JobView>> {
    if (!outcome.completed) return { status: "cancelled" };
    const job = this.get(id);
    const { registry, host } = this.options;
    const parent = registry.get(job.parentVersion!);
    const record: VersionRecord = await registry.addVersion({
      model: spec.model,
      parent: parent.record.id,
      source: "trained",
      job: { id, spec: spec as unknown as Record<string, unknown> },
      evaluation: { report: outcome.report, decision: outcome.decision },
      calibration: outcome.calibrated ? CALIBRATION_FILE : undefined,
      write: async (dir) => {
        await copyFolder(outcome.weightsFolder, dir);
        for (const entry of INHERITED_ENTRIES) {
          await copyFolder(join(parent.path, entry), join(dir, entry)).catch((error) => {
            if (!(error instanceof Deno.errors.NotFound)) throw error;
          });
        }
      },
    });
    const promote = spec.promotion === "gate" && outcome.decision.promote;
    if (promote) await registry.promote(record.id, host);
    this.options.log?.(
      `job ${id}: version ${record.id} ${promote ? "promoted" : "not promoted"} (${
        outcome.decision.reasons.join("; ")
      })`,
    );
    return {
      status: promote ? "promoted" : "rejected",
      result: {
        version: record.id,
        promoted: promote,
        reasons: spec.promotion === "never"
          ? [...outcome.decision.reasons, "promotion is `never` in the job spec"]
          : outcome.decision.reasons,
        evaluation: outcome.report,
      },
    };
  }

  async #update(id: string, patch: Partial<JobView>): Promise<void> {
    const job = this.get(id);
    if (FINAL_STATUSES.includes(job.status) && patch.status === undefined) return;
    await this.store.save({ ...job, ...patch });
  }
}

/** Copies a folder tree durably (each file synced; the registry's rename then publishes the whole). */
async function copyFolder(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory) {
      await copyFolder(source, target);
      continue;
    }
    await Deno.copyFile(source, target);
    const file = await Deno.open(target, { read: true });
    try {
      await file.sync();
    } finally {
      file.close();
    }
  }
}
