/**
 * A compiled JSON Schema (json_schema.ts) as a byte-level pushdown automaton, for `response_format:
 * json_schema`: which UTF-8 byte strings are prefixes of a compact JSON document the schema accepts, and
 * when the document is whole.
 *
 * A thread is a stack of frames, one per value being written, innermost last; `anyOf` and enum values that
 * are prefixes of one another make the automaton nondeterministic, so a state is the set of threads still
 * alive. A frame that could end (a number, an enum value) is also tried as ended: the byte then goes to
 * its parent. Frames that cannot take another byte (a closed string, object or array) are popped at once,
 * so equal states have equal keys. Object keys come in the schema's order, optional ones may be skipped
 * (as OpenAI's structured outputs write them); strings are any valid UTF-8 with JSON escapes.
 *
 * @module
 */
import {
  advanceJsonByte,
  COMPLETE_NUMBER,
  isJsonBytesComplete,
  JSON_OBJECT_START,
  JSON_VALUE_START,
  jsonBytes,
  type JsonByteState,
  type NumberPart,
  numberStep,
} from "./json_grammar.ts";
import type { CompiledSchema } from "./json_schema.ts";

type ObjectPhase = "open" | "first" | "key" | "colon" | "value" | "after" | "comma" | "end";

/** One value being written. `n` is its schema node's index. */
type Frame =
  // Bytes matched, texts still matching, whether one of them is whole, whether one goes on.
  | { f: "lit"; n: number; at: number; alive: readonly number[]; whole: boolean; more: boolean }
  // A string: once its quote opens, json_grammar's byte automaton reads it (escapes, valid UTF-8).
  | { f: "str"; opened: boolean; s: JsonByteState }
  | { f: "num"; integer: boolean; part: NumberPart | "start" }
  // A key being matched: `at` bytes of the candidate properties `alive`; `prop` the last key written.
  | { f: "obj"; n: number; ph: ObjectPhase; next: number; prop: number; at: number; alive: readonly number[] }
  | { f: "map"; n: number; ph: ObjectPhase }
  | { f: "arr"; n: number; ph: "open" | "first" | "item" | "after" | "next" | "end"; count: number }
  | { f: "any"; s: JsonByteState };

type Thread = readonly Frame[];

/** Where the automaton is: every thread still alive (an empty thread has written the whole document). */
export interface SchemaState {
  readonly threads: readonly Thread[];
}

const QUOTE = 0x22;
/** Inside a string just opened: the rest is json_grammar's to read, up to its closing quote. */
const INSIDE_STRING = jsonBytes({ mode: "string", stack: "", key: false });
const byteOf = (ch: string) => ch.charCodeAt(0);

/** The start: one thread per way the root can begin. */
export function schemaStart(schema: CompiledSchema): SchemaState {
  return { threads: enter(schema, schema.root).map((frame) => [frame]) };
}

/**
 * The state after `bytes`, or null as soon as no document the schema accepts goes on that way.
 *
 * @example
 * ```ts
 * import { compileSchema } from "./json_schema.ts";
 * import { advanceSchemaBytes, isSchemaComplete, schemaStart } from "./schema_grammar.ts";
 * const schema = compileSchema({ type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] });
 * const bytes = (text: string) => new TextEncoder().encode(text);
 * const state = advanceSchemaBytes(schema, schemaStart(schema), bytes('{"ok":tru'));
 * if (state === null || isSchemaComplete(state)) throw new Error();
 * if (advanceSchemaBytes(schema, schemaStart(schema), bytes('{"no"')) !== null) throw new Error();
 * if (!isSchemaComplete(advanceSchemaBytes(schema, state, bytes("e}"))!)) throw new Error();
 * ```
 */
export function advanceSchemaBytes(
  schema: CompiledSchema,
  state: SchemaState,
  bytes: Uint8Array,
): SchemaState | null {
  let threads = state.threads;
  for (const byte of bytes) {
    const next: Thread[] = [];
    for (const thread of threads) step(schema, thread, byte, next);
    if (next.length === 0) return null;
    threads = next.length === 1 ? next : unique(next);
  }
  return { threads };
}

/** Whether the bytes so far are a whole document the schema accepts. */
export function isSchemaComplete(state: SchemaState): boolean {
  return state.threads.some((thread) => thread.length === 0 || (thread.length === 1 && canEnd(thread[0])));
}

/** A key for the state (equal states, equal keys: masks are cached by it). */
export function schemaStateKey(state: SchemaState): string {
  return JSON.stringify(state.threads);
}

