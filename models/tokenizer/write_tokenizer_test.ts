import assert from "node:assert/strict";
import { testTokenizerJson, variedStrings } from "./_testing.ts";
import { TokenizerLoadError } from "./errors.ts";
import { loadTokenizer, TextTokenizer } from "./text_tokenizer.ts";
import { buildByteLevelTokenizerJson, serializeTokenizerJson } from "./tokenizer_json.ts";
import { writeTokenizerJson } from "./write_tokenizer.ts";

async function withTempFolder(
  body: (folder: string) => Promise<void>,
): Promise<void> {
  const folder = await Deno.makeTempDir({ prefix: "tokenizer_test_" });
  try {
    await body(folder);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

Deno.test("written tokenizer.json loads from its folder and from its path", async () => {
  await withTempFolder(async (folder) => {
    const json = testTokenizerJson();
    const path = `${folder}/tokenizer.json`;
    await writeTokenizerJson(path, json);
    assert.equal(await Deno.readTextFile(path), serializeTokenizerJson(json));
    assert.deepEqual([...Deno.readDirSync(folder)].map((entry) => entry.name), [
      "tokenizer.json",
    ]);
    const inMemory = TextTokenizer.fromJson(json);
    const fromFolder = await loadTokenizer(folder);
    const fromPath = await loadTokenizer(path);
    for (const text of variedStrings(21, 200, json)) {
      const ids = inMemory.encode(text);
      assert.deepEqual(fromFolder.encode(text), ids);
      assert.deepEqual(fromPath.encode(text), ids);
    }
  });
});

Deno.test("rewriting replaces the file whole", async () => {
  await withTempFolder(async (folder) => {
    const path = `${folder}/tokenizer.json`;
    await writeTokenizerJson(path, testTokenizerJson());
    const small = buildByteLevelTokenizerJson(["<|endoftext|>"], [
      "a",
      "b",
      "ab",
    ], [["a", "b"]]);
    await writeTokenizerJson(path, small);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), small);
    assert.equal((await loadTokenizer(path)).vocabSize, 4);
    assert.equal([...Deno.readDirSync(folder)].length, 1);
  });
});

Deno.test("a failed write leaves no temporary file behind", async () => {
  await withTempFolder(async (folder) => {
    await Deno.mkdir(`${folder}/tokenizer.json`);
    await Deno.writeTextFile(`${folder}/tokenizer.json/occupied`, "x");
    await assert.rejects(() => writeTokenizerJson(`${folder}/tokenizer.json`, testTokenizerJson()));
    assert.deepEqual([...Deno.readDirSync(folder)].map((entry) => entry.name), [
      "tokenizer.json",
    ]);
  });
});

Deno.test("serialisation lists the vocabulary in id order and parses back equal", () => {
  const json = buildByteLevelTokenizerJson([], ["1", "9", "19", "x"], [[
    "1",
    "9",
  ]]);
  const text = serializeTokenizerJson(json);
  const order = ["1", "9", "19", "x"].map((token) => text.indexOf(`"${token}": `));
  assert.deepEqual(order, [...order].sort((a, b) => a - b));
  assert.deepEqual(JSON.parse(text), json);
  assert.deepEqual(
    JSON.parse(serializeTokenizerJson(testTokenizerJson())),
    testTokenizerJson(),
  );
});

Deno.test("loading a missing or malformed file throws TokenizerLoadError", async () => {
  await withTempFolder(async (folder) => {
    await assert.rejects(
      () => loadTokenizer(`${folder}/absent.json`),
      TokenizerLoadError,
    );
    await assert.rejects(() => loadTokenizer(folder), TokenizerLoadError);
    await Deno.writeTextFile(`${folder}/tokenizer.json`, "{ not json");
    await assert.rejects(() => loadTokenizer(folder), TokenizerLoadError);
    await Deno.writeTextFile(`${folder}/tokenizer.json`, "[1, 2]");
    await assert.rejects(() => loadTokenizer(folder), TokenizerLoadError);
  });
});
