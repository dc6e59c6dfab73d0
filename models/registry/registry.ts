/**
 * The versioned model registry: every model folder the server has served or may serve, which one
 * serves each model name, and the ones that served before (for rollback). Layout and file schemas
 * are in records.ts. Promotion and rollback hot-swap the engine (ModelHost) first and persist
 * registry.json only once the swap succeeded, so the file always names a version that loaded.
 *
 * A new version is written into `<root>/staging/<random>/` and renamed into `versions/` when
 * complete, so a crash never leaves half a version; `open` deletes whatever staging held. All
 * mutations run one at a time (one promise chain) in this process.
 *
 * @module
 */
import { join, resolve } from "node:path";
import type { z } from "zod";
import { readModelFolder } from "../engine/model_info.ts";
import type { ModelHost, ModelInfo } from "../engine/types.ts";
import {
  moveIntoPlace,
  readJsonIfExists,
  removeAll,
  removeAtomicWriteLeftovers,
  writeJsonAtomic,
} from "./_files.ts";
import { RegistryError } from "./errors.ts";
import { type ModelEntry, RegistryFile, VersionRecord, type VersionSource } from "./records.ts";
import { pathExists } from "../io/path_exists.ts";

const REGISTRY_FILE = "registry.json";
const VERSION_FILE = "version.json";
const VERSIONS_DIR = "versions";
const STAGING_DIR = "staging";

/** A version and the model folder that holds it. */
export interface VersionFolder {
  record: VersionRecord;
  path: string;
}

/** Options of {@link ModelRegistry.addVersion}. */
export interface NewVersion {
  /** The name it will be served under. */
  model: string;
  /** The version it derives from (must exist), or null. */
  parent: string | null;
  source: VersionSource;
  job?: { id: string; spec?: unknown };
  evaluation?: unknown;
  /** Calibration file the writer put in the folder. */
  calibration?: string;
  notes?: string;
  /** Writes the model folder's files into `stagingDir` (an empty directory that exists). */
  write: (stagingDir: string) => Promise<void>;
}

/** The fields of a version that may change after it was written. */
export type VersionPatch = Partial<Pick<VersionRecord, "evaluation" | "calibration" | "notes">>;

/** Versions of served models, on disk under one root (the server's data dir). */
export class ModelRegistry {
  readonly #root: string;
  readonly #versions: Map<string, VersionRecord>;
  #models: Record<string, ModelEntry>;
  /** Tail of the chain every mutation joins. */
  #tail: Promise<unknown> = Promise.resolve();

  private constructor(
    root: string,
    versions: Map<string, VersionRecord>,
    models: Record<string, ModelEntry>,
  ) {
    this.#root = root;
    this.#versions = versions;
    this.#models = models;
  }

  /**
   * Opens (creating it if needed) the registry at `root`, removes what an interrupted write left
   * and checks every file against its schema (RegistryError "corrupt" otherwise).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ModelRegistry } from "./registry.ts";
   * const registry = await ModelRegistry.open(await Deno.makeTempDir());
   * assert.deepEqual(registry.list(), []);
   * assert.deepEqual(registry.servingPaths(), {});
   * ```
   */
  static async open(root: string): Promise<ModelRegistry> {
    root = resolve(root);
    await Deno.mkdir(join(root, VERSIONS_DIR), { recursive: true });
    await removeAll(join(root, STAGING_DIR));
    await removeAtomicWriteLeftovers(root);
    const versions = new Map<string, VersionRecord>();
    for await (const entry of Deno.readDir(join(root, VERSIONS_DIR))) {
      if (!entry.isDirectory) continue;
      const dir = join(root, VERSIONS_DIR, entry.name);
      await removeAtomicWriteLeftovers(dir);
      const record = parse(VersionRecord, await readJsonIfExists(join(dir, VERSION_FILE)), dir);
      if (record.id !== entry.name) {
        throw new RegistryError("corrupt", `${dir}: version.json names ${record.id}`);
      }
      versions.set(record.id, record);
    }
    const file = join(root, REGISTRY_FILE);
    const { models } = parse(RegistryFile, (await readJsonIfExists(file)) ?? { models: {} }, file);
    for (const [name, entry] of Object.entries(models)) {
      for (const id of [entry.serving, ...entry.history]) {
        if (versions.get(id)?.model !== name) {
          throw new RegistryError(
            "corrupt",
            `${file}: ${name} refers to ${id}, which is not a version of it`,
          );
        }
      }
    }
    return new ModelRegistry(root, versions, models);
  }