/** The frames a node's value can start as (several for anyOf). */
function enter(schema: CompiledSchema, index: number, seen: ReadonlySet<number> = new Set()): Frame[] {
  const node = schema.nodes[index];
  switch (node.kind) {
    case "any":
      return [{ f: "any", s: jsonBytes(JSON_VALUE_START) }];
    case "any_object":
      return [{ f: "any", s: jsonBytes(JSON_OBJECT_START) }];
    case "literal":
      return [{ f: "lit", n: index, at: 0, alive: node.texts.map((_, k) => k), whole: false, more: true }];
    case "string":
      return [{ f: "str", opened: false, s: INSIDE_STRING }];
    case "number":
      return [{ f: "num", integer: node.integer, part: "start" }];
    case "array":
      return [{ f: "arr", n: index, ph: "open", count: 0 }];
    case "object":
      return [{ f: "obj", n: index, ph: "open", next: 0, prop: -1, at: 0, alive: [] }];
    case "map":
      return [{ f: "map", n: index, ph: "open" }];
    case "any_of": {
      // An anyOf that reaches itself without writing a byte adds no way to start.
      const inner = new Set(seen).add(index);
      return node.options.flatMap((option) => inner.has(option) ? [] : enter(schema, option, inner));
    }
  }
}

/** Feeds `byte` to `thread`; every thread it can become goes into `out`. */
function step(schema: CompiledSchema, thread: Thread, byte: number, out: Thread[]): void {
  if (thread.length === 0) return; // the document is whole: nothing may follow
  consume(schema, thread, byte, out);
  // A value that may end here may also have ended: the byte then belongs to its parent.
  if (canEnd(thread[thread.length - 1])) {
    const parent = popped(thread);
    if (parent.length > 0) step(schema, parent, byte, out);
  }
}

/** The innermost frame takes `byte`. */
function consume(schema: CompiledSchema, thread: Thread, byte: number, out: Thread[]): void {
  const top = thread[thread.length - 1];
  const base = thread.slice(0, -1);
  const put = (frame: Frame) => out.push(settled([...base, frame]));
  /** `frame` waits for a child value, which `byte` starts. */
  const startChild = (frame: Frame, node: number) => {
    for (const child of enter(schema, node)) consume(schema, [...base, frame, child], byte, out);
  };
  /** `frame` waits for a child value, which starts at the next byte. */
  const openChild = (frame: Frame, node: number) => {
    for (const child of enter(schema, node)) out.push([...base, frame, child]);
  };
  switch (top.f) {
    case "lit": {
      const texts = literalTexts(schema, top.n);
      const alive = top.alive.filter((k) => texts[k][top.at] === byte);
      const at = top.at + 1;
      if (alive.length > 0) {
        const whole = alive.some((k) => texts[k].length === at);
        put({ ...top, at, alive, whole, more: alive.some((k) => texts[k].length > at) });
      }
      return;
    }
    case "str": {
      if (!top.opened) {
        if (byte === QUOTE) put({ ...top, opened: true });
        return;
      }
      const s = advanceJsonByte(top.s, byte);
      if (s) put({ ...top, s });
      return;
    }
    case "num": {
      if (byte >= 0x80) return;
      const ch = String.fromCharCode(byte);
      let part: NumberPart | "end" | null;
      if (top.part === "start") {
        part = ch === "-" ? "minus" : ch === "0" ? "zero" : ch >= "1" && ch <= "9" ? "int" : null;
      } else {
        part = numberStep(top.part, ch);
      }
      if (part === null || part === "end" || (top.integer && (part === "dot" || part === "e"))) return;
      put({ ...top, part });
      return;
    }
    case "any": {
      const s = advanceJsonByte(top.s, byte);
      if (s) put({ f: "any", s });
      return;
    }
    case "obj": {
      const node = schema.nodes[top.n];
      if (node.kind !== "object") throw new Error("object frame on a non-object node");
      const { properties } = node;
      /** The properties that may come next: up to and including the first required one. */
      const nextKeys = (from: number) => {
        const keys: number[] = [];
        for (let j = from; j < properties.length; j++) {
          keys.push(j);
          if (properties[j].required) break;
        }
        return keys;
      };
      const mayClose = (from: number) => properties.slice(from).every((p) => !p.required);
      switch (top.ph) {
        case "open":
          if (byte === byteOf("{")) put({ ...top, ph: "first" });
          break;
        case "first":
        case "comma": {
          if (top.ph === "first" && byte === byteOf("}") && mayClose(0)) put({ ...top, ph: "end" });
          const alive = nextKeys(top.next);
          if (byte === QUOTE && alive.length > 0) put({ ...top, ph: "key", at: 1, alive });
          break;
        }
        case "key": {
          const alive = top.alive.filter((j) => properties[j].key[top.at] === byte);
          if (alive.length === 1 && top.at + 1 === properties[alive[0]].key.length) {
            put({ ...top, ph: "colon", prop: alive[0], next: alive[0] + 1, at: 0, alive: [] });
          } else if (alive.length > 0) put({ ...top, at: top.at + 1, alive });
          break;
        }
        case "colon":
          if (byte === byteOf(":")) openChild({ ...top, ph: "value" }, properties[top.prop].value);
          break;
        case "after":
          if (byte === byteOf(",") && nextKeys(top.next).length > 0) put({ ...top, ph: "comma" });
          if (byte === byteOf("}") && mayClose(top.next)) put({ ...top, ph: "end" });
          break;
        default:
          break;
      }
      return;
    }
    case "map": {
      const node = schema.nodes[top.n];
      if (node.kind !== "map") throw new Error("map frame on a non-map node");
      const key: Frame = { f: "str", opened: true, s: INSIDE_STRING };
      switch (top.ph) {
        case "open":
          if (byte === byteOf("{")) put({ ...top, ph: "first" });
          break;
        case "first":
        case "comma":
          if (top.ph === "first" && byte === byteOf("}")) put({ ...top, ph: "end" });
          if (byte === QUOTE) out.push([...base, { ...top, ph: "key" }, key]);
          break;
        case "colon":
          if (byte === byteOf(":")) openChild({ ...top, ph: "value" }, node.values);
          break;
        case "after":
          if (byte === byteOf(",")) put({ ...top, ph: "comma" });
          if (byte === byteOf("}")) put({ ...top, ph: "end" });
          break;
        default:
          break;
      }
      return;
    }
    case "arr": {
      const node = schema.nodes[top.n];
      if (node.kind !== "array") throw new Error("array frame on a non-array node");
      switch (top.ph) {
        case "open":
          if (byte === byteOf("[")) put({ ...top, ph: "first" });
          break;
        case "first":
          if (byte === byteOf("]") && node.minItems === 0) put({ ...top, ph: "end" });
          if (node.maxItems > 0) startChild({ ...top, ph: "item" }, node.items);
          break;
        case "next":
          startChild({ ...top, ph: "item" }, node.items);
          break;
        case "after":
          if (byte === byteOf(",") && top.count < node.maxItems) put({ ...top, ph: "next" });
          if (byte === byteOf("]") && top.count >= node.minItems) put({ ...top, ph: "end" });
          break;
        default:
          break;
      }
      return;
    }
  }
}

