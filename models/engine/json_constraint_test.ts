/**
 * The JSON constraint's mask on a small vocabulary, against the byte grammar token by token: which ids
 * stay (a character split over two tokens must be finished by the next), end-of-sequence only once the
 * object is whole, special tokens never, and an end when nothing else can come; candidates sharing a mask
 * cache see what a fresh constraint computes.
 */
import assert from "node:assert/strict";
import { compiledSchema, JSON_OBJECT_GRAMMAR, JsonConstraint, schemaGrammar } from "./json_constraint.ts";
import { advanceJsonBytes, JSON_OBJECT_START, jsonBytes } from "./json_grammar.ts";

const encode = (text: string) => new TextEncoder().encode(text);

// id 0 is end-of-sequence, id 1 a special token; 14 and 15 are the two bytes of "é" as tokens of their own.
const TEXTS = ["", "", "{", "}", '{"', "a", "é", '":', "1", ',"', "x", " ", '"}', "\u0001"];
const TOKENS = [
  ...TEXTS.map((text) => (text === "" ? null : new TextEncoder().encode(text))),
  Uint8Array.of(0xc3),
  Uint8Array.of(0xa9),
];
const allowed = (constraint: JsonConstraint) => {
  const logits = new Float32Array(TOKENS.length);
  constraint.mask(logits, new Map());
  return [...logits.keys()].filter((id) => logits[id] !== -Infinity);
};

Deno.test("the mask keeps exactly the tokens that continue the object, and the end once it is whole", () => {
  const constraint = new JsonConstraint(JSON_OBJECT_GRAMMAR, TOKENS, [0]);
  const path = [4, 5, 6, 7, 8, 9, 5, 7, 8, 3]; // {"aé":1,"a":1}
  let text = "";
  for (const id of path) {
    // Reference: the grammar on the text so far plus each token's text; the end only when complete.
    const expected = TOKENS.flatMap((bytes, i) => {
      if (i === 0) return constraint.complete ? [0] : [];
      if (bytes === null) return [];
      return advanceJsonBytes(jsonBytes(JSON_OBJECT_START), Uint8Array.from([...encode(text), ...bytes])) !==
          null
        ? [i]
        : [];
    });
    assert.deepEqual(allowed(constraint), expected, `after ${JSON.stringify(text)}`);
    assert.ok(expected.includes(id), `${JSON.stringify(text)} + ${JSON.stringify(TEXTS[id])}`);
    constraint.accept(id);
    text += TEXTS[id];
  }
  assert.equal(text, '{"aé":1,"a":1}');
  assert.deepEqual(JSON.parse(text), { "aé": 1, a: 1 });
  // The same key with "é" as two one-byte tokens: after the lead byte only its continuation fits.
  const split = new JsonConstraint(JSON_OBJECT_GRAMMAR, TOKENS, [0], [4, 5, 14]);
  assert.deepEqual(allowed(split), [15]);
  split.accept(15);
  assert.ok(allowed(split).includes(7));
  assert.ok(constraint.complete);
  assert.deepEqual(allowed(constraint), [0]); // only the end
  constraint.accept(0); // the end changes nothing
  assert.ok(constraint.complete);
});

Deno.test("resumed tokens set the state; ids already removed stay removed; nothing allowed → the end", () => {
  const resumed = new JsonConstraint(JSON_OBJECT_GRAMMAR, TOKENS, [0], [4, 5]); // {"a
  // Inside a key: its end fits, a control character does not, nor the end of the document.
  assert.ok(allowed(resumed).includes(7) && !allowed(resumed).includes(13) && !allowed(resumed).includes(0));
  const logits = new Float32Array(TOKENS.length).fill(-Infinity);
  logits[7] = 0; // an earlier processor (logit_bias, top-k) left one token; it fits
  resumed.mask(logits, new Map());
  assert.deepEqual([...logits.keys()].filter((id) => logits[id] !== -Infinity), [7]);
  // A vocabulary without "}" or '"': after "{" nothing fits, so the end is allowed rather than nothing.
  const poor = new JsonConstraint(JSON_OBJECT_GRAMMAR, [null, encode("{"), encode("x")], [0], [1]);
  const row = new Float32Array(3);
  poor.mask(row, new Map());
  assert.deepEqual([...row], [0, -Infinity, -Infinity]);
});

Deno.test("candidates sharing a mask cache get the masks a fresh constraint computes", () => {
  const masks = new Map<string, Uint8Array>();
  const [first, second] = [
    new JsonConstraint(JSON_OBJECT_GRAMMAR, TOKENS, [0], [], masks),
    new JsonConstraint(JSON_OBJECT_GRAMMAR, TOKENS, [0], [], masks),
  ];
  const path = [4, 5, 7, 8, 3];
  for (const id of path) {
    const fresh = new JsonConstraint(JSON_OBJECT_GRAMMAR, TOKENS, [0], path.slice(0, path.indexOf(id)));
    assert.deepEqual(allowed(first), allowed(fresh));
    assert.deepEqual(allowed(second), allowed(fresh)); // from the cache the first filled
    first.accept(id);
    second.accept(id);
  }
  // One mask per distinct state, shared: inside the key before and after "a" is one state.
  assert.equal(masks.size, path.length - 1);
});

Deno.test("a schema's constraint allows what its grammar does, and its masks never mix with json_object's", () => {
  const schema = compiledSchema({ type: "object", properties: { a: { type: "integer" } }, required: ["a"] });
  const masks = new Map<string, Uint8Array>();
  const object = new JsonConstraint(JSON_OBJECT_GRAMMAR, TOKENS, [0], [], masks);
  const constrained = new JsonConstraint(schemaGrammar(schema), TOKENS, [0], [], masks);
  const steps: [number, number[]][] = [
    [4, [2, 4]], // {" — also "{" alone
    [5, [5]], // a — not "é" or its bytes: the key must be "a"
    [7, [7]], // ":
    [8, [8]], // 1 — an integer
    [3, [3, 8]], // } — or more digits; not ',"' (no more properties) nor '"}'
  ];
  for (const [id, expected] of steps) {
    allowed(object); // the json_object constraint fills the shared cache at the same states first
    assert.deepEqual(allowed(constrained), expected);
    object.accept(id);
    constrained.accept(id);
  }
  assert.ok(constrained.complete);
  assert.deepEqual(allowed(constrained), [0]);
  // The same schema compiled again is the same grammar (its masks are shared across requests).
  assert.equal(
    compiledSchema({ type: "object", properties: { a: { type: "integer" } }, required: ["a"] }),
    schema,
  );
});
