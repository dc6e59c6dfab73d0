/**
 * JSON as a character-level pushdown automaton, for constrained decoding (`response_format: json_object`):
 * which texts are prefixes of a JSON document, and when the document is complete. It accepts compact JSON
 * only (no whitespace between tokens), so a constrained model cannot pad its output with blank space forever.
 *
 * States are immutable values: `advanceJson` returns a new state (or null when the character cannot
 * continue a JSON document), so a constraint can try every vocabulary token from the same state.
 * `advanceJsonByte` reads the same grammar byte by byte as UTF-8 and accepts valid UTF-8 only.
 *
 * @module
 */

/** Where the automaton is. `stack`: open containers, innermost last ("o" object, "a" array). */
export type JsonState =
  | { mode: "object_only"; stack: "" } // the document must be an object: only "{"
  | { mode: "value"; stack: string }
  | { mode: "object_start"; stack: string } // after "{": a key or "}"
  | { mode: "object_key"; stack: string } // after "," in an object: a key
  | { mode: "colon"; stack: string }
  | { mode: "array_start"; stack: string } // after "[": a value or "]"
  | { mode: "after_value"; stack: string } // "," or the container's end
  | { mode: "string"; stack: string; key: boolean }
  | { mode: "escape"; stack: string; key: boolean }
  | { mode: "unicode"; stack: string; key: boolean; hexLeft: number }
  | { mode: "number"; stack: string; part: NumberPart }
  | { mode: "literal"; stack: string; rest: string }
  | { mode: "done"; stack: "" };

/** Where a number is: after "-", "0", integer digits, ".", fraction digits, "e", the exponent's sign, digits. */
export type NumberPart = "minus" | "zero" | "int" | "dot" | "frac" | "e" | "esign" | "exp";

/** The start of a document that must be an object (json_object). */
export const JSON_OBJECT_START: JsonState = { mode: "object_only", stack: "" };

/** The start of any JSON document. */
export const JSON_VALUE_START: JsonState = { mode: "value", stack: "" };

const isDigit = (ch: string) => ch >= "0" && ch <= "9";
const isHex = (ch: string) => isDigit(ch) || (ch >= "a" && ch <= "f") || (ch >= "A" && ch <= "F");
/** Number parts that can end the number. */
export const COMPLETE_NUMBER: ReadonlySet<NumberPart> = new Set(["zero", "int", "frac", "exp"]);

/** After a value closes: the document is done at the top level, else "," or the container's end. */
function afterValue(stack: string): JsonState {
  return stack === "" ? { mode: "done", stack: "" } : { mode: "after_value", stack };
}

/** A value starting with `ch`, or null. */
function startValue(stack: string, ch: string): JsonState | null {
  switch (ch) {
    case "{":
      return { mode: "object_start", stack: stack + "o" };
    case "[":
      return { mode: "array_start", stack: stack + "a" };
    case '"':
      return { mode: "string", stack, key: false };
    case "-":
      return { mode: "number", stack, part: "minus" };
    case "0":
      return { mode: "number", stack, part: "zero" };
    case "t":
      return { mode: "literal", stack, rest: "rue" };
    case "f":
      return { mode: "literal", stack, rest: "alse" };
    case "n":
      return { mode: "literal", stack, rest: "ull" };
    default:
      return isDigit(ch) ? { mode: "number", stack, part: "int" } : null;
  }
}

/** The next part of a number after `ch`, "end" when `ch` ends a complete number, or null. */
export function numberStep(part: NumberPart, ch: string): NumberPart | "end" | null {
  const digit = isDigit(ch);
  switch (part) {
    case "minus":
      return ch === "0" ? "zero" : digit ? "int" : null;
    case "zero":
      return ch === "." ? "dot" : ch === "e" || ch === "E" ? "e" : "end";
    case "int":
      return digit ? "int" : ch === "." ? "dot" : ch === "e" || ch === "E" ? "e" : "end";
    case "dot":
      return digit ? "frac" : null;
    case "frac":
      return digit ? "frac" : ch === "e" || ch === "E" ? "e" : "end";
    case "e":
      return ch === "+" || ch === "-" ? "esign" : digit ? "exp" : null;
    case "esign":
      return digit ? "exp" : null;
    case "exp":
      return digit ? "exp" : "end";
  }
}

/**
 * The state after one more character (one UTF-16 code unit), or null if no JSON document starts with
 * the text so far followed by `ch`.
 *
 * @example
 * ```ts
 * import { advanceJson, advanceJsonText, isJsonComplete, JSON_OBJECT_START } from "./json_grammar.ts";
 * const state = advanceJsonText(JSON_OBJECT_START, '{"a":[1,true');
 * if (state === null || isJsonComplete(state)) throw new Error();
 * if (advanceJson(state, "}") !== null) throw new Error("an array closes with ]");
 * if (!isJsonComplete(advanceJsonText(state, "]}")!)) throw new Error();
 * ```
 */
