/**
 * Bearer API keys: with a non-empty key list every request through this middleware must send
 * `Authorization: Bearer <one of the keys>`; failures are OpenAI's 401 error. Keys are compared
 * by their SHA-256 digests in constant time.
 *
 * @module
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { AuthenticationError } from "./errors.ts";

const digest = (key: string) => createHash("sha256").update(key).digest();

/**
 * The middleware; with no keys it lets every request through.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { bearerKeys } from "./auth.ts";
 * const app = new Hono().use(bearerKeys(["sk-1"])).get("/", (c) => c.text("ok"));
 * app.onError((error, c) => c.text(error.name, 401));
 * if ((await app.request("/", { headers: { Authorization: "Bearer sk-1" } })).status !== 200) throw new Error();
 * if ((await app.request("/")).status !== 401) throw new Error();
 * ```
 */
export function bearerKeys(keys: readonly string[]): MiddlewareHandler {
  const digests = keys.map(digest);
  return async (c, next) => {
    if (digests.length === 0) return await next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (match === null) {
      throw new AuthenticationError(
        "You didn't provide an API key. You need to provide your API key in an Authorization header " +
          "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    }
    const given = digest(match[1]);
    let known = false;
    for (const expected of digests) known = timingSafeEqual(given, expected) || known;
    if (!known) throw new AuthenticationError(`Incorrect API key provided: ${redact(match[1])}.`);
    await next();
  };
}

/** `sk-abc…wxyz`: enough to recognise a key, not to use it. */
function redact(key: string): string {
  return key.length <= 8 ? "****" : `${key.slice(0, 3)}****${key.slice(-4)}`;
}
