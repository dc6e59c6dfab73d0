/**
 * JSON Schema → the graph of nodes that `response_format: json_schema` decodes by (schema_grammar.ts).
 *
 * The subset is what OpenAI's structured outputs and Pydantic models use, enforced exactly: `type` (one or
 * a list), `properties` + `required` (keys come in the schema's order, optional ones may be left out),
 * `additionalProperties` as a schema without `properties` (a map, e.g. `dict[str, int]`), `items` with
 * `minItems` / `maxItems`, `enum`, `const`, `anyOf`, a one-element `allOf`, and `$ref` into the same
 * document (`#`, `#/$defs/…`, `#/definitions/…`; recursion allowed). Annotations are ignored, as JSON
 * Schema says they may be: `title`, `description`, `default`, `examples`, `format`, …. Any other keyword
 * would let the output break the schema, so it is refused with the keyword's name rather than ignored.
 *
 * @module
 */

/** A node of the compiled schema; nodes refer to each other by index, so recursion is a cycle. */
export type SchemaNode =
  | { kind: "any" } // any JSON value
  | { kind: "any_object" } // any JSON object
  | { kind: "literal"; texts: readonly Uint8Array[] } // one of these compact JSON texts (UTF-8)
  | { kind: "string" }
  | { kind: "number"; integer: boolean }
  | { kind: "array"; items: number; minItems: number; maxItems: number }
  | { kind: "object"; properties: readonly SchemaProperty[] }
  | { kind: "map"; values: number } // an object of any keys, every value of one node
  | { kind: "any_of"; options: readonly number[] };

/** One property of an object node: its key as the quoted JSON string's UTF-8 bytes. */
export interface SchemaProperty {
  name: string;
  key: Uint8Array;
  value: number;
  required: boolean;
}

/** A compiled schema: its nodes and the root's index. */
export interface CompiledSchema {
  nodes: readonly SchemaNode[];
  root: number;
}

/** A schema the decoder cannot enforce, with the reason (the route answers 400 with it). */
export class SchemaError extends Error {
  override name = "SchemaError";
}

const ANNOTATIONS = new Set([
  "$schema",
  "$id",
  "$comment",
  "$defs",
  "definitions",
  "title",
  "description",
  "default",
  "examples",
  "format", // an annotation unless a validator opts into format assertion
  "deprecated",
  "readOnly",
  "writeOnly",
  "strict",
]);
const TYPES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const;
type TypeName = (typeof TYPES)[number];
/** Keywords that apply to each type (besides `type`, `enum`, `const` and the annotations). */
const TYPE_KEYWORDS: Record<TypeName, readonly string[]> = {
  object: ["properties", "required", "additionalProperties"],
  array: ["items", "minItems", "maxItems", "uniqueItems"],
  string: [],
  number: [],
  integer: [],
  boolean: [],
  null: [],
};
/** Most nodes a schema may compile to (each is tried against the vocabulary as decoding goes). */
const MAX_NODES = 2000;

const encoder = new TextEncoder();

/**
 * Compiles `schema`; throws {@linkcode SchemaError} naming what cannot be enforced.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compileSchema, SchemaError } from "./json_schema.ts";
 * const schema = compileSchema({
 *   type: "object",
 *   properties: { name: { type: "string" }, age: { type: "integer" } },
 *   required: ["name", "age"],
 *   additionalProperties: false,
 * });
 * assert.equal(schema.nodes[schema.root].kind, "object");
 * assert.throws(() => compileSchema({ type: "string", pattern: "^a" }), SchemaError);
 * ```
 */
