import assert from "node:assert/strict";
import { CriterionError, UnknownCriterionError } from "./errors.ts";
import { createBuiltinCriteria, CriterionRegistry } from "./registry.ts";

Deno.test("registry: built-ins by name, list() with descriptions, typed unknown-name error", () => {
  const registry = new CriterionRegistry(createBuiltinCriteria());
  assert.deepEqual(registry.names(), ["length", "format", "sentiment", "civility"]);
  assert.deepEqual(
    registry.list().map(({ name, kind, supportsPartial }) => [name, kind, supportsPartial]),
    [["length", "verifiable", true], ["format", "verifiable", false], ["sentiment", "lexicon", true], [
      "civility",
      "lexicon",
      true,
    ]],
  );
  assert.ok(registry.list().every((info) => info.description.length > 20));
  assert.equal(registry.get("sentiment").name, "sentiment");
  assert.ok(registry.has("civility") && !registry.has("toxicity"));
  assert.throws(() => registry.get("toxicity"), (error: unknown) => {
    assert.ok(error instanceof UnknownCriterionError);
    assert.equal(error.criterion, "toxicity");
    assert.deepEqual(error.validNames, ["length", "format", "sentiment", "civility"]);
    assert.match(error.message, /valid: length, format, sentiment, civility/);
    return true;
  });
});

Deno.test("registry: names are unique lower-case identifiers", () => {
  const [length] = createBuiltinCriteria();
  const registry = new CriterionRegistry([length]);
  assert.throws(() => registry.register(length), CriterionError);
  assert.throws(() => registry.register({ ...length, name: "Bad Name" }), /must match/);
  registry.register({ ...length, name: "length_tokens" });
  assert.deepEqual(registry.names(), ["length", "length_tokens"]);
});
