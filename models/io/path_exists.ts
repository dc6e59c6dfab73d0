/**
 * Whether something is at a path (without following a final symlink), distinguishing "nothing there"
 * from failures such as a permission error, which are thrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathExists } from "./path_exists.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await pathExists(dir), true);
 * assert.equal(await pathExists(`${dir}/missing`), false);
 * await Deno.remove(dir);
 * ```
 *
 * @module
 */

/** True if `path` names a file, directory or link. */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
