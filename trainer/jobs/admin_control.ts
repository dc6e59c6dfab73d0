/**
 * The admin API's view of training and versions (routes/admin.ts's AdminControl, matched by shape):
 * jobs from the JobManager, versions from the ModelRegistry, promotion and rollback by hot swap of the
 * serving engine. Evaluation reports are left out of version listings (they are long; a job's view
 * has its own).
 *
 * @module
 */
import type { ModelHost } from "../../models/engine/types.ts";
import type { ModelRegistry, VersionRecord } from "../../models/registry/mod.ts";
import type { JobManager } from "./job_manager.ts";

/** A version as listed: its record without the evaluation report, plus whether it serves. */
export interface VersionView extends Omit<VersionRecord, "evaluation"> {
  object: "model.version";
  serving: boolean;
  /** The gate's decision from the evaluation report, when there is one. */
  decision?: unknown;
}

function versionView(record: VersionRecord, serving: boolean): VersionView {
  const { evaluation, ...rest } = record;
  const decision = (evaluation as { decision?: unknown } | undefined)?.decision;
  return { ...rest, object: "model.version", serving, ...(decision === undefined ? {} : { decision }) };
}

/** The control routes/admin.ts drives. */
export function createAdminControl(jobs: JobManager, registry: ModelRegistry, host: ModelHost) {
  const servingIds = () =>
    new Set(Object.keys(registry.servingPaths()).map((m) => registry.serving(m).record.id));
  const promoted = (model: string) => {
    const { record } = registry.serving(model);
    return { model, serving: versionView(record, true), history: registry.history(model) };
  };
  return {
    startJob: (spec: unknown) => jobs.start(spec),
    listJobs: () => jobs.list(),
    getJob: (id: string) => jobs.get(id),
    cancelJob: (id: string) => jobs.cancel(id),
    resumeJob: (id: string) => jobs.resume(id),
    listModels: () => {
      const serving = servingIds();
      const models = Object.keys(registry.servingPaths()).map((model) => ({
        model,
        serving: registry.serving(model).record.id,
        history: registry.history(model),
      }));
      return Promise.resolve({
        object: "list",
        models,
        data: registry.list().map((record) => versionView(record, serving.has(record.id))),
      });
    },
    promote: async (version: string) => {
      const folder = await registry.promote(version, host);
      return promoted(folder.record.model);
    },
    rollback: async (model: string) => {
      await registry.rollback(model, host);
      return promoted(model);
    },
  };
}
