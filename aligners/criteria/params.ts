/**
 * Validation of per-request criterion parameters: a criterion's zod schema, with failures turned
 * into {@link CriterionParamsError} naming the offending field.
 *
 * @module
 */
import type { ZodType } from "zod";
import type { Criterion } from "./criterion.ts";
import { CriterionParamsError } from "./errors.ts";

/**
 * Parses `params` with a criterion's schema (absent params parse as `{}`). Unknown fields are
 * rejected when the schema is strict, and the error names the first offending field.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { z } from "zod";
 * import { parseParams } from "./params.ts";
 * const schema = z.strictObject({ target: z.number().int().min(0).optional() });
 * assert.deepEqual(parseParams("length", schema, { target: 20 }), { target: 20 });
 * assert.throws(() => parseParams("length", schema, { target: -1 }), /params\.target/);
 * ```
 */
export function parseParams<T>(criterion: string, schema: ZodType<T>, params: unknown): T {
  const result = schema.safeParse(params ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [...issue.path.map(String)];
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) {
    path.push(issue.keys[0]);
    throw new CriterionParamsError(criterion, path.join("."), "unknown parameter");
  }
  throw new CriterionParamsError(criterion, path.length > 0 ? path.join(".") : null, issue.message);
}

/**
 * Validates `params` against `criterion.paramsSchema` without scoring: lets a caller reject a
 * request before generating candidates. A criterion without a schema accepts only no params.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createLengthCriterion } from "./length.ts";
 * import { validateParams } from "./params.ts";
 * const length = createLengthCriterion();
 * validateParams(length, { target: 40 });
 * assert.throws(() => validateParams(length, { traget: 40 }), /params\.traget: unknown parameter/);
 * ```
 */
export function validateParams(criterion: Criterion, params: Record<string, unknown> | undefined): void {
  if (criterion.paramsSchema) {
    parseParams(criterion.name, criterion.paramsSchema, params);
  } else if (params !== undefined && Object.keys(params).length > 0) {
    throw new CriterionParamsError(
      criterion.name,
      Object.keys(params)[0],
      "this criterion takes no parameters",
    );
  }
}
