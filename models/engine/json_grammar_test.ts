/**
 * The JSON automaton against JSON.parse: every prefix of random compact documents (escapes, unicode,
 * numbers of every shape, nesting) is accepted and the whole is complete; every accepted random text,
 * closed by a completion built from its state, parses; every complete one parses as it is; a rejected
 * text never parses. Read as bytes, the same holds of UTF-8, and only valid UTF-8 is accepted (a strict
 * TextDecoder is the reference).
 */
import assert from "node:assert/strict";
import { Rng } from "../random.ts";
import {
  advanceJsonBytes,
  advanceJsonText,
  isJsonBytesComplete,
  isJsonComplete,
  JSON_OBJECT_START,
  JSON_VALUE_START,
  jsonBytes,
  type JsonByteState,
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

/** Closing bytes for a byte state: finish the half-read character, then close the document. */
function closingBytes(state: JsonByteState): Uint8Array {
  const rest = state.pending === 0 ? [] : [state.lo, ...new Array(state.pending - 1).fill(0x80)];
  const json = advanceJsonBytes(state, Uint8Array.from(rest))!.json;
  return Uint8Array.from([...rest, ...new TextEncoder().encode(closing(json))]);
}

const strict = new TextDecoder("utf-8", { fatal: true });
const decodes = (bytes: Uint8Array) => {
  try {
    return strict.decode(bytes);
  } catch {
    return undefined;
  }
};

Deno.test("byte by byte: UTF-8 documents are accepted at every byte; only valid UTF-8 JSON completes", () => {
  const encode = (text: string) => new TextEncoder().encode(text);
  for (let trial = 0; trial < 200; trial++) {
    const bytes = encode(JSON.stringify(randomValue(0)));
    for (let end = 0; end <= bytes.length; end++) {
      const state = advanceJsonBytes(jsonBytes(JSON_VALUE_START), bytes.subarray(0, end));
      assert.ok(state !== null, `rejected at byte ${end} of ${strict.decode(bytes)}`);
      if (end === bytes.length) assert.ok(isJsonBytesComplete(state));
    }
  }
  // Random bytes around a string: ASCII JSON characters, UTF-8 leads and continuations, invalid bytes.
  const alphabet = [
    0x22,
    0x7b,
    0x7d,
    0x3a,
    0x30,
    0x61,
    0x5c,
    0x6e,
    0xc3,
    0xa9,
    0xe2,
    0x82,
    0xac,
    0xf0,
    0x9f,
    0x98,
    0x80,
    0xed,
    0xa0,
    0xe0,
    0xf4,
    0x90,
    0xc0,
    0xff,
  ];
  let [accepted, complete, rejected] = [0, 0, 0];
  for (let trial = 0; trial < 20_000; trial++) {
    const bytes = Uint8Array.from([
      0x7b,
      0x22,
      ...Array.from({ length: 1 + rng.nextInt(10) }, () => pick(alphabet)),
    ]);
    const state = advanceJsonBytes(jsonBytes(JSON_OBJECT_START), bytes);
    const text = decodes(bytes);
    if (state === null) {
      rejected++;
      assert.ok(text === undefined || !parses(text), `rejected but valid: ${bytes}`);
      continue;
    }
    accepted++;
    const closed = Uint8Array.from([...bytes, ...closingBytes(state)]);
    const decoded = decodes(closed);
    assert.ok(decoded !== undefined && parses(decoded), `${bytes} + ${closingBytes(state)}`);
    if (isJsonBytesComplete(state)) {
      complete++;
      assert.ok(text !== undefined && parses(text), `complete but invalid: ${bytes}`);
    }
  }
  // Random texts seldom close the object (the documents above do); every one that did was checked.
  assert.ok(accepted > 1000 && rejected > 1000, `${accepted} ${complete} ${rejected}`);
});
