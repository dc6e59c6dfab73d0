/**
 * The versioned model registry: model folders by version, which one serves each model name,
 * promotion and rollback by hot swap (the engine's ModelHost). See registry.ts.
 *
 * @example
 * ```ts ignore
 * import { createEngine } from "../engine/mod.ts";
 * import { ModelRegistry } from "./mod.ts";
 * const registry = await ModelRegistry.open("data");
 * await registry.registerBase("default", "models/default");
 * const paths = registry.servingPaths(); // { default: ".../models/default" } until a promotion
 * const engine = await createEngine({ models: Object.entries(paths).map(([name, path]) => ({ name, path })) });
 * const version = await registry.addVersion({
 *   model: "default", parent: registry.serving("default").record.id, source: "trained",
 *   write: (dir) => writeNewWeights(dir),
 * });
 * await registry.promote(version.id, engine); // the engine serves it now; rollback("default", engine) undoes
 * ```
 *
 * @module
 */
export { ModelRegistry, type NewVersion, type VersionFolder, type VersionPatch } from "./registry.ts";
export { RegistryError, type RegistryErrorCode } from "./errors.ts";
export { ModelEntry, RegistryFile, VersionRecord, VersionSource } from "./records.ts";