  /** Versions (of `model`, or all), oldest first. */
  list(model?: string): VersionRecord[] {
    return [...this.#versions.values()]
      .filter((record) => model === undefined || record.model === model)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
      .map((record) => structuredClone(record));
  }

  /** The version `id` and its folder; RegistryError "not_found" if there is none. */
  get(id: string): VersionFolder {
    const record = this.#versions.get(id);
    if (!record) throw new RegistryError("not_found", `no model version has the id "${id}"`);
    return { record: structuredClone(record), path: this.#folder(record) };
  }

  /** The version serving `model`; RegistryError "not_found" if the registry serves no such model. */
  serving(model: string): VersionFolder {
    const entry = this.#models[model];
    if (!entry) throw new RegistryError("not_found", `the registry serves no model named "${model}"`);
    return this.get(entry.serving);
  }

  /** Versions that served `model` before the serving one, oldest first (rollback takes the last). */
  history(model: string): string[] {
    return [...(this.#models[model]?.history ?? [])];
  }

  /** The folder to serve for each model name: what main.ts hands the engine at startup. */
  servingPaths(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(this.#models).map(([name, entry]) => [name, this.get(entry.serving).path]),
    );
  }

  /**
   * Records an existing folder (the embedded model, an imported one) by reference, without
   * copying it; the same name, folder and graph again return the same version. A model with no
   * serving version yet serves it from now on (the engine is started from `servingPaths`).
   * Throws ModelLoadError if the folder breaks the model folder contract.
   */
  registerBase(
    model: string,
    folder: string,
    options: { source?: Exclude<VersionSource, "trained">; notes?: string } = {},
  ): Promise<VersionRecord> {
    return this.#mutate(async () => {
      const path = resolve(folder);
      const { info } = await readModelFolder({ name: model, path });
      let record = [...this.#versions.values()].find((r) =>
        r.model === model && r.path === path && r.modelSha === info.version
      );
      record ??= await this.#writeVersion(
        { model, parent: null, source: options.source ?? "embedded", notes: options.notes, path },
        () => Promise.resolve(info.version), // the folder stays where it is: version.json only
      );
      if (!this.#models[model]) {
        await this.#persist({ ...this.#models, [model]: { serving: record.id, history: [] } });
      }
      return structuredClone(record);
    });
  }

  /**
   * Writes a new version: `write` fills a staging folder, which is checked against the model folder
   * contract (ModelLoadError otherwise) and renamed into `versions/` with its version.json. On any
   * failure nothing is left behind. The version does not serve until promoted.
   */
  addVersion(options: NewVersion): Promise<VersionRecord> {
    return this.#mutate(async () => {
      if (options.parent !== null) this.get(options.parent);
      const { write, ...fields } = options;
      const record = await this.#writeVersion(fields, async (staging) => {
        await write(staging);
        return (await readModelFolder({ name: options.model, path: staging })).info.version;
      });
      return structuredClone(record);
    });
  }

  /** Changes a version's evaluation, calibration or notes (version.json is rewritten atomically). */
  updateVersion(id: string, patch: VersionPatch): Promise<VersionRecord> {
    return this.#mutate(async () => {
      const { record } = this.get(id);
      const { evaluation, calibration, notes } = patch;
      const changes = Object.entries({ evaluation, calibration, notes }).filter(([, v]) => v !== undefined);
      const updated = parse(VersionRecord, { ...record, ...Object.fromEntries(changes) }, id, "invalid");
      await writeJsonAtomic(join(this.#versionDir(id), VERSION_FILE), updated);
      this.#versions.set(id, updated);
      return structuredClone(updated);
    });
  }

  /**
   * Makes `id` serve its model: swaps the engine to it, then records it as serving, with the
   * version it replaced pushed onto the history. If the swap fails, nothing changes and the error
   * (ModelLoadError, ...) propagates. RegistryError "conflict" if it serves already or its folder
   * no longer holds the graph it was registered with.
   */
  promote(id: string, host: ModelHost): Promise<VersionFolder & { info: ModelInfo }> {
    return this.#mutate(async () => {
      const target = this.get(id);
      const { model } = target.record;
      const entry = this.#models[model];
      if (entry?.serving === id) throw new RegistryError("conflict", `${id} already serves ${model}`);
      const history = entry ? [...entry.history, entry.serving].filter((older) => older !== id) : [];
      const info = await this.#swapThenPersist(host, target, { serving: id, history });
      return { ...target, info };
    });
  }

  /**
   * Swaps `model` back to the version that served before the serving one and records that; the
   * version rolled back from leaves the history. RegistryError "no_history" if there is none,
   * "not_found" if the registry serves no such model.
   */
  rollback(model: string, host: ModelHost): Promise<VersionFolder & { info: ModelInfo }> {
    return this.#mutate(async () => {
      const entry = this.#models[model];
      if (!entry) throw new RegistryError("not_found", `the registry serves no model named "${model}"`);
      const previous = entry.history.at(-1);
      if (previous === undefined) {
        throw new RegistryError("no_history", `nothing served ${model} before ${entry.serving}`);
      }
      const target = this.get(previous);
      const info = await this.#swapThenPersist(host, target, {
        serving: previous,
        history: entry.history.slice(0, -1),
      });
      return { ...target, info };
    });
  }

  /** Runs `task` after every earlier mutation has settled. */
  #mutate<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => {});
    return run;
  }

  /**
   * Checks that the target folder still holds the graph it was registered with, swaps the host to
   * it, then records `next` as the model's entry. If recording fails, the host is swapped back to
   * the version that served before (best effort) and the error propagates.
   */
  async #swapThenPersist(host: ModelHost, target: VersionFolder, next: ModelEntry): Promise<ModelInfo> {
    const { record, path } = target;
    const { info } = await readModelFolder({ name: record.model, path });
    if (info.version !== record.modelSha) {
      throw new RegistryError(
        "conflict",
        `${path} now holds graph ${info.version}, not ${record.modelSha} as when ${record.id} was written`,
      );
    }
    const swapped = await host.swapModel({ name: record.model, path });
    const before = this.#models[record.model];
    try {
      await this.#persist({ ...this.#models, [record.model]: next });
    } catch (error) {
      if (before) {
        await host.swapModel({ name: record.model, path: this.get(before.serving).path }).catch(() => {});
      }
      throw error;
    }
    return swapped;
  }

  /** Writes registry.json atomically, then adopts `models`. */
  async #persist(models: Record<string, ModelEntry>): Promise<void> {
    await writeJsonAtomic(join(this.#root, REGISTRY_FILE), { models } satisfies RegistryFile);
    this.#models = models;
  }

  /**
   * Stages a version folder, fills it (`fill` returns the graph's sha), writes version.json and
   * renames the folder into versions/. Removes the staging folder on failure.
   */
  async #writeVersion(
    fields: Omit<VersionRecord, "id" | "createdAt" | "modelSha">,
    fill: (staging: string) => Promise<string>,
  ): Promise<VersionRecord> {
    const id = await this.#newId(fields.model);
    // Keys left undefined are dropped, so the record in memory equals the one read back from disk.
    const defined = Object.entries(fields).filter(([, value]) => value !== undefined);
    const draft = {
      ...Object.fromEntries(defined),
      id,
      createdAt: new Date().toISOString(),
      modelSha: "pending",
    };
    parse(VersionRecord, draft, "the new version", "invalid"); // fail before writing anything
    const staging = join(this.#root, STAGING_DIR, crypto.randomUUID());
    await Deno.mkdir(staging, { recursive: true });
    try {
      const record = parse(VersionRecord, { ...draft, modelSha: await fill(staging) }, id, "invalid");
      await writeJsonAtomic(join(staging, VERSION_FILE), record);
      await moveIntoPlace(staging, this.#versionDir(id), join(this.#root, VERSIONS_DIR));
      this.#versions.set(id, record);
      return record;
    } catch (error) {
      await removeAll(staging);
      throw error;
    }
  }

  /** `<model>-v<n>`, with n one past the highest for that model (the name made folder-safe). */
  async #newId(model: string): Promise<string> {
    const slug = model.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^\./, "_");
    let n = 1;
    for (const id of this.#versions.keys()) {
      const match = id.startsWith(`${slug}-v`) ? /^(\d+)$/.exec(id.slice(slug.length + 2)) : null;
      if (match) n = Math.max(n, Number(match[1]) + 1);
    }
    while (await pathExists(this.#versionDir(`${slug}-v${n}`))) n++;
    return `${slug}-v${n}`;
  }

  #versionDir(id: string): string {
    return join(this.#root, VERSIONS_DIR, id);
  }

  #folder(record: VersionRecord): string {
    return record.path ?? this.#versionDir(record.id);
  }
}

/** `value` checked against `schema`; RegistryError `code` naming `where` otherwise. */
function parse<T>(
  schema: z.ZodType<T>,
  value: unknown,
  where: string,
  code: "corrupt" | "invalid" = "corrupt",
): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `${issue.path.join(".") || "value"}: ${issue.message}`);
    throw new RegistryError(code, `${where}: ${issues.join("; ")}`);
  }
  return result.data;
}
