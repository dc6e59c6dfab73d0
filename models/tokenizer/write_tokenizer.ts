/**
 * Atomic write of a tokenizer.json: readers see the old file or the new one,
 * never a partial write.
 *
 * @module
 */

import { dirname, join } from "node:path";
import { serializeTokenizerJson, type TokenizerJson } from "./tokenizer_json.ts";

/**
 * Writes `json` to `path` atomically: a temporary file in the same folder is
 * written and fsynced, then renamed over `path`, and the folder is fsynced.
 *
 * @example
 * ```ts
 * import { buildByteLevelTokenizerJson } from "./tokenizer_json.ts";
 * const folder = await Deno.makeTempDir();
 * await writeTokenizerJson(`${folder}/tokenizer.json`, buildByteLevelTokenizerJson([], ["a"], []));
 * await Deno.remove(folder, { recursive: true });
 * ```
 */
export async function writeTokenizerJson(
  path: string,
  json: TokenizerJson,
): Promise<void> {
  const folder = dirname(path);
  const temporary = join(folder, `.tokenizer-${crypto.randomUUID()}.tmp`);
  const bytes = new TextEncoder().encode(serializeTokenizerJson(json));
  try {
    using file = await Deno.open(temporary, { write: true, createNew: true });
    let written = 0;
    while (written < bytes.length) {
      written += await file.write(bytes.subarray(written));
    }
    await file.sync();
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  try {
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
  await syncFolder(folder);
}

/** Makes the rename durable; some platforms cannot open a folder for sync, which is fine. */
async function syncFolder(folder: string): Promise<void> {
  try {
    using handle = await Deno.open(folder, { read: true });
    await handle.sync();
  } catch {
    // Not supported here (for example on Windows): the rename itself is still atomic.
  }
}