export function compileSchema(schema: unknown): CompiledSchema {
  const nodes: SchemaNode[] = [];
  const refs = new Map<string, number>();
  const add = (node: SchemaNode) => {
    if (nodes.length >= MAX_NODES) throw new SchemaError(`the schema is too large (over ${MAX_NODES} nodes)`);
    nodes.push(node);
    return nodes.length - 1;
  };

  const resolve = (ref: string, at: string): number => {
    const known = refs.get(ref);
    if (known !== undefined) return known;
    if (ref !== "#" && !ref.startsWith("#/")) {
      throw new SchemaError(
        `${at}: only references into the same schema ("#/…") are supported, got "${ref}"`,
      );
    }
    let target: unknown = schema;
    for (const raw of ref === "#" ? [] : ref.slice(2).split("/")) {
      const segment = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      // JSON Pointer: object members by name, list items by index.
      if (typeof target !== "object" || target === null || !Object.hasOwn(target, segment)) {
        throw new SchemaError(`${at}: "$ref" "${ref}" points nowhere in the schema`);
      }
      target = (target as Record<string, unknown>)[segment];
    }
    // Reserve the node first, so a schema that refers to itself compiles to a cycle.
    const index = add({ kind: "any" });
    refs.set(ref, index);
    nodes[index] = nodes[compile(target, ref)];
    return index;
  };

  const compile = (node: unknown, at: string): number => {
    if (node === true) return add({ kind: "any" });
    if (!isObject(node)) {
      throw new SchemaError(`${at}: a schema must be an object or true, got ${brief(node)}`);
    }
    const keys = Object.keys(node).filter((key) => !ANNOTATIONS.has(key));
    if (keys.includes("$ref")) {
      only(keys, ["$ref"], at, "with $ref");
      if (typeof node.$ref !== "string") throw new SchemaError(`${at}: "$ref" must be a string`);
      return resolve(node.$ref, at);
    }
    if (keys.includes("anyOf") || keys.includes("allOf")) {
      const keyword = keys.includes("anyOf") ? "anyOf" : "allOf";
      only(keys, [keyword], at, `with ${keyword}`);
      const list = node[keyword];
      if (!Array.isArray(list) || list.length === 0) {
        throw new SchemaError(`${at}: "${keyword}" must be a non-empty list of schemas`);
      }
      if (keyword === "allOf") {
        if (list.length > 1) {
          throw new SchemaError(`${at}: "allOf" with more than one schema is not supported`);
        }
        return compile(list[0], `${at}/allOf/0`);
      }
      const index = add({ kind: "any" });
      nodes[index] = {
        kind: "any_of",
        options: list.map((option, i) => compile(option, `${at}/anyOf/${i}`)),
      };
      return index;
    }
    if (keys.includes("const") || keys.includes("enum")) {
      const values = keys.includes("const") ? [node.const] : node.enum;
      if (!Array.isArray(values) || values.length === 0) {
        throw new SchemaError(`${at}: "enum" must be a non-empty list`);
      }
      only(keys, ["const", "enum", "type"], at, "with enum or const");
      return add({ kind: "literal", texts: values.map((value) => encoder.encode(JSON.stringify(value))) });
    }
    const types = typesOf(node, at);
    if (types.length > 1) {
      const index = add({ kind: "any" });
      nodes[index] = { kind: "any_of", options: types.map((type) => compileType(node, keys, type, at)) };
      return index;
    }
    if (types.length === 1) return compileType(node, keys, types[0], at);
    only(keys, [], at, "without a type");
    return add({ kind: "any" });
  };

  const compileType = (node: Record<string, unknown>, keys: string[], type: TypeName, at: string): number => {
    const allowed = ["type", ...TYPE_KEYWORDS[type]];
    only(keys.filter((key) => allowed.includes(key) || !isTypeKeyword(key)), allowed, at, `of type ${type}`);
    switch (type) {
      case "string":
        return add({ kind: "string" });
      case "number":
      case "integer":
        return add({ kind: "number", integer: type === "integer" });
      case "boolean":
        return add({ kind: "literal", texts: [encoder.encode("true"), encoder.encode("false")] });
      case "null":
        return add({ kind: "literal", texts: [encoder.encode("null")] });
      case "array": {
        if (node.uniqueItems === true) throw new SchemaError(`${at}: "uniqueItems" is not supported`);
        const minItems = count(node.minItems, 0, `${at}/minItems`);
        const maxItems = count(node.maxItems, Infinity, `${at}/maxItems`);
        if (minItems > maxItems) throw new SchemaError(`${at}: minItems is above maxItems`);
        const index = add({ kind: "any" });
        const items = node.items === undefined ? add({ kind: "any" }) : compile(node.items, `${at}/items`);
        nodes[index] = { kind: "array", items, minItems, maxItems };
        return index;
      }
      case "object":
        return compileObject(node, at);
    }
  };

  const compileObject = (node: Record<string, unknown>, at: string): number => {
    const { properties, required = [], additionalProperties } = node;
    if (!Array.isArray(required) || required.some((name) => typeof name !== "string")) {
      throw new SchemaError(`${at}: "required" must be a list of property names`);
    }
    if (properties === undefined) {
      if (required.length > 0) throw new SchemaError(`${at}: "required" names properties the schema lacks`);
      if (additionalProperties === false) return add({ kind: "literal", texts: [encoder.encode("{}")] });
      if (additionalProperties === undefined || additionalProperties === true) {
        return add({ kind: "any_object" });
      }
      const index = add({ kind: "any" });
      nodes[index] = { kind: "map", values: compile(additionalProperties, `${at}/additionalProperties`) };
      return index;
    }
    if (!isObject(properties)) throw new SchemaError(`${at}: "properties" must be an object`);
    const missing = required.filter((name) => !Object.hasOwn(properties, name));
    if (missing.length > 0) {
      throw new SchemaError(`${at}: "required" names properties the schema lacks: ${missing.join(", ")}`);
    }
    // Only the listed properties are ever written, so any additionalProperties is satisfied.
    const index = add({ kind: "any" });
    nodes[index] = {
      kind: "object",
      properties: Object.entries(properties).map(([name, value]) => ({
        name,
        key: encoder.encode(JSON.stringify(name)),
        value: compile(value, `${at}/properties/${name}`),
        required: required.includes(name),
      })),
    };
    return index;
  };

  const root = compile(schema, "#");
  return { nodes, root };
}

