/**
 * The schema automaton against an independent reference: a direct JSON Schema validator of parsed values
 * (written from the specification's semantics, sharing no code with the compiler). For each test schema:
 * random documents the schema accepts, written with keys in the schema's order, are accepted at every byte
 * prefix and whole at the end; random byte-by-byte walks through the automaton end in documents that are
 * valid UTF-8, parse, and validate; random JSON values the validator rejects are never whole. Unsupported
 * keywords are refused by name.
 */
import assert from "node:assert/strict";
import { Rng } from "../random.ts";
import { compileSchema, SchemaError } from "./json_schema.ts";
import { advanceSchemaBytes, isSchemaComplete, schemaStart, type SchemaState } from "./schema_grammar.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = boolean | { [key: string]: unknown };

const rng = new Rng(29);
const pick = <T>(items: readonly T[]): T => items[rng.nextInt(items.length)];
const encoder = new TextEncoder();
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

// ---- the reference: JSON Schema's semantics on parsed values ---------------------------------------

function resolvePointer(root: Schema, ref: string): Schema {
  let target: unknown = root;
  for (const segment of ref === "#" ? [] : ref.slice(2).split("/")) {
    target = (target as Record<string, unknown>)[segment.replaceAll("~1", "/").replaceAll("~0", "~")];
  }
  return target as Schema;
}

function isType(value: Json, type: string): boolean {
  switch (type) {
    case "null":
      return value === null;
    case "boolean":
      return typeof value === "boolean";
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number";
    case "integer":
      return typeof value === "number" && Number.isInteger(value);
    case "array":
      return Array.isArray(value);
    case "object":
      return typeof value === "object" && value !== null && !Array.isArray(value);
  }
  throw new Error(type);
}

const deepEqual = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function validates(value: Json, schema: Schema, root: Schema): boolean {
  if (schema === true) return true;
  if (schema === false) return false;
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === "string") return validates(value, resolvePointer(root, s.$ref), root);
  if (Array.isArray(s.anyOf) && !s.anyOf.some((option) => validates(value, option, root))) return false;
  if (Array.isArray(s.allOf) && !s.allOf.every((part) => validates(value, part, root))) return false;
  if ("const" in s && !deepEqual(value, s.const)) return false;
  if (Array.isArray(s.enum) && !s.enum.some((option) => deepEqual(value, option))) return false;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? s.type : [s.type];
    if (!types.some((type) => isType(value, type))) return false;
  }
  if (isType(value, "object")) {
    const object = value as Record<string, Json>;
    const properties = (s.properties ?? {}) as Record<string, Schema>;
    for (const name of (s.required ?? []) as string[]) if (!Object.hasOwn(object, name)) return false;
    for (const [key, item] of Object.entries(object)) {
      if (Object.hasOwn(properties, key)) {
        if (!validates(item, properties[key], root)) return false;
      } else if (s.additionalProperties !== undefined) {
        if (!validates(item, s.additionalProperties as Schema, root)) return false;
      }
    }
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === "number" && value.length < s.minItems) return false;
    if (typeof s.maxItems === "number" && value.length > s.maxItems) return false;
    if (s.items !== undefined && !value.every((item) => validates(item, s.items as Schema, root))) {
      return false;
    }
  }
  return true;
}

// ---- random values --------------------------------------------------------------------------------

function randomString(): string {
  const pieces = ["a", "Z", " ", '"', "\\", "/", "\n", "\u0001", "é", "€", "😀", "\u2028", "{", "]", ":"];
  return Array.from({ length: rng.nextInt(5) }, () => pick(pieces)).join("");
}

function randomNumber(integer: boolean): number {
  return integer ? pick([0, 7, -12, 123456789, -1]) : pick([0, -0.5, 7, 3.25, 1e21, 1.5e-7, -2.5e300, -12]);
}

function randomAny(depth: number): Json {
  switch (rng.nextInt(depth > 2 ? 4 : 6)) {
    case 0:
      return randomString();
    case 1:
      return randomNumber(rng.nextInt(2) === 0);
    case 2:
      return pick([true, false, null]);
    case 3:
      return pick([{}, [], "x", 1]);
    case 4:
      return Array.from({ length: rng.nextInt(3) }, () => randomAny(depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: rng.nextInt(3) }, () => [randomString(), randomAny(depth + 1)]),
      );
  }
}

