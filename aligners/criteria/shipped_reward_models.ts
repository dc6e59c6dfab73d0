/**
 * Reward models shipped inside a served model folder (`<model>/reward_models/<name>/`, as the
 * default model ships `helpfulness` and `harmlessness`) become criteria named after their folder.
 *
 * @module
 */
import { join } from "node:path";
import type { Criterion } from "./criterion.ts";
import { loadRewardModelCriterion } from "./reward_model_criterion.ts";

/** The criteria found, and how to release their sessions. */
export interface ShippedRewardModels {
  criteria: Criterion[];
  release(): Promise<void>;
}

/**
 * Loads every `reward_models/<name>/` folder of the given model folders. A name already taken by an
 * earlier folder is skipped (the first model's wins).
 *
 * @example
 * ```ts ignore
 * const shipped = await loadShippedRewardModels(["models/default"], { threads: 1 });
 * shipped.criteria.map((c) => c.name); // ["harmlessness", "helpfulness"]
 * ```
 */
export async function loadShippedRewardModels(
  modelFolders: readonly string[],
  options: { threads?: number } = {},
): Promise<ShippedRewardModels> {
  const loaded: { criterion: Criterion; release: () => Promise<void> }[] = [];
  const release = async () => {
    for (const entry of loaded) await entry.release();
  };
  try {
    for (const folder of modelFolders) {
      const root = join(folder, "reward_models");
      for (const name of await subfolders(root)) {
        if (loaded.some((entry) => entry.criterion.name === name)) continue;
        const { criterion, release } = await loadRewardModelCriterion(join(root, name), {
          name,
          description: `reward model shipped with ${folder} (${name})`,
          threads: options.threads ?? 1,
        });
        loaded.push({ criterion, release });
      }
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { criteria: loaded.map((entry) => entry.criterion), release };
}

async function subfolders(path: string): Promise<string[]> {
  try {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) if (entry.isDirectory) names.push(entry.name);
    return names.sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}