/** The schema's types: its `type` keyword, else inferred from type-specific keywords, else none (any). */
function typesOf(node: Record<string, unknown>, at: string): TypeName[] {
  const { type } = node;
  if (type === undefined) {
    if ("properties" in node || "additionalProperties" in node || "required" in node) return ["object"];
    if ("items" in node || "minItems" in node || "maxItems" in node) return ["array"];
    return [];
  }
  const list = Array.isArray(type) ? type : [type];
  for (const name of list) {
    if (!TYPES.includes(name)) throw new SchemaError(`${at}: unknown type ${brief(name)}`);
  }
  if (list.length === 0) throw new SchemaError(`${at}: "type" is an empty list`);
  return [...new Set(list as TypeName[])];
}

const isTypeKeyword = (key: string) => Object.values(TYPE_KEYWORDS).some((list) => list.includes(key));

/** Throws unless every keyword in `keys` (the node's non-annotation keywords) is in `allowed`. */
function only(
  keys: readonly string[],
  allowed: readonly string[],
  at: string,
  context: string,
): void {
  const refused = keys.filter((key) => !allowed.includes(key));
  if (refused.length > 0) {
    throw new SchemaError(
      `${at}: "${refused[0]}" ${context} is not supported by response_format json_schema ` +
        `(supported: type, properties, required, additionalProperties, items, minItems, maxItems, enum, const, ` +
        `anyOf, a one-element allOf, $ref)`,
    );
  }
}

function count(value: unknown, fallback: number, at: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || (value as number) < 0) {
    throw new SchemaError(`${at} must be a non-negative integer`);
  }
  return value as number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function brief(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? text.slice(0, 40) + "…" : text;
}
