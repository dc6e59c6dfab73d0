/**
 * Errors of the model registry. Like the engine's, they know nothing of HTTP: routes map `code`
 * to a status (not_found → 404, no_history and conflict → 409, invalid → 400, corrupt → 500).
 *
 * @module
 */

/** Why a registry call failed. */
export type RegistryErrorCode =
  /** No version has this id, or no model has this name. */
  | "not_found"
  /** Rollback asked for, but nothing served before the serving version. */
  | "no_history"
  /** The call contradicts the registry's state (the version already serves, its folder changed). */
  | "conflict"
  /** The arguments break the version.json schema (an empty model name, a malformed parent id, ...). */
  | "invalid"
  /** registry.json or a version.json on disk does not hold what the registry wrote. */
  | "corrupt";

/** A registry call that cannot be done; `code` says why. */
export class RegistryError extends Error {
  override name = "RegistryError";
  constructor(readonly code: RegistryErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
