import assert from "node:assert/strict";
import { _internals, writeFileAtomic, writeFileAtomicSync } from "./atomic_write.ts";

async function entries(directory: string): Promise<string[]> {
  const names: string[] = [];
  for await (const entry of Deno.readDir(directory)) names.push(entry.name);
  return names.sort();
}

Deno.test("writeFileAtomic writes strings as UTF-8 and bytes verbatim, leaving no temp file", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await writeFileAtomic(`${directory}/a.txt`, "héllo ✓");
    assert.deepEqual(await Deno.readTextFile(`${directory}/a.txt`), "héllo ✓");
    const bytes = new Uint8Array(100_000).map((_, i) => (i * 7) & 255);
    await writeFileAtomic(`${directory}/b.bin`, bytes);
    assert.deepEqual(await Deno.readFile(`${directory}/b.bin`), bytes);
    await writeFileAtomic(`${directory}/empty`, new Uint8Array(0));
    assert.deepEqual((await Deno.readFile(`${directory}/empty`)).length, 0);
    assert.deepEqual(await entries(directory), ["a.txt", "b.bin", "empty"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("writeFileAtomic replaces existing content and keeps its permission bits", async () => {
  const directory = await Deno.makeTempDir();
  const path = `${directory}/secret.json`;
  try {
    await Deno.writeTextFile(path, "old old old old old");
    await Deno.chmod(path, 0o600);
    await writeFileAtomic(path, "new");
    assert.deepEqual(await Deno.readTextFile(path), "new");
    assert.deepEqual((await Deno.stat(path)).mode! & 0o777, 0o600);
    writeFileAtomicSync(path, "newer");
    assert.deepEqual(await Deno.readTextFile(path), "newer");
    assert.deepEqual((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.deepEqual(await entries(directory), ["secret.json"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("writeFileAtomic fails cleanly when the parent is a file or the directory is gone", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${directory}/plain`, "keep me");
    await assert.rejects(
      () => writeFileAtomic(`${directory}/plain/child.txt`, "x"),
      Deno.errors.NotADirectory,
    );
    assert.throws(() => writeFileAtomicSync(`${directory}/plain/child.txt`, "x"), Deno.errors.NotADirectory);
    assert.deepEqual(await Deno.readTextFile(`${directory}/plain`), "keep me");
    await assert.rejects(() => writeFileAtomic(`${directory}/missing/child.txt`, "x"), Deno.errors.NotFound);
    assert.deepEqual(await entries(directory), ["plain"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("a failure after the data is written leaves the previous content and no temp file", async () => {
  const directory = await Deno.makeTempDir();
  const path = `${directory}/weights.bin`;
  const originalRename = _internals.rename;
  const originalRenameSync = _internals.renameSync;
  try {
    await Deno.writeTextFile(path, "previous");
    let sawTempWithNewContent = false;
    _internals.rename = async (from: string) => {
      sawTempWithNewContent = (await Deno.readTextFile(from)) === "replacement";
      throw new Error("injected crash before rename");
    };
    _internals.renameSync = () => {
      throw new Error("injected crash before rename (sync)");
    };
    await assert.rejects(() => writeFileAtomic(path, "replacement"), /injected crash/);
    assert.ok(sawTempWithNewContent, "the temp file held the full new content before the rename");
    assert.throws(() => writeFileAtomicSync(path, "replacement"), /injected crash/);
    assert.deepEqual(await Deno.readTextFile(path), "previous");
    assert.deepEqual(await entries(directory), ["weights.bin"]);
  } finally {
    _internals.rename = originalRename;
    _internals.renameSync = originalRenameSync;
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("a real rename failure (target is a non-empty directory) leaves everything as it was", async () => {
  const directory = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${directory}/target`);
    await Deno.writeTextFile(`${directory}/target/inside`, "untouched");
    await assert.rejects(() => writeFileAtomic(`${directory}/target`, "x"));
    assert.throws(() => writeFileAtomicSync(`${directory}/target`, "x"));
    assert.deepEqual(await Deno.readTextFile(`${directory}/target/inside`), "untouched");
    assert.deepEqual(await entries(directory), ["target"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("concurrent writers to one path leave exactly one complete version", async () => {
  const directory = await Deno.makeTempDir();
  const path = `${directory}/race.txt`;
  try {
    const versions = Array.from({ length: 16 }, (_, i) => String(i).repeat(10_000 + i));
    await Promise.all(versions.map((content) => writeFileAtomic(path, content)));
    assert.ok(versions.includes(await Deno.readTextFile(path)));
    assert.deepEqual(await entries(directory), ["race.txt"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
