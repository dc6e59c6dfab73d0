/**
 * File-system steps of the registry: JSON written atomically (models/io/atomic_write.ts), folders
 * moved into place by one rename, and the leftovers a crash can leave behind.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../io/atomic_write.ts";

/** Writes `value` as pretty JSON to `path`, atomically. */
export function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  return writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}

/** The parsed JSON at `path`, or undefined if there is no such file. */
export async function readJsonIfExists(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  return JSON.parse(text);
}

/** Renames the finished folder `from` to `to` (one atomic step) and makes the rename durable. */
export async function moveIntoPlace(from: string, to: string, parent: string): Promise<void> {
  await Deno.rename(from, to);
  await syncDirectory(parent);
}

/** Removes `path` and everything under it; nothing there is fine. */
export async function removeAll(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Removes the temp files an interrupted writeFileAtomic left in `dir` (`.<name>.<random>.tmp`). */
export async function removeAtomicWriteLeftovers(dir: string): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.startsWith(".") && entry.name.endsWith(".tmp")) {
      await Deno.remove(join(dir, entry.name)).catch(() => {});
    }
  }
}

/** fsync a directory so that a rename inside it survives a crash; best effort. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await Deno.open(dir, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch { /* not every filesystem can fsync a directory */ }
}
