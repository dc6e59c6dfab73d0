/**
 * Atomic file replacement: a reader sees either the previous content of a file or the new content,
 * never a mix, a truncated file or an empty one, even if the process dies or the machine loses power
 * mid-way.
 *
 * Recipe (the one used by databases and package managers): write the bytes to a fresh temp file in the
 * target's own directory (so the rename stays on one filesystem), fsync it, rename it over the target
 * (atomic on POSIX), then fsync the directory so the rename itself is durable (best effort: some
 * filesystems refuse to fsync a directory). On any failure the temp file is removed and the error is
 * rethrown; the target is untouched.
 *
 * If the target already exists, its permission bits are copied to the new file. A symlink at the target
 * path is replaced by a regular file, not followed.
 *
 * @module
 */

import { basename, dirname, join } from "node:path";

/**
 * The file-system calls that tests replace to inject failures. Not part of the public API.
 * @internal
 */
export const _internals = {
  rename: (from: string, to: string): Promise<void> => Deno.rename(from, to),
  renameSync: (from: string, to: string): void => Deno.renameSync(from, to),
};

const textEncoder = new TextEncoder();

/**
 * Writes `data` to `path` atomically and durably (see the module documentation).
 *
 * @param path Target file; its directory must exist.
 * @param data Bytes, or a string written as UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic_write.ts";
 * const path = `${await Deno.makeTempDir()}/config.json`;
 * await writeFileAtomic(path, '{"version": 2}');
 * assert.ok(await Deno.readTextFile(path) === '{"version": 2}');
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? textEncoder.encode(data) : data;
  const directory = dirname(path);
  const tempPath = join(directory, temporaryName(path));
  const previousMode = await existingMode(path);
  let file: Deno.FsFile | undefined;
  let created = false;
  try {
    file = await Deno.open(tempPath, { write: true, createNew: true, mode: 0o666 });
    created = true;
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
    if (previousMode !== undefined) await Deno.chmod(tempPath, previousMode);
    await file.sync();
    file.close();
    file = undefined;
    await _internals.rename(tempPath, path);
  } catch (error) {
    file?.close();
    if (created) await Deno.remove(tempPath).catch(() => {});
    throw error;
  }
  await syncDirectory(directory);
}

/**
 * Synchronous twin of {@linkcode writeFileAtomic}, for shutdown hooks and other places that cannot await.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomicSync } from "./atomic_write.ts";
 * const path = `${Deno.makeTempDirSync()}/state.txt`;
 * writeFileAtomicSync(path, new Uint8Array([1, 2, 3]));
 * assert.ok(Deno.readFileSync(path).length === 3);
 * ```
 */
export function writeFileAtomicSync(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? textEncoder.encode(data) : data;
  const directory = dirname(path);
  const tempPath = join(directory, temporaryName(path));
  const previousMode = existingModeSync(path);
  let file: Deno.FsFile | undefined;
  let created = false;
  try {
    file = Deno.openSync(tempPath, { write: true, createNew: true, mode: 0o666 });
    created = true;
    for (let written = 0; written < bytes.length;) {
      written += file.writeSync(bytes.subarray(written));
    }
    if (previousMode !== undefined) Deno.chmodSync(tempPath, previousMode);
    file.syncSync();
    file.close();
    file = undefined;
    _internals.renameSync(tempPath, path);
  } catch (error) {
    file?.close();
    if (created) {
      try {
        Deno.removeSync(tempPath);
      } catch { /* already gone */ }
    }
    throw error;
  }
  syncDirectorySync(directory);
}

/** A hidden, unique sibling name: `.<name>.<random>.tmp`. */
function temporaryName(path: string): string {
  return `.${basename(path)}.${crypto.randomUUID().slice(0, 13)}.tmp`;
}

/** Permission bits of an existing regular file at `path`, or undefined if there is none. */
async function existingMode(path: string): Promise<number | undefined> {
  try {
    const info = await Deno.lstat(path);
    return info.isFile && info.mode !== null ? info.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

function existingModeSync(path: string): number | undefined {
  try {
    const info = Deno.lstatSync(path);
    return info.isFile && info.mode !== null ? info.mode & 0o7777 : undefined;
  } catch {
    return undefined;
  }
}

/** fsync a directory so a rename inside it survives a crash; ignored where unsupported. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await Deno.open(directory, { read: true });
    try {
      await handle.sync();
    } finally {
      handle.close();
    }
  } catch { /* best effort: not every platform or filesystem can fsync a directory */ }
}

function syncDirectorySync(directory: string): void {
  try {
    const handle = Deno.openSync(directory, { read: true });
    try {
      handle.syncSync();
    } finally {
      handle.close();
    }
  } catch { /* best effort */ }
}
