import assert from "node:assert/strict";
import { compiledSchema } from "../models/engine/mod.ts";
import { advanceSchemaBytes, isSchemaComplete, schemaStart } from "../models/engine/schema_grammar.ts";
import { callsOf, type Tool, toolPlan } from "./tool_calls.ts";

// A Pydantic-style tool: its parameters refer to their own $defs.
const booking: Tool = {
  type: "function",
  function: {
    name: "book",
    parameters: {
      $defs: { Seat: { type: "object", properties: { row: { type: "integer" } }, required: ["row"] } },
      type: "object",
      properties: { seats: { type: "array", items: { $ref: "#/$defs/Seat" }, maxItems: 2 } },
      required: ["seats"],
    },
  },
};
const ping: Tool = { type: "function", function: { name: "ping" } };
const accepts = (schema: unknown, text: string) => {
  const compiled = compiledSchema(schema);
  const state = advanceSchemaBytes(compiled, schemaStart(compiled), new TextEncoder().encode(text));
  return state !== null && isSchemaComplete(state);
};

Deno.test("tool plans: a named function's schema is its parameters; a required list embeds every tool's", () => {
  const named = toolPlan([booking, ping], { type: "function", function: { name: "book" } });
  assert.equal(named.kind, "named");
  assert.ok(accepts((named as { schema: unknown }).schema, '{"seats":[{"row":3}]}'));
  const required = toolPlan([booking, ping], "required");
  const schema = (required as { schema: unknown }).schema;
  // The list's schema compiles although each tool's references were written for its own root.
  const calls =
    '[{"name":"book","parameters":{"seats":[{"row":1},{"row":2}]}},{"name":"ping","parameters":{}}]';
  assert.ok(accepts(schema, calls));
  assert.ok(!accepts(schema, '[{"name":"book","parameters":{"seats":[{"row":"x"}]}}]'));
  assert.ok(!accepts(schema, "[]")); // at least one call
  // parallel_tool_calls: false: one call only.
  const single = toolPlan([ping], "required", false) as { schema: unknown };
  assert.ok(accepts(single.schema, '[{"name":"ping","parameters":{}}]'));
  assert.ok(!accepts(single.schema, '[{"name":"ping","parameters":{}},{"name":"ping","parameters":{}}]'));
  const made = callsOf(required, calls)!;
  assert.deepEqual(made.map((c) => [c.function.name, JSON.parse(c.function.arguments)]), [
    ["book", { seats: [{ row: 1 }, { row: 2 }] }],
    ["ping", {}],
  ]);
  assert.equal(new Set(made.map((c) => c.id)).size, 2);
  assert.equal(toolPlan([booking], "none").kind, "none");
  assert.equal(callsOf(required, '[{"name":"ping"'), undefined); // cut short: no calls
});
