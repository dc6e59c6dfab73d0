/**
 * The JSON automaton against JSON.parse: every prefix of random compact documents (escapes, unicode,
 * numbers of every shape, nesting) is accepted and the whole is complete; every accepted random text,
 * closed by a completion built from its state, parses; every complete one parses as it is; a rejected
 * text never parses.
 */
import assert from "node:assert/strict";
import { Rng } from "../random.ts";
import {
  advanceJsonText,
  isJsonComplete,
  JSON_OBJECT_START,
  JSON_VALUE_START,
  type JsonState,
} from "./json_grammar.ts";

const rng = new Rng(17);
const pick = <T>(items: readonly T[]): T => items[rng.nextInt(items.length)];

function randomString(): string {
  const pieces = ["a", "Z", " ", '"', "\\", "/", "\n", "\t", "\u0001", "é", "€", "😀", "\u2028", "{", "]"];
  return Array.from({ length: rng.nextInt(5) }, () => pick(pieces)).join("");
}

function randomNumber(): number {
  return pick([0, -0, 7, -12, 3.25, -0.5, 1e21, 1.5e-7, -2.5e300, 123456789, Number.MIN_VALUE]);
}

function randomValue(depth: number): unknown {
  const kind = rng.nextInt(depth > 3 ? 5 : 7);
  switch (kind) {
    case 0:
      return randomString();
    case 1:
      return randomNumber();
    case 2:
      return pick([true, false]);
    case 3:
      return null;
    case 4:
      return rng.nextInt(3) === 0 ? {} : randomString();
    case 5:
      return Array.from({ length: rng.nextInt(4) }, () => randomValue(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.nextInt(4) }, () => [randomString(), randomValue(depth + 1)]),
      );
  }
}

/** A text that completes a document from `state`, built from the state alone (for the soundness check). */
function closing(state: JsonState): string {
  const tail = [...state.stack].reverse().map((c) => (c === "o" ? "}" : "]")).join("");
  switch (state.mode) {
    case "object_only":
      return "{}";
    case "value":
      return "0" + tail;
    case "object_start":
    case "array_start":
    case "after_value":
      return tail;
    case "object_key":
      return '"k":0' + tail;
    case "colon":
      return ":0" + tail;
    case "string":
      return (state.key ? '":0' : '"') + tail;
    case "escape":
      return "n" + (state.key ? '":0' : '"') + tail;
    case "unicode":
      return "0".repeat(state.hexLeft) + (state.key ? '":0' : '"') + tail;
    case "number":
      return (["minus", "dot", "e", "esign"].includes(state.part) ? "1" : "") + tail;
    case "literal":
      return state.rest + tail;
    case "done":
      return "";
  }
}

const parses = (text: string) => {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

Deno.test("every prefix of a compact JSON document is accepted, and the whole document is complete", () => {
  for (let trial = 0; trial < 400; trial++) {
    const value = randomValue(0);
    const text = JSON.stringify(value);
    const isObject = value !== null && typeof value === "object" && !Array.isArray(value);
    for (const start of isObject ? [JSON_VALUE_START, JSON_OBJECT_START] : [JSON_VALUE_START]) {
      for (let end = 0; end <= text.length; end++) {
        const state = advanceJsonText(start, text.slice(0, end));
        assert.ok(state !== null, `${JSON.stringify(text)} rejected at ${end}`);
        // Only a top-level number is complete before its end (it may still grow).
        if (end < text.length && typeof value !== "number") {
          assert.ok(!isJsonComplete(state), text.slice(0, end));
        }
        if (end === text.length) assert.ok(isJsonComplete(state), `${JSON.stringify(text)} not complete`);
      }
    }
    if (!isObject) assert.equal(advanceJsonText(JSON_OBJECT_START, text), null, text);
  }
});

Deno.test("accepted texts complete into documents JSON.parse reads; rejected ones never parse", () => {
  const alphabet = [...'{}[]":,-0123.eE+tfnrulas\\u/b', " ", "\u0002", "é"];
  let [accepted, complete, rejected] = [0, 0, 0];
  for (let trial = 0; trial < 20_000; trial++) {
    const text = Array.from({ length: 1 + rng.nextInt(14) }, () => pick(alphabet)).join("");
    const start = rng.nextInt(2) === 0 ? JSON_VALUE_START : JSON_OBJECT_START;
    // Bias towards plausible texts: most trials start like a document.
    const candidate = (start === JSON_OBJECT_START ? "{" : pick(["", "[", "{", '"'])) + text;
    const state = advanceJsonText(start, candidate);
    if (state === null) {
      rejected++;
      assert.ok(
        !parses(candidate) || /\s/.test(candidate),
        `rejected but parses: ${JSON.stringify(candidate)}`,
      );
      continue;
    }
    accepted++;
    const closed = candidate + closing(state);
    assert.ok(
      parses(closed),
      `${JSON.stringify(candidate)} + ${JSON.stringify(closing(state))} does not parse`,
    );
    assert.ok(isJsonComplete(advanceJsonText(state, closing(state))!), JSON.stringify(closed));
    if (isJsonComplete(state)) {
      complete++;
      assert.ok(parses(candidate), `complete but does not parse: ${JSON.stringify(candidate)}`);
    }
  }
  assert.ok(accepted > 1000 && complete > 20 && rejected > 1000, `${accepted} ${complete} ${rejected}`);
});
