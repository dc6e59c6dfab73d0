/**
 * What the registry keeps on disk, as zod schemas (the files are read back at every start, so
 * they are validated, not trusted):
 *
 *   <root>/registry.json             { "models": { "<name>": { "serving": id, "history": [older, ...] } } }
 *   <root>/versions/<id>/version.json  one VersionRecord; the model folder sits beside it, or, for a
 *                                    base registered by reference, at the record's `path`
 *
 * @module
 */
import { z } from "zod";

/** Where a version's weights came from. */
export const VersionSource = z.enum(["embedded", "trained", "imported"]);
export type VersionSource = z.infer<typeof VersionSource>;

/** Version ids are folder names: letters, digits, `.`, `_`, `-`, not starting with a dot. */
export const VersionId = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]*$/, "not a version id");

/** version.json: one version of one served model. */
export const VersionRecord = z.object({
  id: VersionId,
  /** The name the version is served under. */
  model: z.string().min(1),
  /** The version it was trained from (null for a base). */
  parent: VersionId.nullable(),
  createdAt: z.iso.datetime(),
  source: VersionSource,
  /** The training job that wrote it. */
  job: z.object({ id: z.string(), spec: z.unknown().optional() }).optional(),
  /** Evaluation report (the trainer's gate decides on it). */
  evaluation: z.unknown().optional(),
  /** Calibration file inside the version folder. */
  calibration: z.string().optional(),
  /** The engine's version string of the folder's onnx/model.onnx (model_info.ts). */
  modelSha: z.string().min(1),
  /** Absolute path of a folder registered by reference (not copied); absent = the version's own folder. */
  path: z.string().optional(),
  notes: z.string().optional(),
});
export type VersionRecord = z.infer<typeof VersionRecord>;

/** Serving state of one model name: the serving version and the ones that served before it, oldest first. */
export const ModelEntry = z.object({
  serving: VersionId,
  history: z.array(VersionId),
});
export type ModelEntry = z.infer<typeof ModelEntry>;

/** registry.json. */
export const RegistryFile = z.object({ models: z.record(z.string(), ModelEntry) });
export type RegistryFile = z.infer<typeof RegistryFile>;
