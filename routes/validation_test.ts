import assert from "node:assert/strict";
import { Hono } from "hono";
import { z } from "zod";
import { describeError } from "./errors.ts";
import { formatPath, validatedJson } from "./validation.ts";

const Schema = z.strictObject({
  model: z.string(),
  n: z.int().min(1).max(4).optional(),
  messages: z.array(z.object({ content: z.string() })).optional(),
});
const app = new Hono().post("/", async (c) => c.json(await validatedJson(c, Schema)));
app.onError((error, c) => {
  const reply = describeError(error);
  return c.json(reply.body, reply.status);
});

async function post(body: string, contentType = "application/json") {
  const response = await app.request("/", { method: "POST", body, headers: { "content-type": contentType } });
  return { status: response.status, body: await response.json() };
}

Deno.test("validation: zod issues become OpenAI errors naming the field", async () => {
  const cases: [string, string | null, string, RegExp][] = [
    ["{}", "model", "missing_required_parameter", /^Missing required parameter: 'model'\.$/],
    ['{"model": 1}', "model", "invalid_type", /^Invalid 'model': /],
    ['{"model": "m", "n": 9}', "n", "number_above_max_value", /^Invalid 'n': /],
    ['{"model": "m", "n": 0}', "n", "number_below_min_value", /^Invalid 'n': /],
    [
      '{"model": "m", "messages": [{"content": 3}]}',
      "messages[0].content",
      "invalid_type",
      /messages\[0\]\.content/,
    ],
    [
      '{"model": "m", "extra": 1}',
      "extra",
      "unknown_parameter",
      /^Unrecognized request argument supplied: extra/,
    ],
    ["[]", null, "invalid_type", /^Invalid request body/],
  ];
  for (const [body, param, code, message] of cases) {
    const response = await post(body);
    assert.equal(response.status, 400, body);
    assert.equal(response.body.error.param, param, body);
    assert.equal(response.body.error.code, code, body);
    assert.match(response.body.error.message, message);
  }
  const both = await post('{"n": 9}');
  assert.match(both.body.error.message, /\(also: /);
});

Deno.test("validation: content type and malformed JSON", async () => {
  assert.equal((await post('{"model": "m"}')).status, 200);
  assert.equal((await post('{"model": "m"}', "application/json; charset=utf-8")).status, 200);
  assert.equal((await post('{"model": "m"}', "text/plain")).status, 415);
  const malformed = await post('{"model": ');
  assert.equal(malformed.status, 400);
  assert.equal(malformed.body.error.code, "invalid_json");
});

Deno.test("validation: paths read like the request", () => {
  assert.equal(formatPath(["messages", 0, "content", 1, "text"]), "messages[0].content[1].text");
  assert.equal(formatPath([]), "");
});