/** A random value `schema` accepts, keys in the schema's order (optional ones left out at random). */
function randomValid(schema: Schema, root: Schema, depth = 0): Json {
  if (schema === true) return randomAny(depth);
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === "string") return randomValid(resolvePointer(root, s.$ref), root, depth);
  if (Array.isArray(s.anyOf)) return randomValid(pick(s.anyOf), root, depth);
  if (Array.isArray(s.allOf)) return randomValid(s.allOf[0], root, depth);
  if ("const" in s) return s.const as Json;
  if (Array.isArray(s.enum)) return pick(s.enum) as Json;
  const types = s.type === undefined
    ? (s.properties || s.additionalProperties ? ["object"] : [])
    : [s.type].flat();
  const type = types.length === 0 ? undefined : pick(types as string[]);
  switch (type) {
    case undefined:
      return randomAny(depth);
    case "null":
      return null;
    case "boolean":
      return pick([true, false]);
    case "string":
      return randomString();
    case "number":
    case "integer":
      return randomNumber(type === "integer");
    case "array": {
      const min = (s.minItems as number | undefined) ?? 0;
      const max = Math.min((s.maxItems as number | undefined) ?? min + 3, min + 3);
      const length = depth > 3 ? min : min + rng.nextInt(max - min + 1);
      return Array.from(
        { length },
        () => s.items === undefined ? randomAny(depth + 1) : randomValid(s.items as Schema, root, depth + 1),
      );
    }
    default: {
      const required = (s.required ?? []) as string[];
      if (s.properties === undefined) {
        if (s.additionalProperties === false) return {};
        const values = (s.additionalProperties ?? true) as Schema;
        return Object.fromEntries(
          Array.from(
            { length: depth > 3 ? 0 : rng.nextInt(3) },
            () => [randomString(), randomValid(values, root, depth + 1)],
          ),
        );
      }
      const entries = Object.entries(s.properties as Record<string, Schema>)
        .filter(([name]) => required.includes(name) || (depth < 4 && rng.nextInt(2) === 0));
      return Object.fromEntries(entries.map(([name, value]) => [name, randomValid(value, root, depth + 1)]));
    }
  }
}

// ---- the schemas ----------------------------------------------------------------------------------

const SCHEMAS: Record<string, Schema> = {
  person: {
    type: "object",
    properties: {
      name: { type: "string" },
      age: { type: "integer" },
      email: { type: ["string", "null"] },
      tags: { type: "array", items: { type: "string" }, maxItems: 3 },
      score: { type: "number", description: "an annotation" },
    },
    required: ["name", "age"],
    additionalProperties: false,
  },
  literals: {
    type: "object",
    properties: {
      pick: { enum: [1, 12, 123, "a", "ab", null, true, { "k": [1] }, "café"] },
      fixed: { const: "yes" },
      flag: { type: "boolean" },
      nothing: { type: "null" },
      closed: { type: "object", additionalProperties: false },
    },
    required: ["pick", "fixed", "flag", "nothing", "closed"],
  },
  unions: {
    anyOf: [
      {
        type: "object",
        properties: { kind: { const: "circle" }, r: { type: "number" } },
        required: ["kind", "r"],
      },
      {
        type: "object",
        properties: { kind: { const: "square" }, side: { type: "integer" } },
        required: ["kind"],
      },
      { type: "array", items: { type: "integer" }, minItems: 1, maxItems: 2 },
      { type: "integer" },
      { type: "number" },
    ],
  },
  recursive: {
    $defs: {
      "tree node": {
        type: "object",
        properties: {
          value: { type: "integer" },
          children: { type: "array", items: { $ref: "#/$defs/tree node" } },
        },
        required: ["value", "children"],
      },
    },
    allOf: [{ $ref: "#/$defs/tree node" }],
  },
  maps: {
    type: "object",
    properties: {
      counts: { type: "object", additionalProperties: { type: "integer" } },
      anything: {},
      'clé "quoted"': { type: "object" },
      list: { type: "array" },
    },
    required: ["counts", "anything", 'clé "quoted"', "list"],
  },
  optional: {
    type: "object",
    properties: { a: { type: "integer" }, b: { type: "integer" }, c: { type: "integer" } },
    required: ["b"],
  },
  topNumber: { type: "number" },
  // A reference into a list (JSON Pointer by index), as a schema embedded in another one has.
  pointer: { anyOf: [{ type: "integer" }, { type: "array", items: { $ref: "#/anyOf/0" }, maxItems: 3 }] },
};

function advance(schema: ReturnType<typeof compileSchema>, state: SchemaState | null, bytes: Uint8Array) {
  return state === null ? null : advanceSchemaBytes(schema, state, bytes);
}

