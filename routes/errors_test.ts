import assert from "node:assert/strict";
import { HTTPException } from "hono/http-exception";
import {
  ContextLengthError,
  EngineClosedError,
  EngineInternalError,
  InvalidRequestError,
  OverloadedError,
  UnknownModelError,
} from "../models/engine/errors.ts";
import { UnknownTokenIdError } from "../models/tokenizer/mod.ts";
import {
  AuthenticationError,
  describeError,
  MalformedJsonError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  RequestValidationError,
  RouteNotFoundError,
  UNEXPECTED_MESSAGE,
  UnsupportedMediaTypeError,
} from "./errors.ts";

const summary = (error: unknown, promptParam?: string) => {
  const reply = describeError(error, promptParam);
  const { type, param, code } = reply.body.error;
  return [reply.status, type, param, code];
};

Deno.test("errors: the table from error class to status, type, param, code", () => {
  const invalid = "invalid_request_error";
  assert.deepEqual(summary(new RequestValidationError("m", "n", "invalid_type")), [
    400,
    invalid,
    "n",
    "invalid_type",
  ]);
  assert.deepEqual(summary(new MalformedJsonError("m")), [400, invalid, null, "invalid_json"]);
  assert.deepEqual(summary(new UnsupportedMediaTypeError("m")), [
    415,
    invalid,
    null,
    "unsupported_media_type",
  ]);
  assert.deepEqual(summary(new PayloadTooLargeError("m")), [413, invalid, null, "request_too_large"]);
  assert.deepEqual(summary(new AuthenticationError("m")), [401, invalid, null, "invalid_api_key"]);
  assert.deepEqual(summary(new RouteNotFoundError("m")), [404, invalid, null, "unknown_url"]);
  assert.deepEqual(summary(new MethodNotAllowedError("m", ["GET"])), [
    405,
    invalid,
    null,
    "method_not_allowed",
  ]);
  assert.deepEqual(summary(new UnknownModelError("x", [])), [404, invalid, "model", "model_not_found"]);
  assert.deepEqual(summary(new ContextLengthError(60, 10, 64)), [
    400,
    invalid,
    "prompt",
    "context_length_exceeded",
  ]);
  assert.deepEqual(summary(new ContextLengthError(60, 10, 64), "messages")[2], "messages");
  assert.deepEqual(summary(new OverloadedError(5, 2)), [429, "rate_limit_error", null, "engine_overloaded"]);
  assert.deepEqual(summary(new InvalidRequestError("m", "sampling.topP")), [
    400,
    invalid,
    "top_p",
    "invalid_value",
  ]);
  assert.deepEqual(summary(new InvalidRequestError("m", "promptIds"), "messages")[2], "messages");
  assert.deepEqual(summary(new InvalidRequestError("m"))[2], null);
  assert.deepEqual(summary(new UnknownTokenIdError(9)), [400, invalid, "prompt", "invalid_value"]);
  assert.deepEqual(summary(new EngineClosedError()), [503, "server_error", null, "service_unavailable"]);
});

Deno.test("errors: headers for 401, 405 and 429", () => {
  assert.deepEqual(describeError(new OverloadedError(5, 2.5)).headers, { "Retry-After": "3" });
  assert.deepEqual(describeError(new MethodNotAllowedError("m", ["GET", "HEAD"])).headers, {
    Allow: "GET, HEAD",
  });
  assert.equal(describeError(new AuthenticationError("m")).headers["WWW-Authenticate"], 'Bearer realm="api"');
});

Deno.test("errors: anything else is a 500 with a generic message, flagged for the log", () => {
  for (
    const error of [
      new TypeError("secret detail"),
      new EngineInternalError("onnx failed"),
      "a string",
      undefined,
    ]
  ) {
    const reply = describeError(error);
    assert.equal(reply.status, 500);
    assert.equal(reply.unexpected, true);
    assert.deepEqual(reply.body.error, {
      message: UNEXPECTED_MESSAGE,
      type: "server_error",
      param: null,
      code: null,
    });
  }
  const known = describeError(new UnknownModelError("x", []));
  assert.equal(known.unexpected, false);
});

Deno.test("errors: Hono's HTTP exceptions keep their client status", () => {
  assert.deepEqual(summary(new HTTPException(413, { message: "too big" })), [
    413,
    "invalid_request_error",
    null,
    null,
  ]);
  assert.equal(describeError(new HTTPException(502)).unexpected, true);
});
