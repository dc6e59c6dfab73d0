/**
 * Test helpers of the registry: temp roots, folder copies as `write` callbacks, and a ModelHost
 * wrapper around the real engine that records when each swap begins and ends.
 *
 * @module
 */
import { join } from "node:path";
import type { ModelHost, ModelInfo } from "../engine/types.ts";
import type { ModelSpec } from "../engine/model_info.ts";

const roots: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const root of roots) Deno.removeSync(root, { recursive: true });
});

/** A fresh registry root, removed when the test module unloads. */
export async function tempRoot(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "registry_test_" });
  roots.push(root);
  return root;
}

/** A `write` callback copying the folder `from` (recursively) into the staging folder. */
export function copyOf(from: string): (staging: string) => Promise<void> {
  const copy = async (source: string, target: string) => {
    await Deno.mkdir(target, { recursive: true });
    for await (const entry of Deno.readDir(source)) {
      if (entry.isDirectory) await copy(join(source, entry.name), join(target, entry.name));
      else await Deno.copyFile(join(source, entry.name), join(target, entry.name));
    }
  };
  return (staging) => copy(from, staging);
}

/** Names of the entries of `dir` (empty if it does not exist), sorted. */
export async function entries(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return names.sort();
}

/** Delegates to `host` and logs "begin <path>" / "end <path>" around each swap. */
export function observed(host: ModelHost): ModelHost & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    async swapModel(spec: ModelSpec): Promise<ModelInfo> {
      log.push(`begin ${spec.path}`);
      try {
        return await host.swapModel(spec);
      } finally {
        log.push(`end ${spec.path}`);
      }
    },
    removeModel: (name) => host.removeModel(name),
  };
}
