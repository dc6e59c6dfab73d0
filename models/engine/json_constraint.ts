/**
 * Constrained decoding for `response_format` json_object and json_schema: one candidate's grammar state
 * (read byte by byte as UTF-8) and a logits processor that leaves only the tokens whose bytes continue the
 * document, and the end-of-sequence tokens only once it is complete. The text is compact JSON (no
 * whitespace between tokens) in valid UTF-8: a token holding part of a character is allowed only where
 * the character can go on, and the next token must finish it. A document cut off by max_tokens stays
 * unfinished, as OpenAI's JSON mode does.
 *
 * @module
 */
import {
  advanceJsonBytes,
  isJsonBytesComplete,
  JSON_OBJECT_START,
  jsonBytes,
  type JsonByteState,
} from "./json_grammar.ts";
import { type CompiledSchema, compileSchema } from "./json_schema.ts";
import type { LogitsProcessor } from "./logits_processors.ts";
import { advanceSchemaBytes, isSchemaComplete, schemaStart, schemaStateKey } from "./schema_grammar.ts";

/** A byte-level grammar: immutable states, so every vocabulary token can be tried from the same one. */
export interface ByteGrammar<State> {
  /** Names the grammar in a shared mask cache (equal ids, equal grammars). */
  readonly id: string;
  readonly start: State;
  /** The state after `bytes`, or null when no document goes on that way. */
  advance(state: State, bytes: Uint8Array): State | null;
  /** Whether the bytes so far are a whole document. */
  complete(state: State): boolean;
  /** Equal states, equal keys (masks are cached by them). */
  key(state: State): string;
}

/** `response_format: json_object`: any compact JSON object (json_grammar.ts). */
export const JSON_OBJECT_GRAMMAR: ByteGrammar<JsonByteState> = {
  id: "json_object",
  start: jsonBytes(JSON_OBJECT_START),
  advance: advanceJsonBytes,
  complete: isJsonBytesComplete,
  key: (state) => JSON.stringify(state),
};

/** Each compiled schema's grammar, made once: its start state and a short id for mask keys. */
const schemaGrammars = new WeakMap<CompiledSchema, ByteGrammar<unknown>>();
let schemaGrammarCount = 0;

/**
 * `response_format: json_schema`: compact JSON the compiled schema accepts (schema_grammar.ts). The same
 * compiled schema gives the same grammar, so its masks are shared by every request that sends it.
 */
export function schemaGrammar(schema: CompiledSchema): ByteGrammar<unknown> {
  let grammar = schemaGrammars.get(schema);
  if (grammar === undefined) {
    const made: ByteGrammar<ReturnType<typeof schemaStart>> = {
      id: `json_schema#${++schemaGrammarCount}`,
      start: schemaStart(schema),
      advance: (state, bytes) => advanceSchemaBytes(schema, state, bytes),
      complete: isSchemaComplete,
      key: schemaStateKey,
    };
    grammar = made as ByteGrammar<unknown>;
    schemaGrammars.set(schema, grammar);
  }
  return grammar;
}

/** Schemas compiled lately, by their JSON (a client sends the same schema with every request). */
const compiledSchemas = new Map<string, CompiledSchema>();
const MAX_COMPILED_SCHEMAS = 64;

/** {@linkcode compileSchema}, remembered for the schemas most lately used; throws SchemaError. */
export function compiledSchema(schema: unknown): CompiledSchema {
  const key = JSON.stringify(schema);
  let compiled = compiledSchemas.get(key);
  if (compiled === undefined) {
    compiled = compileSchema(schema);
    if (compiledSchemas.size >= MAX_COMPILED_SCHEMAS) {
      compiledSchemas.delete(compiledSchemas.keys().next().value!);
    }
  } else compiledSchemas.delete(key);
  compiledSchemas.set(key, compiled); // most lately used last
  return compiled;
}

/** Allowed-token masks by grammar state, shared by the candidates of one vocabulary (states recur). */
export type JsonMaskCache = Map<string, Uint8Array>;

/** Most masks a cache holds before it starts over (a mask is one byte per vocabulary id). */
const MAX_CACHED_MASKS = 1024;

/** One candidate's JSON constraint. */
export class JsonConstraint<State = unknown> {
  #state: State;

  /**
   * @param grammar what the document must be
   * @param tokens each token id's bytes (null: never allowed, as special tokens and ids beyond the tokenizer)
   * @param endTokenIds the model's end-of-sequence ids, allowed once the document is complete
   * @param resumed tokens generated before this request continues them (blockwise decoding)
   * @param masks the allowed ids per state for these `tokens`, filled as states are met
   */
  constructor(
    readonly grammar: ByteGrammar<State>,
    readonly tokens: readonly (Uint8Array | null)[],
    readonly endTokenIds: readonly number[],
    resumed: readonly number[] = [],
    readonly masks: JsonMaskCache = new Map(),
  ) {
    this.#state = grammar.start;
    for (const tokenId of resumed) this.accept(tokenId);
  }

  /** Whether the bytes so far are a whole document. */
  get complete(): boolean {
    return this.grammar.complete(this.#state);
  }

  /** Sets to −∞ every logit whose token cannot come next. */
  readonly mask: LogitsProcessor = (logits) => {
    const allowed = this.#allowed();
    let left = 0;
    for (let id = 0; id < logits.length; id++) {
      if (allowed[id] === 0) logits[id] = -Infinity;
      else if (logits[id] !== -Infinity) left++;
    }
    // Only possible if the vocabulary lacks what the document needs: end rather than sample from nothing.
    if (left === 0) { for (const id of this.endTokenIds) logits[id] = 0; }
  };

  /** Advances over a chosen token (end-of-sequence tokens change nothing). */
  accept(tokenId: number): void {
    if (this.endTokenIds.includes(tokenId)) return;
    const bytes = this.tokens[tokenId];
    if (bytes) this.#state = this.grammar.advance(this.#state, bytes) ?? this.#state;
  }

  /** 1 for each id that can come next from this state (the vocabulary is tried once per state). */
  #allowed(): Uint8Array {
    const key = `${this.grammar.id}\n${this.grammar.key(this.#state)}`;
    let allowed = this.masks.get(key);
    if (allowed !== undefined) return allowed;
    allowed = new Uint8Array(this.tokens.length);
    const complete = this.complete;
    for (let id = 0; id < this.tokens.length; id++) {
      const bytes = this.tokens[id];
      const ok = this.endTokenIds.includes(id)
        ? complete
        : bytes !== null && bytes.length > 0 && this.grammar.advance(this.#state, bytes) !== null;
      allowed[id] = ok ? 1 : 0;
    }
    if (this.masks.size >= MAX_CACHED_MASKS) this.masks.clear();
    this.masks.set(key, allowed);
    return allowed;
  }
}
