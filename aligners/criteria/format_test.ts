import assert from "node:assert/strict";
import { CriterionParamsError } from "./errors.ts";
import { createFormatCriterion } from "./format.ts";

const format = createFormatCriterion({ maxInputChars: 100 });

async function scores(candidates: string[], params: Record<string, unknown>, partial = false) {
  return [...await format.score("prompt", candidates, { params, partial })];
}

function rejectsOnPattern(detail: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof CriterionParamsError, String(error));
    assert.equal(error.param, "pattern");
    assert.match(error.message, detail);
    return true;
  };
}

Deno.test("format: 1 when the regex matches (search semantics), 0 when not; flags apply", async () => {
  assert.deepEqual(await scores(["42", "x42y", "forty-two"], { pattern: "\\d+" }), [1, 1, 0]);
  assert.deepEqual(await scores(["42", "x42y"], { pattern: "^\\d+$" }), [1, 0]);
  assert.deepEqual(await scores(["YES", "yes"], { pattern: "^yes$" }), [0, 1]);
  assert.deepEqual(await scores(["YES", "yes"], { pattern: "^yes$", flags: "i" }), [1, 1]);
  assert.deepEqual(await scores(['{"a": 1}\n', "a: 1"], { pattern: "^\\{[\\s\\S]*\\}\\s*$" }), [1, 0]);
});

Deno.test("format: invalid or unsafe patterns are rejected with a clear error on `pattern`", async () => {
  await assert.rejects(
    format.score("", ["x"], { params: { pattern: "(" } }),
    rejectsOnPattern(/invalid regular/),
  );
  await assert.rejects(
    format.score("", ["x"], { params: { pattern: "(a+)+$" } }),
    rejectsOnPattern(/nested/),
  );
  await assert.rejects(
    format.score("", ["x"], { params: { pattern: "(?:x*y)*" } }),
    rejectsOnPattern(/nested/),
  );
  await assert.rejects(
    format.score("", ["x"], { params: { pattern: "(a)\\1" } }),
    rejectsOnPattern(/backreference/),
  );
  await assert.rejects(
    format.score("", ["x"], { params: { pattern: "a{5000}" } }),
    rejectsOnPattern(/repetition/),
  );
  await assert.rejects(
    format.score("", ["x"], { params: { pattern: "a".repeat(513) } }),
    rejectsOnPattern(/limit/),
  );
  await assert.rejects(format.score("", ["x"], { params: {} }), rejectsOnPattern(/required/));
  await assert.rejects(format.score("", ["x"], { params: { pattern: "a", flags: "g" } }), /params\.flags/);
  // Safe shapes stay accepted: repetition beside (not inside) a repeated group, optional groups, classes.
  for (
    const pattern of ["^(?:ab)+c*$", "(a+)?b", "[(+*]+", "^\\d{3}-\\d{4}$", "(?<year>\\d{4})", "^(?!I can't)"]
  ) {
    await format.score("", ["x"], { params: { pattern } });
  }
});

Deno.test("format: inputs longer than the bound score 0 unmatched; partial is NaN", async () => {
  assert.deepEqual(await scores(["a".repeat(100), "a".repeat(101)], { pattern: "a" }), [1, 0]);
  const partial = await scores(["42", "x"], { pattern: "\\d" }, true);
  assert.ok(partial.every(Number.isNaN));
  assert.equal(format.supportsPartial, false);
});

Deno.test("format: a configured default pattern is used when the request gives none", async () => {
  const json = createFormatCriterion({ defaultPattern: "^\\{.*\\}$", defaultFlags: "s" });
  assert.deepEqual([...await json.score("", ["{\n}", "x"])], [1, 0]);
  assert.deepEqual([...await json.score("", ["{\n}", "x"], { params: { pattern: "x" } })], [0, 1]);
  assert.throws(() => createFormatCriterion({ defaultPattern: "(" }), /params\.pattern/);
});
