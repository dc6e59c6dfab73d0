/**
 * `response_format` on both routes: text, JSON mode (`json_object`) and structured outputs (`json_schema`,
 * OpenAI's shape; vLLM takes it on /v1/completions too). The schema is compiled while the request is
 * validated, so one the decoder cannot enforce is a 400 naming the keyword before any work starts.
 *
 * @module
 */
import { z } from "zod";
import { compiledSchema, SchemaError } from "../models/engine/mod.ts";
import type { SamplingParams } from "../models/engine/types.ts";

/** OpenAI's structured outputs: `{type: "json_schema", json_schema: {name, schema, …}}`. */
const JsonSchemaFormatSchema = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "name must be 1 to 64 letters, digits, _ or -"),
  description: z.string().nullish(),
  schema: z.record(z.string(), z.unknown()).nullish(),
  // Strict or not, the schema is enforced exactly: keywords that cannot be are refused.
  strict: z.boolean().nullish(),
});

/** The request field; its type is checked by {@linkcode checkResponseFormat} for a clearer message. */
export const ResponseFormatSchema = z.object({
  type: z.string(),
  json_schema: JsonSchemaFormatSchema.optional(),
}).nullish();

/** A validated `response_format`. */
export type ResponseFormat = z.output<typeof ResponseFormatSchema>;

/** Adds an issue for an unsupported type, a json_schema without its object, or a schema that cannot be enforced. */
export function checkResponseFormat(format: ResponseFormat, ctx: z.RefinementCtx): void {
  const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (format == null) return;
  if (!["text", "json_object", "json_schema"].includes(format.type)) {
    issue(
      ["response_format"],
      `response_format ${format.type} is not supported; use text, json_object or json_schema`,
    );
  } else if (format.type === "json_schema") {
    if (format.json_schema === undefined) {
      issue(["response_format"], "json_schema is required when type is json_schema");
      return;
    }
    try {
      compiledSchema(format.json_schema.schema ?? {});
    } catch (error) {
      if (!(error instanceof SchemaError)) throw error;
      issue(["response_format", "json_schema", "schema"], `invalid schema: ${error.message}`);
    }
  }
}

/** The engine's response format for a validated one. */
export function responseFormatOf(
  format: ResponseFormat,
): Pick<SamplingParams, "responseFormat" | "jsonSchema"> {
  if (format?.type === "json_object") return { responseFormat: "json_object" };
  if (format?.type === "json_schema") {
    return { responseFormat: "json_schema", jsonSchema: format.json_schema?.schema ?? {} };
  }
  return {};
}
