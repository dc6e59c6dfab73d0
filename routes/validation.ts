/**
 * The validation hook: reads a JSON body, checks it against a zod schema and turns every
 * failure (wrong content type, malformed JSON, zod issues) into the typed errors routes/errors.ts
 * maps to OpenAI's envelope, naming the offending field.
 *
 * @module
 */
import type { Context } from "hono";
import type { z } from "zod";
import { MalformedJsonError, RequestValidationError, UnsupportedMediaTypeError } from "./errors.ts";

const JSON_CONTENT_TYPE = /^application\/([\w.+-]+\+)?json\s*(;.*)?$/i;

/**
 * Parses and validates the request body; throws the errors routes/errors.ts answers with 400/415.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { z } from "zod";
 * import { validatedJson } from "./validation.ts";
 * const app = new Hono().post("/", async (c) => c.json(await validatedJson(c, z.object({ n: z.number() }))));
 * const response = await app.request("/", { method: "POST", body: '{"n": 1}', headers: { "content-type": "application/json" } });
 * if ((await response.json()).n !== 1) throw new Error();
 * ```
 */
export async function validatedJson<S extends z.ZodType>(c: Context, schema: S): Promise<z.output<S>> {
  const contentType = c.req.header("content-type") ?? "";
  if (!JSON_CONTENT_TYPE.test(contentType)) {
    throw new UnsupportedMediaTypeError(
      `Content-Type must be application/json (got ${
        contentType === "" ? "none" : JSON.stringify(contentType)
      })`,
    );
  }
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedJsonError(
      `We could not parse the JSON body of your request: ${(error as Error).message}`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, value);
  return result.data;
}

/**
 * The first zod issue as a RequestValidationError naming its field; further issues are appended
 * to its message. `input` is the value that was validated (to tell a missing field from a wrong one).
 */
export function validationError(error: z.ZodError, input: unknown): RequestValidationError {
  const described = error.issues.map((issue) => describeIssue(issue, input));
  const more = described.length === 1
    ? ""
    : ` (also: ${described.slice(1).map((d) => d.message).join("; ")})`;
  return new RequestValidationError(described[0].message + more, described[0].param, described[0].code);
}

/** `["messages", 0, "content"]` → `messages[0].content`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`,
    "",
  );
}

interface DescribedIssue {
  message: string;
  param: string | null;
  code: string;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): DescribedIssue {
  if (issue.code === "unrecognized_keys") {
    const param = formatPath([...issue.path, issue.keys[0]]);
    const message = `Unrecognized request argument supplied: ${issue.keys.join(", ")}`;
    return { message, param, code: "unknown_parameter" };
  }
  const param = issue.path.length === 0 ? null : formatPath(issue.path);
  if (param === null) {
    return { message: `Invalid request body: ${issue.message}`, param, code: "invalid_type" };
  }
  if (issue.code === "invalid_type" && valueAt(input, issue.path) === undefined) {
    return { message: `Missing required parameter: '${param}'.`, param, code: "missing_required_parameter" };
  }
  return { message: `Invalid '${param}': ${issue.message}`, param, code: issueCode(issue) };
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function issueCode(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return "invalid_type";
    case "too_big":
      return issue.origin === "number" || issue.origin === "int" ? "number_above_max_value" : "too_long";
    case "too_small":
      return issue.origin === "number" || issue.origin === "int" ? "number_below_min_value" : "too_short";
    default:
      return "invalid_value";
  }
}
