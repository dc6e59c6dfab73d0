/**
 * Function calling on `/v1/chat/completions`, as vLLM does it for a model without a tool-call parser:
 * decoding constrained by the tools' parameter schemas (models/engine/json_schema.ts).
 *
 * - `tool_choice: {"type": "function", "function": {"name"}}`: the answer is that function's arguments, a
 *   JSON object its `parameters` schema accepts; the message carries one tool call.
 * - `tool_choice: "required"`: the answer is a JSON list of one or more `{"name", "parameters"}` calls of
 *   the given tools (one with `parallel_tool_calls: false`); the message carries them all and the finish
 *   reason is `tool_calls`.
 * - `tool_choice: "none"`: the tools are shown to the chat template and not called.
 * - `"auto"` (the default when tools are given) needs the model to decide by itself whether to call one,
 *   which takes a model trained for it and a parser for its format: refused with a 400 that says what to
 *   use instead (vLLM does the same without `--enable-auto-tool-choice`).
 *
 * @module
 */
import { z } from "zod";
import { compiledSchema, SchemaError } from "../models/engine/mod.ts";
import type { SamplingParams } from "../models/engine/types.ts";

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/** One tool: a function with a JSON Schema of its parameters. */
export const ToolSchema = z.strictObject({
  type: z.literal("function"),
  function: z.strictObject({
    name: z.string().regex(NAME, "a function name is 1 to 64 letters, digits, _ or -"),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

/** A tool definition as the request gives it. */
export type Tool = z.output<typeof ToolSchema>;

/** `tool_choice`. */
export const ToolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.strictObject({ type: z.literal("function"), function: z.strictObject({ name: z.string() }) }),
]).nullish();

/** A function call in an assistant message (the request's history, or the response). */
export const ToolCallSchema = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

/** A function call on the wire. */
export type ToolCall = z.output<typeof ToolCallSchema>;

/** What the request's tools ask of decoding. */
export type ToolPlan =
  | { kind: "none" }
  | { kind: "named"; name: string; schema: unknown }
  | { kind: "required"; schema: unknown };

/** The parameters schema of a function (none given: no parameters, an empty object). */
const parametersOf = (tool: Tool): unknown =>
  tool.function.parameters ?? { type: "object", properties: {}, additionalProperties: false };

/** The plan for validated tools and tool choice. */
export function toolPlan(
  tools: readonly Tool[] | null | undefined,
  choice: z.output<typeof ToolChoiceSchema>,
  parallel: boolean | null | undefined = true,
): ToolPlan {
  if (!tools || tools.length === 0 || choice === "none" || choice == null || choice === "auto") {
    return { kind: "none" };
  }
  if (choice === "required") {
    return {
      kind: "required",
      schema: {
        type: "array",
        minItems: 1,
        // parallel_tool_calls: false allows one call per answer.
        ...(parallel === false ? { maxItems: 1 } : {}),
        items: {
          anyOf: tools.map((tool, i) => ({
            type: "object",
            properties: {
              name: { const: tool.function.name },
              // Its references ("#/$defs/…") now point into the list's schema at this place.
              parameters: rebasedRefs(parametersOf(tool), `#/items/anyOf/${i}/properties/parameters`),
            },
            required: ["name", "parameters"],
            additionalProperties: false,
          })),
        },
      },
    };
  }
  const tool = tools.find((t) => t.function.name === choice.function.name)!;
  return { kind: "named", name: tool.function.name, schema: parametersOf(tool) };
}

/**
 * A schema embedded at `at` in another: every local `$ref` ("#…") made relative to that place.
 *
 * @example
 * ```ts
 * import { rebasedRefs } from "./tool_calls.ts";
 * const moved = rebasedRefs({ items: { $ref: "#/$defs/a" }, $defs: { a: {} } }, "#/x") as { items: { $ref: string } };
 * if (moved.items.$ref !== "#/x/$defs/a") throw new Error();
 * ```
 */
export function rebasedRefs(schema: unknown, at: string): unknown {
  if (Array.isArray(schema)) return schema.map((item) => rebasedRefs(item, at));
  if (typeof schema !== "object" || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [
      key,
      key === "$ref" && typeof value === "string" && value.startsWith("#")
        ? at + value.slice(1)
        : rebasedRefs(value, at),
    ]),
  );
}

/** Adds the issues of `tools` / `tool_choice`: duplicate names, unenforceable schemas, an unusable choice. */
export function checkTools(
  body: {
    tools?: readonly Tool[] | null;
    tool_choice?: z.output<typeof ToolChoiceSchema>;
    response_format?: { type: string } | null;
  },
  ctx: z.RefinementCtx,
): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const tools = body.tools ?? [];
  // Left out with tools given, tool_choice is "auto" (OpenAI's default).
  const choice = body.tool_choice ?? (tools.length > 0 ? "auto" : undefined);
  const names = tools.map((tool) => tool.function.name);
  names.forEach((name, i) => {
    if (names.indexOf(name) !== i) issue(["tools", i, "function", "name"], `duplicate function name ${name}`);
  });
  tools.forEach((tool, i) => {
    try {
      compiledSchema(parametersOf(tool));
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      issue(["tools", i, "function", "parameters"], `invalid parameters schema: ${error.message}`);
    }
  });
  if (choice == null || choice === "none") return;
  if (tools.length === 0) {
    issue(["tool_choice"], "tool_choice needs tools");
  } else if (choice === "auto") {
    issue(
      ["tool_choice"],
      'tool_choice "auto" needs a model that decides by itself when to call a tool, which this one cannot; ' +
        'use "required", name a function ({"type": "function", "function": {"name": …}}) or "none"',
    );
  } else if (typeof choice === "object" && !names.includes(choice.function.name)) {
    issue(["tool_choice", "function", "name"], `no tool is named ${choice.function.name}`);
  } else if (body.response_format != null && body.response_format.type !== "text") {
    issue(["response_format"], "a forced tool call decides the answer's format: drop response_format");
  }
}

/** The engine's response format that makes the answer a call. */
export function toolSampling(plan: ToolPlan): Pick<SamplingParams, "responseFormat" | "jsonSchema"> {
  return plan.kind === "none" ? {} : { responseFormat: "json_schema", jsonSchema: plan.schema };
}

/** A new call id (OpenAI's form). */
export function toolCallId(): string {
  return `call_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
}

/**
 * The calls an answer makes: a named function's arguments as generated (cut short by max_tokens they stay
 * cut, as OpenAI returns them), or every call of a "required" list. A required list that does not parse
 * (max_tokens cut it) makes no calls: the text is returned as content.
 *
 * @example
 * ```ts
 * import { callsOf } from "./tool_calls.ts";
 * const calls = callsOf({ kind: "required", schema: {} }, '[{"name":"f","parameters":{"x":1}}]');
 * if (calls?.[0].function.arguments !== '{"x":1}') throw new Error();
 * ```
 */
export function callsOf(plan: ToolPlan, text: string): ToolCall[] | undefined {
  if (plan.kind === "named") {
    return [{ id: toolCallId(), type: "function", function: { name: plan.name, arguments: text } }];
  }
  if (plan.kind === "required") {
    let calls: { name: string; parameters: unknown }[];
    try {
      calls = JSON.parse(text);
    } catch {
      return undefined;
    }
    return calls.map((call) => ({
      id: toolCallId(),
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.parameters) },
    }));
  }
  return undefined;
}