export function advanceJson(state: JsonState, ch: string): JsonState | null {
  const { stack } = state;
  switch (state.mode) {
    case "object_only":
      return ch === "{" ? { mode: "object_start", stack: "o" } : null;
    case "value":
      return startValue(stack, ch);
    case "object_start":
      if (ch === "}") return afterValue(stack.slice(0, -1));
      return ch === '"' ? { mode: "string", stack, key: true } : null;
    case "object_key":
      return ch === '"' ? { mode: "string", stack, key: true } : null;
    case "colon":
      return ch === ":" ? { mode: "value", stack } : null;
    case "array_start":
      return ch === "]" ? afterValue(stack.slice(0, -1)) : startValue(stack, ch);
    case "after_value": {
      const top = stack[stack.length - 1];
      if (ch === ",") return top === "o" ? { mode: "object_key", stack } : { mode: "value", stack };
      if ((top === "o" && ch === "}") || (top === "a" && ch === "]")) return afterValue(stack.slice(0, -1));
      return null;
    }
    case "string":
      if (ch === '"') return state.key ? { mode: "colon", stack } : afterValue(stack);
      if (ch === "\\") return { mode: "escape", stack, key: state.key };
      return ch.charCodeAt(0) < 0x20 ? null : state; // control characters must be escaped
    case "escape":
      if (ch === "u") return { mode: "unicode", stack, key: state.key, hexLeft: 4 };
      return '"\\/bfnrt'.includes(ch) ? { mode: "string", stack, key: state.key } : null;
    case "unicode":
      if (!isHex(ch)) return null;
      return state.hexLeft === 1
        ? { mode: "string", stack, key: state.key }
        : { ...state, hexLeft: state.hexLeft - 1 };
    case "number": {
      const next = numberStep(state.part, ch);
      if (next === null) return null;
      if (next !== "end") return { mode: "number", stack, part: next };
      // The number ended: the character belongs to what follows it.
      return stack === "" ? null : advanceJson({ mode: "after_value", stack }, ch);
    }
    case "literal":
      if (ch !== state.rest[0]) return null;
      return state.rest.length === 1
        ? afterValue(stack)
        : { mode: "literal", stack, rest: state.rest.slice(1) };
    case "done":
      return null;
  }
}

/** The state after `text`, or null as soon as a character cannot continue the document. */
export function advanceJsonText(state: JsonState, text: string): JsonState | null {
  let current: JsonState | null = state;
  for (let i = 0; i < text.length && current !== null; i++) current = advanceJson(current, text[i]);
  return current;
}

/** Whether the text so far is a whole JSON document (a top-level number may still grow). */
export function isJsonComplete(state: JsonState): boolean {
  return state.mode === "done" ||
    (state.mode === "number" && state.stack === "" && COMPLETE_NUMBER.has(state.part));
}

/**
 * A JSON state read byte by byte as UTF-8: the JSON state, and the character being read (its bytes still to
 * come, and the range its next byte must fall in). Only valid UTF-8 is accepted: no stray continuation
 * bytes, overlong forms, surrogates or code points beyond U+10FFFF.
 */
export interface JsonByteState {
  json: JsonState;
  pending: number;
  lo: number;
  hi: number;
}

/** `json` with no character half read. */
export function jsonBytes(json: JsonState): JsonByteState {
  return { json, pending: 0, lo: 0x80, hi: 0xbf };
}

/** How a UTF-8 lead byte goes on: continuation bytes to come and the range of the first (RFC 3629). */
function utf8Lead(byte: number): { pending: number; lo: number; hi: number } | null {
  if (byte >= 0xc2 && byte <= 0xdf) return { pending: 1, lo: 0x80, hi: 0xbf };
  if (byte === 0xe0) return { pending: 2, lo: 0xa0, hi: 0xbf };
  if (byte === 0xed) return { pending: 2, lo: 0x80, hi: 0x9f };
  if (byte >= 0xe1 && byte <= 0xef) return { pending: 2, lo: 0x80, hi: 0xbf };
  if (byte === 0xf0) return { pending: 3, lo: 0x90, hi: 0xbf };
  if (byte === 0xf4) return { pending: 3, lo: 0x80, hi: 0x8f };
  if (byte >= 0xf1 && byte <= 0xf3) return { pending: 3, lo: 0x80, hi: 0xbf };
  return null;
}

/**
 * The state after one more byte, or null. A character beyond ASCII counts as one string character (the
 * grammar treats them all alike), taken at its lead byte.
 *
 * @example
 * ```ts
 * import { advanceJsonBytes, JSON_OBJECT_START, jsonBytes } from "./json_grammar.ts";
 * const encode = (text: string) => new TextEncoder().encode(text);
 * const state = advanceJsonBytes(jsonBytes(JSON_OBJECT_START), encode('{"caf\u00e9'));
 * if (state === null || state.pending !== 0) throw new Error();
 * if (advanceJsonBytes(jsonBytes(JSON_OBJECT_START), Uint8Array.of(0x7b, 0x22, 0xc3, 0x22)) !== null) {
 *   throw new Error("a quote cannot finish a two-byte character");
 * }
 * ```
 */
export function advanceJsonByte(state: JsonByteState, byte: number): JsonByteState | null {
  if (state.pending > 0) {
    if (byte < state.lo || byte > state.hi) return null;
    return { json: state.json, pending: state.pending - 1, lo: 0x80, hi: 0xbf };
  }
  if (byte < 0x80) {
    const json = advanceJson(state.json, String.fromCharCode(byte));
    return json === null ? null : jsonBytes(json);
  }
  const lead = utf8Lead(byte);
  if (lead === null) return null;
  const json = advanceJson(state.json, "\u00e9");
  return json === null ? null : { json, ...lead };
}

/** The state after `bytes`, or null as soon as one cannot continue the document. */
export function advanceJsonBytes(state: JsonByteState, bytes: Uint8Array): JsonByteState | null {
  let current: JsonByteState | null = state;
  for (let i = 0; i < bytes.length && current !== null; i++) current = advanceJsonByte(current, bytes[i]);
  return current;
}

/** Whether the bytes so far are a whole JSON document, no character half read. */
export function isJsonBytesComplete(state: JsonByteState): boolean {
  return state.pending === 0 && isJsonComplete(state.json);
}