for (const [name, raw] of Object.entries(SCHEMAS)) {
  const schema = compileSchema(raw);

  Deno.test(`schema grammar (${name}): every byte prefix of random valid documents is accepted, the whole is complete`, () => {
    for (let i = 0; i < 150; i++) {
      const value = randomValid(raw, raw);
      assert.ok(validates(value, raw, raw), `the generator wrote an invalid ${JSON.stringify(value)}`);
      const bytes = encoder.encode(JSON.stringify(value));
      let state: SchemaState | null = schemaStart(schema);
      for (let j = 0; j < bytes.length; j++) {
        state = advance(schema, state, bytes.subarray(j, j + 1));
        assert.ok(state !== null, `rejected ${JSON.stringify(value)} at byte ${j}`);
      }
      assert.ok(isSchemaComplete(state!), `not complete: ${JSON.stringify(value)}`);
    }
  });

  Deno.test(`schema grammar (${name}): random walks end in valid UTF-8 that parses and validates`, () => {
    const alphabet = Uint8Array.from({ length: 256 }, (_, b) => b);
    let completed = 0;
    for (let walk = 0; walk < 60; walk++) {
      let state = schemaStart(schema);
      const written: number[] = [];
      for (let length = 0; length < 400; length++) {
        if (isSchemaComplete(state) && (length > 60 || rng.nextInt(4) === 0)) break;
        const options: [number, SchemaState][] = [];
        for (const byte of alphabet) {
          const next = advanceSchemaBytes(schema, state, alphabet.subarray(byte, byte + 1));
          if (next) options.push([byte, next]);
        }
        assert.ok(options.length > 0 || isSchemaComplete(state), "a dead end that is not a whole document");
        if (options.length === 0) break;
        // Prefer structure over long strings, so walks finish.
        const structural = options.filter(([byte]) => '"]},:'.includes(String.fromCharCode(byte)));
        const [byte, next] = pick(structural.length > 0 && rng.nextInt(3) === 0 ? structural : options);
        written.push(byte);
        state = next;
      }
      if (!isSchemaComplete(state)) continue;
      completed++;
      const text = strictUtf8.decode(Uint8Array.from(written));
      const value = JSON.parse(text) as Json;
      assert.ok(validates(value, raw, raw), `${text} does not validate`);
    }
    assert.ok(completed >= 20, `only ${completed} of 60 walks wrote a whole document`);
  });

  Deno.test(`schema grammar (${name}): documents the reference rejects are never complete`, () => {
    let rejected = 0;
    for (let i = 0; i < 400; i++) {
      // Near misses (a valid document with one part swapped for a random value) and random values.
      const value = rng.nextInt(2) === 0 ? mutate(randomValid(raw, raw)) : randomAny(0);
      if (validates(value, raw, raw)) continue;
      rejected++;
      const state = advance(schema, schemaStart(schema), encoder.encode(JSON.stringify(value)));
      assert.ok(state === null || !isSchemaComplete(state), `accepted invalid ${JSON.stringify(value)}`);
    }
    assert.ok(rejected > 100, `only ${rejected} invalid documents tried`);
  });
}

/** The value with one nested part replaced by a random value. */
function mutate(value: Json): Json {
  if (Array.isArray(value) && value.length > 0 && rng.nextInt(2) === 0) {
    const copy = [...value];
    copy[rng.nextInt(copy.length)] = mutate(copy[rng.nextInt(copy.length)]);
    return copy;
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0 && rng.nextInt(3) > 0) {
      const key = pick(keys);
      return { ...value, [key]: mutate(value[key]) };
    }
    if (rng.nextInt(2) === 0) return { ...value, [randomString()]: randomAny(2) };
  }
  return randomAny(1);
}

Deno.test("compileSchema: keywords that cannot be enforced are refused by name", () => {
  const refused: [Schema, RegExp][] = [
    [{ type: "string", pattern: "^a" }, /"pattern"/],
    [{ type: "string", minLength: 2 }, /"minLength"/],
    [{ type: "integer", minimum: 0 }, /"minimum"/],
    [{ oneOf: [{ type: "string" }] }, /"oneOf"/],
    [{ not: { type: "string" } }, /"not"/],
    [{ type: "array", items: { type: "string" }, uniqueItems: true }, /uniqueItems/],
    [{ type: "array", prefixItems: [] }, /"prefixItems"/],
    [{ allOf: [{ type: "string" }, { type: "number" }] }, /allOf/],
    [{ $ref: "https://example.com/schema" }, /same schema/],
    [{ $ref: "#/$defs/missing" }, /points nowhere/],
    [{ type: "object", properties: { a: {} }, required: ["b"] }, /lacks: b/],
    [{ type: "text" }, /unknown type/],
    [{ type: "array", minItems: 3, maxItems: 2 }, /minItems is above maxItems/],
    [{ anyOf: [{ type: "string" }], type: "string" }, /"type" with anyOf/],
    [false, /must be an object or true/],
  ];
  for (const [schema, message] of refused) {
    assert.throws(
      () => compileSchema(schema),
      (error: unknown) => error instanceof SchemaError && message.test(error.message),
    );
  }
});