function literalTexts(schema: CompiledSchema, index: number): readonly Uint8Array[] {
  const node = schema.nodes[index];
  if (node.kind !== "literal") throw new Error("literal frame on a non-literal node");
  return node.texts;
}

/** Whether the value of `frame` may end here. */
function canEnd(frame: Frame): boolean {
  switch (frame.f) {
    case "lit":
      return frame.whole;
    case "str":
      return frame.s.json.mode === "done";
    case "obj":
    case "map":
    case "arr":
      return frame.ph === "end";
    case "num":
      return frame.part !== "start" && COMPLETE_NUMBER.has(frame.part);
    case "any":
      return isJsonBytesComplete(frame.s);
  }
}

/** Whether a frame can take no further byte (it is popped at once). */
function isFinal(frame: Frame): boolean {
  if (frame.f === "lit") return frame.whole && !frame.more;
  if (frame.f === "str") return frame.s.json.mode === "done";
  return (frame.f === "obj" || frame.f === "map" || frame.f === "arr") && frame.ph === "end";
}

/** The thread with its innermost value ended: the parent moves past it. */
function popped(thread: Thread): Thread {
  const rest = thread.slice(0, -1);
  if (rest.length === 0) return rest;
  const parent = rest[rest.length - 1];
  let after: Frame;
  switch (parent.f) {
    case "obj":
      after = { ...parent, ph: "after" };
      break;
    case "map":
      after = { ...parent, ph: parent.ph === "key" ? "colon" : "after" };
      break;
    case "arr":
      after = { ...parent, ph: "after", count: parent.count + 1 };
      break;
    default:
      throw new Error(`a ${parent.f} frame has no child values`);
  }
  return [...rest.slice(0, -1), after];
}

/** Pops the frames that can take no further byte. */
function settled(thread: Thread): Thread {
  let current = thread;
  while (current.length > 0 && isFinal(current[current.length - 1])) current = popped(current);
  return current;
}

function unique(threads: Thread[]): Thread[] {
  const seen = new Map<string, Thread>();
  for (const thread of threads) seen.set(JSON.stringify(thread), thread);
  return [...seen.values()];
}
